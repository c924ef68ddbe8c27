//! Reports: the one assembler of an audit report ([`AuditReport::assemble`]) and every renderer — text
//! for people, JSON for programs, JUnit XML for CI systems — for `audit` ([`audit`]), `trace`
//! ([`trace`]), `claims` ([`claims`]) and `reproduce` ([`reproduce`]), with one room for number
//! formatting ([`format`](mod@format)). Every JSON report carries [`SCHEMA_VERSION`].

pub mod audit;
pub mod claims;
pub mod format;
pub mod reproduce;
pub mod trace;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::checks::{Summary, Verdict};
use crate::spec::requirements::{self, ReqStatus};

/// The version of every JSON report's shape, raised on any incompatible change (docs/cli.md).
pub const SCHEMA_VERSION: u32 = 1;

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
        AuditReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL.into(),
            version: VERSION.into(),
            spec: spec.to_string(),
            subject,
            summary: Summary::of(&verdicts),
            quantities,
            verdicts,
        }
    }

    /// docs/cli.md's exit code over the verdicts.
    pub fn exit_code(&self) -> i32 {
        crate::checks::exit_code(&self.verdicts)
    }

    /// The verdict with this id, if it was produced.
    pub fn verdict(&self, id: &str) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.id == id)
    }
}
