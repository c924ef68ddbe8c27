//! Recompute checks wired to the spectral engine (docs/science.md §3, §4, §7).
//!
//! - **Single-gap over-prediction** (§3): on flip-symmetric cells `c_a2` is a symmetry zero, so the
//!   single-gap predictor `Q_single ∝ 1/c_a2²`-style division yields a ratio `Q_single / Q_op` whose
//!   size is set by rounding; only a lower bound on its order is reproducible.
//! - **Tracking counts** (§3, §4): our frozen exp1 grid (`specs/reproduce.toml`), restricted to
//!   `n ≤ max_n`, with the frozen factor-2 tracking rule; the published 48-cell grid is unknown, so
//!   the verdict is on the claim's direction (a fraction), never on equality of counts.
//! - **Exact MSE vs MC** (§7): `E‖m̂ − E_π f‖²` from the exact recursion against a seeded
//!   non-stationary Monte Carlo mean (uniform start) with its standard error.

use serde_json::json;

use super::{claim_error, exact_cells, gibbs_chain, gibbs_kernel_and_chain};
use crate::claims::checks::Outcome;
use crate::claims::{Claim, Ledger};
use crate::error::{Result, ShapeError};
use crate::exact::spectrum::eigenvalues;
use crate::kernel::monte_carlo::McPlan;
use crate::model::{Model, Pairwise};
use crate::numeric::tolerance::Tolerance;
use crate::observables::Observables;
use crate::pipeline::reproduce::{Exp1Report, exp1_spec, rbm1_spec, run_exp1_with, run_rbm1_with};
use crate::trainability::estimator::{Init, monte_carlo_mse};
use crate::trainability::{auto_burn_in, exact_mse};

/// Our exp1 grid restricted to `n ≤ max_n` (one run per process and `max_n`: three claims share it).
///
/// # Errors
///
/// The errors of [`exp1_spec`] and [`run_exp1_with`].
pub fn exp1_subset(max_n: usize) -> Result<Exp1Report> {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<BTreeMap<usize, Exp1Report>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    if let Ok(g) = cache.lock()
        && let Some(r) = g.get(&max_n)
    {
        return Ok(r.clone());
    }
    let mut s = exp1_spec()?;
    s.n.retain(|&n| n <= max_n);
    let r = run_exp1_with(&s)?;
    if let Ok(mut g) = cache.lock() {
        g.insert(max_n, r.clone());
    }
    Ok(r)
}

/// Verdict on `Q_single / Q_op` ratios: pass iff every ratio is at least `tol.value` (kind bound:
/// a lower bound on the order of magnitude).
pub fn overprediction_judge(ratios: &[(f64, bool)], tol: Tolerance) -> Outcome {
    let min = ratios.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    let max = ratios.iter().map(|r| r.0).fold(0.0, f64::max);
    let lower = ratios.iter().filter(|r| r.1).count();
    Outcome {
        pass: !ratios.is_empty() && tol.accepts(min, 0),
        recomputed: json!({
            "cells": ratios.len(),
            "min_ratio": min,
            "max_ratio": max,
            "log10_min": min.log10(),
            "log10_max": max.log10(),
            "cells_lower_bound": lower,
        }),
        note: format!(
            "Our ratios span 10^{:.1}..10^{:.1} on {} flip-symmetric cells; they are lower bounds \
             (the symmetry zero c_a2 is rounding-level, so the ratio's true value is unbounded); pass \
             iff every ratio >= {:e}.",
            min.log10(),
            max.log10(),
            ratios.len(),
            tol.value
        ),
    }
}

//= claim-check:exact.single-gap-overprediction
/// `Q_single / Q_op` on our flip-symmetric exp1 cells (n ≤ `max_n`).
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) for a missing or mistyped parameter, value or tolerance of
/// the claim, and the errors of [`exp1_subset`].
pub fn single_gap_overprediction(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let r = exp1_subset(c.param_usize("max_n")?)?;
    let ratios: Vec<(f64, bool)> = r
        .cells
        .iter()
        .map(|x| {
            (
                x.single_gap_overprediction,
                x.single_gap_overprediction_is_lower_bound,
            )
        })
        .collect();
    Ok(overprediction_judge(&ratios, c.tol()?))
}

/// A tracking count judged in the direction of the claim's tolerance: the fraction tracked against
/// its value (`at-least`, or `below` for "fewer than").
///
/// # Errors
///
/// [`Error::Mismatch`](crate::Error::Mismatch) with [`ShapeError::Empty`] when there are no cells.
pub fn tracking_judge(
    tracked: usize,
    cells: usize,
    tol: Tolerance,
    published: (usize, usize),
) -> Result<Outcome> {
    if cells == 0 {
        return Err(ShapeError::Empty("tracking cells").into());
    }
    let frac = tracked as f64 / cells as f64;
    let pass = tol.accepts(frac, cells);
    let rel = tol.direction.symbol();
    Ok(Outcome {
        pass,
        recomputed: json!({ "tracked": tracked, "cells": cells, "fraction": frac }),
        note: format!(
            "Recomputed on our own grid: {tracked}/{cells} ({:.0} %) beside the published {}/{} \
             ({:.0} %) on an unknown grid. Pass judges the claim's direction (fraction {rel} {}), \
             not equality of counts.",
            100.0 * frac,
            published.0,
            published.1,
            100.0 * published.0 as f64 / published.1 as f64,
            tol.value
        ),
    })
}

fn published_counts(c: &Claim) -> Result<(usize, usize)> {
    let get = |k: &str| {
        c.value
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .map(|v| v as usize)
            .ok_or_else(|| claim_error(c, &format!("value.{k}"), "expected a non-negative integer"))
    };
    Ok((get("tracked")?, get("cells")?))
}

fn exp1_tracking(c: &Claim, struct_perp: bool) -> Result<Outcome> {
    let r = exp1_subset(c.param_usize("max_n")?)?;
    let tracked = r
        .cells
        .iter()
        .filter(|x| {
            if struct_perp {
                x.tracks_struct_perp
            } else {
                x.tracks_single_relevant_gap
            }
        })
        .count();
    tracking_judge(tracked, r.cells.len(), c.tol()?, published_counts(c)?)
}

//= claim-check:exact.single-relevant-gap-tracks
/// How often the single-relevant-gap predictor tracks `Q_op` on our exp1 grid.
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) for a missing or mistyped parameter, value or tolerance of
/// the claim, and the errors of [`exp1_subset`] and [`tracking_judge`].
pub fn single_relevant_gap_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    exp1_tracking(c, false)
}

//= claim-check:exact.qstruct-perp-tracks
/// How often `Q_struct⊥` tracks `Q_op` on our exp1 grid.
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) for a missing or mistyped parameter, value or tolerance of
/// the claim, and the errors of [`exp1_subset`] and [`tracking_judge`].
pub fn qstruct_perp_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    exp1_tracking(c, true)
}

//= claim-check:rbm.qstruct-perp-tracks
/// How often `Q_struct⊥` tracks `Q_op` on our rbm1 grid (the cells with `m ≤ max_m`), judged by the
/// rule frozen with the grid before any result (specs/reproduce.toml `[rbm1.claim]`): pass iff an
/// exact one-sided binomial test does not reject a tracking rate at the published lower end.
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) for a missing or mistyped value or tolerance, or when
/// `value.low_percent` or the tolerance's alpha disagrees with `specs/reproduce.toml`; the errors
/// of [`rbm1_spec`] and [`run_rbm1_with`]; [`Error::Mismatch`](crate::Error::Mismatch) with
/// [`ShapeError::Empty`] when no cell has `m ≤ max_m`.
pub fn rbm_qstruct_perp_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let mut s = rbm1_spec()?;
    let rule = s.claim.clone();
    // One source for the published figure: the ledger's value must be the rule's.
    let low = c
        .value
        .get("low_percent")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| claim_error(c, "value.low_percent", "expected a number"))?;
    if (low / 100.0 - rule.published_low).abs() > f64::EPSILON {
        return Err(claim_error(
            c,
            "value.low_percent",
            format!(
                "{low} % disagrees with specs/reproduce.toml rbm1.claim.published_low = {}",
                rule.published_low
            ),
        ));
    }
    let alpha = c.tol()?.value;
    if alpha != rule.alpha {
        return Err(claim_error(
            c,
            "tolerance.value",
            format!(
                "alpha = {alpha} disagrees with specs/reproduce.toml rbm1.claim.alpha = {}",
                rule.alpha
            ),
        ));
    }
    s.m.retain(|&m| m <= rule.max_m);
    let r = run_rbm1_with(&s)?;
    let cells = r.cells.len();
    if cells == 0 {
        return Err(ShapeError::Empty("rbm1 cells with m <= max_m").into());
    }
    let tracked = r.cells.iter().filter(|x| x.tracks_struct_perp).count();
    let (p_value, pass) = rule.judge(tracked, cells);
    Ok(Outcome {
        pass,
        recomputed: json!({
            "tracked": tracked,
            "cells": cells,
            "fraction": tracked as f64 / cells as f64,
            "p_value": p_value,
        }),
        note: format!(
            "Recomputed on our own frozen rbm1 grid (m <= {}): Q_struct_perp tracks Q_op in {tracked}/{cells} \
             cells ({:.0} %); P(X <= {tracked} | Binomial({cells}, {})) = {p_value:.3} against alpha = {} \
             (rule frozen with the grid; the published cases are not public, so this tests consistency \
             with the published lower end, not equality). Full grid: `mcmc-audit reproduce rbm1`.",
            rule.max_m,
            100.0 * tracked as f64 / cells as f64,
            rule.published_low,
            rule.alpha
        ),
    })
}

/// One MSE comparison: the exact MSE and the MC estimate with its standard error.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MseCell {
    pub description: String,
    pub exact: f64,
    pub mc: f64,
    pub mc_se: f64,
    /// `|mc − exact| / se`.
    pub z: f64,
    pub rel_err: f64,
}

/// Exact MSE (uniform start, `burn_in`, `window`) against `runs` seeded MC chains on one model.
///
/// # Errors
///
/// The errors of [`gibbs_kernel_and_chain`] and [`exact_mse`].
pub fn mse_cell(
    model: &Pairwise,
    burn_in: u64,
    window: u64,
    runs: usize,
    seed: u64,
) -> Result<MseCell> {
    let (k, chain) = gibbs_kernel_and_chain(model)?;
    let obs = Observables::pairs(model.n_spins());
    let exact = exact_mse(&chain, &obs, &Init::Uniform, burn_in, window, true)?.total_mse();
    let mc = monte_carlo_mse(
        &k,
        model.n_spins(),
        &chain.pi,
        &obs,
        McPlan {
            chains: runs,
            burn_in,
            draws: window,
            seed,
        },
    );
    Ok(MseCell {
        description: chain.description.clone(),
        exact,
        mc: mc.mean,
        mc_se: mc.standard_error,
        z: (mc.mean - exact).abs() / mc.standard_error,
        rel_err: (mc.mean - exact).abs() / exact,
    })
}

/// Pass iff every cell's MC mean is within the tolerance's number of standard errors of the exact
/// MSE; `published` is the published range of relative errors in percent (for the note).
pub fn mse_judge(cells: &[MseCell], tol: Tolerance, published: (f64, f64)) -> Outcome {
    let zmax = cells.iter().map(|c| c.z).fold(0.0, f64::max);
    let rel: Vec<f64> = cells.iter().map(|c| 100.0 * c.rel_err).collect();
    let (lo, hi) = rel
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    Outcome {
        pass: !cells.is_empty() && cells.iter().all(|c| tol.accepts(c.z, 0)),
        recomputed: json!({ "max_z": zmax, "rel_err_percent_low": lo, "rel_err_percent_high": hi, "cells": cells }),
        note: format!(
            "Our MC-vs-exact relative errors {lo:.1}..{hi:.1} % (published {}..{} %); pass iff every \
             |MC - exact| <= {} standard errors of the MC mean (max observed {zmax:.2}).",
            published.0, published.1, tol.value
        ),
    }
}

//= claim-check:exact.mse-vs-mc
/// Exact window MSE against a seeded non-stationary MC run on small exact cells.
///
/// # Errors
///
/// [`Error::Field`](crate::Error::Field) for a missing or mistyped parameter, value or tolerance of
/// the claim, and the errors of [`exact_cells`], [`gibbs_chain`] and [`mse_cell`].
pub fn mse_vs_mc(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let window = c.param_usize("window")? as u64;
    let runs = c.param_usize("runs")?;
    let seed = c.param_usize("seed")? as u64;
    let cells = exact_cells(c)?
        .iter()
        .map(|m| {
            let ch = gibbs_chain(m)?;
            let gamma = 1.0 - eigenvalues(&ch, None)?.0[1];
            mse_cell(m, auto_burn_in(gamma), window, runs, seed)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(mse_judge(
        &cells,
        c.tol()?,
        (c.num("low_percent")?, c.num("high_percent")?),
    ))
}
