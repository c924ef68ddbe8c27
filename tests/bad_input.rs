//! Bad input never panics, hangs or corrupts a report: every case exits 2 with one line on stderr
//! naming the file and the problem.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::npy;

struct Case {
    name: &'static str,
    spec: String,
    files: Vec<(&'static str, Vec<u8>)>,
    /// Substrings the one-line message must contain.
    expect: Vec<&'static str>,
}

fn matrix_spec(extra: &str) -> String {
    format!("[model]\nfamily = \"matrix\"\nmatrix = \"P.npy\"\n{extra}")
}

fn cases() -> Vec<Case> {
    let ok = npy(&[2, 2], &[0.9, 0.1, 0.2, 0.8], "<f8");
    let m = |name, p: Vec<u8>, expect: Vec<&'static str>| Case {
        name,
        spec: matrix_spec(""),
        files: vec![("P.npy", p)],
        expect,
    };
    vec![
        m("nan", npy(&[2, 2], &[f64::NAN, 1.0, 0.5, 0.5], "<f8"), vec!["P.npy", "matrix[0, 0]", "not finite"]),
        m("inf", npy(&[2, 2], &[0.5, 0.5, f64::INFINITY, 0.5], "<f8"), vec!["P.npy", "matrix[1, 0]", "not finite"]),
        m("negative", npy(&[2, 2], &[1.5, -0.5, 0.5, 0.5], "<f8"), vec!["P.npy", "matrix[0, 1]", "negative"]),
        m("not stochastic", npy(&[2, 2], &[0.5, 0.6, 0.5, 0.5], "<f8"), vec!["P.npy", "row 0", "sums to"]),
        m("non-square", npy(&[2, 3], &[0.5, 0.5, 0.0, 0.5, 0.5, 0.0], "<f8"), vec!["P.npy", "shape [2, 3]"]),
        m("3-d", npy(&[1, 2, 2], &[0.5; 4], "<f8"), vec!["P.npy", "shape [1, 2, 2]"]),
        m("complex dtype", npy(&[2, 2], &[0.5; 4], "<c16"), vec!["P.npy", "unsupported dtype `<c16`"]),
        m("float32 row off by more than its slack", npy(&[2, 2], &[0.5, 0.5001, 0.5, 0.5], "<f4"), vec!["P.npy", "row 0", "sums to"]),
        m("integer matrix not stochastic", npy(&[2, 2], &[1.0, 1.0, 0.0, 1.0], "<i8"), vec!["P.npy", "row 0", "sums to"]),
        m("truncated", npy(&[4, 4], &[0.25; 5], "<f8"), vec!["P.npy", "truncated"]),
        m("empty file", Vec::new(), vec!["P.npy", "magic"]),
        m("absurd shape", {
            let mut b = npy(&[100_000_000, 100_000_000], &[], "<f8");
            b.extend([0u8; 32]);
            b
        }, vec!["P.npy", "absurdly large"]),
        m("overflowing shape", npy(&[1 << 40, 1 << 40], &[], "<f8"), vec!["P.npy", "absurdly large"]),
        m("too many states", npy(&[9000, 9000], &[], "<f8"), vec!["P.npy"]),
        Case { name: "missing matrix file", spec: matrix_spec(""), files: vec![], expect: vec!["P.npy", "cannot read"] },
        Case { name: "pi wrong shape", spec: matrix_spec("pi = \"pi.npy\"\n"), files: vec![("P.npy", ok.clone()), ("pi.npy", npy(&[3], &[0.3, 0.3, 0.4], "<f8"))], expect: vec!["pi.npy", "pi", "shape [3]"] },
        Case { name: "pi zero", spec: matrix_spec("pi = \"pi.npy\"\n"), files: vec![("P.npy", ok.clone()), ("pi.npy", npy(&[2], &[1.0, 0.0], "<f8"))], expect: vec!["pi.npy", "pi[1]", "strictly positive"] },
        Case { name: "observables wrong rows", spec: matrix_spec("observables = \"F.npy\"\n"), files: vec![("P.npy", ok.clone()), ("F.npy", npy(&[3, 1], &[1.0, 2.0, 3.0], "<f8"))], expect: vec!["F.npy", "observables"] },
        Case { name: "observables NaN", spec: matrix_spec("observables = \"F.npy\"\n"), files: vec![("P.npy", ok.clone()), ("F.npy", npy(&[2, 1], &[1.0, f64::NAN], "<f8"))], expect: vec!["F.npy", "observables[1, 0]", "not finite"] },
        Case { name: "unknown spec key", spec: "[model]\nfamily = \"sk\"\nn = 4\nbogus = 1\n".into(), files: vec![], expect: vec!["spec.toml", "bogus"] },
        Case { name: "unknown section", spec: "[model]\nfamily = \"sk\"\nn = 4\n[extra]\nx = 1\n".into(), files: vec![], expect: vec!["spec.toml", "extra"] },
        Case { name: "unknown family", spec: "[model]\nfamily = \"potts\"\nn = 4\n".into(), files: vec![], expect: vec!["spec.toml", "model.family", "potts"] },
        Case { name: "empty checks.only", spec: "[model]\nfamily = \"curie-weiss\"\nn = 4\nbeta = 0.5\n[checks]\nonly = []\n".into(), files: vec![], expect: vec!["spec.toml", "checks.only", "empty"] },
        Case { name: "key of another family", spec: "[model]\nfamily = \"curie-weiss\"\nn = 4\nbeta = 0.5\nside = 8\n".into(), files: vec![], expect: vec!["spec.toml", "model.side", "curie-weiss"] },
        Case { name: "teacher_beta NaN", spec: "[model]\nfamily = \"curie-weiss\"\nn = 4\nbeta = 0.5\n[observables]\nset = \"pairs\"\n[gradient]\nteacher_beta = nan\n".into(), files: vec![], expect: vec!["spec.toml", "gradient.teacher_beta", "finite"] },
        Case { name: "couplings overflow", spec: "[model]\nfamily = \"ising\"\nn = 3\nbeta = 1.0\ncouplings = [[0, 1, 1e308], [1, 2, -1e308]]\n".into(), files: vec![], expect: vec!["spec.toml", "model.couplings", "overflows"] },
        Case { name: "beta times couplings overflow", spec: "[model]\nfamily = \"ising\"\nn = 3\nbeta = 1e300\ncouplings = [[0, 1, 1e10], [1, 2, -1e10]]\n".into(), files: vec![], expect: vec!["spec.toml", "model.beta", "overflows"] },
        Case { name: "sweeps = u64::MAX", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 0.5\n[sampling]\nsweeps = 18446744073709551615\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.sweeps", "bytes"] },
        Case { name: "sweeps = 1e12", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 0.5\n[sampling]\nsweeps = 1000000000000\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.sweeps", "bytes"] },
        Case { name: "chains = 1e9", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 0.5\n[sampling]\nchains = 1000000000\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.chains", "bytes"] },
        Case { name: "burn_in = 1e15", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 0.5\n[sampling]\nburn_in = 1000000000000000\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.burn_in", "long_run"] },
        Case { name: "torus side = 2048", spec: "[model]\nfamily = \"torus\"\nside = 2048\n[sampling]\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.sweeps", "long_run"] },
        Case { name: "n = 40", spec: "[model]\nfamily = \"curie-weiss\"\nn = 40\n".into(), files: vec![], expect: vec!["spec.toml", "model.n", "40"] },
        Case { name: "n = 14 exceeds dense limit", spec: "[model]\nfamily = \"curie-weiss\"\nn = 14\n[exact]\nbackend = \"dense\"\n".into(), files: vec![], expect: vec!["model.n", "dense"] },
        Case { name: "unknown backend", spec: "[model]\nfamily = \"curie-weiss\"\nn = 6\n[exact]\nbackend = \"sparse\"\n".into(), files: vec![], expect: vec!["spec.toml", "exact.backend"] },
        Case { name: "unknown [exact] key", spec: "[model]\nfamily = \"curie-weiss\"\nn = 6\n[exact]\nkrylov = 3\n".into(), files: vec![], expect: vec!["spec.toml", "krylov"] },
        Case { name: "eigenpairs = 0", spec: "[model]\nfamily = \"curie-weiss\"\nn = 6\n[exact]\neigenpairs = 0\n".into(), files: vec![], expect: vec!["spec.toml", "exact.eigenpairs"] },
        Case { name: "memory_gib = -1", spec: "[model]\nfamily = \"curie-weiss\"\nn = 6\n[exact]\nmemory_gib = -1.0\n".into(), files: vec![], expect: vec!["spec.toml", "exact.memory_gib"] },
        Case { name: "matrix-free memory over budget", spec: "[model]\nfamily = \"curie-weiss\"\nn = 20\n[exact]\nmemory_gib = 0.05\n".into(), files: vec![], expect: vec!["spec.toml", "MiB"] },
        Case { name: "missing n", spec: "[model]\nfamily = \"sk\"\n".into(), files: vec![], expect: vec!["spec.toml", "model.n", "required"] },
        Case { name: "wrong type", spec: "[model]\nfamily = \"sk\"\nn = \"ten\"\n".into(), files: vec![], expect: vec!["spec.toml", "n"] },
        Case { name: "not toml", spec: "[[[ nope".into(), files: vec![], expect: vec!["spec.toml"] },
        Case { name: "coupling out of range", spec: "[model]\nfamily = \"ising\"\nn = 3\ncouplings = [[0, 7, 0.5]]\n".into(), files: vec![], expect: vec!["model.couplings[0]"] },
        Case { name: "self coupling", spec: "[model]\nfamily = \"ising\"\nn = 3\ncouplings = [[1, 1, 0.5]]\n".into(), files: vec![], expect: vec!["spec.toml", "itself"] },
        Case { name: "overlapping blocks", spec: "[model]\nfamily = \"sk\"\nn = 3\n[kernel]\nblocks = [[0, 1], [1, 2]]\n".into(), files: vec![], expect: vec!["kernel.blocks[1]", "twice"] },
        Case { name: "incomplete blocks", spec: "[model]\nfamily = \"sk\"\nn = 3\n[kernel]\nblocks = [[0, 1]]\n".into(), files: vec![], expect: vec!["kernel.blocks", "site 2"] },
        Case { name: "not bipartite", spec: "[model]\nfamily = \"sk\"\nn = 3\n[kernel]\nblocks = \"bipartite\"\n".into(), files: vec![], expect: vec!["kernel.blocks", "bipartite"] },
        Case { name: "metropolis blocks", spec: "[model]\nfamily = \"rbm\"\nn = 4\n[kernel]\nupdate = \"metropolis\"\nblocks = \"bipartite\"\n".into(), files: vec![], expect: vec!["kernel.update"] },
        Case { name: "unknown check id", spec: "[model]\nfamily = \"sk\"\nn = 3\n[checks]\nonly = [\"A99\"]\n".into(), files: vec![], expect: vec!["checks", "A99"] },
        Case { name: "negative tolerance", spec: "[model]\nfamily = \"sk\"\nn = 3\n[checks.tolerance]\n\"A2.detailed-balance\" = -1.0\n".into(), files: vec![], expect: vec!["checks.tolerance.A2.detailed-balance"] },
        Case { name: "absurd window", spec: "[model]\nfamily = \"curie-weiss\"\nn = 6\n[estimator]\nburn_in = 10\nwindow = 100000000000000\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.window", "exceeds the limit"] },
        Case { name: "nan beta", spec: "[model]\nfamily = \"sk\"\nn = 3\nbeta = nan\n".into(), files: vec![], expect: vec!["model.beta", "not finite"] },
        Case { name: "key of another family", spec: "[model]\nfamily = \"curie-weiss\"\nn = 4\nside = 8\n".into(), files: vec![], expect: vec!["spec.toml", "model.side", "curie-weiss"] },
        Case { name: "seed of a matrix", spec: matrix_spec("seed = 3\n"), files: vec![("P.npy", ok.clone())], expect: vec!["spec.toml", "model.seed", "matrix"] },
        Case { name: "rbm with n and layers", spec: "[model]\nfamily = \"rbm\"\nn = 4\nvisible = 2\nhidden = 2\n".into(), files: vec![], expect: vec!["spec.toml", "model", "visible and hidden"] },
        Case { name: "unknown update", spec: "[model]\nfamily = \"sk\"\nn = 3\n[kernel]\nupdate = \"hmc\"\n".into(), files: vec![], expect: vec!["spec.toml", "kernel.update", "hmc"] },
        Case { name: "unknown blocks", spec: "[model]\nfamily = \"sk\"\nn = 3\n[kernel]\nblocks = \"stripes\"\n".into(), files: vec![], expect: vec!["spec.toml", "kernel.blocks", "stripes"] },
        Case { name: "unknown observable set", spec: "[model]\nfamily = \"sk\"\nn = 3\n[observables]\nset = \"spins\"\n".into(), files: vec![], expect: vec!["spec.toml", "observables.set", "spins"] },
        Case { name: "bad burn-in", spec: "[model]\nfamily = \"sk\"\nn = 3\n[estimator]\nburn_in = \"soon\"\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.burn_in", "soon"] },
        Case { name: "tolerance of a parent", spec: "[model]\nfamily = \"sk\"\nn = 3\n[checks.tolerance]\nA2 = 1e-14\n".into(), files: vec![], expect: vec!["spec.toml", "checks.tolerance.A2", "sub-checks"] },
        Case { name: "wrong type located", spec: "[model]\nfamily = \"sk\"\nn = \"ten\"\n".into(), files: vec![], expect: vec!["spec.toml", "model.n", "invalid type"] },
        Case { name: "nan teacher beta", spec: "[model]\nfamily = \"sk\"\nn = 3\n[gradient]\nteacher_beta = nan\n".into(), files: vec![], expect: vec!["spec.toml", "gradient.teacher_beta", "not finite"] },
        Case { name: "lazy sampled", spec: "[model]\nfamily = \"torus\"\nside = 8\ndegree = 4\n[kernel]\nlazy = true\n[sampling]\nchains = 2\nsweeps = 100\n".into(), files: vec![], expect: vec!["spec.toml", "kernel.lazy", "exactly"] },
        Case { name: "mixing epsilon out of range", spec: "[model]\nfamily = \"sk\"\nn = 3\n[mixing]\nepsilon = 1.5\n".into(), files: vec![], expect: vec!["spec.toml", "mixing.epsilon", "(0, 1)"] },
        Case { name: "pseudo-gap k absurd", spec: "[model]\nfamily = \"sk\"\nn = 3\n[mixing]\npseudo_gap_max_k = 100000\n".into(), files: vec![], expect: vec!["spec.toml", "mixing.pseudo_gap_max_k"] },
        Case { name: "baseline tolerance nan", spec: "[model]\nfamily = \"sk\"\nn = 3\n[baseline]\ngap = nan\n".into(), files: vec![], expect: vec!["spec.toml", "baseline.gap"] },
        Case { name: "kernel with matrix", spec: matrix_spec("[kernel]\nscan = \"random\"\n"), files: vec![("P.npy", ok.clone())], expect: vec!["kernel", "matrix"] },
        // Issue 14, second batch: sizes refused up front (item 1) and one field per message.
        Case { name: "hopfield patterns = 1e12", spec: "[model]\nfamily = \"hopfield\"\nn = 8\npatterns = 1000000000000\n".into(), files: vec![], expect: vec!["spec.toml", "model.patterns", "limit"] },
        Case { name: "torus patterns = 1e9", spec: "[model]\nfamily = \"torus\"\nside = 60\npatterns = 1000000000\n[sampling]\n".into(), files: vec![], expect: vec!["spec.toml", "model.patterns", "limit"] },
        Case { name: "13-site joint block", spec: "[model]\nfamily = \"sk\"\nn = 13\n[kernel]\nblocks = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]\n".into(), files: vec![], expect: vec!["spec.toml", "kernel.blocks", "long_run"] },
        Case { name: "sparse window 3e7", spec: "[model]\nfamily = \"curie-weiss\"\nn = 10\n[observables]\nset = \"pairs\"\n[estimator]\nburn_in = 10\nwindow = 30000000\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.window", "exceeds the limit"] },
        Case { name: "sparse window 3e6: under the old one-rate limit, ~15 min", spec: "[model]\nfamily = \"curie-weiss\"\nn = 10\n[observables]\nset = \"pairs\"\n[estimator]\nburn_in = 10\nwindow = 3000000\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.window", "sparse"] },
        Case { name: "long_run is a boolean", spec: "[model]\nfamily = \"sk\"\nn = 3\n[estimator]\nlong_run = \"yes\"\n".into(), files: vec![], expect: vec!["spec.toml", "long_run"] },
        Case { name: "torus side = 1e6", spec: "[model]\nfamily = \"torus\"\nside = 1000000\n[sampling]\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.sweeps", "long_run"] },
        Case { name: "sk n = 0", spec: "[model]\nfamily = \"sk\"\nn = 0\n".into(), files: vec![], expect: vec!["spec.toml", "model.n", "at least 2"] },
        Case { name: "coupling NaN", spec: "[model]\nfamily = \"ising\"\nn = 3\ncouplings = [[0, 1, nan]]\n".into(), files: vec![], expect: vec!["spec.toml", "model.couplings[0]", "not finite"] },
        Case { name: "fields too short", spec: "[model]\nfamily = \"ising\"\nn = 3\nfields = [0.1, 0.2]\n".into(), files: vec![], expect: vec!["spec.toml", "model.fields", "3 spins"] },
        Case { name: "beta = inf", spec: "[model]\nfamily = \"sk\"\nn = 3\nbeta = inf\n".into(), files: vec![], expect: vec!["spec.toml", "model.beta", "not finite"] },
        Case { name: "window = 0", spec: "[model]\nfamily = \"sk\"\nn = 3\n[estimator]\nwindow = 0\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.window", "at least 1"] },
        Case { name: "burn_in = -1", spec: "[model]\nfamily = \"sk\"\nn = 3\n[estimator]\nburn_in = -1\n".into(), files: vec![], expect: vec!["spec.toml", "burn_in", "non-negative"] },
        Case { name: "rbm empty layer", spec: "[model]\nfamily = \"rbm\"\nvisible = 0\nhidden = 3\n".into(), files: vec![], expect: vec!["spec.toml", "model.visible"] },
        Case { name: "torus degree 5", spec: "[model]\nfamily = \"torus\"\nside = 8\ndegree = 5\n[sampling]\n".into(), files: vec![], expect: vec!["spec.toml", "model.degree", "5"] },
        Case { name: "torus coupling NaN", spec: "[model]\nfamily = \"torus\"\nside = 8\ncoupling = nan\n[sampling]\n".into(), files: vec![], expect: vec!["spec.toml", "model.coupling", "not finite"] },
        Case { name: "chains = 0", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\n[sampling]\nchains = 0\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.chains", "positive"] },
        Case { name: "sweeps = 0", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\n[sampling]\nsweeps = 0\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.sweeps", "positive"] },
        Case { name: "doubling_from beyond sweeps", spec: "[model]\nfamily = \"curie-weiss\"\nn = 8\n[sampling]\nsweeps = 100\ndoubling_from = 1000\n".into(), files: vec![], expect: vec!["spec.toml", "sampling.doubling_from", "100"] },
        Case { name: "sampling a matrix", spec: matrix_spec("[sampling]\n"), files: vec![("P.npy", ok.clone())], expect: vec!["spec.toml", "sampling", "matrix"] },
        Case { name: "no patterns", spec: "[model]\nfamily = \"hopfield\"\nn = 8\npatterns = 0\n".into(), files: vec![], expect: vec!["spec.toml", "model.patterns", "at least one"] },
        Case { name: "gradient NaN", spec: "[model]\nfamily = \"sk\"\nn = 3\n[gradient]\ng = [1.0, nan]\n".into(), files: vec![], expect: vec!["spec.toml", "gradient.g[1]", "not finite"] },
        Case { name: "unknown init", spec: "[model]\nfamily = \"sk\"\nn = 3\n[estimator]\nburn_in = 10\nwindow = 100\ninit = \"nowhere\"\n".into(), files: vec![], expect: vec!["spec.toml", "estimator.init", "nowhere"] },
        Case { name: "mixing epsilon NaN", spec: "[model]\nfamily = \"sk\"\nn = 3\n[mixing]\nepsilon = nan\n".into(), files: vec![], expect: vec!["spec.toml", "mixing.epsilon"] },
        Case { name: "pi negative", spec: matrix_spec("pi = \"pi.npy\"\n"), files: vec![("P.npy", ok.clone()), ("pi.npy", npy(&[2], &[1.5, -0.5], "<f8"))], expect: vec!["pi.npy", "pi[1]", "negative"] },
        Case { name: "pi sum off", spec: matrix_spec("pi = \"pi.npy\"\n"), files: vec![("P.npy", ok.clone()), ("pi.npy", npy(&[2], &[0.5, 0.6], "<f8"))], expect: vec!["pi.npy", "pi"] },
        Case { name: "row sum off by 1e-6", spec: matrix_spec(""), files: vec![("P.npy", npy(&[2, 2], &[0.5, 0.5, 0.5, 0.500001], "<f8"))], expect: vec!["P.npy", "row 1", "sums to"] },
        Case { name: "observables 3-d", spec: matrix_spec("observables = \"F.npy\"\n"), files: vec![("P.npy", ok.clone()), ("F.npy", npy(&[2, 1, 1], &[1.0, 2.0], "<f8"))], expect: vec!["F.npy", "observables"] },
        Case { name: "control character in spec", spec: String::from_utf8_lossy(b"[model]\nfamily = \"sk\"\nn = 3\n# \xff\n").into_owned().replace('\u{fffd}', "\u{0}"), files: vec![], expect: vec!["spec.toml"] },
        Case { name: "pi given for a matrix, NaN", spec: matrix_spec("pi = \"pi.npy\"\n"), files: vec![("P.npy", ok), ("pi.npy", npy(&[2], &[f64::NAN, 0.5], "<f8"))], expect: vec!["pi.npy", "pi[0]", "not finite"] },
    ]
}

/// Generous bounds of every refusal (issue 14 tests): bad input is refused up front, in O(spec) time.
const MAX_REFUSAL_SECONDS: f64 = 5.0;
/// Peak resident memory of a refusal (bytes).
const MAX_REFUSAL_BYTES: u64 = 500 << 20;

/// Runs `cmd` to the end and returns its output, wall time and peak resident memory in bytes (the
/// child's own `ru_maxrss` from `wait4`, so other tests' children do not count).
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by `wait4` below, which `Child` cannot see
fn run_measured(cmd: &mut Command) -> (std::process::Output, f64, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        out_pipe.read_to_end(&mut b).map(|_| b).unwrap_or_default()
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        err_pipe.read_to_end(&mut b).map(|_| b).unwrap_or_default()
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct; wait4 writes it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own unwaited child; status and usage point to live locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let wall = started.elapsed().as_secs_f64();
    let output = std::process::Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    // Linux reports ru_maxrss in KiB.
    (output, wall, usage.ru_maxrss as u64 * 1024)
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "mcmc-audit-bad-{}-{}",
        std::process::id(),
        name.replace(' ', "_")
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[cfg(unix)]
#[test]
fn every_bad_input_exits_2_with_a_clear_message() {
    let mut problems = Vec::new();
    let mut figures = Vec::new();
    for case in cases() {
        let dir = scratch(case.name);
        std::fs::write(dir.join("spec.toml"), &case.spec).unwrap();
        for (f, bytes) in &case.files {
            std::fs::write(dir.join(f), bytes).unwrap();
        }
        let (out, wall, peak) = run_measured(
            Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
                .arg("audit")
                .arg(dir.join("spec.toml")),
        );
        figures.push((case.name, wall, peak));
        if wall > MAX_REFUSAL_SECONDS {
            problems.push(format!("{}: took {wall:.1} s to refuse", case.name));
        }
        if peak > MAX_REFUSAL_BYTES {
            problems.push(format!("{}: peak memory {} MiB", case.name, peak >> 20));
        }
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() != Some(2) {
            problems.push(format!(
                "{}: exit {:?}, stderr {err}",
                case.name,
                out.status.code()
            ));
        }
        if err.contains("panicked")
            || err.contains("RUST_BACKTRACE")
            || err.trim().lines().count() != 1
        {
            problems.push(format!(
                "{}: stderr is not one clean line: {err}",
                case.name
            ));
        }
        for e in &case.expect {
            if !err.contains(e) {
                problems.push(format!("{}: message lacks `{e}`: {err}", case.name));
            }
        }
        if !out.stdout.is_empty() {
            problems.push(format!("{}: wrote a report despite the error", case.name));
        }
        std::fs::remove_dir_all(&dir).ok();
    }
    report_figures(&figures);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Prints the slowest and largest refusals (`cargo test -- --nocapture` shows them; the issue notes
/// record them).
fn report_figures(figures: &[(&str, f64, u64)]) {
    let wall = figures.iter().map(|f| f.1).fold(0.0, f64::max);
    let peak = figures.iter().map(|f| f.2).max().unwrap_or(0);
    let slowest = figures.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    let largest = figures.iter().max_by_key(|f| f.2);
    println!(
        "{} refusals: max wall {wall:.3} s ({:?}), max peak RSS {:.1} MiB ({:?})",
        figures.len(),
        slowest.map(|f| f.0),
        peak as f64 / (1 << 20) as f64,
        largest.map(|f| f.0)
    );
}

/// Bad `trace` inputs (`.npy`, `.npz`, `.csv` and the options), as the audit table: exit 2, one line
/// naming the file and the field, under the time and memory bounds.
#[cfg(unix)]
#[test]
fn every_bad_trace_input_exits_2_with_a_clear_message() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trace");
    let dir = scratch("trace-table");
    let put = |name: &str, bytes: Vec<u8>| {
        std::fs::write(dir.join(name), bytes).unwrap();
        dir.join(name).display().to_string()
    };
    let mut complex = npy(&[2, 4], &[0.0; 16], "<f8");
    let at = complex.windows(3).position(|w| w == b"<f8").unwrap();
    complex[at..at + 3].copy_from_slice(b"<c8");
    let cases: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "csv header only",
            vec![put("h.csv", b"chain,draw,x\n".to_vec())],
            vec!["h.csv", "rows"],
        ),
        (
            "csv bad cell",
            vec![data.join("bad_cell.csv").display().to_string()],
            vec!["bad_cell.csv", "line 3", "abc"],
        ),
        (
            "csv ragged chains",
            vec![data.join("ragged_chains.csv").display().to_string()],
            vec!["ragged_chains.csv", "chain `2`"],
        ),
        (
            "npy vector",
            vec![data.join("bad_vector.npy").display().to_string()],
            vec!["bad_vector.npy", "shape [10]"],
        ),
        (
            "npy 4-d",
            vec![put("q.npy", npy(&[1, 2, 2, 2], &[0.0; 8], "<f8"))],
            vec!["q.npy", "shape [1, 2, 2, 2]"],
        ),
        (
            "npy truncated",
            vec![put("t.npy", npy(&[4, 100], &[0.5; 7], "<f8"))],
            vec!["t.npy", "truncated"],
        ),
        (
            "npy complex",
            vec![put("c.npy", complex)],
            vec!["c.npy", "c8"],
        ),
        (
            "npz repeated member",
            vec![data.join("dup_member.npz").display().to_string()],
            vec!["dup_member.npz", "repeated"],
        ),
        (
            "npz repeated stem",
            vec![data.join("dup_stem.npz").display().to_string()],
            vec!["dup_stem.npz", "already given"],
        ),
        (
            "npz zip bomb",
            vec![data.join("bomb_declared.npz").display().to_string()],
            vec!["bomb_declared.npz", "zip bomb"],
        ),
        (
            "npz lying size",
            vec![data.join("lying_size.npz").display().to_string()],
            vec!["lying_size.npz", "declared size"],
        ),
        (
            "npz not a zip",
            vec![put("z.npz", b"PK not really".to_vec())],
            vec!["z.npz", "zip"],
        ),
        (
            "window 0",
            vec![
                data.join("small_2x60.csv").display().to_string(),
                "--window".into(),
                "0".into(),
            ],
            vec!["--window", "at least 1"],
        ),
        (
            "doubling beyond draws",
            vec![
                data.join("small_2x60.csv").display().to_string(),
                "--doubling-from".into(),
                "1000".into(),
            ],
            vec!["--doubling-from", "small_2x60.csv"],
        ),
    ];
    let mut problems = Vec::new();
    let mut figures = Vec::new();
    for (name, args, expect) in &cases {
        let (out, wall, peak) = run_measured(
            Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
                .arg("trace")
                .args(args),
        );
        figures.push((*name, wall, peak));
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() != Some(2) || err.trim().lines().count() != 1 || !out.stdout.is_empty()
        {
            problems.push(format!(
                "{name}: exit {:?}, stderr {err}",
                out.status.code()
            ));
        }
        for e in expect {
            if !err.contains(e) {
                problems.push(format!("{name}: message lacks `{e}`: {err}"));
            }
        }
        if wall > MAX_REFUSAL_SECONDS || peak > MAX_REFUSAL_BYTES {
            problems.push(format!("{name}: {wall:.1} s, {} MiB", peak >> 20));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    report_figures(&figures);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Structure is a verdict, not an input error (issue 14 item 5): a matrix with two closed classes,
/// and one with a transient state placed first (where GTH on the whole matrix used to stop), are
/// audited with exit 1 and a failing `A3.irreducible` that says why.
#[test]
fn reducible_matrices_are_audited_not_refused() {
    for (name, p, want) in [
        (
            "split",
            vec![1.0, 0.0, 0.0, 1.0],
            "2 closed class(es) and 0 transient",
        ),
        (
            "transient first",
            vec![0.5, 0.5, 0.0, 0.0, 0.6, 0.4, 0.0, 0.2, 0.8],
            "1 closed class(es) and 1 transient",
        ),
    ] {
        let dir = scratch(name);
        let n = if p.len() == 4 { 2 } else { 3 };
        std::fs::write(dir.join("spec.toml"), matrix_spec("")).unwrap();
        std::fs::write(dir.join("P.npy"), npy(&[n, n], &p, "<f8")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
            .args(["audit", "--format", "json"])
            .arg(dir.join("spec.toml"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let irr = r["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == "A3.irreducible")
            .unwrap();
        assert_eq!(irr["status"], "fail", "{name}");
        assert!(
            irr["detail"]["reason"].as_str().unwrap().contains(want),
            "{name}: {irr}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Every usage error — the argument parser's own included — is exit 2 with exactly one line on
/// stderr (issue 14 item 7), and a format the command cannot write is refused before any work.
#[test]
fn bad_cli_usage_exits_2_with_one_line() {
    let bin = env!("CARGO_BIN_EXE_mcmc-audit");
    for args in [
        vec!["frobnicate"],
        vec!["--bogus"],
        vec!["audit"],
        vec!["reproduce"],
        vec!["audit", "examples/curie-weiss.toml", "--format", "xml"],
        vec!["audit", "examples/curie-weiss.toml", "--eigenvalues", "-1"],
        vec!["audit", "examples/curie-weiss.toml", "--eigenvalues=-1"],
        vec![
            "audit",
            "examples/curie-weiss.toml",
            "--eigenvalues",
            "many",
        ],
        vec!["trace", "x.npy", "--format", "junit"],
        vec![
            "compare",
            "examples/compare/sk-kernels.toml",
            "--format",
            "junit",
        ],
        // Refused up front: without the early check this runs the whole 48-cell grid first.
        vec!["reproduce", "exp1", "--format", "junit"],
        // a2a6 has no HTML page: refused before its 5-minute grid.
        vec!["reproduce", "a2a6", "--format", "html"],
        // Nor has scaling: refused before its hour-long grid.
        vec!["reproduce", "scaling", "--format", "html"],
    ] {
        let t = std::time::Instant::now();
        let out = Command::new(bin)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("mcmc-audit: error: "), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        // Generous: a usage error does no work (the exp1 grid alone takes ~20 s).
        assert!(
            t.elapsed().as_secs_f64() < 5.0,
            "{args:?}: {:?}",
            t.elapsed()
        );
    }
    // --help and --version still print to standard output and exit 0.
    for flag in ["--help", "--version"] {
        let out = Command::new(bin).arg(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(!out.stdout.is_empty() && out.stderr.is_empty());
    }
}

/// Reading never trusts the source (issue 14 item 2): a device, a FIFO or a folder given as a spec,
/// a baseline or a data file is refused before it is opened (reading /dev/zero never ends; opening a
/// FIFO blocks), and a spec over the size limit is refused — each exit 2, one line naming the path,
/// well under 5 s.
#[cfg(unix)]
#[test]
fn non_regular_and_oversized_inputs_are_refused_at_once() {
    let bin = env!("CARGO_BIN_EXE_mcmc-audit");
    let dir = std::env::temp_dir().join(format!("mcmc-audit-nonregular-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("spec.toml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let big = dir.join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let zero = Path::new("/dev/zero");
    let link = |name: &str, to: &Path| {
        let p = dir.join(name);
        let _ = std::fs::remove_file(&p);
        std::os::unix::fs::symlink(to, &p).unwrap();
        p
    };
    let matrix = dir.join("matrix.toml");
    std::fs::write(
        &matrix,
        "[model]\nfamily = \"matrix\"\nmatrix = \"P.npy\"\n",
    )
    .unwrap();
    link("P.npy", zero);
    let mut cases: Vec<(Vec<std::ffi::OsString>, String)> = vec![
        (vec!["audit".into(), zero.into()], "/dev/zero".into()),
        (
            vec!["audit".into(), dir.clone().into()],
            dir.display().to_string(),
        ),
        (vec!["audit".into(), big.clone().into()], "big.toml".into()),
        (vec!["audit".into(), matrix.clone().into()], "P.npy".into()),
        (
            vec![
                "audit".into(),
                "examples/curie-weiss.toml".into(),
                "--baseline".into(),
                zero.into(),
            ],
            "/dev/zero".into(),
        ),
        (
            vec!["trace".into(), link("z.npy", zero).into()],
            "z.npy".into(),
        ),
        (
            vec!["trace".into(), link("z.csv", zero).into()],
            "z.csv".into(),
        ),
        (
            vec!["trace".into(), link("z.npz", zero).into()],
            "z.npz".into(),
        ),
    ];
    if made {
        cases.push((
            vec!["audit".into(), fifo.clone().into()],
            "spec.toml".into(),
        ));
        cases.push((
            vec!["trace".into(), link("f.csv", &fifo).into()],
            "f.csv".into(),
        ));
    }
    for (args, name) in cases {
        let t = std::time::Instant::now();
        let out = Command::new(bin)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&name), "{args:?}: {err}");
        assert!(
            t.elapsed().as_secs_f64() < 5.0,
            "{args:?}: {:?}",
            t.elapsed()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
