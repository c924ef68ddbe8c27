//! The `trace` report: one summary per variable (JSON fields as shared/design/CLI.md, extras
//! allowed), the estimator-rule verdicts, and the text/JSON renderers.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::diagnostics::Prepared;
use super::doubling::{
    Doubling, check_burn_in, check_doubling, check_window, default_lengths, doubling_probe,
    lengths_from,
};
use super::reversibility::check_reversibility;
use super::tau::{SOKAL_C, batch_means, geweke, sokal_tau};
use super::trace::{Variable, read_trace};
use super::{Convention, Draws, Stat};
use crate::checks::{Status, Summary, Tolerances, Verdict, exit_code};
use crate::error::Result;

/// Options of `mcmc-audit trace`.
#[derive(Clone, Debug, Default)]
pub struct TraceOptions {
    pub convention: Convention,
    /// Burn-in discarded before the trajectory (enables `E.burn-in`).
    pub burn_in: Option<usize>,
    /// The estimator's window `K` judged by `A6.sampled` (default: the draws per chain).
    pub window: Option<usize>,
    /// First length of the doubling probe (default: [`default_lengths`]).
    pub doubling_from: Option<usize>,
    pub tolerances: Tolerances,
}

/// One variable's summary.
#[derive(Clone, Debug, Serialize)]
pub struct VariableSummary {
    pub name: String,
    pub n_chains: usize,
    pub n_draws: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ess_bulk: Option<f64>,
    pub ess_tail: Option<f64>,
    pub ess_mean: Option<f64>,
    pub ess_sd: Option<f64>,
    pub ess_median: Option<f64>,
    pub rhat: Option<f64>,
    pub rhat_basic: Option<f64>,
    pub rhat_split: Option<f64>,
    pub mcse_mean: Option<f64>,
    pub mcse_sd: Option<f64>,
    pub mcse_median: Option<f64>,
    pub mcse_q5: Option<f64>,
    pub mcse_q95: Option<f64>,
    pub tau: Option<f64>,
    pub tau_convention: &'static str,
    pub tau_window: Option<usize>,
    pub tau_c: f64,
    /// Madras–Sokal standard error of `tau`.
    pub tau_se: Option<f64>,
    /// `tau / n_draws`.
    pub tau_over_length: Option<f64>,
    pub tau_batch_means: Option<f64>,
    pub mcse_mean_batch_means: Option<f64>,
    /// Geweke z per chain (first 10 % against last 50 %).
    pub geweke_z: Option<Vec<f64>>,
    pub tau_by_length: Vec<super::doubling::LengthTau>,
    pub tau_resolved: Option<f64>,
    /// Field → reason for every statistic reported as `null`.
    pub undefined: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

fn put(undef: &mut BTreeMap<String, String>, field: &str, s: Stat) -> Option<f64> {
    match s {
        Ok(v) if v.is_finite() => Some(v),
        Ok(_) => {
            undef.insert(
                field.to_string(),
                "overflow: not representable in f64".to_string(),
            );
            None
        }
        Err(u) => {
            undef.insert(field.to_string(), u.reason().to_string());
            None
        }
    }
}

/// Every statistic of one variable, plus its doubling probe.
pub fn summarise(name: &str, d: &Draws, opts: &TraceOptions) -> (VariableSummary, Doubling) {
    let p = Prepared::new(d, opts.convention);
    let mut u = BTreeMap::new();
    let finite = p.check();
    let (mean, sd) = match finite {
        Ok(()) => {
            let (a, b) = p.mean_sd();
            if !(a.is_finite() && b.is_finite()) {
                u.insert(
                    "mean".into(),
                    "overflow: |draws| too large for f64 moments".into(),
                );
                u.insert(
                    "sd".into(),
                    "overflow: |draws| too large for f64 moments".into(),
                );
            }
            (a.is_finite().then_some(a), b.is_finite().then_some(b))
        }
        Err(e) => {
            u.insert("mean".into(), e.reason().into());
            u.insert("sd".into(), e.reason().into());
            (None, None)
        }
    };
    let ess_bulk = put(&mut u, "ess_bulk", p.ess_bulk());
    let ess_tail = put(&mut u, "ess_tail", p.ess_tail());
    let ess_mean = put(&mut u, "ess_mean", p.ess_mean());
    let ess_sd = put(&mut u, "ess_sd", p.ess_sd());
    let ess_median = put(&mut u, "ess_median", p.ess_quantile(0.5));
    let rhat = put(&mut u, "rhat", p.rhat());
    let rhat_basic = put(&mut u, "rhat_basic", p.rhat_basic());
    let rhat_split = put(&mut u, "rhat_split", p.rhat_split());
    let mcse_mean = put(&mut u, "mcse_mean", p.mcse_mean());
    let mcse_sd = put(&mut u, "mcse_sd", p.mcse_sd());
    let mcse_median = put(&mut u, "mcse_median", p.mcse_quantile(0.5));
    let mcse_q5 = put(&mut u, "mcse_q5", p.mcse_quantile(0.05));
    let mcse_q95 = put(&mut u, "mcse_q95", p.mcse_quantile(0.95));
    let tau = sokal_tau(d, SOKAL_C);
    let (tau_v, tau_window, tau_se) = match tau {
        Ok(t) => (Some(t.tau), Some(t.window), Some(t.tau_se)),
        Err(e) => {
            for f in ["tau", "tau_window", "tau_se"] {
                u.insert(f.into(), e.reason().into());
            }
            (None, None, None)
        }
    };
    let bm = batch_means(d);
    let (tau_bm, mcse_bm) = match bm {
        Ok(b) => (Some(b.tau), Some(b.mcse)),
        Err(e) => {
            u.insert("tau_batch_means".into(), e.reason().into());
            (None, None)
        }
    };
    let gz = match geweke(d) {
        Ok(z) => Some(z),
        Err(e) => {
            u.insert("geweke_z".into(), e.reason().into());
            None
        }
    };
    let lengths = match opts.doubling_from {
        Some(l0) => lengths_from(l0, d.draws),
        None => default_lengths(d.draws),
    };
    let threshold = opts
        .tolerances
        .get("E.doubling")
        .map(|t| t.value)
        .unwrap_or(0.15);
    let dbl = doubling_probe(d, &lengths, threshold);
    let mut warnings = p.warnings.borrow().clone();
    warnings.dedup();
    if opts.convention == Convention::Arviz
        && finite.is_ok()
        && super::diagnostics::is_constant(&d.data, opts.convention)
    {
        warnings.push("constant draws: the arviz convention reports ESS = S (ArviZ 0.23)".into());
    }
    if let Some(t) = tau_v
        && (t <= 0.0 || tau_window == Some(1))
    {
        warnings.push(format!(
            "Sokal tau = {t:.4} with the window at lag {}: the autocorrelation is antithetic (rho(1) <= -0.4) and the window rule stops at once, so tau is unreliable (emcee returns the same number; see the calibration table); use ess_mean (Geyer)",
            tau_window.unwrap_or(0)
        ));
    } else if let Some(t) = tau_v
        && 50.0 * t > d.draws as f64
    {
        warnings.push(format!(
            "the chains are shorter than 50 tau (tau = {t:.4}, draws = {}): emcee would raise AutocorrError",
            d.draws
        ));
    }
    let s = VariableSummary {
        name: name.to_string(),
        n_chains: d.chains,
        n_draws: d.draws,
        mean,
        sd,
        ess_bulk,
        ess_tail,
        ess_mean,
        ess_sd,
        ess_median,
        rhat,
        rhat_basic,
        rhat_split,
        mcse_mean,
        mcse_sd,
        mcse_median,
        mcse_q5,
        mcse_q95,
        tau: tau_v,
        tau_convention: "N/ESS",
        tau_window,
        tau_c: SOKAL_C,
        tau_se,
        tau_over_length: tau_v.map(|t| t / d.draws as f64),
        tau_batch_means: tau_bm,
        mcse_mean_batch_means: mcse_bm,
        geweke_z: gz,
        tau_by_length: dbl.tau_by_length.clone(),
        tau_resolved: dbl.tau,
        undefined: u,
        warnings,
    };
    (s, dbl)
}

/// The `trace` report.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    pub tool: &'static str,
    pub version: &'static str,
    pub file: String,
    pub convention: Convention,
    pub variables: Vec<VariableSummary>,
    pub verdicts: Vec<Verdict>,
    pub summary: Summary,
}

impl TraceReport {
    /// CLI.md exit code over the verdicts (used with `--strict`).
    pub fn exit_code(&self) -> i32 {
        exit_code(&self.verdicts)
    }
}

/// Summarises variables (in parallel; the output order is the input order).
pub fn trace_report(file: &str, vars: &[Variable], opts: &TraceOptions) -> TraceReport {
    let results: Vec<(VariableSummary, Doubling)> = vars
        .par_iter()
        .map(|v| summarise(&v.name, &v.draws, opts))
        .collect();
    let mut verdicts = Vec::new();
    for (s, d) in &results {
        verdicts.push(check_doubling(&s.name, d, &opts.tolerances));
        verdicts.push(check_window(
            &s.name,
            d,
            opts.window.unwrap_or(s.n_draws),
            &opts.tolerances,
        ));
        verdicts.push(check_burn_in(&s.name, d, opts.burn_in, &opts.tolerances));
    }
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let refs: Vec<&Draws> = vars.iter().map(|v| &v.draws).collect();
    let rhats: Vec<(String, crate::sampled::Stat)> = vars
        .par_iter()
        .map(|v| {
            let r = crate::sampled::mixing::mixing_rhat(&v.draws, opts.convention);
            (v.name.clone(), r)
        })
        .collect();
    verdicts.push(crate::sampled::mixing::check_mixing(
        &rhats,
        &opts.tolerances,
    ));
    verdicts.push(check_reversibility(&names, &refs, &opts.tolerances));
    TraceReport {
        tool: "mcmc-audit",
        version: env!("CARGO_PKG_VERSION"),
        file: file.to_string(),
        convention: opts.convention,
        summary: Summary::of(&verdicts),
        variables: results.into_iter().map(|(s, _)| s).collect(),
        verdicts,
    }
}

/// Reads `path` and builds its report (the body of `mcmc-audit trace`).
pub fn run_trace(path: &Path, opts: &TraceOptions) -> Result<TraceReport> {
    if opts.window == Some(0) {
        return Err(crate::Error::field(
            "command line",
            "--window",
            "must be at least 1",
        ));
    }
    if opts.doubling_from == Some(0) {
        return Err(crate::Error::field(
            "command line",
            "--doubling-from",
            "must be at least 1",
        ));
    }
    let vars = read_trace(path)?;
    Ok(trace_report(&path.display().to_string(), &vars, opts))
}

/// JSON rendering.
pub fn json(r: &TraceReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v == 0.0 || (v.abs() >= 1e-3 && v.abs() < 1e6) => format!("{v:.4}"),
        Some(v) => format!("{v:.3e}"),
        None => "null".into(),
    }
}

/// Text rendering: one aligned line per variable, then the verdicts, then undefined values and warnings.
pub fn text(r: &TraceReport) -> String {
    let mut out = format!(
        "mcmc-audit {} trace — {} (convention: {})\n\n",
        r.version,
        r.file,
        r.convention.as_str()
    );
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
    for v in &r.verdicts {
        let var = v
            .detail
            .get("variable")
            .and_then(|x| x.as_str())
            .unwrap_or("");
        out += &format!(
            "{:<14} {:<16} {:<w$} {:>12}  {}\n",
            v.status.as_str().to_uppercase(),
            v.id,
            var,
            num(v.measured),
            v.title
        );
        if matches!(
            v.status,
            Status::Fail | Status::Inconclusive | Status::NotApplicable
        ) && let Some(reason) = v.detail.get("reason").and_then(|x| x.as_str())
        {
            out += &format!("{:<14} {reason}\n", "");
        }
    }
    for v in &r.variables {
        for (f, why) in &v.undefined {
            out += &format!("{}: {f} = null ({why})\n", v.name);
        }
        for wmsg in &v.warnings {
            out += &format!("{}: warning: {wmsg}\n", v.name);
        }
    }
    out
}

/// The benchmark's set of statistics for one variable: bulk and tail ESS, R-hat, MCSE of the mean
/// and sd, and τ (issue #4 "Performance"); the sorts and splits are shared as in [`summarise`].
pub fn headline(d: &Draws, conv: Convention) -> [Stat; 6] {
    let p = Prepared::new(d, conv);
    [
        p.ess_bulk(),
        p.ess_tail(),
        p.rhat(),
        p.mcse_mean(),
        p.mcse_sd(),
        sokal_tau(d, SOKAL_C).map(|t| t.tau),
    ]
}

/// [`headline`] over many variables in parallel (output in input order).
pub fn headline_all(vars: &[Draws], conv: Convention) -> Vec<[Stat; 6]> {
    vars.par_iter().map(|d| headline(d, conv)).collect()
}
