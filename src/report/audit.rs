//! Renderers for an audit report: an aligned text table for people, JSON for programs, JUnit XML
//! for CI systems (one testcase per check id, one failure per fail).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::AuditReport;
use super::format::{AUDIT, opt};
use crate::checks::baseline::BaselineComparison;
use crate::checks::{Status, Verdict};

fn fmt_num(x: Option<f64>) -> String {
    opt(x, AUDIT)
}

fn fmt_tol(v: &Verdict) -> String {
    use crate::numeric::tolerance::{Kind, Scale};
    let Some(t) = v.tolerance else {
        return "-".into();
    };
    let kind = serde_json::to_value(t.kind)
        .ok()
        .and_then(|k| k.as_str().map(String::from))
        .unwrap_or_default();
    match (t.kind, t.scale) {
        (Kind::Bound, Some(Scale::NU)) => format!("{kind}:{}·n·u", t.value),
        (Kind::Bound, Some(Scale::Unit)) => format!("{kind}:{}·u", t.value),
        (Kind::Exact | Kind::Ratio, _) => format!("{kind}:{}", t.value),
        _ => format!("{kind}:{}", fmt_num(Some(t.value))),
    }
}

/// The human-readable table: one line per check, status first.
pub fn text(r: &AuditReport) -> String {
    let mut out = format!(
        "mcmc-audit {} — {} ({} states)\n",
        r.version, r.subject.model, r.subject.n_states
    );
    out += &format!("kernel: {}\n\n", r.subject.kernel);
    let idw = r
        .verdicts
        .iter()
        .map(|v| v.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    out += &format!(
        "{:<14} {:<idw$} {:>12} {:>16} {:>12}  {}\n",
        "STATUS", "ID", "MEASURED", "TOLERANCE", "BOUND", "CHECK"
    );
    for v in &r.verdicts {
        out += &format!(
            "{:<14} {:<idw$} {:>12} {:>16} {:>12}  {}\n",
            v.status.as_str().to_uppercase(),
            v.id,
            fmt_num(v.measured),
            fmt_tol(v),
            fmt_num(v.bound),
            v.title
        );
        if matches!(
            v.status,
            Status::Fail | Status::Inconclusive | Status::NotApplicable
        ) && let Some(reason) = v.detail.get("reason").and_then(|x| x.as_str())
        {
            out += &format!("{:<14} {:<idw$} └ {}\n", "", "", reason);
        }
    }
    let s = &r.summary;
    out += &format!(
        "\n{} pass, {} fail, {} inconclusive, {} not-applicable, {} undefined\n",
        s.pass, s.fail, s.inconclusive, s.not_applicable, s.undefined
    );
    if let Some(b) = &r.baseline {
        out += &baseline_table(b);
    }
    for (k, v) in &r.quantities {
        if k != "eigenvalues" {
            out += &format!("{k} = {v}\n");
        }
    }
    out
}

/// The before/after table of `--baseline`: every tracked row, the regressed ones marked.
pub fn baseline_table(b: &BaselineComparison) -> String {
    let mut out = format!(
        "\nbaseline {}: kernel {} ({})\n",
        b.file,
        if b.kernel_changed {
            "changed"
        } else {
            "unchanged"
        },
        if b.kernel_before == b.kernel_after {
            b.kernel_after.clone()
        } else {
            format!("{} → {}", b.kernel_before, b.kernel_after)
        }
    );
    let qw = b
        .rows
        .iter()
        .map(|r| r.quantity.len())
        .max()
        .unwrap_or(8)
        .max(8);
    out += &format!(
        "{:<10} {:<qw$} {:>12} {:>12} {:>12} {:>12}\n",
        "", "QUANTITY", "BEFORE", "AFTER", "REGRESSION", "TOLERANCE"
    );
    for row in &b.rows {
        let tol = row.tolerance.map_or("-".to_string(), |t| {
            format!("rel:{}", fmt_num(Some(t.value)))
        });
        out += &format!(
            "{:<10} {:<qw$} {:>12} {:>12} {:>12} {:>12}\n",
            if row.regressed { "REGRESSED" } else { "ok" },
            row.quantity,
            row.status_before
                .clone()
                .unwrap_or_else(|| fmt_num(row.before)),
            row.status_after
                .clone()
                .unwrap_or_else(|| fmt_num(row.after)),
            row.regression.map_or("-".into(), |x| fmt_num(Some(x))),
            tol
        );
        if let Some(note) = &row.note {
            out += &format!("{:<10} {:<qw$} └ {}\n", "", "", note);
        }
    }
    out += &format!(
        "{} of {} tracked quantities regressed\n",
        b.regressions,
        b.rows.len()
    );
    out
}

/// The JSON report (docs/cli.md).
pub fn json(r: &AuditReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// JUnit XML: one testsuite, one testcase per check; fail → failure, inconclusive → error,
/// not-applicable/undefined → skipped.
pub fn junit(r: &AuditReport) -> String {
    let mut suite = TestSuite::new(format!("mcmc-audit: {}", r.subject.model));
    for v in &r.verdicts {
        let message = format!(
            "metric: {}; measured: {}; tolerance: {}",
            v.metric,
            fmt_num(v.measured),
            fmt_tol(v)
        );
        let status = match v.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message);
                s
            }
            Status::Inconclusive => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(message);
                s
            }
            Status::NotApplicable | Status::Undefined => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(v.status.as_str());
                s
            }
        };
        let mut tc = TestCase::new(v.id.clone(), status);
        tc.set_classname(v.title.clone());
        suite.add_test_case(tc);
    }
    if let Some(b) = &r.baseline {
        for row in &b.rows {
            let status = if row.regressed {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "before: {}; after: {}; regression: {}{}",
                    fmt_num(row.before),
                    fmt_num(row.after),
                    fmt_num(row.regression),
                    row.note
                        .as_deref()
                        .map_or(String::new(), |n| format!("; {n}"))
                ));
                s
            } else {
                TestCaseStatus::success()
            };
            let mut tc = TestCase::new(format!("baseline {}", row.quantity), status);
            tc.set_classname(format!("against {}", b.file));
            suite.add_test_case(tc);
        }
    }
    let mut report = Report::new("mcmc-audit");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
