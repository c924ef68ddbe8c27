//! Writing a finished report (docs/cli.md, "Output"): to standard output, where a reader that went
//! away (broken pipe) ends the program quietly like other Unix tools and any other write error (a
//! full disk) is an error; or to `--out`, written atomically — a temporary file in the same folder,
//! synced, then renamed over the target — so a reader never sees an empty or torn report and a failed
//! write never replaces an old report. `--out` naming one of the run's input files is refused before
//! anything is written.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Why a report could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// Standard output was closed by its reader: stop quietly.
    BrokenPipe,
    /// Any other failure, as the one-line message the CLI prints.
    Failed(String),
}

/// Writes `text` to standard output and flushes it.
///
/// # Errors
///
/// [`OutputError::BrokenPipe`] when the reader has gone; [`OutputError::Failed`] for any other
/// write or flush error (e.g. `/dev/full`).
pub fn to_stdout(text: &str) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => OutputError::BrokenPipe,
            _ => OutputError::Failed(format!("standard output: cannot write the report: {e}")),
        })
}

/// Whether two paths name the same existing file (after resolving links and `..`).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Refuses an `--out` that names one of the run's inputs (writing it would destroy the input).
///
/// # Errors
///
/// [`OutputError::Failed`] naming the path and the input it would overwrite.
pub fn check_not_input(out: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
    match inputs.iter().find(|i| same_file(out, i)) {
        Some(i) => Err(OutputError::Failed(format!(
            "{}: --out names the input file {}; refusing to overwrite it",
            out.display(),
            i.display()
        ))),
        None => Ok(()),
    }
}

/// The temporary sibling of `out` the atomic write goes through.
fn temporary(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.mcmc-audit-{}.tmp", std::process::id()))
}

/// Writes `text` to `out` atomically (temporary file in the same folder, `sync_all`, rename).
///
/// # Errors
///
/// [`OutputError::Failed`] naming `out` when the folder is missing or not writable, the disk is
/// full, or the rename fails; the temporary file is removed and an existing `out` is untouched.
pub fn to_file(text: &str, out: &Path) -> Result<(), OutputError> {
    let tmp = temporary(out);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        OutputError::Failed(format!("{}: cannot write: {e}", out.display()))
    })
}
