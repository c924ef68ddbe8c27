//! Renderers of the `trace` report: the outcome with each failing check explained, one aligned line
//! per variable, the verdicts with what passes, then undefined values and warnings (text); the
//! report itself (JSON).

use super::format::{TRACE, opt};
use super::summary;
use crate::checks::Status;
use crate::checks::explain::passes_at;
use crate::pipeline::trace::TraceReport;

/// JSON rendering.
pub fn json(r: &TraceReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn num(x: Option<f64>) -> String {
    opt(x, TRACE)
}

/// Text rendering: one aligned line per variable, then the verdicts, then undefined values and warnings.
pub fn text(r: &TraceReport) -> String {
    let mut out = format!(
        "mcmc-audit {} trace — {} (convention: {})\n\n",
        r.version,
        r.file,
        r.convention.as_str()
    );
    for wmsg in &r.warnings {
        out += &format!("warning: {wmsg}\n\n");
    }
    out += &summary::outcome(&r.verdicts, &r.summary);
    out += "\n";
    let w = r
        .variables
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(4)
        .max(8);
    out += &format!(
        "{:<w$} {:>6} {:>8} {:>11} {:>11} {:>11} {:>11} {:>8} {:>11} {:>11} {:>7} {:>9}\n",
        "VARIABLE",
        "CHAINS",
        "DRAWS",
        "MEAN",
        "SD",
        "ESS_BULK",
        "ESS_TAIL",
        "RHAT",
        "MCSE_MEAN",
        "TAU",
        "WINDOW",
        "TAU/L"
    );
    for v in &r.variables {
        out += &format!(
            "{:<w$} {:>6} {:>8} {:>11} {:>11} {:>11} {:>11} {:>8} {:>11} {:>11} {:>7} {:>9}\n",
            v.name,
            v.n_chains,
            v.n_draws,
            num(v.mean),
            num(v.sd),
            num(v.ess_bulk),
            num(v.ess_tail),
            num(v.rhat),
            num(v.mcse_mean),
            num(v.tau),
            v.tau_window.map(|m| m.to_string()).unwrap_or("null".into()),
            num(v.tau_over_length),
        );
    }
    out += "\ntau: Sokal automatic window, c = 5, N/ESS convention (1 + 2 sum rho), chains' autocorrelations averaged (emcee integrated_time)\n\n";
    let tw = r
        .verdicts
        .iter()
        .map(|v| passes_at(v, 1).map_or(1, |s| s.chars().count()))
        .max()
        .unwrap_or(9)
        .max(9);
    out += &format!(
        "{:<14} {:<16} {:<w$} {:>12} {:<tw$}  {}\n",
        "STATUS", "ID", "VARIABLE", "MEASURED", "PASSES AT", "CHECK"
    );
    for v in &r.verdicts {
        let var = v
            .detail
            .get("variable")
            .and_then(|x| x.as_str())
            .unwrap_or("");
        let tol = passes_at(v, 1).unwrap_or_else(|| "-".into());
        let pad = tw - tol.chars().count();
        out += &format!(
            "{:<14} {:<16} {:<w$} {:>12} {tol}{:pad$}  {}\n",
            v.status.as_str().to_uppercase(),
            v.id,
            var,
            num(v.measured),
            "",
            v.title
        );
        // Fails and inconclusives are explained above; a check that does not apply says why here.
        if v.status == Status::NotApplicable {
            out += &format!("{:<14} └ {}\n", "", v.explanation);
        }
    }
    for v in &r.variables {
        // One line per reason: a NaN nulls every statistic for the same reason.
        let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
        for (f, why) in &v.undefined {
            match by_reason.iter_mut().find(|(w, _)| w == why) {
                Some((_, fields)) => fields.push(f),
                None => by_reason.push((why, vec![f])),
            }
        }
        for (why, fields) in by_reason {
            let verb = if fields.len() == 1 { "is" } else { "are" };
            out += &format!("{}: {} {verb} null: {why}\n", v.name, fields.join(", "));
        }
        for wmsg in &v.warnings {
            out += &format!("{}: warning: {wmsg}\n", v.name);
        }
    }
    out
}
