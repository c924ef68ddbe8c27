//! Renderers for an audit report: an aligned text table for people, JSON for programs, JUnit XML
//! for CI systems (one testcase per check id, one failure per fail).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::AuditReport;
use super::format::{AUDIT, opt};
use super::summary;
use crate::checks::baseline::BaselineComparison;
use crate::checks::explain::passes_at;
use crate::checks::{Status, Verdict};

fn fmt_num(x: Option<f64>) -> String {
    opt(x, AUDIT)
}

/// The threshold column: what passes, in the check's own direction (`≤ 1e-12`, `≥ 5`).
fn fmt_tol(v: &Verdict, n: usize) -> String {
    passes_at(v, n).unwrap_or_else(|| "-".into())
}

/// The subject line: an exact chain's state count, a sampled run's chains and sweeps.
fn subject_line(r: &AuditReport) -> String {
    let q = |k: &str| r.quantities.get(k).and_then(serde_json::Value::as_u64);
    if r.subject.kind == "sampled" {
        match (q("chains"), q("sweeps")) {
            (Some(c), Some(s)) => format!("sampled, {c} chains × {s} sweeps"),
            _ => "sampled".into(),
        }
    } else {
        format!("exact chain on {} states", r.subject.n_states)
    }
}

/// The human-readable report: the outcome and each failing check explained first, then one line
/// per check (status first), then the quantities summarized.
pub fn text(r: &AuditReport) -> String {
    let mut out = format!(
        "mcmc-audit {} — {}: {}\n",
        r.version,
        r.subject.model,
        subject_line(r)
    );
    out += &format!("kernel: {}\n\n", r.subject.kernel);
    out += &summary::outcome(&r.verdicts, &r.summary);
    out += "\n";
    let n = r.subject.n_states;
    let idw = r
        .verdicts
        .iter()
        .map(|v| v.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let tw = r
        .verdicts
        .iter()
        .map(|v| fmt_tol(v, n).chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    out += &format!(
        "{:<14} {:<idw$} {:>12} {:<tw$} {:>12}  {}\n",
        "STATUS", "ID", "MEASURED", "PASSES AT", "BOUND", "CHECK"
    );
    for v in &r.verdicts {
        let tol = fmt_tol(v, n);
        let pad = tw - tol.chars().count();
        out += &format!(
            "{:<14} {:<idw$} {:>12} {tol}{:pad$} {:>12}  {}\n",
            v.status.as_str().to_uppercase(),
            v.id,
            fmt_num(v.measured),
            "",
            fmt_num(v.bound),
            v.title
        );
        // Fails and inconclusives are explained above; a row that is not judged says why here.
        let unjudged = matches!(v.status, Status::NotApplicable | Status::Undefined)
            || (v.status == Status::Pass
                && v.measured.is_none()
                && !v.detail.contains_key("sub_checks"));
        if unjudged {
            out += &format!("{:<14} {:<idw$} └ {}\n", "", "", v.explanation);
        }
    }
    if let Some(b) = &r.baseline {
        out += &baseline_table(b);
    }
    if !r.quantities.is_empty() {
        out += "\nquantities (every value in full in the JSON report)\n";
        out += &summary::quantities(&r.quantities);
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
        let message = match &v.hint {
            Some(h) => format!("{}; hint: {h}", v.explanation),
            None => v.explanation.clone(),
        };
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
                s.set_message(v.explanation.clone());
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
