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

/// The fuzz target's slow unit: a `.npy` header with nested braces made the dict parser backtrack
/// for seconds (3.3 s for 137 bytes); it is refused before that parser now.
#[test]
fn a_nested_npy_header_is_refused_at_once() {
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/trace/npy_nested_braces_slow"),
    )
    .unwrap();
    let t = std::time::Instant::now();
    let e = mcmc_audit::io::read_npy_bytes(&data[1..], "nested.npy", &[]).unwrap_err();
    assert!(e.to_string().contains("flat dict"), "{e}");
    assert!(t.elapsed().as_secs_f64() < 0.5, "{:?}", t.elapsed());
}
