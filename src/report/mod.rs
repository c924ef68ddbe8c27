//! Reports: the one assembler of an audit report ([`AuditReport::assemble`]) and every renderer — text
//! for people, JSON for programs, JUnit XML for CI systems — for `audit` ([`audit`]), `trace`
//! ([`trace`]), `claims` ([`claims`]) and `reproduce` ([`reproduce`]), with one room for number
//! formatting ([`format`](mod@format)). Every JSON report carries [`SCHEMA_VERSION`].

pub mod audit;
pub mod claims;
pub mod compare;
pub mod figures;
pub mod format;
pub mod html;
pub mod reproduce;
pub mod summary;
pub mod trace;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::checks::baseline::BaselineComparison;
use crate::checks::explain::{Source, explain_all};
use crate::checks::{Summary, Verdict};
use crate::spec::requirements::{self, ReqStatus};

/// The version of every JSON report's shape, raised on any incompatible change (docs/cli.md).
/// Schema 2 (issue 15): every verdict carries `explanation` (and `hint`), and three sampled checks
/// measure in their own direction — `A6.sampled` K/τ (was τ/K), `E.burn-in` B/τ (was τ/B),
/// `E.mixing` R-hat (was R-hat − 1).
pub const SCHEMA_VERSION: u32 = 2;

/// The schemas a `--baseline` may have: schema 1 compares unchanged (a baseline tracks quantities
/// and statuses, which schema 2 did not change).
pub const BASELINE_SCHEMAS: [u32; 2] = [1, 2];

/// The tool's name in every report.
pub const TOOL: &str = "mcmc-audit";

/// The crate version in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What was audited.
#[derive(Clone, Debug, Serialize)]
pub struct Subject {
    /// `exact` or `sampled`.
    pub kind: String,
    /// States of the exact chain (0 for a sampled subject).
    pub n_states: usize,
    pub model: String,
    pub kernel: String,
    /// Fingerprint of the model's parameters (a matrix: of P and π), 16 hex digits: a baseline of
    /// another model is refused.
    pub model_fingerprint: String,
    /// Fingerprint of the kernel (an exact audit: of every entry of its operator P; a sampled one: of
    /// the engine's blocks and scan), 16 hex digits: says whether the kernel changed since a baseline.
    pub kernel_fingerprint: String,
}

/// A fingerprint as reported: 16 lower-case hex digits.
pub fn hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}

/// A whole audit, in the shape of docs/cli.md's JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub spec: String,
    pub subject: Subject,
    pub verdicts: Vec<Verdict>,
    pub quantities: Map<String, Value>,
    pub summary: Summary,
    /// The comparison with `--baseline`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineComparison>,
    /// What an HTML report draws beyond these fields (only when one was asked for; never in JSON).
    #[serde(skip)]
    pub figures: Option<figures::Figures>,
}

impl AuditReport {
    /// Builds the report: the pipeline's verdicts, then the `undefined` ones the sources name but
    /// never define, filtered by `[checks] only` (a parent id selects its sub-checks too), counted.
    pub fn assemble(
        spec: &str,
        subject: Subject,
        mut verdicts: Vec<Verdict>,
        quantities: Map<String, Value>,
        only: Option<&[String]>,
    ) -> Self {
        verdicts.extend(
            requirements::all()
                .iter()
                .filter(|r| r.status == ReqStatus::Undefined)
                .map(|r| Verdict::undefined(&r.id)),
        );
        if let Some(ids) = only {
            verdicts.retain(|v| {
                ids.iter()
                    .any(|id| &v.id == id || v.id.starts_with(&format!("{id}.")))
            });
        }
        let source = match (subject.kind.as_str(), subject.kernel.as_str()) {
            ("sampled", _) => Source::Sampled,
            (_, "matrix") => Source::Matrix,
            (_, k) => Source::Kernel(k),
        };
        explain_all(&mut verdicts, subject.n_states, source);
        AuditReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL.into(),
            version: VERSION.into(),
            spec: spec.to_string(),
            subject,
            summary: Summary::of(&verdicts),
            quantities,
            verdicts,
            baseline: None,
            figures: None,
        }
    }

    /// docs/cli.md's exit code over the verdicts, and 1 on a regression against `--baseline`.
    pub fn exit_code(&self) -> i32 {
        let code = crate::checks::exit_code(&self.verdicts);
        match &self.baseline {
            Some(b) if b.regressions > 0 => 1,
            _ => code,
        }
    }

    /// The verdict with this id, if it was produced.
    pub fn verdict(&self, id: &str) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.id == id)
    }
}
