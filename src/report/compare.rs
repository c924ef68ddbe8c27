//! Renderers of the `compare` report: the kernel table and the per-observable τ table (text), the
//! report itself (JSON), and a baseline's before/after tables.

use super::audit::baseline_table;
use super::format::{COMPARE, opt};
use crate::checks::{Status, Verdict};
use crate::pipeline::compare::CompareReport;

fn f(x: Option<f64>) -> String {
    opt(x, COMPARE).replace("null", "-")
}

/// A count or cost: integers without decimals (`8`, `40`), other values as [`f`].
fn count(x: Option<f64>) -> String {
    match x {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        other => f(other),
    }
}

/// The text tables: one row per kernel, then τ per site update of every observable per kernel.
pub fn text(r: &CompareReport) -> String {
    let mut out = format!(
        "mcmc-audit {} compare — {} ({} states, {} spins)\n",
        r.version, r.model, r.n_states, r.n_spins
    );
    out += &format!(
        "cost c = expected site updates per step; τ/sweep = τ/step · c / {n}; τ/site = τ/step · c; \
         γ_ps for every kernel, γ for reversible ones; t_mix(1/4) from the worst state\n\n",
        n = r.n_spins
    );
    let nw = r
        .kernels
        .iter()
        .map(|k| k.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    out += &format!(
        "{:<nw$} {:>6} {:>6} {:>14} {:>10} {:>7} {:>9} {:>10} {:>10} {:>10}  {}\n",
        "KERNEL",
        "A2",
        "COST",
        "GAP_PS (k)",
        "GAP",
        "T_MIX",
        "T_MIX·C",
        "τ/STEP",
        "τ/SWEEP",
        "τ/SITE",
        "SLOWEST"
    );
    for k in &r.kernels {
        let ps = match (k.pseudo_gap, k.pseudo_gap_k) {
            (Some(g), Some(kk)) => format!("{} ({kk})", f(Some(g))),
            (g, _) => f(g),
        };
        let slow = k.slowest.as_deref().unwrap_or("-");
        let t = k.slowest.as_ref().and_then(|o| k.tau.get(o));
        out += &format!(
            "{:<nw$} {:>6} {:>6} {:>14} {:>10} {:>7} {:>9} {:>10} {:>10} {:>10}  {}\n",
            k.name,
            k.a2.to_uppercase(),
            count(Some(k.site_updates_per_step)),
            ps,
            f(k.spectral_gap),
            k.t_mix.map_or("-".into(), |t| t.to_string()),
            count(k.t_mix_site_updates),
            f(t.map(|t| t.per_step)),
            f(t.map(|t| t.per_sweep)),
            f(t.map(|t| t.per_site_update)),
            slow
        );
    }
    if !r.observables.is_empty() {
        out += "\nτ per site update\n";
        let cw: Vec<usize> = r.kernels.iter().map(|k| k.name.len().max(10)).collect();
        let ow = r
            .observables
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(10)
            .max(10);
        out += &format!("{:<ow$}", "OBSERVABLE");
        for (k, w) in r.kernels.iter().zip(&cw) {
            out += &format!(" {:>w$}", k.name);
        }
        out += "\n";
        for o in &r.observables {
            out += &format!("{o:<ow$}");
            for (k, w) in r.kernels.iter().zip(&cw) {
                out += &format!(" {:>w$}", f(k.tau.get(o).map(|t| t.per_site_update)));
            }
            out += "\n";
        }
    }
    out += &failing_checks(r);
    if let Some(b) = &r.baseline {
        out += &format!(
            "\nbaseline {}: {} regressions over {} kernels\n",
            b.file,
            b.regressions,
            b.kernels.len()
        );
        for name in &b.missing {
            out += &format!("REGRESSED  kernel `{name}` is in the baseline and not compared now\n");
        }
        for name in &b.added {
            out += &format!("new        kernel `{name}` has no baseline\n");
        }
        for k in &b.kernels {
            out += &format!("\n[{}]", k.name);
            out += &baseline_table(&k.comparison);
        }
    }
    out
}

/// Per kernel, the checks of its audit that fail or are inconclusive (leaves, as `audit` lists them
/// first) and their distinct hints: the same lines `audit` prints for that kernel.
fn failing_checks(r: &CompareReport) -> String {
    let mut out = String::new();
    for k in &r.kernels {
        let off: Vec<&Verdict> = k
            .report
            .verdicts
            .iter()
            .filter(|v| matches!(v.status, Status::Fail | Status::Inconclusive))
            .filter(|v| !v.detail.contains_key("sub_checks"))
            .collect();
        if off.is_empty() {
            continue;
        }
        if out.is_empty() {
            out += "\nchecks that do not pass (as `audit` reports them)\n";
        }
        let ids: Vec<String> = off
            .iter()
            .map(|v| format!("{} {}", v.id, v.status.as_str()))
            .collect();
        out += &format!("{}: {}\n", k.name, ids.join(", "));
        let mut hints: Vec<&str> = Vec::new();
        for h in off.iter().filter_map(|v| v.hint.as_deref()) {
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
        for h in hints {
            out += &format!("  hint: {h}\n");
        }
    }
    out
}

/// The JSON report (docs/cli.md).
pub fn json(r: &CompareReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
