//! The claims ledger: every number the programme published (docs/science.md §9 and the
//! numbers stated in §§1–8), with its tag and one of three kinds of check (docs/architecture.md job 3,
//! "regression-checking published numbers"):
//!
//! - **recompute** ([`recompute`]): the crate rebuilds the number from first principles on models it
//!   builds itself (exact chains on N ≤ 10 spins) and compares it with the published level;
//! - **derive** ([`derive`](mod@derive)): the number follows arithmetically from other published numbers, so the
//!   crate re-derives it and reports any inconsistency in the published record instead of hiding it;
//! - **record**: it needs the trained DTM or GPU runs, so it is kept with tag and provenance only.
//!
//! Tag discipline (docs/science.md §8), enforced here in code, not by convention:
//! - a `record` claim is `recorded`, never `pass`/`fail`;
//! - a `MEASURE-ONLY` claim never receives `pass`/`fail` from a check whose scope is a programme
//!   hypothesis (it is shown as `recorded` with what was computed); consistency checks of the published
//!   arithmetic still get a verdict, which says nothing about the hypothesis;
//! - a `withdrawn` claim stays in the ledger, marked, with what still stands, and receives no verdict;
//!   a `superseded` claim stays, marked, with the id that replaces it;
//! - `validated` is not representable as a tag the tool assigns ([`tag`]).
//!
//! A check that awaits code from another part of the crate is `pending` with a one-line note of what it
//! awaits ([`checks::lookup`]); wiring it later replaces that entry by one function.

pub mod checks;
pub mod derive;
pub mod recompute;
pub mod report;
pub mod tag;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::numeric::tolerance::Tolerance;
pub use report::{ClaimResult, ClaimStatus, ClaimsReport, ClaimsSummary, FindingOutcome};
pub use tag::{OutcomeToken, Tag};

/// The ledger as compiled in.
pub const CLAIMS_TOML: &str = include_str!("../../specs/claims.toml");
/// The name errors use for the compiled-in ledger.
pub const CLAIMS_FILE: &str = "specs/claims.toml";

/// How a claim is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Recompute,
    Derive,
    Record,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Recompute => "recompute",
            Kind::Derive => "derive",
            Kind::Record => "record",
        }
    }
}

/// What a check's verdict is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Whether the published record agrees with itself or with our recomputation.
    Consistency,
    /// A verdict on one of the programme's hypotheses (never issued for MEASURE-ONLY claims).
    Hypothesis,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    token: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: String,
    statement: String,
    kind: Kind,
    tag: String,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    published_status: Option<String>,
    #[serde(default)]
    tag_inferred: bool,
    #[serde(default)]
    inferred: bool,
    value: Value,
    unit: String,
    source: String,
    #[serde(default)]
    inputs: Option<Vec<String>>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default)]
    tolerance: Option<Tolerance>,
    #[serde(default)]
    parameters: Option<Value>,
    #[serde(default)]
    superseded_by: Option<String>,
    #[serde(default)]
    still_stands: Option<String>,
    #[serde(default)]
    judged_by: Option<JudgedBy>,
    #[serde(default)]
    note: Option<String>,
}

/// The rule a checked claim is judged by beyond its tolerance, and when it was frozen (issue 15
/// item 4: a reader sees whether the bar was set before or after the results).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JudgedBy {
    /// The rule in words, with where it is frozen (`specs/reproduce.toml [exp1.tracking]`).
    pub rule: String,
    /// When and in which commit the rule was frozen, relative to the results.
    pub frozen: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    outcome_token: Vec<RawToken>,
    claim: Vec<RawClaim>,
    #[serde(default)]
    finding: Vec<RawFinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFinding {
    claim: String,
    name: String,
    recorded: String,
    analysis: String,
}

/// A known inconsistency of the published record: a check expected to fail, recorded with its
/// analysis (like a conformance suite's expected failures). `claims` does not fail on it, and fails
/// when it stops reproducing.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The claim whose check is expected to fail.
    pub claim: String,
    /// A stable name.
    pub name: String,
    /// When it was recorded (ISO date).
    pub recorded: String,
    pub analysis: String,
}

/// A registered outcome token with its provenance.
#[derive(Clone, Debug, Serialize)]
pub struct RegisteredToken {
    pub token: String,
    pub source: String,
}

/// One validated ledger entry.
#[derive(Clone, Debug)]
pub struct Claim {
    pub id: String,
    pub statement: String,
    pub kind: Kind,
    pub tag: Tag,
    pub outcome: Option<OutcomeToken>,
    pub published_status: Option<String>,
    pub tag_inferred: bool,
    pub inferred: bool,
    pub value: Value,
    pub unit: String,
    pub source: String,
    pub inputs: Vec<String>,
    pub scope: Option<Scope>,
    pub tolerance: Option<Tolerance>,
    pub parameters: Value,
    pub superseded_by: Option<String>,
    pub still_stands: Option<String>,
    pub judged_by: Option<JudgedBy>,
    pub note: Option<String>,
}

/// The whole ledger.
#[derive(Clone, Debug)]
pub struct Ledger {
    pub file: String,
    pub tokens: Vec<RegisteredToken>,
    pub claims: Vec<Claim>,
    /// The known inconsistencies (`[[finding]]`), at most one per claim.
    pub findings: Vec<Finding>,
}

impl Ledger {
    /// The compiled-in `specs/claims.toml`.
    ///
    /// # Errors
    ///
    /// The errors of [`Ledger::parse`] on the compiled-in file (the crate's tests rule them out).
    pub fn builtin() -> Result<Self> {
        Self::parse(CLAIMS_TOML, CLAIMS_FILE)
    }

    /// Parses and validates a ledger; every error names `file`, the claim and the field.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] for text that is not a ledger (TOML errors, unknown fields);
    /// [`Error::Field`] naming the claim and field for an empty or duplicate id, an empty,
    /// reserved, unregistered or repeated outcome token, an unknown tag (`validated` included), a
    /// `superseded` claim without a valid `superseded_by`, a `withdrawn` claim without
    /// `still_stands`, a recompute or derive claim without `scope`, a record claim with a scope,
    /// tolerance or inputs, a tolerance whose kind and direction do not fit, a derive claim without
    /// a tolerance, and inputs on a claim that is not derive or naming no other claim.
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let raw: RawLedger = toml::from_str(text).map_err(|e| Error::Spec {
            path: file.into(),
            message: e.to_string(),
        })?;
        let mut tokens = Vec::new();
        let mut registered = BTreeSet::new();
        for (k, t) in raw.outcome_token.iter().enumerate() {
            let tok = OutcomeToken::new(&t.token)
                .map_err(|m| Error::field(file, format!("outcome_token[{k}].token"), m))?;
            if !registered.insert(tok.clone()) {
                return Err(Error::field(
                    file,
                    format!("outcome_token[{k}].token"),
                    format!("`{}` is registered twice", tok.as_str()),
                ));
            }
            tokens.push(RegisteredToken {
                token: tok.as_str().to_string(),
                source: t.source.clone(),
            });
        }
        let ids: Vec<&str> = raw.claim.iter().map(|c| c.id.as_str()).collect();
        let mut seen = BTreeSet::new();
        let mut claims = Vec::with_capacity(raw.claim.len());
        for c in &raw.claim {
            let f = |field: &str| format!("claim `{}`.{field}", c.id);
            if c.id.trim().is_empty() {
                return Err(Error::field(file, "claim.id", "empty id"));
            }
            if !seen.insert(c.id.as_str()) {
                return Err(Error::field(file, f("id"), "duplicate id"));
            }
            let outcome = match &c.outcome {
                None => None,
                Some(o) => {
                    let tok =
                        OutcomeToken::new(o).map_err(|m| Error::field(file, f("outcome"), m))?;
                    if !registered.contains(&tok) {
                        return Err(Error::field(
                            file,
                            f("outcome"),
                            format!("`{o}` is not a registered outcome token"),
                        ));
                    }
                    Some(tok)
                }
            };
            let tag = Tag::parse(&c.tag, outcome.as_ref())
                .map_err(|m| Error::field(file, f("tag"), m))?;
            match (&tag, &c.superseded_by) {
                (Tag::Superseded, None) => {
                    return Err(Error::field(
                        file,
                        f("superseded_by"),
                        "a superseded claim must name the claim that replaces it",
                    ));
                }
                (_, Some(s)) if !ids.contains(&s.as_str()) => {
                    return Err(Error::field(
                        file,
                        f("superseded_by"),
                        format!("no claim `{s}`"),
                    ));
                }
                _ => {}
            }
            if tag == Tag::Withdrawn && c.still_stands.as_deref().is_none_or(str::is_empty) {
                return Err(Error::field(
                    file,
                    f("still_stands"),
                    "a withdrawn claim must list what still stands",
                ));
            }
            let checked = c.kind != Kind::Record;
            if checked && c.scope.is_none() {
                return Err(Error::field(
                    file,
                    f("scope"),
                    "a recompute or derive claim needs scope = consistency | hypothesis",
                ));
            }
            if !checked && (c.scope.is_some() || c.tolerance.is_some() || c.inputs.is_some()) {
                return Err(Error::field(
                    file,
                    f("kind"),
                    "a record claim has no scope, tolerance or inputs (it is never checked)",
                ));
            }
            if let Some(t) = &c.tolerance
                && !t.is_consistent()
            {
                return Err(Error::field(
                    file,
                    f("tolerance"),
                    format!("kind {:?} cannot have direction {:?}", t.kind, t.direction),
                ));
            }
            if c.kind == Kind::Derive && c.tolerance.is_none() {
                return Err(Error::field(
                    file,
                    f("tolerance"),
                    "a derive claim must state its tolerance",
                ));
            }
            if c.kind != Kind::Derive && c.inputs.is_some() {
                return Err(Error::field(
                    file,
                    f("inputs"),
                    "only derive claims read inputs",
                ));
            }
            let inputs = c.inputs.clone().unwrap_or_default();
            for i in &inputs {
                if !ids.contains(&i.as_str()) || i == &c.id {
                    return Err(Error::field(
                        file,
                        f("inputs"),
                        format!("no other claim `{i}`"),
                    ));
                }
            }
            claims.push(Claim {
                id: c.id.clone(),
                statement: c.statement.clone(),
                kind: c.kind,
                tag,
                outcome,
                published_status: c.published_status.clone(),
                tag_inferred: c.tag_inferred,
                inferred: c.inferred,
                value: c.value.clone(),
                unit: c.unit.clone(),
                source: c.source.clone(),
                inputs,
                scope: c.scope,
                tolerance: c.tolerance,
                parameters: c.parameters.clone().unwrap_or(Value::Null),
                superseded_by: c.superseded_by.clone(),
                still_stands: c.still_stands.clone(),
                judged_by: c.judged_by.clone(),
                note: c.note.clone(),
            });
        }
        let mut findings: Vec<Finding> = Vec::new();
        for (k, f) in raw.finding.iter().enumerate() {
            let at = |field: &str| format!("finding[{k}].{field}");
            let Some(c) = claims.iter().find(|c| c.id == f.claim) else {
                return Err(Error::field(
                    file,
                    at("claim"),
                    format!("no claim `{}`", f.claim),
                ));
            };
            if c.kind == Kind::Record {
                return Err(Error::field(
                    file,
                    at("claim"),
                    format!("`{}` is a record claim: it has no check to fail", f.claim),
                ));
            }
            for (field, v) in [
                ("name", &f.name),
                ("analysis", &f.analysis),
                ("recorded", &f.recorded),
            ] {
                if v.trim().is_empty() {
                    return Err(Error::field(file, at(field), "is empty"));
                }
            }
            if findings
                .iter()
                .any(|g| g.claim == f.claim || g.name == f.name)
            {
                return Err(Error::field(
                    file,
                    at("name"),
                    format!("a second finding for `{}` or named `{}`", f.claim, f.name),
                ));
            }
            findings.push(Finding {
                claim: f.claim.clone(),
                name: f.name.clone(),
                recorded: f.recorded.clone(),
                analysis: f.analysis.clone(),
            });
        }
        Ok(Ledger {
            file: file.to_string(),
            tokens,
            claims,
            findings,
        })
    }

    /// The claim with this id.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] (field `claim`) when no claim has this id.
    pub fn get(&self, id: &str) -> Result<&Claim> {
        self.claims
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::field(self.file.clone(), "claim", format!("no claim `{id}`")))
    }
}

/// Typed access to a claim's `value` and `parameters`, with errors naming the file and field.
impl Claim {
    fn err(&self, field: &str, msg: impl Into<String>) -> Error {
        Error::field(CLAIMS_FILE, format!("claim `{}`.{field}", self.id), msg)
    }
    fn at<'a>(&self, root: &'a Value, section: &str, key: &str) -> Result<&'a Value> {
        root.get(key)
            .ok_or_else(|| self.err(&format!("{section}.{key}"), "missing"))
    }
    /// `value.key` as a number.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value.KEY`` when it is missing or not a number.
    pub fn num(&self, key: &str) -> Result<f64> {
        as_num(self.at(&self.value, "value", key)?)
            .ok_or_else(|| self.err(&format!("value.{key}"), "expected a number"))
    }
    /// `value` itself as a number.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value`` when it is not a number.
    pub fn value_num(&self) -> Result<f64> {
        as_num(&self.value).ok_or_else(|| self.err("value", "expected a number"))
    }
    /// `value.key` as a list of numbers.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value.KEY`` when it is missing or not a list of numbers.
    pub fn nums(&self, key: &str) -> Result<Vec<f64>> {
        nums_of(self.at(&self.value, "value", key)?)
            .ok_or_else(|| self.err(&format!("value.{key}"), "expected a list of numbers"))
    }
    /// `value.key` as a list of numbers where some entries may be strings (`None`).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value.KEY`` when it is missing or not a list.
    pub fn opt_nums(&self, key: &str) -> Result<Vec<Option<f64>>> {
        match self.at(&self.value, "value", key)? {
            Value::Array(a) => Ok(a.iter().map(as_num).collect()),
            _ => Err(self.err(&format!("value.{key}"), "expected a list")),
        }
    }
    /// `value.key` as a boolean.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value.KEY`` when it is missing or not a boolean.
    pub fn flag(&self, key: &str) -> Result<bool> {
        self.at(&self.value, "value", key)?
            .as_bool()
            .ok_or_else(|| self.err(&format!("value.{key}"), "expected true or false"))
    }
    /// `value` itself as a string.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.value`` when it is not a string.
    pub fn value_str(&self) -> Result<&str> {
        self.value
            .as_str()
            .ok_or_else(|| self.err("value", "expected a string"))
    }
    /// `parameters.key` as a number.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.parameters.KEY`` when it is missing or not a number.
    pub fn param(&self, key: &str) -> Result<f64> {
        as_num(self.at(&self.parameters, "parameters", key)?)
            .ok_or_else(|| self.err(&format!("parameters.{key}"), "expected a number"))
    }
    /// `parameters.key` as a non-negative integer.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.parameters.KEY`` when it is missing or not a non-negative
    /// integer.
    pub fn param_usize(&self, key: &str) -> Result<usize> {
        self.at(&self.parameters, "parameters", key)?
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| {
                self.err(
                    &format!("parameters.{key}"),
                    "expected a non-negative integer",
                )
            })
    }
    /// `parameters.key` as a list of non-negative integers.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.parameters.KEY`` when it is missing or not a list of
    /// non-negative integers.
    pub fn param_usizes(&self, key: &str) -> Result<Vec<usize>> {
        match self.at(&self.parameters, "parameters", key)? {
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_u64().map(|u| u as usize))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.err(&format!("parameters.{key}"), "expected integers")),
            _ => Err(self.err(&format!("parameters.{key}"), "expected a list")),
        }
    }
    /// `parameters.key` as a list of lists of non-negative integers (blocks).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.parameters.KEY`` when it is missing or not a list of lists
    /// of non-negative integers.
    pub fn param_blocks(&self, key: &str) -> Result<Vec<Vec<usize>>> {
        let bad = || {
            self.err(
                &format!("parameters.{key}"),
                "expected a list of lists of site indices",
            )
        };
        match self.at(&self.parameters, "parameters", key)? {
            Value::Array(a) => a
                .iter()
                .map(|b| match b {
                    Value::Array(s) => s
                        .iter()
                        .map(|v| v.as_u64().map(|u| u as usize))
                        .collect::<Option<Vec<_>>>(),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad),
            _ => Err(bad()),
        }
    }
    /// `parameters.key` as a string, or a list of strings.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.parameters.KEY`` when it is missing or neither a string nor
    /// a list of strings.
    pub fn param_strs(&self, key: &str) -> Result<Vec<String>> {
        match self.at(&self.parameters, "parameters", key)? {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.err(&format!("parameters.{key}"), "expected strings")),
            _ => Err(self.err(&format!("parameters.{key}"), "expected a string or a list")),
        }
    }
    /// The declared tolerance (required by every implemented check).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at ``claim `ID`.tolerance`` when the claim has none.
    pub fn tol(&self) -> Result<Tolerance> {
        self.tolerance
            .ok_or_else(|| self.err("tolerance", "an implemented check needs a tolerance"))
    }
}

fn as_num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn nums_of(v: &Value) -> Option<Vec<f64>> {
    match v {
        Value::Array(a) => a.iter().map(as_num).collect(),
        _ => None,
    }
}

/// Evaluates the ledger (every check runs against the whole ledger; `only` filters the output).
/// An unknown `only` id is an error naming it.
///
/// # Errors
///
/// [`Error::Field`] (field `--id`) when `only` names no claim, and the errors of a claim's check
/// ([`checks::evaluate_claim`]): a field of the claim or of its inputs that is missing or mistyped,
/// or an engine error of a recomputation.
///
/// # Examples
///
/// Evaluating the whole ledger recomputes every published number (about half a minute); one claim
/// is enough to see the shape of the report.
///
/// ```
/// use mcmc_audit::claims::{ClaimStatus, Ledger, evaluate};
///
/// let ledger = Ledger::builtin()?;
/// let report = evaluate(&ledger, Some("pt.delta-star"))?; // δ* = 1.683 vs 2 erfc⁻¹(0.234)
/// assert_eq!(report.claims.len(), 1);
/// assert_eq!(report.claim("pt.delta-star").unwrap().status, ClaimStatus::Pass);
/// assert_eq!(report.exit_code(), 0);
///
/// assert!(evaluate(&ledger, Some("no.such-claim")).is_err());
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn evaluate(ledger: &Ledger, only: Option<&str>) -> Result<ClaimsReport> {
    if let Some(id) = only
        && ledger.get(id).is_err()
    {
        return Err(Error::field(
            ledger.file.clone(),
            "--id",
            format!("no claim `{id}`"),
        ));
    }
    let mut results = Vec::new();
    let total = ledger
        .claims
        .iter()
        .filter(|c| only.is_none_or(|id| id == c.id))
        .count();
    let shown = crate::progress::task("claims", Some(total as u64));
    for c in &ledger.claims {
        if only.is_some_and(|id| id != c.id) {
            continue;
        }
        shown.message(|| c.id.clone());
        let mut r = checks::evaluate_claim(ledger, c)?;
        shown.inc(1);
        r.finding = ledger
            .findings
            .iter()
            .find(|f| f.claim == c.id)
            .map(|f| FindingOutcome {
                name: f.name.clone(),
                recorded: f.recorded.clone(),
                analysis: f.analysis.clone(),
                reproduces: r.status == ClaimStatus::Fail,
            });
        results.push(r);
    }
    Ok(ClaimsReport::new(results))
}

/// The `claims` subcommand: renders the report and returns it with the exit code (0 when every
/// result is as recorded; 1 for a failing check that is not a recorded finding, or a recorded finding
/// that no longer fails). Errors are exit 2 for the caller.
///
/// # Errors
///
/// The errors of [`Ledger::builtin`] and [`evaluate`].
pub fn run_cli(only: Option<&str>, json: bool) -> Result<(String, i32)> {
    let ledger = Ledger::builtin()?;
    let r = evaluate(&ledger, only)?;
    let text = if json {
        crate::report::claims::json(&r) + "\n"
    } else {
        crate::report::claims::text(&r)
    };
    Ok((text, r.exit_code()))
}
