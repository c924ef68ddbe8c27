//! `mcmc-audit reproduce a2a6`: the A2 ↔ A6 trade-off measured exactly (docs/science.md §6, §9
//! exp3/exp4). The programme saw it once, on a GPU model and confounded by a change of window: the
//! fast sweep violated reversibility (A2) and the reversible kernel mixed too slowly for the window
//! rule (A6). Here every cell is one model under three heat-bath kernels — the systematic sweep (not
//! reversible), its symmetrization `½(P_fwd + P_rev)` and random scan — with every cost in site
//! updates (`c` = [`Kernel::site_updates`]):
//!
//! - `τ_max = c · max_a τ(f_a)`: the exact integrated autocorrelation time of the slowest pair
//!   observable (Poisson equation, [`crate::trainability::poisson`]; the N/ESS convention of A6);
//! - `γ_ps / c`: the pseudo-spectral gap (Paulin 2015, Def. 3.3; from the real spectrum of a
//!   reversible kernel, [`reversible_gaps`], else from the powers of S, [`reversibilization_gaps`]);
//! - the window ladder `W_j = 2^j N` site updates; `W_nr` is the first rung with
//!   `W ≥ a6 · τ_max(systematic)`, and a reversible kernel meets A6 there iff `W_nr ≥ a6 · τ_max(it)`.
//!
//! The grid, the kernels, the window rule and the rule "reversibility costs mixing" (τ ratio above
//! `costs_above`) are frozen in `specs/reproduce.toml` `[a2a6]`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{REPRODUCE_FILE, Snapshot, spec_file};
use crate::checks::Tolerances;
use crate::checks::spectral::flip_blocking;
use crate::checks::verdict::json_num;
use crate::error::{Error, Result};
use crate::exact::ExactChain;
use crate::exact::spectrum::eigenvalues;
use crate::exact::spectrum::flip::FlipResiduals;
use crate::kernel::Kernel;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::model::generators::{self, Family};
use crate::model::{Model, Pairwise};
use crate::numeric::tolerance::{Direction, Tolerance, rel_diff};
use crate::observables::Observables;
use crate::pipeline::audit::reversibility_verdicts;
use crate::trainability::mixing::{reversibilization_gaps, reversible_gaps};
use crate::trainability::poisson;

/// The largest rung of the window ladder (`2^62` sweeps); a τ that needs more is reported as `null`.
const MAX_RUNG: u32 = 62;

/// The frozen a2a6 configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct A2a6Spec {
    pub families: Vec<String>,
    pub hopfield_patterns: usize,
    pub rbm_patterns: usize,
    pub seed: u64,
    pub n: Vec<usize>,
    pub beta: Vec<f64>,
    pub kernels: Vec<String>,
    pub non_reversible: String,
    pub observables: String,
    pub pseudo_gap_max_k: usize,
    pub a6_factor: f64,
    pub costs_above: f64,
    /// Relative resolution of a τ ratio: within it of `costs_above` is a tie (the grid's amendment).
    pub tie_resolution: f64,
    pub test: A2a6Test,
    pub snapshot: Snapshot,
}

/// Which cells the default test suite runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct A2a6Test {
    pub max_n: usize,
}

/// Parses the compiled-in `specs/reproduce.toml` (a2a6).
///
/// # Errors
///
/// [`Error::Spec`] when the compiled-in file does not parse (the crate's tests rule this out).
pub fn a2a6_spec() -> Result<A2a6Spec> {
    Ok(spec_file()?.a2a6)
}

/// One kernel of one cell.
#[derive(Clone, Debug, Serialize)]
pub struct KernelMeasure {
    pub kernel: String,
    /// A2's status on the exact chain (`pass`: reversible).
    pub a2: String,
    /// Expected site updates per step, `c`.
    pub site_updates_per_step: f64,
    /// `c · max_a τ(f_a)`, and the observable attaining it.
    pub tau_max_site_updates: f64,
    pub slowest: String,
    /// γ_ps per step, its maximizing k, and γ_ps / c.
    pub pseudo_gap: f64,
    pub pseudo_gap_k: usize,
    pub pseudo_gap_per_site_update: f64,
    /// Against the non-reversible kernel (absent for it): `τ_max(this) / τ_max(nr)`,
    /// `(γ_ps/c)(this) / (γ_ps/c)(nr)`, whether the τ ratio exceeds `costs_above`, and whether this
    /// kernel meets A6 at `W_nr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reversibility_costs_mixing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meets_a6_at_nr_window: Option<bool>,
}

/// One model under every kernel.
#[derive(Clone, Debug, Serialize)]
pub struct A2a6Cell {
    pub family: String,
    pub n: usize,
    pub beta: f64,
    /// `W_nr` in sweeps (`2^j`) and in site updates (`2^j N`); `null` past the ladder.
    pub nr_window_sweeps: Option<u64>,
    pub nr_window_site_updates: Option<f64>,
    pub kernels: Vec<KernelMeasure>,
}

/// The whole experiment (`reproduce a2a6` JSON).
#[derive(Clone, Debug, Serialize)]
pub struct A2a6Report {
    pub schema_version: u32,
    pub experiment: String,
    pub grid: A2a6Spec,
    pub cells: Vec<A2a6Cell>,
    pub summary: Value,
}

/// The kernel of a grid name on these blocks.
fn scan_of(name: &str) -> Result<Scan> {
    match name {
        "systematic" => Ok(Scan::Systematic),
        "symmetrized" => Ok(Scan::Symmetrized),
        "random-scan" => Ok(Scan::Random),
        other => Err(Error::field(
            REPRODUCE_FILE,
            "a2a6.kernels",
            format!("unknown kernel `{other}` (systematic | symmetrized | random-scan)"),
        )),
    }
}

/// The model of a cell and its blocks (sites; the two layers for an RBM).
fn model_of(spec: &A2a6Spec, family: &str, n: usize, beta: f64) -> Result<(Pairwise, Blocks)> {
    if family == "rbm" {
        let m = n / 2;
        if 2 * m != n {
            return Err(Error::field(
                REPRODUCE_FILE,
                "a2a6.n",
                format!("an rbm cell needs an even N (visible + hidden), got {n}"),
            ));
        }
        let model = generators::rbm(m, m, spec.rbm_patterns, beta, spec.seed)?;
        // The two physical layers, not a colouring found by search (as rbm1).
        let layers = Blocks::Explicit(vec![(0..m).collect(), (m..n).collect()]);
        return Ok((model, layers));
    }
    let fam = Family::from_name(family).ok_or_else(|| {
        Error::field(
            REPRODUCE_FILE,
            "a2a6.families",
            format!("unknown family `{family}` (curie-weiss | sk | hopfield | rbm)"),
        )
    })?;
    Ok((
        fam.build(n, beta, spec.hopfield_patterns, spec.seed)?,
        Blocks::Sites,
    ))
}

/// A2, τ_max and γ_ps of one kernel on one model.
fn measure(
    model: &Arc<Pairwise>,
    kernel: &Kernel,
    name: &str,
    obs: &Observables,
    max_k: usize,
) -> Result<KernelMeasure> {
    let n = model.n_spins();
    let chain = ExactChain::from_kernel(model.as_ref(), kernel)?;
    let a2 = reversibility_verdicts(&chain, &Tolerances::registry())
        .into_iter()
        .find(|v| v.id == "A2")
        .map(|v| v.status)
        .ok_or_else(|| Error::Numerical("A2 was not judged".into()))?;
    let c = kernel.site_updates(n);
    let tau = poisson::tau(&chain, obs)?;
    let (slowest, tau_max) = tau
        .iter()
        .enumerate()
        .filter_map(|(a, t)| t.map(|t| (a, t)))
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .ok_or_else(|| Error::Numerical(format!("{name}: no pair observable has a τ")))?;
    let gaps = if a2 == crate::checks::Status::Pass {
        let flip = FlipResiduals::measure(&chain);
        let (sigma, _) = eigenvalues(&chain, flip_blocking(flip.as_ref(), chain.n_states))?;
        reversible_gaps(&sigma, max_k)
    } else {
        reversibilization_gaps(&chain, max_k)?
    };
    Ok(KernelMeasure {
        kernel: name.into(),
        a2: a2.as_str().into(),
        site_updates_per_step: c,
        tau_max_site_updates: c * tau_max,
        slowest: obs.names[slowest].clone(),
        pseudo_gap: gaps.pseudo_gap,
        pseudo_gap_k: gaps.k,
        pseudo_gap_per_site_update: gaps.pseudo_gap / c,
        tau_ratio: None,
        gap_ratio: None,
        reversibility_costs_mixing: None,
        meets_a6_at_nr_window: None,
    })
}

/// The first rung `2^j` (sweeps) of the ladder with `2^j n ≥ a6 · tau` (site updates).
fn first_rung(tau: f64, n: usize, a6: f64) -> Option<u64> {
    (0..=MAX_RUNG)
        .map(|j| 1u64 << j)
        .find(|&k| Tolerance::floor(a6).accepts(k as f64 * n as f64 / tau, 1))
}

/// Whether a τ ratio is resolvably above `costs_above` (a ratio within `tie_resolution` of it is a
/// tie: two exact τ are known to about that relative accuracy).
pub fn costs(spec: &A2a6Spec, ratio: f64) -> bool {
    Tolerance::floor(spec.costs_above)
        .with_direction(Direction::Above)
        .accepts(ratio, 1)
        && !is_tie(spec, ratio)
}

/// Whether a τ ratio equals `costs_above` to the resolution of the τ.
pub fn is_tie(spec: &A2a6Spec, ratio: f64) -> bool {
    Tolerance::rel(spec.tie_resolution).accepts(rel_diff(ratio, spec.costs_above), 1)
}

/// One cell: the model under every kernel, compared with the non-reversible one.
fn cell(spec: &A2a6Spec, family: &str, n: usize, beta: f64) -> Result<A2a6Cell> {
    let (model, blocks) = model_of(spec, family, n, beta)?;
    let model = Arc::new(model);
    let obs = Observables::pairs(n);
    let mut kernels = Vec::with_capacity(spec.kernels.len());
    for name in &spec.kernels {
        let kernel = build_kernel(model.clone(), Rule::Gibbs, &blocks, scan_of(name)?)?;
        kernels.push(measure(&model, &kernel, name, &obs, spec.pseudo_gap_max_k)?);
    }
    let nr = kernels
        .iter()
        .find(|k| k.kernel == spec.non_reversible)
        .cloned()
        .ok_or_else(|| {
            Error::field(
                REPRODUCE_FILE,
                "a2a6.non_reversible",
                format!("`{}` is not one of a2a6.kernels", spec.non_reversible),
            )
        })?;
    let rung = first_rung(nr.tau_max_site_updates, n, spec.a6_factor);
    let window = rung.map(|k| k as f64 * n as f64);
    for k in kernels
        .iter_mut()
        .filter(|k| k.kernel != spec.non_reversible)
    {
        let ratio = k.tau_max_site_updates / nr.tau_max_site_updates;
        k.tau_ratio = Some(ratio);
        k.gap_ratio = Some(k.pseudo_gap_per_site_update / nr.pseudo_gap_per_site_update);
        k.reversibility_costs_mixing = Some(costs(spec, ratio));
        k.meets_a6_at_nr_window =
            window.map(|w| Tolerance::floor(spec.a6_factor).accepts(w / k.tau_max_site_updates, 1));
    }
    Ok(A2a6Cell {
        family: family.into(),
        n,
        beta,
        nr_window_sweeps: rung,
        nr_window_site_updates: window,
        kernels,
    })
}

/// The median of a non-empty list (mean of the middle two for an even count); `None` when empty.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    })
}

/// Per reversible kernel: the count of cells where reversibility costs mixing, the median and max
/// τ ratio, the median gap ratio, and the cells missing A6 at `W_nr`.
fn summary(spec: &A2a6Spec, cells: &[A2a6Cell]) -> Value {
    let mut per_kernel = serde_json::Map::new();
    for name in spec.kernels.iter().filter(|k| **k != spec.non_reversible) {
        let rows: Vec<&KernelMeasure> = cells
            .iter()
            .flat_map(|c| c.kernels.iter().filter(|k| &k.kernel == name))
            .collect();
        let ratios: Vec<f64> = rows.iter().filter_map(|k| k.tau_ratio).collect();
        let gaps: Vec<f64> = rows.iter().filter_map(|k| k.gap_ratio).collect();
        let count = |f: &dyn Fn(&KernelMeasure) -> bool| rows.iter().filter(|k| f(k)).count();
        per_kernel.insert(
            name.clone(),
            serde_json::json!({
                "cells": rows.len(),
                "reversibility_costs_mixing": count(&|k| k.reversibility_costs_mixing == Some(true)),
                "ties": count(&|k| k.tau_ratio.is_some_and(|r| is_tie(spec, r))),
                "median_tau_ratio": median(ratios.clone()).map_or(Value::Null, json_num),
                "max_tau_ratio": json_num(ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                "min_tau_ratio": json_num(ratios.iter().copied().fold(f64::INFINITY, f64::min)),
                "median_gap_ratio": median(gaps).map_or(Value::Null, json_num),
                "misses_a6_at_nr_window": count(&|k| k.meets_a6_at_nr_window == Some(false)),
                "a2_pass": count(&|k| k.a2 == "pass"),
            }),
        );
    }
    let nr_a2_fail = cells
        .iter()
        .flat_map(|c| c.kernels.iter())
        .filter(|k| k.kernel == spec.non_reversible && k.a2 == "fail")
        .count();
    serde_json::json!({
        "cells": cells.len(),
        "non_reversible": spec.non_reversible,
        "non_reversible_a2_fail": nr_a2_fail,
        "against_non_reversible": per_kernel,
    })
}

/// Runs every cell of a (possibly reduced) a2a6 grid, in grid order (family, N, β).
///
/// # Errors
///
/// [`Error::Field`] for an unknown family or kernel name or an odd RBM size; each cell's model and
/// engine errors ([`Error::Model`], [`Error::TooLarge`] above the dense limit,
/// [`Error::Numerical`]).
pub fn run_a2a6_with(spec: &A2a6Spec) -> Result<A2a6Report> {
    let mut cells = Vec::new();
    let total = spec.families.len() * spec.n.len() * spec.beta.len();
    let task = crate::progress::task("reproduce a2a6", Some(total as u64));
    for family in &spec.families {
        for &n in &spec.n {
            for &beta in &spec.beta {
                task.message(|| format!("{family} N = {n}, beta = {beta}"));
                cells.push(cell(spec, family, n, beta)?);
                task.inc(1);
            }
        }
    }
    drop(task);
    let summary = summary(spec, &cells);
    Ok(A2a6Report {
        schema_version: crate::report::SCHEMA_VERSION,
        experiment: "a2a6".into(),
        grid: spec.clone(),
        cells,
        summary,
    })
}

/// Runs the frozen a2a6 grid.
///
/// # Errors
///
/// As [`a2a6_spec`] and [`run_a2a6_with`].
pub fn run_a2a6() -> Result<A2a6Report> {
    run_a2a6_with(&a2a6_spec()?)
}
