//! Baseline comparison: a report against the committed report of an earlier kernel on the same
//! model, row by tracked quantity — τ of every observable may not go up, the gaps (γ, γ_eff, the
//! absolute gap, γ(PP*), γ_ps) may not go down, `t_mix` may not go up, each by more than the spec's
//! `[baseline]` tolerance, and a required check that passed may not stop passing. This is how a
//! sampler team gates a kernel change (docs/cli.md, `--baseline`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::numeric::tolerance::{self, Direction, Kind, Tolerance};
use crate::report::AuditReport;
use crate::spec::requirements;

/// How much each tracked quantity may regress (`[baseline]`), relative to the baseline's value.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineTolerances {
    /// Relative increase of any observable's τ.
    pub tau: f64,
    /// Relative decrease of any gap.
    pub gap: f64,
    /// Relative increase of any mixing time.
    pub mixing_time: f64,
}

impl Default for BaselineTolerances {
    /// [`tolerance::BASELINE_TAU`], [`tolerance::BASELINE_GAP`], [`tolerance::BASELINE_MIXING_TIME`].
    fn default() -> Self {
        BaselineTolerances {
            tau: tolerance::BASELINE_TAU.value,
            gap: tolerance::BASELINE_GAP.value,
            mixing_time: tolerance::BASELINE_MIXING_TIME.value,
        }
    }
}

/// One tracked quantity before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineRow {
    pub quantity: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// The relative regression `max(0, (after − before)/before)` for quantities that must not rise
    /// (`max(0, (before − after)/before)` for those that must not fall); `null` when undefined.
    pub regression: Option<f64>,
    pub tolerance: Option<Tolerance>,
    /// A tracked check's status in the baseline and now (the row of a check has no numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_after: Option<String>,
    pub regressed: bool,
    /// Why a row regressed without a number (a check that stopped passing, a value that vanished).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A report against its baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineComparison {
    /// The baseline file.
    pub file: String,
    pub kernel_before: String,
    pub kernel_after: String,
    /// Whether the kernel's fingerprint differs from the baseline's.
    pub kernel_changed: bool,
    pub rows: Vec<BaselineRow>,
    pub regressions: usize,
}

/// Which way a quantity must not move.
#[derive(Clone, Copy)]
enum Worse {
    Up,
    Down,
}

fn rel_tolerance(value: f64) -> Tolerance {
    Tolerance {
        kind: Kind::Rel,
        value,
        scale: None,
        direction: Direction::AtMost,
    }
}

fn row(quantity: String, before: f64, after: Option<f64>, worse: Worse, tol: f64) -> BaselineRow {
    let t = rel_tolerance(tol);
    match after {
        None => BaselineRow {
            quantity,
            before: Some(before),
            after: None,
            regression: None,
            tolerance: Some(t),
            status_before: None,
            status_after: None,
            regressed: true,
            note: Some("defined in the baseline, undefined now".into()),
        },
        Some(a) => {
            let r = match worse {
                Worse::Up => (a - before) / before,
                Worse::Down => (before - a) / before,
            }
            .max(0.0);
            let r = if before == a { 0.0 } else { r };
            BaselineRow {
                quantity,
                before: Some(before),
                after: Some(a),
                regression: Some(r),
                tolerance: Some(t),
                status_before: None,
                status_after: None,
                regressed: !t.accepts(r, 1),
                note: None,
            }
        }
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Compares `report` with the baseline report `before` (the JSON of an earlier `audit` of the same
/// model, already checked to be one; [`crate::pipeline::baseline`]).
pub fn compare(
    report: &AuditReport,
    before: &Value,
    file: &str,
    tol: &BaselineTolerances,
) -> BaselineComparison {
    let after = &report.quantities;
    let bq = &before["quantities"];
    let mut rows = Vec::new();
    if let Some(taus) = bq["tau"].as_object() {
        for (name, b) in taus {
            if let Some(b) = num(b) {
                let a = after.get("tau").and_then(|t| t.get(name)).and_then(num);
                rows.push(row(format!("tau[{name}]"), b, a, Worse::Up, tol.tau));
            }
        }
    }
    for key in [
        "gamma",
        "gamma_eff",
        "absolute_gap",
        "gap_multiplicative",
        "pseudo_gap",
    ] {
        if let Some(b) = num(&bq[key]) {
            rows.push(row(
                key.into(),
                b,
                after.get(key).and_then(num),
                Worse::Down,
                tol.gap,
            ));
        }
    }
    if let Some(times) = bq["mixing_time"].as_array() {
        for t in times {
            let eps = num(&t["epsilon"]).unwrap_or(f64::NAN);
            let now = after
                .get("mixing_time")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find(|x| num(&x["epsilon"]) == Some(eps)));
            for side in ["worst", "from_start"] {
                if let Some(b) = num(&t[side]) {
                    let a = now.and_then(|x| num(&x[side]));
                    rows.push(row(
                        format!("mixing_time[{eps}].{side}"),
                        b,
                        a,
                        Worse::Up,
                        tol.mixing_time,
                    ));
                }
            }
        }
    }
    for v in before["verdicts"].as_array().into_iter().flatten() {
        let (Some(id), Some(status)) = (v["id"].as_str(), v["status"].as_str()) else {
            continue;
        };
        let required = requirements::all().iter().any(|r| r.id == id && r.required);
        if status != "pass" || !required {
            continue;
        }
        let now = report.verdict(id).map(|x| x.status.as_str());
        let regressed = now != Some("pass");
        rows.push(BaselineRow {
            quantity: format!("check {id}"),
            before: None,
            after: None,
            regression: None,
            tolerance: None,
            status_before: Some(status.into()),
            status_after: Some(now.unwrap_or("absent").into()),
            regressed,
            note: None,
        });
    }
    let regressions = rows.iter().filter(|r| r.regressed).count();
    BaselineComparison {
        file: file.to_string(),
        kernel_before: before["subject"]["kernel"].as_str().unwrap_or("").into(),
        kernel_after: report.subject.kernel.clone(),
        kernel_changed: before["subject"]["kernel_fingerprint"].as_str()
            != Some(report.subject.kernel_fingerprint.as_str()),
        rows,
        regressions,
    }
}
