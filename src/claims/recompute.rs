//! Recompute checks: the crate rebuilds a published number on exact chains of its own models
//! (N ≤ 10 spins, so each check takes well under a second).
//!
//! - **Z2 overlap** (Q-PROGRAM.md §3): on a field-free model with a flip-equivariant kernel, `L²(π)`
//!   splits into even and odd functions and `P` preserves both; the slowest mode is odd, every pair
//!   observable `f_ij = −x_i x_j` is even, so `c_a2 = ⟨f_a − E_π f_a, φ_2⟩_π = 0`. Eigenvectors are only
//!   defined up to rotation inside a degenerate eigenspace `E_2 = span{φ_j : σ_j = σ_2}`, so we measure
//!   the basis-independent `‖Π_{E_2} f̄_a‖_π = (Σ_{j∈E_2} c_aj²)^{1/2}` with
//!   `c_aj = Σ_x √π_x f̄_a(x) u_j(x)` (u_j the orthonormal eigenvectors of `S = D^{1/2} P D^{−1/2}`).
//!   Rounding: a backward-stable solver returns an eigenspace at angle ≲ `‖E‖/δ` from the true one
//!   (Davis–Kahan sin Θ theorem), `‖E‖ ~ n·u`, δ the distance from σ_2 to the rest of the spectrum.
//! - **Residual levels** (§5 A2, A3; §7): detailed balance and `‖πP − π‖₁` in double-double
//!   ([`crate::exact::residuals`]), judged against their derived rounding bounds; `σ_1 = 1`.
//! - **σ = 1 − 1/N at β = 0**: random-scan single-site Gibbs at β = 0 is `(1/N) Σ_i Π_i` with `Π_i`
//!   re-randomizing site i; a Walsh function of degree k is multiplied by `1 − k/N`, so `σ_2 = 1 − 1/N`
//!   with multiplicity N and the next eigenvalue is `1 − 2/N`.
//! - **Self-adjointness** (§6): the symmetrized sweep `½(P_fwd + P_rev)` is reversible; the
//!   deterministic alternating scan is not, with an asymmetry `max |S_xy − S_yx|` of order 1e-2 on
//!   the documented model.

use std::sync::Arc;

use serde_json::json;

use super::checks::Outcome;
use super::{Claim, Ledger};
use crate::error::{Error, Result};
use crate::exact::{ExactChain, residuals, spectrum};
use crate::kernel::Kernel;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::kernel::updates::HeatBathBlock;
use crate::model::{Model, Pairwise, decode, generators};
use crate::numeric::tolerance::{Kind as TolKind, Tolerance};
use crate::numeric::{NeumaierSum, U, dd_diff_of_products};

/// Random-scan single-site heat-bath Gibbs on a model (the exact-diagonalization kernel of §7): the
/// kernel and its exact chain.
pub fn gibbs_kernel_and_chain(model: &Pairwise) -> Result<(Kernel, ExactChain)> {
    let m: Arc<dyn Model> = Arc::new(model.clone());
    let k = build_kernel(
        m.clone(),
        Rule::Gibbs,
        &Blocks::Sites,
        Scan::Random,
        "claims",
    )?;
    let chain = ExactChain::from_kernel(m.as_ref(), &k)?;
    Ok((k, chain))
}

/// The exact chain of [`gibbs_kernel_and_chain`].
pub fn gibbs_chain(model: &Pairwise) -> Result<ExactChain> {
    Ok(gibbs_kernel_and_chain(model)?.1)
}

/// The exact-diagonalization cells named by `parameters` (families × one n, β, patterns, seed).
pub fn exact_cells(c: &Claim) -> Result<Vec<Pairwise>> {
    let n = c.param_usize("n")?;
    let beta = c.param("beta")?;
    let m = c.param_usize("patterns")?;
    let seed = c.param_usize("seed")? as u64;
    c.param_strs("families")?
        .iter()
        .map(|f| match f.as_str() {
            "curie-weiss" => generators::curie_weiss(n, beta),
            "sk" => generators::sk(n, beta, seed),
            "hopfield" => generators::hopfield(n, m, beta, seed),
            other => Err(Error::field(
                super::CLAIMS_FILE,
                format!("claim `{}`.parameters.families", c.id),
                format!("unknown family `{other}` (curie-weiss | sk | hopfield)"),
            )),
        })
        .collect()
}

fn cell_chains(c: &Claim) -> Result<Vec<ExactChain>> {
    exact_cells(c)?.iter().map(gibbs_chain).collect()
}

/// A model with a partition of its sites into blocks.
type BlockModel = (Arc<dyn Model>, Vec<Vec<usize>>);

/// The RBM named by `parameters` and its explicit blocks.
fn rbm_and_blocks(c: &Claim) -> Result<BlockModel> {
    let m = generators::rbm(
        c.param_usize("visible")?,
        c.param_usize("hidden")?,
        c.param_usize("patterns")?,
        c.param("beta")?,
        c.param_usize("seed")? as u64,
    )?;
    let model: Arc<dyn Model> = Arc::new(m);
    let blocks = crate::kernel::build::resolve_blocks(
        model.as_ref(),
        &Blocks::Explicit(c.param_blocks("blocks")?),
        super::CLAIMS_FILE,
    )?;
    Ok((model, blocks))
}

/// Block heat-bath updates for the given blocks, in order.
pub fn block_updates(model: &Arc<dyn Model>, blocks: &[Vec<usize>]) -> Vec<Kernel> {
    blocks
        .iter()
        .map(|b| Kernel::update(HeatBathBlock::new(model.clone(), b.clone())))
        .collect()
}

/// Max over even pair observables of the norm of their projection on the σ_2 eigenspace, for one chain.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Z2Cell {
    pub description: String,
    pub sigma2: f64,
    pub multiplicity: usize,
    /// Distance from σ_2 to the nearest eigenvalue outside its eigenspace.
    pub separation: f64,
    pub max_overlap: f64,
    /// `max_k ‖(u_k + u_k∘flip)/2‖` over the eigenspace: ≈ 0 when the slowest modes are odd.
    pub even_part: f64,
    /// `n·u/δ`: the Davis–Kahan scale of the eigenspace's rounding error.
    pub davis_kahan_scale: f64,
}

/// `‖Π_{E_2} f̄_a‖_π` maximized over all pair observables `f_ij = −x_i x_j` of one chain.
pub fn z2_cell(chain: &ExactChain, degeneracy_abs: f64) -> Result<Z2Cell> {
    let n_spins = chain
        .n_spins
        .ok_or_else(|| Error::Invalid("z2 overlap: the chain has no spins".into()))?;
    let n = chain.n_states;
    let (vals, u) = spectrum::eigen(chain)?;
    if n < 3 {
        return Err(Error::Invalid("z2 overlap: need at least 3 states".into()));
    }
    let s2 = vals[1];
    let space: Vec<usize> = (1..n)
        .filter(|&j| (vals[j] - s2).abs() <= degeneracy_abs)
        .collect();
    let separation = (0..n)
        .filter(|j| !space.contains(j))
        .map(|j| (vals[j] - s2).abs())
        .fold(f64::INFINITY, f64::min);
    let flip = (1usize << n_spins) - 1;
    let even_part = space
        .iter()
        .map(|&k| {
            let mut e = NeumaierSum::new();
            for s in 0..n {
                let v = 0.5 * (u[(s, k)] + u[(s ^ flip, k)]);
                e.add(v * v);
            }
            e.value().sqrt()
        })
        .fold(0.0, f64::max);
    let sqrt_pi: Vec<f64> = chain.pi.iter().map(|p| p.sqrt()).collect();
    let mut x = vec![0i8; n_spins];
    let mut worst: f64 = 0.0;
    for i in 0..n_spins {
        for j in i + 1..n_spins {
            let f: Vec<f64> = (0..n)
                .map(|s| {
                    decode(s, &mut x);
                    -f64::from(x[i] * x[j])
                })
                .collect();
            let mut mean = NeumaierSum::new();
            for (p, v) in chain.pi.iter().zip(&f) {
                mean.add(p * v);
            }
            let mean = mean.value();
            let mut norm2 = 0.0;
            for &k in &space {
                let mut c = NeumaierSum::new();
                for s in 0..n {
                    c.add(sqrt_pi[s] * (f[s] - mean) * u[(s, k)]);
                }
                norm2 += c.value() * c.value();
            }
            worst = worst.max(norm2.sqrt());
        }
    }
    Ok(Z2Cell {
        description: chain.description.clone(),
        sigma2: s2,
        multiplicity: space.len(),
        separation,
        max_overlap: worst,
        even_part,
        davis_kahan_scale: n as f64 * U / separation,
    })
}

/// The Z2-overlap verdict over cells: each cell's overlap within `value · n·u/δ`.
pub fn z2_judge(cells: &[Z2Cell], tol: Tolerance) -> Result<Outcome> {
    if tol.kind != TolKind::Bound {
        return Err(Error::Invalid(
            "exact.z2-overlap: tolerance must be kind = \"bound\" (value · n·u/δ)".into(),
        ));
    }
    let pass = cells
        .iter()
        .all(|c| c.max_overlap <= tol.value * c.davis_kahan_scale);
    let worst = cells.iter().map(|c| c.max_overlap).fold(0.0, f64::max);
    Ok(Outcome {
        pass,
        recomputed: json!({ "max_overlap": worst, "cells": cells }),
        note: String::new(),
    })
}

//= claim-check:exact.z2-overlap
/// The Z2 overlap of the σ_2 eigenspace with the even pair observables on the exact cells.
pub fn z2_overlap(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let deg = c.param("degeneracy_abs")?;
    let cells = cell_chains(c)?
        .iter()
        .map(|ch| z2_cell(ch, deg))
        .collect::<Result<Vec<_>>>()?;
    z2_judge(&cells, c.tol()?)
}

/// Largest ratio over pairs of `|π_x P_xy − π_y P_yx|` (double-double) to its own derived rounding
/// bound `(2 e_π + 2 e_P + 2u) · max(π_x P_xy, π_y P_yx)` (the bound of [`residuals`]); pairs with
/// both entries zero are skipped, a non-zero residual against a zero bound is infinite.
pub fn db_max_ratio(chain: &ExactChain) -> f64 {
    let n = chain.n_states;
    let factor = chain.flow_rel_bound();
    let mut worst: f64 = 0.0;
    for x in 0..n {
        for y in x + 1..n {
            let (pxy, pyx) = (chain.p(x, y), chain.p(y, x));
            if pxy == 0.0 && pyx == 0.0 {
                continue;
            }
            let r = dd_diff_of_products(chain.pi[x], pxy, chain.pi[y], pyx).abs();
            let b = factor * (chain.pi[x] * pxy).max(chain.pi[y] * pyx);
            let q = if r == 0.0 { 0.0 } else { r / b };
            worst = if q.is_nan() {
                f64::INFINITY
            } else {
                worst.max(q)
            };
        }
    }
    worst
}

/// Detailed-balance levels of chains: pass iff every pair's residual is within `value` times its own
/// derived rounding bound (tolerance kind `bound`).
pub fn db_judge(chains: &[ExactChain], tol: Tolerance, published: f64) -> Outcome {
    let mut worst: f64 = 0.0;
    let mut worst_ratio: f64 = 0.0;
    let per_cell: Vec<_> = chains
        .iter()
        .map(|c| {
            let d = residuals::detailed_balance(c);
            let q = db_max_ratio(c);
            worst = worst.max(d.max_abs);
            worst_ratio = worst_ratio.max(q);
            json!({ "cell": c.description, "max_abs": d.max_abs, "max_ratio_to_bound": q })
        })
        .collect();
    Outcome {
        pass: worst_ratio <= tol.value,
        recomputed: json!({ "max_abs": worst, "max_ratio_to_bound": worst_ratio, "cells": per_cell }),
        note: level_note(worst, published),
    }
}

/// "Our max residual … is within/above the published level …".
fn level_note(worst: f64, published: f64) -> String {
    let side = if worst <= published {
        "within"
    } else {
        "above"
    };
    format!("Our max residual {worst:.2e} is {side} the published level {published:e}.")
}

//= claim-check:exact.db-residual
/// Detailed-balance residual level of exact random-scan Gibbs chains.
pub fn db_residual(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    Ok(db_judge(&cell_chains(c)?, c.tol()?, c.value_num()?))
}

/// Stationarity levels: `‖πP − π‖₁ ≤ value · (2 e_π + e_P + 2u)` for every chain.
pub fn stationarity_judge(chains: &[ExactChain], tol: Tolerance, published: f64) -> Outcome {
    let mut pass = true;
    let mut worst: f64 = 0.0;
    let per_cell: Vec<_> = chains
        .iter()
        .map(|c| {
            let r = residuals::invariance_l1(c);
            let b = c.invariance_bound();
            pass &= r <= tol.value * b;
            worst = worst.max(r);
            json!({ "cell": c.description, "l1": r, "bound": b })
        })
        .collect();
    Outcome {
        pass,
        recomputed: json!({ "max_l1": worst, "cells": per_cell }),
        note: level_note(worst, published),
    }
}

//= claim-check:exact.stationarity-residual
/// Stationarity residual level of exact random-scan Gibbs chains.
pub fn stationarity_residual(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    Ok(stationarity_judge(
        &cell_chains(c)?,
        c.tol()?,
        c.value_num()?,
    ))
}

/// `|σ_1 − 1|` within the tolerance for every chain.
pub fn sigma1_judge(chains: &[ExactChain], tol: Tolerance) -> Result<Outcome> {
    let mut pass = true;
    let mut worst: f64 = 0.0;
    for c in chains {
        let v = spectrum::eigenvalues(c)?;
        let d = (v[0] - 1.0).abs();
        pass &= tol.accepts(d, c.n_states);
        worst = worst.max(d);
    }
    Ok(Outcome {
        pass,
        recomputed: json!({ "max_abs_sigma1_minus_1": worst }),
        note: String::new(),
    })
}

//= claim-check:exact.sigma1
/// σ_1 = 1 on the exact cells.
pub fn sigma1(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    sigma1_judge(&cell_chains(c)?, c.tol()?)
}

/// At β = 0: `σ_2..σ_{N+1} = 1 − 1/N` and `σ_{N+2} = 1 − 2/N` (multiplicity exactly N).
pub fn degeneracy_judge(models: &[Pairwise], tol: Tolerance) -> Result<Outcome> {
    let mut pass = true;
    let mut worst: f64 = 0.0;
    let mut per = Vec::new();
    for m in models {
        let n = m.n_spins();
        let v = spectrum::eigenvalues(&gibbs_chain(m)?)?;
        let s = 1.0 - 1.0 / n as f64;
        let mut dev = (1..=n).map(|j| (v[j] - s).abs()).fold(0.0, f64::max);
        if let Some(next) = v.get(n + 1) {
            dev = dev.max((next - (1.0 - 2.0 / n as f64)).abs());
        }
        pass &= tol.accepts(dev, 1usize << n);
        worst = worst.max(dev);
        per.push(
            json!({ "n": n, "sigma2": v[1], "one_minus_one_over_n": s, "max_deviation": dev }),
        );
    }
    Ok(Outcome {
        pass,
        recomputed: json!({ "max_deviation": worst, "cells": per }),
        note: "Exact at beta = 0 (sigma_2 = 1 - 1/N with multiplicity N, then 1 - 2/N).".into(),
    })
}

//= claim-check:weak-coupling.degeneracy
/// σ = 1 − 1/N at β = 0 on Curie–Weiss chains of the listed sizes.
pub fn weak_coupling_degeneracy(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let beta = c.param("beta")?;
    let models = c
        .param_usizes("n")?
        .into_iter()
        .map(|n| generators::curie_weiss(n, beta))
        .collect::<Result<Vec<_>>>()?;
    degeneracy_judge(&models, c.tol()?)
}

//= claim-check:exp4.self-adjointness
/// `max |S_xy − S_yx|` of the symmetrized block sweep on the documented RBM.
pub fn symmetrized_self_adjoint(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (model, blocks) = rbm_and_blocks(c)?;
    let k = Kernel::symmetrized("symmetrized block sweep", block_updates(&model, &blocks));
    let chain = ExactChain::from_kernel(model.as_ref(), &k)?;
    Ok(self_adjoint_judge(&chain, c.tol()?))
}

/// Self-adjointness within tolerance.
pub fn self_adjoint_judge(chain: &ExactChain, tol: Tolerance) -> Outcome {
    let r = residuals::self_adjointness(chain);
    Outcome {
        pass: tol.accepts(r, chain.n_states),
        recomputed: json!({ "max_abs_s_minus_st": r, "threshold": tol.threshold(chain.n_states), "model": chain.description }),
        note: String::new(),
    }
}

/// Order of magnitude: `|log10(measured) − log10(published)| ≤ tol.value` (kind abs).
pub fn order_judge(chain: &ExactChain, published: f64, tol: Tolerance) -> Outcome {
    let r = residuals::self_adjointness(chain);
    let d = (r.log10() - published.log10()).abs();
    Outcome {
        pass: tol.accepts(d, chain.n_states),
        recomputed: json!({ "max_abs_s_minus_st": r, "log10_distance": d, "model": chain.description }),
        note: String::new(),
    }
}

//= claim-check:exp3.det-kernel-nonselfadjoint
/// The deterministic alternating block scan is non-self-adjoint, of the published order.
pub fn deterministic_scan_asymmetry(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (model, blocks) = rbm_and_blocks(c)?;
    let k = Kernel::systematic(
        "deterministic alternating scan",
        block_updates(&model, &blocks),
    );
    let chain = ExactChain::from_kernel(model.as_ref(), &k)?;
    Ok(order_judge(&chain, c.value_num()?, c.tol()?))
}

// ---------------------------------------------------------------------------------------------
// Checks wired to the spectral engine, the sampled diagnostics and the tempering kernel.
//
// - **Single-gap over-prediction** (§3): on flip-symmetric cells `c_a2` is a symmetry zero, so the
//   single-gap predictor `Q_single ∝ 1/c_a2²`-style division yields a ratio `Q_single / Q_op` whose
//   size is set by rounding; only a lower bound on its order is reproducible.
// - **Tracking counts** (§3, §4): our frozen exp1 grid (`specs/reproduce.toml`), restricted to
//   `n ≤ max_n`, with the frozen factor-2 tracking rule; the published 48-cell grid is unknown, so
//   the verdict is on the claim's direction (a fraction), never on equality of counts.
// - **Exact MSE vs MC** (§7): `E‖m̂ − E_π f‖²` from the exact recursion against a seeded
//   non-stationary Monte Carlo mean (uniform start) with its standard error.
// - **MC τ vs exact τ** (exp2 P1): Sokal's automatic-window τ (N/ESS convention, emcee c = 5) of
//   simulated chains against the exact τ of the same chain from the Poisson route.
// - **Parallel tempering** (exp12): `½(LS + SL)` is reversible, `LS` is not; the swap acceptance
//   `min(1, exp(β(α_lo − α_hi)(E_lo − E_hi)))` equals the Metropolis ratio `min(1, π(x')/π(x))` of
//   the product distribution.

use crate::kernel::ChainRng;
use crate::kernel::tempering::{exact_pt_kernel, swap_acceptance};
use crate::sampled::Draws;
use crate::sampled::tau::{SOKAL_C, sokal_tau};
use crate::trainability::estimator::{Init, McPlan, monte_carlo_mse};
use crate::trainability::observables::Observables;
use crate::trainability::reproduce::{
    Exp1Report, exp1_spec, rbm1_spec, run_exp1_with, run_rbm1_with,
};
use crate::trainability::{auto_burn_in, exact_mse, poisson};
use rand::SeedableRng;

/// Our exp1 grid restricted to `n ≤ max_n` (one run per process and `max_n`: three claims share it).
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
        pass: !ratios.is_empty() && min >= tol.value,
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

/// Direction of a tracking count: `at_least` (pass iff tracked/cells ≥ value) or `below`
/// (pass iff tracked/cells < value).
pub fn tracking_judge(
    tracked: usize,
    cells: usize,
    direction: &str,
    tol: Tolerance,
    published: (usize, usize),
) -> Result<Outcome> {
    if cells == 0 {
        return Err(Error::Invalid("tracking: no cells".into()));
    }
    let frac = tracked as f64 / cells as f64;
    let pass = match direction {
        "at_least" => frac >= tol.value,
        "below" => frac < tol.value,
        other => {
            return Err(Error::Invalid(format!(
                "tracking: unknown direction `{other}` (at_least | below)"
            )));
        }
    };
    let rel = if direction == "at_least" { ">=" } else { "<" };
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
            .ok_or_else(|| {
                Error::field(
                    super::CLAIMS_FILE,
                    format!("claim `{}`.value.{k}", c.id),
                    "expected a non-negative integer",
                )
            })
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
    let dir = c.param_strs("direction")?;
    let dir = dir.first().map(String::as_str).unwrap_or("");
    tracking_judge(tracked, r.cells.len(), dir, c.tol()?, published_counts(c)?)
}

//= claim-check:exact.single-relevant-gap-tracks
/// How often the single-relevant-gap predictor tracks `Q_op` on our exp1 grid.
pub fn single_relevant_gap_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    exp1_tracking(c, false)
}

//= claim-check:exact.qstruct-perp-tracks
/// How often `Q_struct⊥` tracks `Q_op` on our exp1 grid.
pub fn qstruct_perp_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    exp1_tracking(c, true)
}

//= claim-check:rbm.qstruct-perp-tracks
/// How often `Q_struct⊥` tracks `Q_op` on our rbm1 grid (the cells with `m ≤ max_m`), judged by the
/// rule frozen with the grid before any result (specs/reproduce.toml `[rbm1.claim]`): pass iff an
/// exact one-sided binomial test does not reject a tracking rate at the published lower end.
pub fn rbm_qstruct_perp_tracks(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let mut s = rbm1_spec()?;
    let rule = s.claim.clone();
    // One source for the published figure: the ledger's value must be the rule's.
    let low = c
        .value
        .get("low_percent")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| {
            Error::field(
                super::CLAIMS_FILE,
                format!("claim `{}`.value.low_percent", c.id),
                "expected a number",
            )
        })?;
    if (low / 100.0 - rule.published_low).abs() > f64::EPSILON {
        return Err(Error::field(
            super::CLAIMS_FILE,
            format!("claim `{}`.value.low_percent", c.id),
            format!(
                "{low} % disagrees with specs/reproduce.toml rbm1.claim.published_low = {}",
                rule.published_low
            ),
        ));
    }
    let alpha = c.tol()?.value;
    if alpha != rule.alpha {
        return Err(Error::field(
            super::CLAIMS_FILE,
            format!("claim `{}`.tolerance.value", c.id),
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
        return Err(Error::Invalid("rbm1: no cells with m <= max_m".into()));
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
            burn_in,
            window,
            runs,
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

/// Pass iff every cell's MC mean is within `tol.value` standard errors of the exact MSE.
pub fn mse_judge(cells: &[MseCell], tol: Tolerance) -> Outcome {
    let zmax = cells.iter().map(|c| c.z).fold(0.0, f64::max);
    let rel: Vec<f64> = cells.iter().map(|c| 100.0 * c.rel_err).collect();
    let (lo, hi) = rel
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    Outcome {
        pass: !cells.is_empty() && cells.iter().all(|c| c.z <= tol.value),
        recomputed: json!({ "max_z": zmax, "rel_err_percent_low": lo, "rel_err_percent_high": hi, "cells": cells }),
        note: format!(
            "Our MC-vs-exact relative errors {lo:.1}..{hi:.1} % (published 0.7..3.3 %); pass iff every \
             |MC - exact| <= {} standard errors of the MC mean (max observed {zmax:.2}).",
            tol.value
        ),
    }
}

//= claim-check:exact.mse-vs-mc
/// Exact window MSE against a seeded non-stationary MC run on small exact cells.
pub fn mse_vs_mc(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let window = c.param_usize("window")? as u64;
    let runs = c.param_usize("runs")?;
    let seed = c.param_usize("seed")? as u64;
    let cells = exact_cells(c)?
        .iter()
        .map(|m| {
            let ch = gibbs_chain(m)?;
            let gamma = 1.0 - spectrum::eigenvalues(&ch)?[1];
            mse_cell(m, auto_burn_in(gamma), window, runs, seed)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(mse_judge(&cells, c.tol()?))
}

/// MC τ against exact τ for one observable of one model.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TauCase {
    pub description: String,
    pub exact_tau: f64,
    pub mc_tau: f64,
    pub rel_err: f64,
}

/// Exact τ (N/ESS, Poisson route) of the energy under random-scan Gibbs, and Sokal's τ of
/// `chains` simulated chains (uniform random start, `burn_in` discarded steps, then `draws` kept;
/// chain c seeded `seed + c`).
pub fn tau_case(
    model: &Pairwise,
    chains: usize,
    draws: usize,
    burn_in: u64,
    seed: u64,
) -> Result<TauCase> {
    let (k, chain) = gibbs_kernel_and_chain(model)?;
    let obs = Observables::energy(model);
    let exact_tau = poisson::tau(&chain, &obs)?
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| Error::Invalid(format!("exp2.p1: no exact tau on {}", chain.description)))?;
    let f = &obs.values[0];
    let n = model.n_spins();
    let mut data = Vec::with_capacity(chains * draws);
    for ch in 0..chains {
        let mut rng = ChainRng::seed_from_u64(seed.wrapping_add(ch as u64));
        let mut x: Vec<i8> = (0..n)
            .map(|_| {
                if rand::Rng::next_u64(&mut rng) >> 63 == 1 {
                    1
                } else {
                    -1
                }
            })
            .collect();
        let mut scratch = crate::kernel::Law::default();
        for _ in 0..burn_in {
            k.step(&mut x, &mut rng, &mut scratch);
        }
        for _ in 0..draws {
            k.step(&mut x, &mut rng, &mut scratch);
            data.push(f[crate::model::encode(&x)]);
        }
    }
    let d = Draws::new(chains, draws, data)?;
    let mc_tau = sokal_tau(&d, SOKAL_C)
        .map_err(|e| Error::Invalid(format!("exp2.p1: Sokal tau undefined: {e:?}")))?
        .tau;
    Ok(TauCase {
        description: chain.description.clone(),
        exact_tau,
        mc_tau,
        rel_err: (mc_tau - exact_tau).abs() / exact_tau,
    })
}

/// The median of the relative errors against the bar (kind rel): pass iff median ≤ `tol.value`.
pub fn tau_judge(cases: &[TauCase], tol: Tolerance) -> Outcome {
    let mut r: Vec<f64> = cases.iter().map(|c| c.rel_err).collect();
    r.sort_by(f64::total_cmp);
    let med = match r.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => r[n / 2],
        n => 0.5 * (r[n / 2 - 1] + r[n / 2]),
    };
    Outcome {
        pass: med <= tol.value,
        recomputed: json!({ "median_rel_err": med, "cases": cases.len(), "per_case": cases }),
        note: format!(
            "Our median |tau_MC - tau_exact| / tau_exact = {:.1} % over {} cases (published 2.2 % over \
             48); pass iff the median <= the {} % bar.",
            100.0 * med,
            cases.len(),
            100.0 * tol.value
        ),
    }
}

//= claim-check:exp2.p1
/// Sokal τ of simulated random-scan Gibbs chains against the exact τ on small planted RBMs.
pub fn mc_tau_vs_exact(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let hidden = c.param_usize("hidden")?;
    let patterns = c.param_usize("patterns")?;
    let chains = c.param_usize("chains")?;
    let draws = c.param_usize("draws")?;
    let burn_in = c.param_usize("burn_in")? as u64;
    let seeds = c.param_usize("seeds")? as u64;
    let mut cases = Vec::new();
    for m in c.param_usizes("visible")? {
        for b in c.param_usizes("beta_tenths")? {
            for s in 0..seeds {
                let model = generators::rbm(m, hidden, patterns, b as f64 / 10.0, s)?;
                cases.push(tau_case(&model, chains, draws, burn_in, 1000 * s + 17)?);
            }
        }
    }
    Ok(tau_judge(&cases, c.tol()?))
}

/// The PT case of a claim: SK base on m spins, an evenly spaced ladder, single-site blocks.
pub fn pt_base(c: &Claim) -> Result<(Pairwise, Vec<f64>, Vec<Vec<usize>>)> {
    let m = c.param_usize("m")?;
    let base = generators::sk(m, c.param("beta")?, c.param_usize("seed")? as u64)?;
    let r = c.param_usize("replicas")?;
    let top = c.param("alpha_min")?;
    if r < 2 {
        return Err(Error::field(
            super::CLAIMS_FILE,
            format!("claim `{}`.parameters.replicas", c.id),
            "need at least 2 replicas",
        ));
    }
    let alphas = (0..r)
        .map(|k| top + (1.0 - top) * k as f64 / (r - 1) as f64)
        .collect();
    let blocks = (0..m).map(|i| vec![i]).collect();
    Ok((base, alphas, blocks))
}

/// `max |S − Sᵀ|` of the exact PT kernel (`symmetrized`: ½(LS + SL), else the control LS).
pub fn pt_asymmetry(
    base: &Pairwise,
    alphas: &[f64],
    blocks: &[Vec<usize>],
    symmetrized: bool,
) -> Result<f64> {
    let (prod, k) = exact_pt_kernel(base, alphas, blocks, symmetrized)?;
    Ok(residuals::self_adjointness(&ExactChain::from_kernel(
        prod.as_ref(),
        &k,
    )?))
}

//= claim-check:exp12.pt-selfadjoint
/// Symmetrized PT on m spins × R replicas is self-adjoint; the LS control is reported beside it.
pub fn pt_selfadjoint(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (base, alphas, blocks) = pt_base(c)?;
    let sym = pt_asymmetry(&base, &alphas, &blocks, true)?;
    let ls = pt_asymmetry(&base, &alphas, &blocks, false)?;
    let tol = c.tol()?;
    Ok(Outcome {
        pass: sym <= tol.value,
        recomputed: json!({ "symmetrized": sym, "ls_control": ls, "alphas": alphas }),
        note: format!(
            "Symmetrized 1/2(LS + SL): {sym:.1e} (pass iff <= {:e}); LS control: {ls:.2e} (published \
             3.96e-2 on an unpublished model; same order expected, not judged).",
            tol.value
        ),
    })
}

/// `max_x |formula(x) − min(1, π(x')/π(x))|` over product states and adjacent pairs, π from the
/// exact enumeration of the product model; `formula` is the acceptance under test.
pub fn swap_formula_error(
    base: &Pairwise,
    alphas: &[f64],
    formula: fn(f64, f64, f64, f64, f64) -> f64,
) -> Result<f64> {
    let prod = crate::kernel::tempering::product_model(base, alphas)?;
    let e = crate::model::enumerate::enumerate(&prod)?;
    let n = base.n_spins();
    let mut x = vec![0i8; prod.n_spins()];
    let mut worst: f64 = 0.0;
    for s in 0..e.pi.len() {
        decode(s, &mut x);
        for r in 0..alphas.len() - 1 {
            let mut y = x.clone();
            y[r * n..(r + 2) * n].rotate_left(n);
            let t = crate::model::encode(&y);
            let exact = (e.log_pi[t] - e.log_pi[s]).exp().min(1.0);
            let a = formula(
                base.beta(),
                alphas[r],
                alphas[r + 1],
                base.energy(&x[r * n..(r + 1) * n]),
                base.energy(&x[(r + 1) * n..(r + 2) * n]),
            );
            worst = worst.max((a - exact).abs());
        }
    }
    Ok(worst)
}

//= claim-check:exp12.swap-formula
/// The crate's swap acceptance against the exact Metropolis ratio of the product distribution.
pub fn swap_formula(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (base, alphas, _) = pt_base(c)?;
    let d = swap_formula_error(&base, &alphas, swap_acceptance)?;
    let tol = c.tol()?;
    Ok(Outcome {
        pass: d <= tol.value,
        recomputed: json!({ "max_abs_difference": d }),
        note: format!(
            "Max |formula - min(1, pi(x')/pi(x))| = {d:.1e} over all product states (published ~1e-16); \
             pass iff <= {:e}.",
            tol.value
        ),
    })
}
