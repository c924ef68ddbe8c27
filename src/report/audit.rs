//! Renderers for an audit report: an aligned text table for people, JSON for programs, JUnit XML
//! for CI systems (one testcase per check id, one failure per fail).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::AuditReport;
use super::format::{AUDIT, opt};
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
    for (k, v) in &r.quantities {
        if k != "eigenvalues" {
            out += &format!("{k} = {v}\n");
        }
    }
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
    let mut report = Report::new("mcmc-audit");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
