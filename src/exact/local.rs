//! Exact local identities without the partition function, for models far too large to enumerate:
//! the residuals that `L.detailed-balance` and `L.conditional` judge ([`crate::checks::local`]).
//!
//! For an update with law `P(x → ·)` on the sites `B` it may change and a pair `x → y` differing only
//! on `B`, detailed balance with respect to `π ∝ exp(−βE)` reads, in log space,
//!
//! `log P(x→y) − log P(y→x) = −β (E(y) − E(x))`,
//!
//! and a heat-bath update must state the Boltzmann conditional
//! `log P(x→y) = log π(y_B | x_{−B}) = −β E(y) − log Σ_{z_B} exp(−β E(z_B, x_{−B}))`.
//! Neither needs `Z`. `E(y) − E(x)` comes from the model (not from the update under test): the
//! changed sites are flipped one at a time and each flip contributes `−(y_i − x_i) h_i` with the
//! model's own local field (exact telescoping: `E = −x_i h_i(x) + terms free of x_i` by the
//! [`Model`] contract); every [`SPOT_EVERY`]-th pair is also compared with two full energy
//! evaluations, so a model whose local fields disagree with its energy is caught. When no edge of
//! the model joins two sites of `B`, the conditional's normaliser factorises:
//! `log π(y_B | x_{−B}) = −Σ_{i∈B} softplus(−2β y_i h_i(x))`; blocks with internal edges are
//! enumerated up to [`MAX_ENUM_BLOCK`] sites.
//!
//! The conditional is checked for laws stated as independent site probabilities (heat-bath laws);
//! joint laws (swaps, Metropolis-type rules) are checked for detailed balance only.
//!
//! Pairs are drawn in fixed batches: batch `b` starts from uniform random spins on stream `b` of
//! [`crate::kernel::streams`](mod@crate::kernel::streams), and each pair continues from the previous pair's `y` (a random walk
//! along the update under test). `y` is drawn from the law at `x`; if it equals `x`, one site of `B`
//! is flipped so every pair tests a genuine move. Results are identical at any thread count.
//!
//! Rounding: a law that states both `p_up` and `p_down` (every heat bath of this crate does) is checked
//! at full relative accuracy. A law given as `p_up` alone states `P(−1) = 1 − p_up`, whose relative accuracy is only
//! `≈ u / (1 − p_up)`; each pair's first-order bound `Σ_i u (2 + |log p_i|) + u/q_i` (q_i the stated
//! probability of the move taken) is reported, and a residual above the tolerance but within that
//! bound is `inconclusive` (the law's representation, not the kernel, limits the check).

use std::sync::Arc;

use rand::Rng;
use rayon::prelude::*;

use crate::error::{Error, KernelError, Result};
use crate::kernel::{ChainRng, Law, Update, streams};
use crate::model::Model;
use crate::numeric::tolerance::Tolerance;
use crate::numeric::{NeumaierSum, U, log_sum_exp, unit_f64};

/// Pairs per batch (each batch has its own stream and starting state).
pub const BATCH: usize = 4096;
/// Every this many pairs, the telescoped energy difference is compared with full energies.
pub const SPOT_EVERY: usize = 997;
/// Largest block with internal edges whose conditional is enumerated.
pub const MAX_ENUM_BLOCK: usize = 16;

/// Result of the local residual scan.
#[derive(Clone, Debug, Default)]
pub struct LocalResiduals {
    pub pairs: usize,
    /// `max |log P(x→y) − log P(y→x) + β ΔE|`.
    pub max_db: f64,
    /// The update (index into the list) and pair number of the worst detailed-balance residual.
    pub worst_db: (usize, usize),
    /// Largest first-order rounding bound among the pairs whose residual exceeded the tolerance (0 if none).
    pub db_bound_at_excess: f64,
    /// `max |log P(x→y) − log π(y_B | x_{−B})|` over pairs with independent site laws.
    pub max_cond: f64,
    pub worst_cond: (usize, usize),
    pub cond_bound_at_excess: f64,
    /// Pairs whose conditional was checked.
    pub cond_pairs: usize,
    /// Largest relative disagreement of the telescoped ΔE with full energy differences.
    pub max_energy_spot: f64,
    pub energy_spots: usize,
}

/// Softplus `log(1 + e^z)` without overflow or cancellation.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// `E(y) − E(x)` by flipping the changed sites of `x` one at a time (restores `x`).
fn telescoped_de(model: &dyn Model, x: &mut [i8], y: &[i8], sites: &[usize]) -> f64 {
    let mut de = NeumaierSum::new();
    let mut changed = Vec::new();
    for &i in sites {
        if x[i] != y[i] {
            de.add(-f64::from(y[i] - x[i]) * model.local_field(x, i));
            changed.push((i, x[i]));
            x[i] = y[i];
        }
    }
    for (i, v) in changed.into_iter().rev() {
        x[i] = v;
    }
    de.value()
}

/// `log P(x→y)` under `law` (stated at `x`), with its first-order rounding bound.
fn log_prob(law: &Law, y: &[i8]) -> (f64, f64) {
    match law {
        Law::Independent(l) => {
            let mut s = NeumaierSum::new();
            let mut bound = 0.0;
            for (k, (&i, &p)) in l.sites.iter().zip(&l.p_up).enumerate() {
                let (lp, extra) = match (y[i] > 0, l.p_down[k]) {
                    (true, _) => (p.ln(), 0.0),
                    // The law states P(−1) itself: as accurate as p_up.
                    (false, Some(q)) => (q.ln(), 0.0),
                    // Only p_up is stated: 1 − p inherits u/q relative error.
                    (false, None) => ((-p).ln_1p(), U / (1.0 - p).max(f64::MIN_POSITIVE)),
                };
                s.add(lp);
                // Each stated probability carries ~2u relative error from its own evaluation.
                bound += U * (2.0 + lp.abs()) + extra;
            }
            (s.value(), bound)
        }
        Law::Joint(j) => {
            let mut tot = NeumaierSum::new();
            for (row, p) in j.rows() {
                if j.sites.iter().zip(row).all(|(&i, &v)| y[i] == v) {
                    tot.add(p);
                }
            }
            (tot.value().ln(), U * (4.0 + j.sites.len() as f64))
        }
    }
}

/// Whether no model edge joins two of `sites`.
fn independent_in_model(model: &dyn Model, sites: &[usize]) -> bool {
    crate::model::graph::is_independent(model, sites)
}

/// `log π(y_B | x_{−B})` from the model, and a rounding bound.
fn log_conditional(
    model: &dyn Model,
    x: &mut [i8],
    y: &[i8],
    sites: &[usize],
) -> Result<(f64, f64)> {
    let beta = model.beta();
    if sites.len() <= 1 || independent_in_model(model, sites) {
        let mut s = NeumaierSum::new();
        let mut bound = 0.0;
        for &i in sites {
            let h = model.local_field(x, i);
            let z = -2.0 * beta * f64::from(y[i]) * h;
            s.add(-softplus(z));
            bound += U * (4.0 + 2.0 * z.abs());
        }
        return Ok((s.value(), bound));
    }
    if sites.len() > MAX_ENUM_BLOCK {
        return Err(KernelError::ConditionalTooLarge {
            size: sites.len(),
            limit: MAX_ENUM_BLOCK,
        }
        .into());
    }
    let k = sites.len();
    let mut z = vec![0i8; x.len()];
    z.copy_from_slice(x);
    let mut logw = Vec::with_capacity(1 << k);
    let mut target = f64::NAN;
    for a in 0..(1usize << k) {
        for (b, &i) in sites.iter().enumerate() {
            z[i] = if (a >> b) & 1 == 1 { 1 } else { -1 };
        }
        let lw = -beta * telescoped_de(model, x, &z, sites);
        if sites.iter().all(|&i| z[i] == y[i]) {
            target = lw;
        }
        logw.push(lw);
    }
    let lz = log_sum_exp(&logw);
    let scale = logw.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Ok((target - lz, U * (8.0 + k as f64) * (1.0 + scale)))
}

#[derive(Default)]
struct BatchOut {
    r: LocalResiduals,
    err: Option<Error>,
}

/// The tolerances whose excess makes the scan record the rounding bound of the offending pair.
#[derive(Clone, Copy, Debug)]
pub struct LocalThresholds {
    pub detailed_balance: Tolerance,
    pub conditional: Tolerance,
}

/// Scans `pairs` random (state, update) pairs of `updates` on `model` (see the module docs).
///
/// # Errors
///
/// [`Error::Kernel`] with [`KernelError::NoUpdates`] when `updates` is empty,
/// [`KernelError::UnstableSites`] when an update's law names different sites at `x` and `y`, and
/// [`KernelError::ConditionalTooLarge`] for an independent-site law on a block with internal edges
/// of more than [`MAX_ENUM_BLOCK`] sites.
pub fn local_residuals(
    model: &dyn Model,
    updates: &[Arc<dyn Update>],
    pairs: usize,
    seed: u64,
    thresholds: LocalThresholds,
) -> Result<LocalResiduals> {
    if updates.is_empty() {
        return Err(KernelError::NoUpdates.into());
    }
    let n = model.n_spins();
    let beta = model.beta();
    let n_batches = pairs.div_ceil(BATCH);
    let rngs = streams(seed, n_batches);
    let outs: Vec<BatchOut> = rngs
        .into_par_iter()
        .enumerate()
        .map(|(b, mut rng): (usize, ChainRng)| {
            let mut out = BatchOut::default();
            let mut x: Vec<i8> = (0..n)
                .map(|_| if rng.next_u64() >> 63 == 1 { 1 } else { -1 })
                .collect();
            let mut y = x.clone();
            let (mut lx, mut ly) = (Law::default(), Law::default());
            let lo = b * BATCH;
            let hi = (lo + BATCH).min(pairs);
            for pair in lo..hi {
                let k = (unit_f64(rng.next_u64()) * updates.len() as f64) as usize;
                let k = k.min(updates.len() - 1);
                let upd = &updates[k];
                lx.clear();
                upd.law(&x, &mut lx);
                if lx.sites().is_empty() {
                    // An update that changes no site (the lazy half of a kernel) is balanced.
                    continue;
                }
                y.copy_from_slice(&x);
                lx.draw(&mut y, &mut rng);
                if y == x {
                    let sites = lx.sites();
                    let s = (unit_f64(rng.next_u64()) * sites.len() as f64) as usize;
                    let i = sites[s.min(sites.len() - 1)];
                    y[i] = -y[i];
                }
                ly.clear();
                upd.law(&y, &mut ly);
                if ly.sites() != lx.sites() {
                    out.err = Some(KernelError::UnstableSites(upd.name()).into());
                    break;
                }
                let (lpxy, bxy) = log_prob(&lx, &y);
                let (lpyx, byx) = log_prob(&ly, &x);
                let de = telescoped_de(model, &mut x, &y, lx.sites());
                let db_bound = bxy + byx + U * (4.0 + beta.abs() * de.abs());
                // A move neither law can make (a forced flip outside a joint law's outcomes) is
                // balanced trivially: 0 = 0.
                let both_zero = lpxy == f64::NEG_INFINITY && lpyx == f64::NEG_INFINITY;
                let db = if both_zero {
                    0.0
                } else {
                    (lpxy - lpyx + beta * de).abs()
                };
                let db = if db.is_nan() { f64::INFINITY } else { db };
                let r = &mut out.r;
                r.pairs += 1;
                if db > r.max_db {
                    r.max_db = db;
                    r.worst_db = (k, pair);
                }
                if !thresholds.detailed_balance.accepts(db, n) {
                    r.db_bound_at_excess = r.db_bound_at_excess.max(db_bound);
                }
                if lx.is_independent() {
                    match log_conditional(model, &mut x, &y, lx.sites()) {
                        Ok((lc, cb)) => {
                            let c = (lpxy - lc).abs();
                            let c = if c.is_nan() { f64::INFINITY } else { c };
                            r.cond_pairs += 1;
                            if c > r.max_cond {
                                r.max_cond = c;
                                r.worst_cond = (k, pair);
                            }
                            if !thresholds.conditional.accepts(c, n) {
                                r.cond_bound_at_excess = r.cond_bound_at_excess.max(cb + bxy);
                            }
                        }
                        Err(e) => {
                            out.err = Some(e);
                            break;
                        }
                    }
                }
                if pair % SPOT_EVERY == 0 {
                    let full = model.energy(&y) - model.energy(&x);
                    let scale = model.energy_abs_scale().max(f64::MIN_POSITIVE);
                    r.max_energy_spot = r.max_energy_spot.max((full - de).abs() / scale);
                    r.energy_spots += 1;
                }
                std::mem::swap(&mut x, &mut y);
            }
            out
        })
        .collect();
    let mut r = LocalResiduals::default();
    for o in outs {
        if let Some(e) = o.err {
            return Err(e);
        }
        let b = o.r;
        r.pairs += b.pairs;
        r.cond_pairs += b.cond_pairs;
        r.energy_spots += b.energy_spots;
        if b.max_db > r.max_db {
            r.max_db = b.max_db;
            r.worst_db = b.worst_db;
        }
        if b.max_cond > r.max_cond {
            r.max_cond = b.max_cond;
            r.worst_cond = b.worst_cond;
        }
        r.db_bound_at_excess = r.db_bound_at_excess.max(b.db_bound_at_excess);
        r.cond_bound_at_excess = r.cond_bound_at_excess.max(b.cond_bound_at_excess);
        r.max_energy_spot = r.max_energy_spot.max(b.max_energy_spot);
    }
    Ok(r)
}
