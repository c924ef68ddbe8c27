//! Parallel tempering (replica exchange), exact on small product spaces and fast at scale.
//!
//! Replicas `r = 0..R` sit on a ladder `α_top = α_0 < α_1 < … < α_{R−1} = 1`; replica `r` targets
//! `π_r ∝ exp(−β α_r E)` (docs/science.md §6), so the product space carries
//! `Π(x_0, …, x_{R−1}) ∝ exp(−β Σ_r α_r E(x_r))`, itself a pairwise model on `R·N` spins with couplings
//! `α_r J` and fields `α_r h` ([`product_model`]).
//!
//! A swap of adjacent replicas `r, r+1` is accepted with the exact Metropolis probability
//! `a = min(1, exp(β (α_r − α_{r+1}) (E(x_r) − E(x_{r+1}))))`, since
//! `Π(swapped)/Π(x) = exp(β (α_r − α_{r+1})(E(x_r) − E(x_{r+1})))`; as an [`Update`] its law is the joint
//! law {keep: 1 − a, swap: a} over the `2N` sites of the two replicas ([`Swap`]).
//!
//! Kernels: local sweeps `L` (the symmetrized block sweep over all replicas: block `k` of the product
//! is block `k` of every replica, still free of internal edges) and a swap pass `S` (the symmetrized
//! sequence of adjacent swaps). Both are self-adjoint in `L²(Π)`, hence so is
//! `½ (L S + S L)` (`(LS)* = S* L* = S L`) — the programme's symmetrized PT kernel. `L S` alone is
//! Π-invariant but in general not self-adjoint (the control).
//!
//! [`run_tempering`] runs the same kernel at scale with the [`FastGibbs`] engine: per step a fair coin
//! picks `L S` or `S L`; `S` picks ascending or descending pair order by a second coin.

use std::sync::Arc;

use rand::Rng;
use rayon::prelude::*;

use super::fast::FastGibbs;
use super::streams::streams;
use super::updates::HeatBathBlock;
use super::{ChainRng, Kernel, Law, Update};
use crate::error::{LadderError, Result};
use crate::model::{Model, Pairwise};
use crate::numeric::{gamma, unit_f64};

/// Validates a ladder: finite, strictly increasing, in `(0, 1]`, ending at 1, at least two rungs.
///
/// # Errors
///
/// [`Error::Ladder`](crate::Error::Ladder): [`LadderError::TooFewRungs`] below two rungs,
/// [`LadderError::NotIncreasing`] at the first pair that is not strictly increasing (or is NaN),
/// and [`LadderError::OutOfRange`] when the first rung is not positive or the last is not 1.
pub fn validate_ladder(alphas: &[f64]) -> Result<()> {
    if alphas.len() < 2 {
        return Err(LadderError::TooFewRungs(alphas.len()).into());
    }
    for (k, w) in alphas.windows(2).enumerate() {
        if w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less) {
            return Err(LadderError::NotIncreasing {
                index: k,
                value: w[0],
                next: k + 1,
                next_value: w[1],
            }
            .into());
        }
    }
    if alphas[0].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        || alphas[alphas.len() - 1] != 1.0
    {
        return Err(LadderError::OutOfRange {
            low: alphas[0],
            high: alphas[alphas.len() - 1],
        }
        .into());
    }
    Ok(())
}

/// The product model of the replicas: replica `r` occupies sites `r·N..(r+1)·N`.
///
/// # Errors
///
/// As [`validate_ladder`].
pub fn product_model(base: &Pairwise, alphas: &[f64]) -> Result<Pairwise> {
    validate_ladder(alphas)?;
    let n = base.n_spins();
    let mut c = Vec::with_capacity(base.edges().len() * alphas.len());
    let mut f = Vec::with_capacity(n * alphas.len());
    for (r, &a) in alphas.iter().enumerate() {
        for &(i, j, w) in base.edges() {
            c.push((r * n + i, r * n + j, a * w));
        }
        f.extend(base.fields().iter().map(|&h| a * h));
    }
    Pairwise::new(
        format!("pt-product({} × {alphas:?})", base.describe()),
        n * alphas.len(),
        base.beta(),
        &c,
        Some(f),
    )
}

/// The swap of replicas `r` and `r + 1` on the product space, with Metropolis acceptance.
#[derive(Clone)]
pub struct Swap {
    pub base: Arc<Pairwise>,
    pub alphas: Vec<f64>,
    pub r: usize,
}

/// `min(1, exp(β (α_lo − α_hi)(E_lo − E_hi)))`.
#[inline]
pub fn swap_acceptance(beta: f64, a_lo: f64, a_hi: f64, e_lo: f64, e_hi: f64) -> f64 {
    (beta * (a_lo - a_hi) * (e_lo - e_hi)).exp().min(1.0)
}

impl Update for Swap {
    fn name(&self) -> String {
        format!("swap[{}, {}]", self.r, self.r + 1)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let n = self.base.n_spins();
        let (lo, hi) = (
            &x[self.r * n..(self.r + 1) * n],
            &x[(self.r + 1) * n..(self.r + 2) * n],
        );
        let a = swap_acceptance(
            self.base.beta(),
            self.alphas[self.r],
            self.alphas[self.r + 1],
            self.base.energy(lo),
            self.base.energy(hi),
        );
        let j = law.begin_joint();
        j.sites.extend(self.r * n..(self.r + 2) * n);
        j.outcomes.extend_from_slice(lo);
        j.outcomes.extend_from_slice(hi);
        j.outcomes.extend_from_slice(hi);
        j.outcomes.extend_from_slice(lo);
        j.probs.push(1.0 - a);
        j.probs.push(a);
    }
    fn rel_err_bound(&self) -> f64 {
        // exp of an argument with absolute error ~4u·β·|Δα|·(energy scale), then 1 − a.
        let s = self.base.beta().abs() * self.base.energy_abs_scale();
        4.0 * crate::numeric::U * s + gamma(6)
    }
}

/// The exact PT kernel on the product space: `½(L S + S L)` if `symmetrized`, else the control `L S`.
/// `blocks` are blocks of the base model with no internal edge.
///
/// # Errors
///
/// As [`validate_ladder`].
pub fn exact_pt_kernel(
    base: &Pairwise,
    alphas: &[f64],
    blocks: &[Vec<usize>],
    symmetrized: bool,
) -> Result<(Arc<Pairwise>, Kernel)> {
    let prod = Arc::new(product_model(base, alphas)?);
    let n = base.n_spins();
    let r = alphas.len();
    let as_model: Arc<dyn Model> = prod.clone();
    let local: Vec<Kernel> = blocks
        .iter()
        .map(|b| {
            let pb: Vec<usize> = (0..r)
                .flat_map(|rep| b.iter().map(move |&i| rep * n + i))
                .collect();
            Kernel::update(HeatBathBlock::new(as_model.clone(), pb))
        })
        .collect();
    let l = Kernel::symmetrized("L", local);
    let base_arc = Arc::new(base.clone());
    let swaps: Vec<Kernel> = (0..r - 1)
        .map(|k| {
            Kernel::update(Swap {
                base: base_arc.clone(),
                alphas: alphas.to_vec(),
                r: k,
            })
        })
        .collect();
    let s = Kernel::symmetrized("S", swaps);
    let ls = Kernel::systematic("L S", vec![l.clone(), s.clone()]);
    let kernel = if symmetrized {
        let sl = Kernel::systematic("S L", vec![s, l]);
        Kernel::Mixture {
            name: "pt ½(LS + SL)".into(),
            parts: vec![(0.5, ls), (0.5, sl)],
        }
    } else {
        ls
    };
    Ok((prod, kernel))
}

/// Output of a parallel-tempering run.
#[derive(Clone, Debug)]
pub struct PtResult {
    pub alphas: Vec<f64>,
    /// `energies[r][t]`: energy of the state at rung `r` after recorded step `t`.
    pub energies: Vec<Vec<f64>>,
    /// Per adjacent pair `(r, r+1)`: attempted and accepted swaps.
    pub attempts: Vec<u64>,
    pub accepts: Vec<u64>,
    /// Per pair: mean Metropolis acceptance probability over the attempts (lower variance than counts).
    pub mean_acceptance: Vec<f64>,
    /// Completed cold → hot → cold round trips, per walker.
    pub round_trips: Vec<u64>,
}

impl PtResult {
    pub fn total_round_trips(&self) -> u64 {
        self.round_trips.iter().sum()
    }
    /// Accepted fraction per pair.
    pub fn acceptance_rate(&self) -> Vec<f64> {
        self.accepts
            .iter()
            .zip(&self.attempts)
            .map(|(&a, &t)| {
                if t == 0 {
                    f64::NAN
                } else {
                    a as f64 / t as f64
                }
            })
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Trip {
    None,
    Cold,
    HotAfterCold,
}

/// Runs parallel tempering with `engine` on `alphas` for `burn_in + steps` steps (one step: a fair
/// coin picks `L S` or `S L`), recording rung energies and swap statistics after burn-in. Walker
/// `w` starts at rung `w` from uniform random spins and uses stream `w`; stream `R` drives the coins
/// and swap decisions. Local sweeps run in parallel over walkers: results are identical at any
/// thread count.
///
/// # Errors
///
/// As [`validate_ladder`].
pub fn run_tempering(
    engine: &FastGibbs,
    alphas: &[f64],
    burn_in: usize,
    steps: usize,
    seed: u64,
) -> Result<PtResult> {
    validate_ladder(alphas)?;
    let n = engine.n_spins();
    let r = alphas.len();
    let beta = engine.beta();
    let mut rngs = streams(seed, r + 1);
    let mut ctl: ChainRng = rngs
        .pop()
        .unwrap_or_else(|| super::streams::stream(seed, r));
    let mut states: Vec<Vec<i8>> = rngs
        .iter_mut()
        .map(|g| {
            (0..n)
                .map(|_| if g.next_u64() >> 63 == 1 { 1 } else { -1 })
                .collect()
        })
        .collect();
    // walker_at[k] = walker at rung k; rung_of[w] = rung of walker w.
    let mut walker_at: Vec<usize> = (0..r).collect();
    let mut rung_of: Vec<usize> = (0..r).collect();
    let mut energy: Vec<f64> = states.iter().map(|x| engine.energy(x)).collect();
    let mut out = PtResult {
        alphas: alphas.to_vec(),
        energies: vec![Vec::with_capacity(steps); r],
        attempts: vec![0; r - 1],
        accepts: vec![0; r - 1],
        mean_acceptance: vec![0.0; r - 1],
        round_trips: vec![0; r],
    };
    let mut trip = vec![Trip::None; r];
    trip[walker_at[r - 1]] = Trip::Cold;
    let mut acc_sum = vec![0.0; r - 1];
    for step in 0..burn_in + steps {
        let record = step >= burn_in;
        let ls_first = unit_f64(ctl.next_u64()) < 0.5;
        for phase in 0..2 {
            let local = (phase == 0) == ls_first;
            if local {
                let rung_of_ref = &rung_of;
                states
                    .par_iter_mut()
                    .zip(rngs.par_iter_mut())
                    .zip(energy.par_iter_mut())
                    .enumerate()
                    .for_each(|(w, ((x, g), e))| {
                        engine.sweep(x, g, alphas[rung_of_ref[w]]);
                        *e = engine.energy(x);
                    });
            } else {
                let ascending = unit_f64(ctl.next_u64()) < 0.5;
                for q in 0..r - 1 {
                    let k = if ascending { q } else { r - 2 - q };
                    let (wl, wh) = (walker_at[k], walker_at[k + 1]);
                    let a = swap_acceptance(beta, alphas[k], alphas[k + 1], energy[wl], energy[wh]);
                    let u = unit_f64(ctl.next_u64());
                    if record {
                        out.attempts[k] += 1;
                        acc_sum[k] += a;
                    }
                    if u < a {
                        if record {
                            out.accepts[k] += 1;
                        }
                        walker_at.swap(k, k + 1);
                        rung_of[wl] = k + 1;
                        rung_of[wh] = k;
                    }
                }
                // Round trips: arrivals at the hot (0) and cold (R−1) ends.
                let hot = walker_at[0];
                if trip[hot] == Trip::Cold {
                    trip[hot] = Trip::HotAfterCold;
                }
                let cold = walker_at[r - 1];
                if trip[cold] == Trip::HotAfterCold && record {
                    out.round_trips[cold] += 1;
                }
                if trip[cold] != Trip::Cold {
                    trip[cold] = Trip::Cold;
                }
            }
        }
        if record {
            for k in 0..r {
                out.energies[k].push(energy[walker_at[k]]);
            }
        }
    }
    for ((m, &s), &t) in out
        .mean_acceptance
        .iter_mut()
        .zip(&acc_sum)
        .zip(&out.attempts)
    {
        *m = if t == 0 { f64::NAN } else { s / t as f64 };
    }
    Ok(out)
}
