//! `mcmc-audit trace`: trajectories → every diagnostic of each variable (JSON fields as docs/cli.md,
//! extras allowed) → the estimator-rule verdicts. The renderers are [`crate::report::trace`].

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::checks::sampled::{
    check_burn_in, check_doubling, check_mixing, check_reversibility, check_window, doubling_rule,
};
use crate::checks::{Status, Summary, Tolerances, Verdict, exit_code};
use crate::diagnostics::doubling::{Doubling, default_lengths, doubling_probe_with, lengths_from};
use crate::diagnostics::ess::{Prepared, is_constant};
#[cfg(doc)]
use crate::diagnostics::mixing::mixing_rhat;
use crate::diagnostics::reversibility::reversibility_test;
use crate::diagnostics::tau::{SOKAL_C, batch_means, geweke, sokal_tau};
use crate::diagnostics::{Convention, Draws, Stat};
use crate::error::Result;
use crate::io::trace::{Variable, read_trace};
use crate::report::{SCHEMA_VERSION, TOOL, VERSION};

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
    /// Gather the figure data of an HTML report (τ(L), ACF, rank histograms per variable).
    pub figures: bool,
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
    pub tau_by_length: Vec<crate::diagnostics::doubling::LengthTau>,
    pub tau_resolved: Option<f64>,
    /// Where the draws hold NaN or ±inf (then every statistic is `null`), when they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_finite: Option<NonFinite>,
    /// Field → reason for every statistic reported as `null`.
    pub undefined: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

/// The non-finite draws of one variable: how many, and the first in (chain, draw) order.
#[derive(Clone, Debug, Serialize)]
pub struct NonFinite {
    pub count: usize,
    pub first_chain: usize,
    pub first_draw: usize,
    /// `NaN`, `inf` or `-inf`.
    pub first_value: String,
}

impl NonFinite {
    /// The non-finite draws of `d`, if any (chain-major, as stored).
    pub fn of(d: &Draws) -> Option<Self> {
        let first = d.data.iter().position(|x| !x.is_finite())?;
        let x = d.data[first];
        Some(NonFinite {
            count: d.data.iter().filter(|x| !x.is_finite()).count(),
            first_chain: first / d.draws.max(1),
            first_draw: first % d.draws.max(1),
            first_value: if x.is_nan() {
                "NaN"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            }
            .into(),
        })
    }

    /// The reason every statistic of the variable is `null`, with the position.
    pub fn reason(&self, total: usize) -> String {
        format!(
            "the draws contain NaN or infinite values: {} of {total}, the first ({}) at chain {}, draw {} (0-based)",
            self.count, self.first_value, self.first_chain, self.first_draw
        )
    }
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

/// Draws whose largest finite magnitude lies outside `[2^-R, 2^R]` (R = this) are rescaled by a power
/// of two before any statistic: squares and sums of up to 10^12 such values stay finite and normal.
const MOMENT_RANGE_LOG2: i32 = 200;

/// The power-of-two exponent `e` such that `2^e` brings the draws' largest finite magnitude to
/// `[1, 2)`, when it lies outside `[2^-R, 2^R]` (`None`: leave the draws as they are, so in-range
/// data keep their exact bits).
fn moment_scale(data: &[f64]) -> Option<i32> {
    let m = data
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |a, x| a.max(x.abs()));
    if m == 0.0 || (m >= 2f64.powi(-MOMENT_RANGE_LOG2) && m <= 2f64.powi(MOMENT_RANGE_LOG2)) {
        return None;
    }
    Some(-(m.log2().floor() as i32))
}

/// `x · 2^e` for `|e| ≤ 2148`, in two exact steps (one power of two alone overflows past 2^1023,
/// and a subnormal `x` needs more than that).
fn times_pow2(x: f64, e: i32) -> f64 {
    let h = e / 2;
    x * 2f64.powi(h) * 2f64.powi(e - h)
}

/// `d` times `2^e` (exact), when a scale is needed.
fn rescaled(d: &Draws, scale: Option<i32>) -> Option<Draws> {
    scale.map(|e| Draws {
        chains: d.chains,
        draws: d.draws,
        data: d.data.iter().map(|&x| times_pow2(x, e)).collect(),
    })
}

/// Every statistic of one variable, plus its doubling probe. ESS, R-hat, τ and Geweke's z are
/// invariant under `x ↦ c·x`, so they are computed on draws rescaled by a power of two (exact) when
/// the raw magnitudes would overflow or underflow f64 moments (outside 2^±200); the location
/// and scale statistics (mean, sd, MCSE) are scaled back, and are `null` with a reason only if the
/// value itself exceeds f64 (issue 14 item 4: a scale-invariant statistic is computed scale-invariantly).
pub fn summarise(name: &str, d: &Draws, opts: &TraceOptions) -> (VariableSummary, Doubling) {
    let (s, dbl, _) = summarise_with_mixing(name, d, opts);
    (s, dbl)
}

/// [`summarise`], and the R-hat `E.mixing` judges ([`mixing_rhat`] of the same in-range draws,
/// from the same sorts: the value is the one `mixing_rhat` returns).
fn summarise_with_mixing(
    name: &str,
    d: &Draws,
    opts: &TraceOptions,
) -> (VariableSummary, Doubling, Stat) {
    let scale = moment_scale(&d.data);
    let rescaled = rescaled(d, scale);
    let (mut s, dbl, mix) = summarise_in_range(name, rescaled.as_ref().unwrap_or(d), opts);
    if let Some(e) = scale {
        let u = &mut s.undefined;
        for (field, v) in [
            ("mean", &mut s.mean),
            ("sd", &mut s.sd),
            ("mcse_mean", &mut s.mcse_mean),
            ("mcse_sd", &mut s.mcse_sd),
            ("mcse_median", &mut s.mcse_median),
            ("mcse_q5", &mut s.mcse_q5),
            ("mcse_q95", &mut s.mcse_q95),
            ("mcse_mean_batch_means", &mut s.mcse_mean_batch_means),
        ] {
            if let Some(x) = *v {
                let y = times_pow2(x, -e);
                if y.is_finite() {
                    *v = Some(y);
                } else {
                    *v = None;
                    u.insert(
                        field.into(),
                        "overflow: the value exceeds the range of f64".into(),
                    );
                }
            }
        }
    }
    (s, dbl, mix)
}

fn summarise_in_range(
    name: &str,
    d: &Draws,
    opts: &TraceOptions,
) -> (VariableSummary, Doubling, Stat) {
    let mut p = Prepared::new(d, opts.convention);
    let mut u = BTreeMap::new();
    let finite = p.check();
    let (mean, sd) = match finite {
        Ok(()) => {
            let (a, b) = p.mean_sd();
            for (field, v) in [("mean", a), ("sd", b)] {
                if !v.is_finite() {
                    u.insert(
                        field.into(),
                        "overflow: |draws| too large for f64 moments".into(),
                    );
                }
            }
            (a.is_finite().then_some(a), b.is_finite().then_some(b))
        }
        Err(e) => {
            u.insert("mean".into(), e.reason().into());
            u.insert("sd".into(), e.reason().into());
            (None, None)
        }
    };
    // First everything that needs the sort and the ranks, which are then freed; then the raw and
    // transformed split draws. The statistics are independent of one another, so the order only
    // bounds how many draw-sized buffers live at once (the ESS-cap warning, the one thing the
    // computations collect, is the same text for every ESS of a variable).
    let (ess_bulk_stat, rhat_stat) = p.ess_bulk_and_rhat();
    let ess_tail_stat = p.ess_tail();
    let ess_median_stat = p.ess_quantile(0.5);
    let mcse_quantiles = [0.5, 0.05, 0.95].map(|q| p.mcse_quantile(q));
    p.release();
    let ess_mean_stat = p.ess_mean();
    let ess_sd_stat = p.ess_sd();
    let rhat_split_stat = p.rhat_split();
    let rhat_basic_stat = p.rhat_basic();
    let mcse_mean_stat = p.mcse_mean();
    let mcse_sd_stat = p.mcse_sd();
    p.release();
    let ess_bulk = put(&mut u, "ess_bulk", ess_bulk_stat);
    let ess_tail = put(&mut u, "ess_tail", ess_tail_stat);
    let ess_mean = put(&mut u, "ess_mean", ess_mean_stat);
    let ess_sd = put(&mut u, "ess_sd", ess_sd_stat);
    let ess_median = put(&mut u, "ess_median", ess_median_stat);
    // `mixing_rhat(d, conv)`: the rank R-hat, else the split R-hat where only that is defined.
    let mix = rhat_stat.or_else(|e| rhat_split_stat.map_err(|_| e));
    let rhat = put(&mut u, "rhat", rhat_stat);
    let rhat_basic = put(&mut u, "rhat_basic", rhat_basic_stat);
    let rhat_split = put(&mut u, "rhat_split", rhat_split_stat);
    let mcse_mean = put(&mut u, "mcse_mean", mcse_mean_stat);
    let mcse_sd = put(&mut u, "mcse_sd", mcse_sd_stat);
    let [mcse_median, mcse_q5, mcse_q95] = mcse_quantiles;
    let mcse_median = put(&mut u, "mcse_median", mcse_median);
    let mcse_q5 = put(&mut u, "mcse_q5", mcse_q5);
    let mcse_q95 = put(&mut u, "mcse_q95", mcse_q95);
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
    if tau_v.is_none() {
        u.insert(
            "tau_over_length".into(),
            u.get("tau").cloned().unwrap_or_default(),
        );
    }
    let bm = batch_means(d);
    let (tau_bm, mcse_bm) = match bm {
        Ok(b) if b.tau.is_finite() && b.mcse.is_finite() => (Some(b.tau), Some(b.mcse)),
        Ok(_) => {
            for f in ["tau_batch_means", "mcse_mean_batch_means"] {
                u.insert(f.into(), "overflow: not representable in f64".into());
            }
            (None, None)
        }
        Err(e) => {
            u.insert("tau_batch_means".into(), e.reason().into());
            u.insert("mcse_mean_batch_means".into(), e.reason().into());
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
    // The probe's full length is the τ above: not computed twice.
    let dbl = doubling_probe_with(d, &lengths, &doubling_rule(&opts.tolerances), Some(&tau));
    if dbl.tau.is_none() {
        u.insert(
            "tau_resolved".into(),
            "tau is not resolved by the doubling probe (see E.doubling and tau_by_length)".into(),
        );
    }
    let mut warnings = p.warnings.borrow().clone();
    warnings.dedup();
    if opts.convention == Convention::Arviz
        && finite.is_ok()
        && is_constant(&d.data, opts.convention)
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
    let non_finite = NonFinite::of(d);
    if let Some(nf) = &non_finite {
        // Every null of such a variable has this one cause (the probe's too).
        let why = nf.reason(d.data.len());
        for r in u.values_mut() {
            r.clone_from(&why);
        }
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
        non_finite,
        undefined: u,
        warnings,
    };
    (s, dbl, mix)
}

/// The `trace` report.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub file: String,
    pub convention: Convention,
    /// File-level warnings (a chain axis that looks transposed); omitted when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub variables: Vec<VariableSummary>,
    pub verdicts: Vec<Verdict>,
    pub summary: Summary,
    /// What an HTML report draws beyond these fields (only with [`TraceOptions::figures`]).
    #[serde(skip)]
    pub figures: Option<crate::report::figures::Figures>,
}

impl TraceReport {
    /// docs/cli.md's exit code over the verdicts.
    pub fn exit_code(&self) -> i32 {
        exit_code(&self.verdicts)
    }
}

/// Summarises variables (in parallel; the output order is the input order).
///
/// # Examples
///
/// Four AR(1) chains with `φ = ½`, whose `τ = (1 + φ)/(1 − φ) = 3`.
///
/// ```
/// use mcmc_audit::checks::Status;
/// use mcmc_audit::diagnostics::Draws;
/// use mcmc_audit::io::trace::Variable;
/// use mcmc_audit::kernel::streams;
/// use mcmc_audit::model::generators::std_normal;
/// use mcmc_audit::pipeline::trace::{TraceOptions, trace_report};
///
/// let (phi, chains, n) = (0.5, 4, 20_000);
/// let mut data = Vec::with_capacity(chains * n);
/// for mut rng in streams(11, chains) {
///     let mut x = 0.0;
///     for _ in 0..n {
///         x = phi * x + std_normal(&mut rng);
///         data.push(x);
///     }
/// }
/// let vars = [Variable { name: "ar1".into(), draws: Draws::new(chains, n, data)? }];
///
/// let report = trace_report("in memory", &vars, &TraceOptions::default());
/// let ar1 = &report.variables[0];
/// assert!((ar1.tau.unwrap() - 3.0).abs() < 0.3);
/// assert!(ar1.rhat.unwrap() < 1.01);
/// let doubling = report.verdicts.iter().find(|v| v.id == "E.doubling").unwrap();
/// assert_eq!(doubling.status, Status::Pass);
/// assert_eq!(report.exit_code(), 0);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn trace_report(file: &str, vars: &[Variable], opts: &TraceOptions) -> TraceReport {
    let mut rhats: Vec<(String, Stat)> = Vec::with_capacity(vars.len());
    let results: Vec<(VariableSummary, Doubling)> = vars
        .par_iter()
        .map(|v| summarise_with_mixing(&v.name, &v.draws, opts))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(s, d, mix)| {
            rhats.push((s.name.clone(), mix));
            (s, d)
        })
        .collect();
    let mut verdicts = Vec::new();
    for (s, d) in &results {
        let mut own = vec![
            check_doubling(&s.name, d, &opts.tolerances),
            check_window(
                &s.name,
                d,
                opts.window.unwrap_or(s.n_draws),
                &opts.tolerances,
            ),
            check_burn_in(&s.name, d, opts.burn_in, &opts.tolerances),
        ];
        if let Some(nf) = &s.non_finite {
            // The probe cannot resolve τ of such draws; say why rather than how it failed.
            let why = nf.reason(s.n_chains * s.n_draws);
            for v in own.iter_mut().filter(|v| v.status == Status::Inconclusive) {
                v.detail.insert("reason".into(), why.clone().into());
            }
        }
        verdicts.extend(own);
    }
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let refs: Vec<&Draws> = vars.iter().map(|v| &v.draws).collect();
    let chains = vars.iter().map(|v| v.draws.chains).min().unwrap_or(0);
    verdicts.push(check_mixing(&rhats, chains, &opts.tolerances));
    verdicts.push(check_reversibility(
        &names,
        reversibility_test(&refs).as_ref(),
        &opts.tolerances,
    ));
    let mut warnings = Vec::new();
    if let Some(v) = vars.iter().find(|v| v.draws.draws < v.draws.chains) {
        warnings.push(format!(
            "`{}` has {} chains of only {} draws: is the array transposed? trace reads (chains, draws) or (chains, draws, variables); for a (draws, chains) array pass x.T or np.swapaxes(x, 0, 1)",
            v.name, v.draws.chains, v.draws.draws
        ));
    }
    crate::checks::explain::explain_all(&mut verdicts, 1, crate::checks::explain::Source::Trace);
    let figures = opts.figures.then(|| {
        let list: Vec<(&str, &Draws, &Doubling, Option<f64>)> = vars
            .iter()
            .zip(&results)
            .map(|(v, (s, d))| (v.name.as_str(), &v.draws, d, s.rhat))
            .collect();
        crate::report::figures::Figures {
            estimator: None,
            variables: crate::pipeline::figures::variables(&list),
        }
    });
    TraceReport {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        version: VERSION,
        file: file.to_string(),
        convention: opts.convention,
        warnings,
        summary: Summary::of(&verdicts),
        variables: results.into_iter().map(|(s, _)| s).collect(),
        verdicts,
        figures,
    }
}

/// Reads `path` and builds its report (the body of `mcmc-audit trace`).
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) (`--window`, `--doubling-from`) when `opts.window` or
/// `opts.doubling_from` is `Some(0)`, and the errors of [`read_trace`].
///
/// # Examples
///
/// ```
/// use mcmc_audit::pipeline::trace::{TraceOptions, run_trace};
///
/// let mut csv = String::from("chain,x\n");
/// for chain in ["a", "b"] {
///     for i in 0..100 {
///         csv.push_str(&format!("{chain},{}\n", i % 7));
///     }
/// }
/// let path = std::env::temp_dir().join("mcmc-audit-doctest-run-trace.csv");
/// std::fs::write(&path, csv).unwrap();
///
/// let report = run_trace(&path, &TraceOptions::default())?;
/// let x = &report.variables[0];
/// assert_eq!((x.name.as_str(), x.n_chains, x.n_draws), ("x", 2, 100));
///
/// let zero = TraceOptions { window: Some(0), ..TraceOptions::default() };
/// assert!(run_trace(&path, &zero).is_err());
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn run_trace(path: &Path, opts: &TraceOptions) -> Result<TraceReport> {
    check_options(opts)?;
    let shown = crate::progress::task("trace", None);
    shown.message(|| format!("reading {}", path.display()));
    let vars = read_trace(path)?;
    shown.message(|| format!("{} variables: ESS, R-hat, tau, doubling probe", vars.len()));
    finish(&path.display().to_string(), &vars, opts)
}

/// [`run_trace`] on variables already in memory (the Python package's arrays, read in place by
/// [`crate::io::trace::from_view`]): the same options checks, the same report, `label` standing for
/// the file name in it.
///
/// # Errors
///
/// As [`run_trace`] after reading: `--window 0`, `--doubling-from 0`, a doubling start longer than
/// the draws, and [`crate::Error::Field`] at `variables` for an empty list.
///
/// # Examples
///
/// ```
/// use mcmc_audit::io::trace::from_view;
/// use mcmc_audit::pipeline::trace::{TraceOptions, run_trace_arrays};
///
/// let data: Vec<f64> = (0..400).map(|i| ((i * 7919) % 101) as f64).collect();
/// let vars = from_view(&[2, 200], &data, "draws")?;
/// let report = run_trace_arrays("draws", vars, &TraceOptions::default())?;
/// assert_eq!((report.variables[0].n_chains, report.variables[0].n_draws), (2, 200));
/// assert!(run_trace_arrays("draws", Vec::new(), &TraceOptions::default()).is_err());
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn run_trace_arrays(
    label: &str,
    vars: Vec<Variable>,
    opts: &TraceOptions,
) -> Result<TraceReport> {
    check_options(opts)?;
    if vars.is_empty() {
        return Err(crate::Error::field(label, "variables", "no variable"));
    }
    finish(label, &vars, opts)
}

/// The command-line options a trace refuses before reading anything.
fn check_options(opts: &TraceOptions) -> Result<()> {
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
    Ok(())
}

/// The report of read variables. The doubling probe's first length must fit in the draws, as
/// `sampling.doubling_from` must fit in the sweeps of a sampled audit (same rule, same kind of error).
fn finish(file: &str, vars: &[Variable], opts: &TraceOptions) -> Result<TraceReport> {
    if let Some(l0) = opts.doubling_from {
        let shortest = vars.iter().map(|v| v.draws.draws).min().unwrap_or(0);
        if l0 > shortest {
            return Err(crate::Error::field(
                "command line",
                "--doubling-from",
                format!(
                    "{l0} is longer than the {shortest} draws per chain of {file}: the doubling probe needs L <= draws"
                ),
            ));
        }
    }
    Ok(trace_report(file, vars, opts))
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
