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

/// Random-scan single-site heat-bath Gibbs on a model (the exact-diagonalization kernel of §7).
pub fn gibbs_chain(model: &Pairwise) -> Result<ExactChain> {
    let m: Arc<dyn Model> = Arc::new(model.clone());
    let k = build_kernel(
        m.clone(),
        Rule::Gibbs,
        &Blocks::Sites,
        Scan::Random,
        "claims",
    )?;
    ExactChain::from_kernel(m.as_ref(), &k)
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
        note: format!(
            "Our max residual {worst:.2e} is {} the published level {published:e}.",
            if worst <= published {
                "within"
            } else {
                "above"
            }
        ),
    }
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
        note: format!(
            "Our max residual {worst:.2e} is {} the published level {published:e}.",
            if worst <= published {
                "within"
            } else {
                "above"
            }
        ),
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
