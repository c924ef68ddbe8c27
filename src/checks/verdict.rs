//! Verdicts: what a checker returns, in the shape of the JSON report (docs/cli.md).

use serde::Serialize;
use serde_json::{Map, Value};

use super::Tolerances;
use crate::numeric::tolerance::Tolerance;
use crate::spec::requirements;

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Inconclusive,
    NotApplicable,
    Undefined,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Inconclusive => "inconclusive",
            Status::NotApplicable => "not-applicable",
            Status::Undefined => "undefined",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub metric: String,
    /// `None` serialises as `null` (undefined or not measured).
    pub measured: Option<f64>,
    pub tolerance: Option<Tolerance>,
    /// The derived rounding bound on `measured`, where one exists.
    pub bound: Option<f64>,
    /// The check in words: the metric, the measured value in the check's own direction and what
    /// passes ([`explain`](super::explain); filled when a report is assembled).
    pub explanation: String,
    /// On fail or inconclusive: the nearest passing setting, or the fix; omitted when none exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub detail: Map<String, Value>,
    /// Whether a fail (or inconclusive) affects the exit code.
    #[serde(skip)]
    pub required: bool,
}

impl Verdict {
    /// A verdict skeleton for spec id `id`: title and metric from the registry, the tolerance in
    /// force for this audit (the registry's, or the spec's override of its value).
    ///
    /// # Panics
    ///
    /// When `id` is not in the registry.
    pub fn new(id: &str, tol: &Tolerances) -> Self {
        let r = requirements::get(id);
        Verdict {
            id: id.to_string(),
            title: r.title.clone(),
            status: Status::NotApplicable,
            metric: r.metric.clone().unwrap_or_default(),
            measured: None,
            tolerance: tol.get(id),
            bound: None,
            explanation: String::new(),
            hint: None,
            detail: Map::new(),
            required: r.required,
        }
    }

    /// A verdict for an id the sources name but never define (`undefined`, no tolerance).
    ///
    /// # Panics
    ///
    /// When `id` is not in the registry.
    pub fn undefined(id: &str) -> Self {
        let r = requirements::get(id);
        Verdict {
            id: id.to_string(),
            title: r.title.clone(),
            status: Status::Undefined,
            metric: r.metric.clone().unwrap_or_default(),
            measured: None,
            tolerance: None,
            bound: None,
            explanation: String::new(),
            hint: None,
            detail: Map::new(),
            required: r.required,
        }
        .reason("defined by no published source")
    }

    /// The parent verdict of `subs`: fail if one fails, pass if all pass, else inconclusive if one is,
    /// else not applicable.
    pub fn parent(id: &str, subs: &[&Verdict], tol: &Tolerances) -> Self {
        let status = if subs.iter().any(|v| v.status == Status::Fail) {
            Status::Fail
        } else if subs.iter().all(|v| v.status == Status::Pass) {
            Status::Pass
        } else if subs.iter().any(|v| v.status == Status::Inconclusive) {
            Status::Inconclusive
        } else {
            Status::NotApplicable
        };
        let mut v = Verdict::new(id, tol).with_status(status);
        v.detail.insert(
            "sub_checks".into(),
            subs.iter()
                .map(|s| format!("{}: {}", s.id, s.status.as_str()))
                .collect::<Vec<_>>()
                .into(),
        );
        v
    }

    /// The same verdict marked not applicable, with the reason.
    pub fn not_applicable(id: &str, tol: &Tolerances, why: &str) -> Self {
        Verdict::new(id, tol).reason(why)
    }

    /// Judges `measured` against the tolerance (in its direction) for an operator on `n` states;
    /// without a tolerance the verdict is inconclusive. A NaN is inconclusive with the reason: a
    /// non-finite intermediate (overflow, 0/0) is not evidence of failure (issue 14 item 4). An
    /// infinity is judged (it can be a true limit) and carries a reason, since JSON writes it `null`.
    pub fn judge(mut self, measured: f64, n: usize) -> Self {
        self.measured = Some(measured);
        self.status = match self.tolerance {
            Some(_) if measured.is_nan() => {
                self.detail.insert(
                    "reason".into(),
                    "the measured value is NaN: a non-finite intermediate (overflow or 0/0), so the check cannot be judged".into(),
                );
                Status::Inconclusive
            }
            Some(t) if t.accepts(measured, n) => Status::Pass,
            Some(_) => Status::Fail,
            None => Status::Inconclusive,
        };
        if measured.is_infinite() {
            // A true limit (R-hat of chains frozen at different values), judged as such; JSON has
            // no infinity, so the null says why.
            self.detail.insert(
                "reason".into(),
                format!("the measured value is {measured} (written as null)").into(),
            );
        }
        if let Some(t) = self.tolerance {
            self.detail
                .insert("threshold".into(), json_num(t.threshold(n)));
        }
        self
    }

    pub fn with_status(mut self, s: Status) -> Self {
        self.status = s;
        self
    }

    pub fn detail(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.detail.insert(key.into(), v.into());
        self
    }

    pub fn reason(self, why: impl Into<String>) -> Self {
        self.detail("reason", why.into())
    }
}

/// A finite f64 as a JSON number, non-finite as `null`.
pub fn json_num(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Counts per status.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub inconclusive: usize,
    pub not_applicable: usize,
    pub undefined: usize,
}

impl Summary {
    pub fn of(verdicts: &[Verdict]) -> Self {
        let mut s = Summary::default();
        for v in verdicts {
            match v.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Inconclusive => s.inconclusive += 1,
                Status::NotApplicable => s.not_applicable += 1,
                Status::Undefined => s.undefined += 1,
            }
        }
        s
    }
}

/// Exit code per docs/cli.md: 1 if a required check fails, else 3 if a required check is inconclusive, else 0.
pub fn exit_code(verdicts: &[Verdict]) -> i32 {
    if verdicts
        .iter()
        .any(|v| v.required && v.status == Status::Fail)
    {
        1
    } else if verdicts
        .iter()
        .any(|v| v.required && v.status == Status::Inconclusive)
    {
        3
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_measurement_is_inconclusive_with_a_reason_and_an_infinity_is_judged() {
        let tol = Tolerances::registry();
        let v = Verdict::new("A2.detailed-balance", &tol).judge(f64::NAN, 4);
        assert_eq!(v.status, Status::Inconclusive);
        assert!(v.detail["reason"].as_str().unwrap().contains("NaN"));
        let v = Verdict::new("A2.detailed-balance", &tol).judge(f64::INFINITY, 4);
        assert_eq!(v.status, Status::Fail);
        assert!(v.detail["reason"].as_str().unwrap().contains("inf"));
        let v = Verdict::new("A2.detailed-balance", &tol).judge(0.0, 4);
        assert_eq!(v.status, Status::Pass);
        assert!(!v.detail.contains_key("reason"));
    }
}
