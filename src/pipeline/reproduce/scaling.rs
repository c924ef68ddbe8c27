//! `mcmc-audit reproduce scaling` (issue 13 item 4): the programme's scaling statements measured
//! exactly past the dense limit. Curie–Weiss, SK and planted Hopfield under random-scan single-site
//! Gibbs at N = 8 … 20 and several β, every cell on the matrix-free backend (docs/science.md §10):
//! per cell γ and σ₂'s flip parity (Lanczos at both ends), `C*(O)` and `γ_eff` (block Lanczos from the
//! gradient observables, with the unresolved weight), exact τ of each observable (Poisson equation,
//! conjugate gradient), `Q_op` from the exact stationary window variance, `Q_struct⊥` and the
//! single-gap over-prediction `Q_single / Q_op`; then growth rates in N per family and β by least
//! squares on `ln y` (docs/science.md §10 "Scaling"). The grid, the observables, the window and the
//! fits are frozen in `specs/reproduce.toml` `[scaling]`.
//!
//! **Fits.** For each fitted quantity `y` over the cells of one family and β with `y > 0` finite:
//! `ln y = a + r N` and `ln y = a' + p ln N` by ordinary least squares, each slope with its standard
//! error `se = √(s² / Σ (x − x̄)²)`, `s² = RSS / (m − 2)` (m points; `null` for m < 3). A slope is a
//! description of the grid, not an asymptotic law: the report says over which N it was fitted.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{REPRODUCE_FILE, Snapshot, spec_file};
use crate::checks::Status;
use crate::checks::Tolerances;
use crate::checks::exact::check_self_adjoint;
use crate::checks::verdict::json_num;
use crate::error::{Error, Result};
use crate::exact::matfree::MatrixFree;
use crate::exact::matfree::modes::observable_modes;
use crate::exact::matfree::solve::{Options, extremes, poisson_tau, preflight};
use crate::exact::matfree::window::stationary_window_stats_reversible;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::model::Model;
use crate::model::generators::Family;
use crate::numeric::U;
use crate::observables::{Observable, Observables};
use crate::trainability::analysis::teacher_gradient;
use crate::trainability::estimator::q_op;
use crate::trainability::krylov::KrylovCluster;
use crate::trainability::predictors::{norm2, q_struct_perp};

/// The frozen scaling configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingSpec {
    pub families: Vec<Family>,
    pub hopfield_patterns: usize,
    pub seed: u64,
    pub n: Vec<usize>,
    pub beta: Vec<f64>,
    pub kernel: String,
    pub backend: String,
    /// Pairs `(i, j)`: the observables `f_ij = −x_i x_j`.
    pub observables: Vec<[usize; 2]>,
    pub teacher_beta_factor: f64,
    pub epsilon: f64,
    pub init: String,
    pub window: u64,
    pub modes_dim: usize,
    pub fit: Vec<String>,
    pub test: ScalingTest,
    pub snapshot: Snapshot,
}

/// Which cells the default test suite runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingTest {
    pub max_n: usize,
}

/// Parses the compiled-in `specs/reproduce.toml` (scaling).
///
/// # Errors
///
/// [`Error::Spec`] when the compiled-in file does not parse (the crate's tests rule this out).
pub fn scaling_spec() -> Result<ScalingSpec> {
    Ok(spec_file()?.scaling)
}

/// One cell (a model at one size and β) of the scaling table.
#[derive(Clone, Debug, Serialize)]
pub struct ScalingCell {
    pub family: String,
    pub n: usize,
    pub beta: f64,
    /// `γ = 1 − σ₂`, its Lanczos residual bound, and `⟨φ₂, F φ₂⟩` (±1: σ₂'s mode is even/odd under
    /// the global flip F).
    pub gamma: f64,
    pub sigma2_residual: f64,
    pub phi2_flip: f64,
    pub sigma_min: f64,
    /// `γ_eff` and `|C*(O)|` at the frozen ε, over the converged modes of the search.
    pub gamma_eff: Option<f64>,
    pub cluster_size: usize,
    /// Weight of `Σ_a Var_π f_a` the search could not resolve, and whether it reaches ε (the cluster
    /// may then be truncated; `q_struct_perp_lower` bounds what the missing modes could change).
    pub unresolved_weight: f64,
    pub cluster_truncated: bool,
    pub mode_search_dimension: usize,
    /// `max_a τ(f_a)` (N/ESS convention, kernel steps), the observable attaining it, and the
    /// largest CG error bound on any τ.
    pub tau_max: f64,
    pub slowest: String,
    pub tau_error_bound: f64,
    pub q_op: f64,
    pub q_struct_perp: f64,
    /// `(K/2)‖g‖² / min(T_O⁺, T_all)`: the least `Q_struct⊥` can be whatever the unresolved modes
    /// are (`T_O⁺` adds the unresolved weight at σ₂'s rate; `T_all ≥ T_O` always).
    pub q_struct_perp_lower: f64,
    /// `Q_struct⊥` with every mode in the cluster (ε → 0): `T_all = ½ Σ_a τ_a Var_π f_a`, exact from
    /// the Poisson τ at any N, no mode resolved (amendment 1 of the frozen grid).
    pub q_struct_perp_all_modes: f64,
    /// The single-relevant-gap prediction (the slowest eigenspace of `C*` alone).
    pub q_single_relevant_gap: Option<f64>,
    /// `Q_single / Q_op`, and whether it is a lower bound (φ₂ unseen by the observables).
    pub single_gap_overprediction: f64,
    pub single_gap_overprediction_is_lower_bound: bool,
    /// Products with S the cell took (all solvers).
    pub products: usize,
}

/// One fitted slope with its OLS standard error.
#[derive(Clone, Debug, Serialize)]
pub struct Slope {
    pub slope: f64,
    pub standard_error: Option<f64>,
}

/// The growth of one quantity in N for one family and β.
#[derive(Clone, Debug, Serialize)]
pub struct Fit {
    pub family: String,
    pub beta: f64,
    pub quantity: String,
    /// The sizes that entered (positive, finite values).
    pub n: Vec<usize>,
    /// `ln y = a + r N`: `r`, the growth rate per spin.
    pub rate_per_spin: Option<Slope>,
    /// `ln y = a + p ln N`: `p`, the power.
    pub power: Option<Slope>,
}

/// The whole experiment (`reproduce scaling` JSON).
#[derive(Clone, Debug, Serialize)]
pub struct ScalingReport {
    pub schema_version: u32,
    pub experiment: String,
    pub grid: ScalingSpec,
    pub cells: Vec<ScalingCell>,
    pub fits: Vec<Fit>,
    pub summary: Value,
}

/// The observables of the grid on `n` spins (an index past `n` is an error of the frozen file).
fn observables(spec: &ScalingSpec, model: &dyn Model) -> Result<Observables> {
    let n = model.n_spins();
    let mut list = Vec::with_capacity(spec.observables.len());
    for &[i, j] in &spec.observables {
        if i >= j || j >= n {
            return Err(Error::field(
                REPRODUCE_FILE,
                "scaling.observables",
                format!("pair [{i}, {j}] is not i < j < N = {n}"),
            ));
        }
        list.push(Observable::Pair(i, j));
    }
    Ok(Observables::tabulate(model, &list))
}

/// Checks the frozen strings the runner implements (anything else is an error, not a silent
/// reinterpretation).
fn check_frozen(spec: &ScalingSpec) -> Result<()> {
    let want = [
        (
            "scaling.kernel",
            spec.kernel.as_str(),
            "random-scan single-site Gibbs (heat bath)",
        ),
        ("scaling.backend", spec.backend.as_str(), "matrix-free"),
        ("scaling.init", spec.init.as_str(), "stationary"),
    ];
    for (field, got, expected) in want {
        if got != expected {
            return Err(Error::field(
                REPRODUCE_FILE,
                field,
                format!("`{got}`: the runner implements `{expected}` only"),
            ));
        }
    }
    if let Some(q) = spec.fit.iter().find(|q| fitted(q, &dummy_cell()).is_none()) {
        return Err(Error::field(
            REPRODUCE_FILE,
            "scaling.fit",
            format!("unknown quantity `{q}`"),
        ));
    }
    Ok(())
}

/// A cell whose every fitted quantity is defined (to validate quantity names).
fn dummy_cell() -> ScalingCell {
    ScalingCell {
        family: String::new(),
        n: 0,
        beta: 0.0,
        gamma: 1.0,
        sigma2_residual: 0.0,
        phi2_flip: 0.0,
        sigma_min: 0.0,
        gamma_eff: Some(1.0),
        cluster_size: 1,
        unresolved_weight: 0.0,
        cluster_truncated: false,
        mode_search_dimension: 0,
        tau_max: 1.0,
        slowest: String::new(),
        tau_error_bound: 0.0,
        q_op: 1.0,
        q_struct_perp: 1.0,
        q_struct_perp_lower: 1.0,
        q_struct_perp_all_modes: 1.0,
        q_single_relevant_gap: None,
        single_gap_overprediction: 1.0,
        single_gap_overprediction_is_lower_bound: false,
        products: 0,
    }
}

/// The value of a fitted quantity in a cell; `Some(None)` when undefined there or only a bound
/// (a truncated cluster's `γ_eff`, `|C*|` and `Q_struct⊥`; a floored single-gap over-prediction:
/// amendment 2 of the frozen grid), `None` for an unknown name.
fn fitted(quantity: &str, c: &ScalingCell) -> Option<Option<f64>> {
    let resolved = |v: f64| (!c.cluster_truncated).then_some(v);
    Some(match quantity {
        "gamma" => Some(c.gamma),
        "gamma_eff" => c.gamma_eff.and_then(resolved),
        "cluster_size" => resolved(c.cluster_size as f64),
        "single_gap_overprediction" => {
            (!c.single_gap_overprediction_is_lower_bound).then_some(c.single_gap_overprediction)
        }
        "tau_max" => Some(c.tau_max),
        "q_op" => Some(c.q_op),
        "q_struct_perp" => resolved(c.q_struct_perp),
        "q_struct_perp_all_modes" => Some(c.q_struct_perp_all_modes),
        _ => return None,
    })
}

/// One cell: the operator, both ends of its spectrum, τ, the modes, the window and the predictors.
fn cell(spec: &ScalingSpec, family: Family, n: usize, beta: f64) -> Result<ScalingCell> {
    let model = Arc::new(family.build(n, beta, spec.hopfield_patterns, spec.seed)?);
    let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
    let op = MatrixFree::new(model.as_ref(), &kernel)?;
    let solver = Options {
        modes_dim: spec.modes_dim,
        ..Options::default()
    };
    let obs = observables(spec, model.as_ref())?;
    preflight(&op, &solver, obs.len())?;
    // The symmetric-S identities below (Lanczos, CG, the even/odd moments) need A2: measured, not
    // assumed, with the audit's own bound and tolerance.
    let flow_rel_bound = 2.0 * op.pi_rel_err + 2.0 * op.p_rel_err + 2.0 * U;
    let rev = op.reversibility(flow_rel_bound).ok_or_else(|| {
        Error::Numerical(format!(
            "{} N = {n}: the kernel's entries are not formed, A2 cannot be measured",
            family.name()
        ))
    })?;
    let a2 = check_self_adjoint(rev.self_asymmetry, op.n_states, &Tolerances::default());
    if a2.status != Status::Pass {
        return Err(Error::Numerical(format!(
            "{} N = {n}, beta = {beta}: S is not symmetric (max |S_xy - S_yx| = {:e}), the spectral routes do not apply",
            family.name(),
            rev.self_asymmetry
        )));
    }
    let e = extremes(&op, &solver)?;
    let sigma2 = e.top[0];
    let taus = poisson_tau(&op, &obs.values, e.gap_lower_bound(), &solver)?;
    let (slowest, tau_max) = taus
        .iter()
        .zip(&obs.names)
        .filter_map(|(t, name)| t.tau.map(|v| (name, v)))
        .fold((String::new(), f64::NEG_INFINITY), |(sn, sv), (name, v)| {
            if v > sv { (name.clone(), v) } else { (sn, sv) }
        });
    let tau_error_bound = taus.iter().map(|t| t.tau_error_bound).fold(0.0, f64::max);
    let modes = observable_modes(&op, &obs.values, &solver)?;
    let kc = KrylovCluster::new(&modes, op.n_states, sigma2, spec.epsilon, &[]);
    let pi: Vec<f64> = op.sqrt_pi.iter().map(|q| q * q).collect();
    let g = teacher_gradient(
        model.as_ref() as &dyn Model,
        &obs,
        &pi,
        spec.teacher_beta_factor * beta,
    )?;
    drop(pi);
    let g2 = norm2(&g);
    let stats = stationary_window_stats_reversible(&op, &obs.values, spec.window, false)?;
    let q = q_op(&g, &stats);
    let sg = kc.single_gap(sigma2, g2, spec.window);
    // T_all = ½ Σ_a σ²_as(f_a) = ½ Σ_a τ_a Var_π f_a (docs/science.md §4: C* = all modes).
    let t_all = 0.5 * taus.iter().map(|t| t.asymptotic_variance).sum::<f64>();
    Ok(ScalingCell {
        family: family.name().into(),
        n,
        beta,
        gamma: e.gap(),
        sigma2_residual: e.top_residual[0],
        phi2_flip: e.top_flip[0],
        sigma_min: e.sigma_min,
        gamma_eff: kc.cluster.gamma_eff,
        cluster_size: kc.cluster.cluster_size,
        unresolved_weight: kc.unresolved_weight,
        cluster_truncated: kc.truncated,
        mode_search_dimension: modes.dim,
        tau_max,
        slowest,
        tau_error_bound,
        q_op: q,
        q_struct_perp: q_struct_perp(g2, spec.window, kc.cluster.t_o),
        // (min: T_O ≤ T_all holds exactly; the two are computed by different solvers.)
        q_struct_perp_lower: q_struct_perp(g2, spec.window, kc.t_o_upper.min(t_all))
            .min(q_struct_perp(g2, spec.window, kc.cluster.t_o)),
        q_struct_perp_all_modes: q_struct_perp(g2, spec.window, t_all),
        q_single_relevant_gap: kc.single_relevant_gap(g2, spec.window),
        single_gap_overprediction: sg.q / q,
        single_gap_overprediction_is_lower_bound: sg.lower_bound,
        products: op.products(),
    })
}

/// Ordinary least squares of `y` on `x`: the slope and its standard error (`None` below 3 points).
pub fn ols_slope(x: &[f64], y: &[f64]) -> Option<Slope> {
    let m = x.len();
    if m < 2 || y.len() != m {
        return None;
    }
    let mf = m as f64;
    let xm = x.iter().sum::<f64>() / mf;
    let ym = y.iter().sum::<f64>() / mf;
    let sxx: f64 = x.iter().map(|v| (v - xm) * (v - xm)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - xm) * (b - ym)).sum();
    let slope = sxy / sxx;
    let standard_error = (m > 2).then(|| {
        let rss: f64 = x
            .iter()
            .zip(y)
            .map(|(a, b)| {
                let r = b - ym - slope * (a - xm);
                r * r
            })
            .sum();
        (rss / (mf - 2.0) / sxx).sqrt()
    });
    Some(Slope {
        slope,
        standard_error,
    })
}

/// The frozen fits over the cells, per family, β and quantity (module docs).
fn fits(spec: &ScalingSpec, cells: &[ScalingCell]) -> Vec<Fit> {
    let mut out = Vec::new();
    for fam in &spec.families {
        for &beta in &spec.beta {
            for quantity in &spec.fit {
                let pts: Vec<(usize, f64)> = cells
                    .iter()
                    .filter(|c| c.family == fam.name() && c.beta == beta)
                    .filter_map(|c| {
                        fitted(quantity, c)
                            .flatten()
                            .filter(|v| v.is_finite() && *v > 0.0)
                            .map(|v| (c.n, v))
                    })
                    .collect();
                let ln_y: Vec<f64> = pts.iter().map(|p| p.1.ln()).collect();
                let ns: Vec<f64> = pts.iter().map(|p| p.0 as f64).collect();
                let ln_n: Vec<f64> = ns.iter().map(|v| v.ln()).collect();
                out.push(Fit {
                    family: fam.name().into(),
                    beta,
                    quantity: quantity.clone(),
                    n: pts.iter().map(|p| p.0).collect(),
                    rate_per_spin: ols_slope(&ns, &ln_y),
                    power: ols_slope(&ln_n, &ln_y),
                });
            }
        }
    }
    out
}

/// Counts over the cells, in words a reader can check against the table.
fn summary(cells: &[ScalingCell], fits: &[Fit]) -> Value {
    let count = |f: &dyn Fn(&ScalingCell) -> bool| cells.iter().filter(|c| f(c)).count();
    let rate = |q: &str| -> Value {
        fits.iter()
            .filter(|f| f.quantity == q)
            .map(|f| {
                serde_json::json!({
                    "family": f.family,
                    "beta": f.beta,
                    "rate_per_spin": f.rate_per_spin.as_ref().map(|s| json_num(s.slope)),
                })
            })
            .collect()
    };
    serde_json::json!({
        "cells": cells.len(),
        "cluster_truncated": count(&|c| c.cluster_truncated),
        "phi2_odd": count(&|c| c.phi2_flip < 0.0),
        "single_gap_overprediction_lower_bounds": count(&|c| c.single_gap_overprediction_is_lower_bound),
        "max_single_gap_overprediction": json_num(
            cells.iter().map(|c| c.single_gap_overprediction).fold(0.0, f64::max)),
        "gamma_rate_per_spin": rate("gamma"),
    })
}

/// Runs every cell of a (possibly reduced) scaling grid, in grid order (family, N, β).
///
/// # Errors
///
/// [`Error::Field`] for a frozen setting the runner does not implement or an observable index past
/// N; each cell's model and engine errors ([`Error::Model`], [`Error::TooLarge`] when a solver's
/// memory or work would exceed its limit, [`Error::Numerical`] when S is not symmetric or a solver
/// fails).
pub fn run_scaling_with(spec: &ScalingSpec) -> Result<ScalingReport> {
    check_frozen(spec)?;
    let mut cells = Vec::new();
    let total = spec.families.len() * spec.n.len() * spec.beta.len();
    let task = crate::progress::task("reproduce scaling", Some(total as u64));
    for &family in &spec.families {
        for &n in &spec.n {
            for &beta in &spec.beta {
                task.message(|| format!("{} N = {n}, beta = {beta}", family.name()));
                cells.push(cell(spec, family, n, beta)?);
                task.inc(1);
            }
        }
    }
    drop(task);
    let fits = fits(spec, &cells);
    let summary = summary(&cells, &fits);
    Ok(ScalingReport {
        schema_version: crate::report::SCHEMA_VERSION,
        experiment: "scaling".into(),
        grid: spec.clone(),
        cells,
        fits,
        summary,
    })
}

/// Runs the frozen scaling grid.
///
/// # Errors
///
/// As [`scaling_spec`] and [`run_scaling_with`].
pub fn run_scaling() -> Result<ScalingReport> {
    run_scaling_with(&scaling_spec()?)
}
