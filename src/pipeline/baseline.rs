//! The baseline stage of `audit --baseline OLD.json`: read a committed report, refuse one of another
//! model or schema (exit 2), and attach the before/after comparison ([`crate::checks::baseline`])
//! to the new report, whose exit code then also fails on a regression (docs/cli.md).

use std::path::Path;

use serde_json::Value;

use crate::checks::baseline::{BaselineTolerances, compare};
use crate::error::{Error, Result};
use crate::report::{AuditReport, BASELINE_SCHEMAS, SCHEMA_VERSION, TOOL};

/// Largest baseline file read (a report with every eigenvalue of a 4096-state chain is ~1 MiB).
pub const MAX_BASELINE_BYTES: u64 = 64 << 20;

/// Reads a baseline report: at most [`MAX_BASELINE_BYTES`], JSON, written by mcmc-audit with this
/// one of the [`BASELINE_SCHEMAS`].
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Field`] naming the file and the field when
/// it is too large (`(file)`), not JSON (`(file)`), not an mcmc-audit report (`tool`) or of another
/// schema (`schema_version`).
pub fn read(path: &Path) -> Result<Value> {
    let file = path.display().to_string();
    let field = |field: &str, message: String| Error::field(&file, field, message);
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_BASELINE_BYTES {
        return Err(field(
            "(file)",
            format!("{len} bytes: a baseline report is at most {MAX_BASELINE_BYTES} bytes"),
        ));
    }
    let text = crate::io::read_regular_text(path, MAX_BASELINE_BYTES).map_err(io)?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        field(
            "(file)",
            format!("not a JSON report (write one with `--format json`): {e}"),
        )
    })?;
    if v["tool"].as_str() != Some(TOOL) {
        return Err(field("tool", "not an mcmc-audit report".into()));
    }
    match v["schema_version"].as_u64() {
        Some(s) if BASELINE_SCHEMAS.iter().any(|&b| u64::from(b) == s) => Ok(v),
        other => Err(field(
            "schema_version",
            format!(
                "{}; this mcmc-audit writes schema {SCHEMA_VERSION} and compares schemas {BASELINE_SCHEMAS:?}",
                other.map_or("absent".into(), |s| s.to_string())
            ),
        )),
    }
}

/// Checks that the audit report `before` (at `prefix` in `file`) is of the same model, state space
/// and kind of audit as `now`.
///
/// # Errors
///
/// [`Error::Field`] at `{prefix}subject.model_fingerprint` (absent, or another model),
/// `{prefix}subject.kind` or `{prefix}subject.n_states`.
pub fn check_subject(file: &str, prefix: &str, before: &Value, now: &AuditReport) -> Result<()> {
    let field = |f: &str, message: String| Error::field(file, format!("{prefix}{f}"), message);
    let s = &before["subject"];
    let now = &now.subject;
    let Some(fp) = s["model_fingerprint"].as_str() else {
        return Err(field(
            "subject.model_fingerprint",
            "absent: the baseline was written before reports carried fingerprints; re-run it with `--format json` on the baseline kernel".into(),
        ));
    };
    if s["kind"].as_str() != Some(now.kind.as_str()) {
        return Err(field(
            "subject.kind",
            format!(
                "the baseline is a {} audit, this one is {}",
                s["kind"].as_str().unwrap_or("?"),
                now.kind
            ),
        ));
    }
    if fp != now.model_fingerprint {
        return Err(field(
            "subject.model_fingerprint",
            format!(
                "the baseline is of another model ({} {fp}; this audit: {} {}): a baseline compares kernels of one model",
                s["model"].as_str().unwrap_or("?"),
                now.model,
                now.model_fingerprint
            ),
        ));
    }
    if s["n_states"].as_u64() != Some(now.n_states as u64) {
        return Err(field(
            "subject.n_states",
            format!(
                "{} states in the baseline, {} now",
                s["n_states"], now.n_states
            ),
        ));
    }
    Ok(())
}

/// Reads a baseline `audit` report and checks it is one `report` can be compared with.
///
/// # Errors
///
/// Those of [`read`] and [`check_subject`]; [`Error::Field`] at `subject` for a `compare` report.
pub fn load(path: &Path, report: &AuditReport) -> Result<Value> {
    let v = read(path)?;
    let file = path.display().to_string();
    if v.get("subject").is_none() && v.get("kernels").is_some() {
        return Err(Error::field(
            &file,
            "subject",
            "absent: a compare report; `audit --baseline` takes the JSON of an earlier `audit`",
        ));
    }
    check_subject(&file, "", &v, report)?;
    Ok(v)
}

/// Compares `report` with the baseline at `path` and attaches the comparison.
///
/// # Errors
///
/// Those of [`load`].
pub fn apply(report: &mut AuditReport, path: &Path, tol: &BaselineTolerances) -> Result<()> {
    let before = load(path, report)?;
    let c = compare(report, &before, &path.display().to_string(), tol);
    report.baseline = Some(c);
    Ok(())
}
