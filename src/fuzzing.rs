//! Fuzz entry points (feature `fuzzing`): plain functions over bytes that must never panic, hang or
//! allocate absurdly. `fuzz/` (cargo-fuzz, its own workspace) calls them; `tests/fuzz_corpus.rs`
//! replays the committed corpus through them in every ordinary `cargo test`.

use std::path::Path;

use crate::exact::{ExactChain, matrix};
use crate::pipeline::audit::{AuditOptions, audit_chain};
use crate::spec::{AuditSpec, ModelSpec};

/// Largest model or matrix the fuzz bodies go on to audit (keeps each input fast).
const FUZZ_AUDIT_LIMIT: usize = 16;

/// Largest model the spec body builds.
const FUZZ_MODEL_SPINS: usize = 8;

/// Parses bytes as an audit spec; when valid and small, builds its model.
pub fn spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = AuditSpec::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    let small = match &s.model {
        ModelSpec::CurieWeiss { n, .. }
        | ModelSpec::Sk { n, .. }
        | ModelSpec::Hopfield { n, .. }
        | ModelSpec::Ising { n, .. } => *n <= FUZZ_MODEL_SPINS,
        ModelSpec::Rbm {
            visible, hidden, ..
        } => visible + hidden <= FUZZ_MODEL_SPINS,
        ModelSpec::Torus(p) => p.side <= FUZZ_MODEL_SPINS,
        ModelSpec::Matrix { .. } => false,
    };
    if small {
        let _ = s.build_model();
    }
}

/// Reads bytes as a `.npy` transition matrix; when valid and small, audits it.
pub fn npy_matrix(data: &[u8]) {
    let Ok(a) = crate::io::read_npy_bytes(data, "fuzz.npy", &["f8"]) else {
        return;
    };
    let Ok((p, n)) = matrix::validate_matrix(a, "fuzz.npy") else {
        return;
    };
    if n <= FUZZ_AUDIT_LIMIT
        && let Ok(c) = ExactChain::from_matrix(p, n, None, "fuzz".into())
    {
        let _ = audit_chain(&c, &AuditOptions::default());
    }
}

/// Most draws (all variables, all chains) the trace body goes on to diagnose.
const FUZZ_TRACE_DRAWS: usize = 4096;

/// Reads bytes as a trajectory — the first byte picks the layout (`.npy`, `.npz`, `.csv`, by its
/// value mod 3), the rest is the file — and, when valid and small, runs `trace`'s whole report.
pub fn trace(data: &[u8]) {
    use crate::io::trace::{from_npy, parse_csv, read_npz_from};
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let vars = match kind % 3 {
        0 => crate::io::read_npy_bytes(rest, "fuzz.npy", &[]).and_then(|a| from_npy(a, "fuzz.npy")),
        1 => read_npz_from(std::io::Cursor::new(rest), "fuzz.npz"),
        _ => match std::str::from_utf8(rest) {
            Ok(text) => parse_csv(text, "fuzz.csv"),
            Err(_) => return,
        },
    };
    let Ok(vars) = vars else {
        return;
    };
    let draws: usize = vars.iter().map(|v| v.draws.data.len()).sum();
    if !vars.is_empty() && draws <= FUZZ_TRACE_DRAWS {
        let _ = crate::pipeline::trace::trace_report(
            "fuzz",
            &vars,
            &crate::pipeline::trace::TraceOptions::default(),
        );
    }
}
