//! The claims report in the shape of docs/cli.md (`claims`): one entry per claim with
//! `id, tag, kind, status, published, recomputed, tolerance, source, note` (plus descriptive extras),
//! and a summary by status. Text is an aligned table for people; JSON is for programs.

use serde::Serialize;
use serde_json::Value;

use super::{Kind, Scope, Tag};
use crate::numeric::tolerance::Tolerance;

/// The status of one claim. There is deliberately no `validated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimStatus {
    /// The recomputation or derivation agrees with the published value within the stated tolerance.
    Pass,
    /// It does not: an inconsistency in the published record or a regression.
    Fail,
    /// The check awaits code not yet in the crate (never faked).
    Pending,
    /// No verdict: a record claim, a withdrawn claim, or a hypothesis check on a MEASURE-ONLY claim.
    Recorded,
}

impl ClaimStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClaimStatus::Pass => "pass",
            ClaimStatus::Fail => "fail",
            ClaimStatus::Pending => "pending",
            ClaimStatus::Recorded => "recorded",
        }
    }
}

/// One evaluated claim.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimResult {
    pub id: String,
    pub tag: Tag,
    pub kind: Kind,
    pub status: ClaimStatus,
    pub published: Value,
    /// What the crate computed (`null` for record and pending claims).
    pub recomputed: Value,
    pub tolerance: Option<Tolerance>,
    pub source: String,
    pub note: String,
    pub statement: String,
    pub unit: String,
    pub outcome: Option<String>,
    pub published_status: Option<String>,
    pub scope: Option<Scope>,
    pub tag_inferred: bool,
    pub inferred: bool,
    pub superseded_by: Option<String>,
    pub still_stands: Option<String>,
    /// The rule the claim is judged by and when it was frozen (`null` when the tolerance says it all).
    pub judged_by: Option<crate::claims::JudgedBy>,
    /// The recorded finding on this claim, if one is (`null` otherwise).
    pub finding: Option<FindingOutcome>,
}

/// A recorded finding (`[[finding]]` of the ledger) and whether it still reproduces.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FindingOutcome {
    pub name: String,
    pub recorded: String,
    pub analysis: String,
    /// The claim's check still fails, as recorded.
    pub reproduces: bool,
}

impl ClaimResult {
    /// The result differs from what the ledger records: a failing check without a recorded finding,
    /// or a recorded finding whose check no longer fails.
    pub fn unexpected(&self) -> bool {
        match &self.finding {
            None => self.status == ClaimStatus::Fail,
            Some(f) => !f.reproduces,
        }
    }
}

/// Counts per status and kind.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ClaimsSummary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub pending: usize,
    pub recorded: usize,
    pub recompute: usize,
    pub derive: usize,
    pub record: usize,
    /// Failing checks that are recorded findings (they do not fail the run).
    pub known_findings: usize,
    /// Results that differ from the record (they make the exit code 1).
    pub unexpected: usize,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimsReport {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub claims: Vec<ClaimResult>,
    pub summary: ClaimsSummary,
}

impl ClaimsReport {
    pub fn new(claims: Vec<ClaimResult>) -> Self {
        let mut s = ClaimsSummary {
            total: claims.len(),
            ..Default::default()
        };
        for c in &claims {
            match c.status {
                ClaimStatus::Pass => s.pass += 1,
                ClaimStatus::Fail => s.fail += 1,
                ClaimStatus::Pending => s.pending += 1,
                ClaimStatus::Recorded => s.recorded += 1,
            }
            match c.kind {
                Kind::Recompute => s.recompute += 1,
                Kind::Derive => s.derive += 1,
                Kind::Record => s.record += 1,
            }
            if c.finding.as_ref().is_some_and(|f| f.reproduces) {
                s.known_findings += 1;
            }
            if c.unexpected() {
                s.unexpected += 1;
            }
        }
        ClaimsReport {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: crate::report::TOOL.into(),
            version: crate::report::VERSION.into(),
            claims,
            summary: s,
        }
    }

    /// 1 when a result differs from the record — a recompute or derive check fails without a
    /// recorded finding, or a recorded finding stops reproducing — else 0 (pending and recorded
    /// claims never fail). This makes `claims` a CI gate.
    pub fn exit_code(&self) -> i32 {
        if self.claims.iter().any(ClaimResult::unexpected) {
            1
        } else {
            0
        }
    }

    /// The claim with this id.
    pub fn claim(&self, id: &str) -> Option<&ClaimResult> {
        self.claims.iter().find(|c| c.id == id)
    }
}
