//! Replays the committed fuzz corpus through the fuzz entry points: none may panic.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let r = std::panic::catch_unwind(|| f(&data));
        assert!(r.is_ok(), "{} panicked on {}", target, p.display());
        n += 1;
    }
    assert!(n >= 10, "corpus of {target} has only {n} inputs");
}

#[test]
fn spec_corpus_never_panics() {
    replay("spec", mcmc_audit::fuzzing::spec);
}

#[test]
fn npy_matrix_corpus_never_panics() {
    replay("npy_matrix", mcmc_audit::fuzzing::npy_matrix);
}

#[test]
fn trace_corpus_never_panics() {
    replay("trace", mcmc_audit::fuzzing::trace);
}
