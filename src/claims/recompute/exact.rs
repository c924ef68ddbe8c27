//! Recompute checks on exact chains: the Z2 overlap of φ_2, residual levels (detailed balance,
//! stationarity, σ_1), the β = 0 degeneracy, and the self-adjointness of block sweeps.

use serde_json::json;

use super::{block_updates, cell_chains, gibbs_chain, level_note, rbm_and_blocks};
use crate::claims::checks::Outcome;
use crate::claims::{CLAIMS_FILE, Claim, Ledger};
use crate::error::{Error, Result, ShapeError};
use crate::exact::spectrum::{Spectrum, eigenvalues};
use crate::exact::{ExactChain, residuals};
use crate::kernel::Kernel;
use crate::model::{Model, Pairwise, decode, generators};
use crate::numeric::tolerance::{Kind as TolKind, Tolerance};
use crate::numeric::{NeumaierSum, U, dd_diff_of_products};

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
///
/// # Errors
///
/// [`Error::Mismatch`] with [`ShapeError::NoSpins`] for a chain without spins or
/// [`ShapeError::TooFewStates`] below 3 states, and [`Error::Numerical`] when the eigensolver
/// fails.
pub fn z2_cell(chain: &ExactChain, degeneracy_abs: f64) -> Result<Z2Cell> {
    let n_spins = chain.n_spins.ok_or(ShapeError::NoSpins("z2 overlap"))?;
    let n = chain.n_states;
    if n < 3 {
        return Err(ShapeError::TooFewStates {
            what: "z2 overlap",
            need: 3,
            got: n,
        }
        .into());
    }
    let spec = Spectrum::new(chain, None)?;
    let vals = &spec.sigma;
    let s2 = vals[1];
    let space: Vec<usize> = (1..n)
        .filter(|&j| (vals[j] - s2).abs() <= degeneracy_abs)
        .collect();
    let separation = (0..n)
        .filter(|j| !space.contains(j))
        .map(|j| (vals[j] - s2).abs())
        .fold(f64::INFINITY, f64::min);
    let flip = (1usize << n_spins) - 1;
    let modes: Vec<Vec<f64>> = space.iter().map(|&k| spec.vector(k)).collect();
    let even_part = modes
        .iter()
        .map(|u| {
            let mut e = NeumaierSum::new();
            for s in 0..n {
                let v = 0.5 * (u[s] + u[s ^ flip]);
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
            for u in &modes {
                let mut c = NeumaierSum::new();
                for s in 0..n {
                    c.add(sqrt_pi[s] * (f[s] - mean) * u[s]);
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
///
/// # Errors
///
/// [`Error::Field`] unless `tol` is of kind `bound`.
pub fn z2_judge(cells: &[Z2Cell], tol: Tolerance) -> Result<Outcome> {
    if tol.kind != TolKind::Bound {
        return Err(Error::field(
            CLAIMS_FILE,
            "claim `exact.z2-overlap`.tolerance",
            "must be kind = \"bound\" (value · n·u/δ)",
        ));
    }
    // Each cell's own bound: `value` times its Davis–Kahan scale `n·u/δ`.
    let pass = cells.iter().all(|c| {
        Tolerance::derived(tol.value * c.davis_kahan_scale)
            .with_direction(tol.direction)
            .accepts(c.max_overlap, 0)
    });
    let worst = cells.iter().map(|c| c.max_overlap).fold(0.0, f64::max);
    Ok(Outcome {
        pass,
        recomputed: json!({ "max_overlap": worst, "cells": cells }),
        note: String::new(),
    })
}

//= claim-check:exact.z2-overlap
/// The Z2 overlap of the σ_2 eigenspace with the even pair observables on the exact cells.
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim; the
/// generators' and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]);
/// and those of [`z2_cell`] and [`z2_judge`].
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
        pass: tol.accepts(worst_ratio, 0),
        recomputed: json!({ "max_abs": worst, "max_ratio_to_bound": worst_ratio, "cells": per_cell }),
        note: level_note(worst, published),
    }
}

//= claim-check:exact.db-residual
/// Detailed-balance residual level of exact random-scan Gibbs chains.
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generators' and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
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
            pass &= Tolerance::derived(tol.value * b)
                .with_direction(tol.direction)
                .accepts(r, 0);
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
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generators' and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
pub fn stationarity_residual(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    Ok(stationarity_judge(
        &cell_chains(c)?,
        c.tol()?,
        c.value_num()?,
    ))
}

/// `|σ_1 − 1|` within the tolerance for every chain.
///
/// # Errors
///
/// [`Error::Numerical`] when the eigensolver fails.
pub fn sigma1_judge(chains: &[ExactChain], tol: Tolerance) -> Result<Outcome> {
    let mut pass = true;
    let mut worst: f64 = 0.0;
    for c in chains {
        let v = eigenvalues(c, None)?.0;
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
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generators' and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
pub fn sigma1(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    sigma1_judge(&cell_chains(c)?, c.tol()?)
}

/// At β = 0: `σ_2..σ_{N+1} = 1 − 1/N` and `σ_{N+2} = 1 − 2/N` (multiplicity exactly N).
///
/// # Errors
///
/// The errors of [`gibbs_chain`] and [`Error::Numerical`] when the eigensolver fails.
pub fn degeneracy_judge(models: &[Pairwise], tol: Tolerance) -> Result<Outcome> {
    let mut pass = true;
    let mut worst: f64 = 0.0;
    let mut per = Vec::new();
    for m in models {
        let n = m.n_spins();
        let v = eigenvalues(&gibbs_chain(m)?, None)?.0;
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
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generator's and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
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
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generator's and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
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
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and the
/// generator's and engines' errors ([`Error::Model`], [`Error::TooLarge`], [`Error::Numerical`]).
pub fn deterministic_scan_asymmetry(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (model, blocks) = rbm_and_blocks(c)?;
    let k = Kernel::systematic(
        "deterministic alternating scan",
        block_updates(&model, &blocks),
    );
    let chain = ExactChain::from_kernel(model.as_ref(), &k)?;
    Ok(order_judge(&chain, c.value_num()?, c.tol()?))
}
