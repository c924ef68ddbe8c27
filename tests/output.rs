//! Output errors are errors, not panics (issue 14, "must hold" 3): a reader that closes standard
//! output early ends the run quietly, a full device is exit 2 with one line, `--out` is written
//! atomically (no temporary left behind, an old report survives a failed write) and never over an
//! input of the run.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcmc-audit-output-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A report larger than a pipe's buffer (64 KiB: this one is about 72 KB), so the writer meets the
/// closed pipe mid-write. The kernel fails A2, so the run's exit code is 1.
const BIG: [&str; 5] = [
    "audit",
    "examples/systematic-sk.toml",
    "--format",
    "json",
    "--eigenvalues=all",
];

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly() {
    let mut child = bin()
        .args(BIG)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read ten bytes, like `| head -c10`, then close the pipe.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "a broken pipe is silent: {err}");
    // The run's own exit code stands (A2 fails: 1), not a panic's 101.
    assert_eq!(status.code(), Some(1));
}

#[test]
fn a_full_device_is_exit_2_with_one_line() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return; // not Linux: nothing to test against
    }
    for args in [&BIG[..], &["reproduce", "nope"][..]] {
        let o = bin()
            .args(args)
            .stdout(std::fs::OpenOptions::new().write(true).open(full).unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = bin()
        .args(BIG)
        .stdout(std::fs::OpenOptions::new().write(true).open(full).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("standard output") && err.contains("No space"),
        "{err}"
    );
}

#[test]
fn out_is_atomic_and_never_an_input() {
    let dir = scratch("atomic");
    let target = dir.join("report.json");
    std::fs::write(&target, "old report").unwrap();
    // A successful write replaces the old report and leaves nothing else in the folder.
    let st = bin()
        .args(&BIG[..4])
        .arg("--out")
        .arg(&target)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1));
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with('{') && text.ends_with("}\n"));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // A write that cannot happen (the folder is gone) is exit 2 naming the path.
    let missing = dir.join("no-such-folder").join("r.json");
    let o = bin()
        .args(&BIG[..4])
        .arg("--out")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-folder"));
    // --out naming the spec (also through another spelling of the path) is refused, spec untouched.
    let spec = dir.join("spec.toml");
    std::fs::copy("examples/curie-weiss.toml", &spec).unwrap();
    let before = std::fs::read(&spec).unwrap();
    let other = dir.join(".").join("spec.toml");
    let o = bin()
        .arg("audit")
        .arg(&spec)
        .arg("--out")
        .arg(&other)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("input file"), "{err}");
    assert_eq!(std::fs::read(&spec).unwrap(), before);
    // The same for a baseline.
    let o = bin()
        .arg("audit")
        .arg(&spec)
        .arg("--baseline")
        .arg(&target)
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("input file"));
    // And for the data files a spec reads (a matrix's P.npy), resolved against the spec's folder.
    let p = ndarray::arr2(&[[0.5, 0.5], [0.25, 0.75]]);
    ndarray_npy::write_npy(dir.join("P.npy"), &p).unwrap();
    let before = std::fs::read(dir.join("P.npy")).unwrap();
    let matrix = dir.join("matrix.toml");
    std::fs::write(
        &matrix,
        "[model]\nfamily = \"matrix\"\nmatrix = \"P.npy\"\n",
    )
    .unwrap();
    let o = bin()
        .arg("audit")
        .arg(&matrix)
        .arg("--out")
        .arg(dir.join("P.npy"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("input file") && err.contains("P.npy"), "{err}");
    assert_eq!(std::fs::read(dir.join("P.npy")).unwrap(), before);
    std::fs::remove_dir_all(&dir).ok();
}

/// Two writers and a reader on one `--out` (issue 14 tests): every read sees a whole report, never
/// an empty or torn one, because each writer renames a complete temporary file into place.
#[test]
fn concurrent_writers_never_show_a_reader_a_torn_report() {
    let dir = scratch("concurrent");
    let target = dir.join("report.json");
    let args = ["audit", "examples/curie-weiss.toml", "--format", "json"];
    let st = bin().args(args).arg("--out").arg(&target).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (done, target) = (done.clone(), target.clone());
        std::thread::spawn(move || {
            let mut reads = 0usize;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&target).unwrap();
                assert!(text.ends_with("}\n"), "torn read of {} bytes", text.len());
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..4 {
        let writers: Vec<_> = (0..2)
            .map(|_| bin().args(args).arg("--out").arg(&target).spawn().unwrap())
            .collect();
        for mut w in writers {
            assert_eq!(w.wait().unwrap().code(), Some(0));
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 0);
    // Nothing but the report is left in the folder.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}
