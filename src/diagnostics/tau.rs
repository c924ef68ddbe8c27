//! Integrated autocorrelation time by Sokal's automatic window, in the **N/ESS convention**
//! `τ = 1 + 2 Σ_{t≥1} ρ(t)` (twice Sokal's `τ_int = ½ + Σ ρ`), exactly as emcee 3's
//! `integrated_time(x, c = 5)` (docs/peers.md §4.8):
//!
//! 1. each chain's normalised autocorrelation `ρ̂_j(t) = γ̂_j(t)/γ̂_j(0)` (biased autocovariance);
//! 2. `ρ̄(t)` = the mean over chains (autocorrelations averaged, not τs);
//! 3. `τ̂(M) = 2 Σ_{t=0}^{M} ρ̄(t) − 1`;
//! 4. window `M*` = the smallest `M` with `M ≥ c·τ̂(M)`, else `n − 1`; `τ = τ̂(M*)`.
//!
//! Error bar (Madras & Sokal 1988, eq. (2.21) of Sokal's 1996 Cargèse notes):
//! `var(τ̂_int) ≈ (2(2M+1)/N)·τ_int²`, so in this convention `sd(τ̂) ≈ τ̂·√(2(2M+1)/N)` with `N = m·n`
//! (the chains' estimates are averaged). It covers the variance only, not the window's truncation bias.
//!
//! Also here: batch means (`b = ⌊√n⌋` draws per batch, batches pooled over chains:
//! `τ_BM = b·var(batch means)/var(x)`) and Geweke's z per chain (first 10 % against last 50 %, each
//! segment's long-run variance `var·τ` from the Sokal window instead of coda's AR spectrum).

use serde::Serialize;

use super::acf::{LazyAcov, autocov_each};
use super::{Draws, Undefined};

/// emcee's default window constant (N/ESS convention; Sokal's c = 10 on τ_int).
pub const SOKAL_C: f64 = 5.0;

/// The automatic-window τ of one variable.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SokalTau {
    /// τ in the N/ESS convention.
    pub tau: f64,
    /// The chosen window `M*`.
    pub window: usize,
    /// Madras–Sokal standard error of `tau`.
    pub tau_se: f64,
    /// Whether a window satisfying `M ≥ c τ̂(M)` existed (otherwise `M* = n − 1`).
    pub window_found: bool,
}

/// Chain-averaged normalised autocorrelation `ρ̄(t)`, `t = 0..n` (all lags, by FFT).
///
/// # Errors
///
/// [`Undefined::NonFinite`] for NaN or infinite draws, [`Undefined::TooFewDraws`] for fewer than
/// two draws or no chain, and [`Undefined::ConstantChain`] when a chain is constant.
pub fn mean_acf(d: &Draws) -> Result<Vec<f64>, Undefined> {
    validate(d)?;
    let acov = autocov_each(&d.data, d.chains, d.draws);
    let mut f = vec![0.0; d.draws];
    for a in &acov {
        if a[0] <= 0.0 || a[0].is_nan() {
            return Err(Undefined::ConstantChain);
        }
        for (ft, at) in f.iter_mut().zip(a) {
            *ft += at / a[0];
        }
    }
    for ft in f.iter_mut() {
        *ft /= d.chains as f64;
    }
    Ok(f)
}

fn validate(d: &Draws) -> Result<(), Undefined> {
    if d.data.iter().any(|v| !v.is_finite()) {
        return Err(Undefined::NonFinite);
    }
    if d.draws < 2 || d.chains == 0 {
        return Err(Undefined::TooFewDraws);
    }
    Ok(())
}

/// Sokal's automatic window on a chain-averaged autocorrelation `f` with constant `c`.
pub fn sokal_window(f: &[f64], c: f64, total: usize) -> SokalTau {
    let mut it = f.iter().copied();
    sokal_window_with(|_| it.next().unwrap_or(f64::NAN), f.len(), c, total)
}

/// The window search with `ρ̄(t)` supplied lag by lag (so only the lags searched are computed).
fn sokal_window_with(
    mut rho: impl FnMut(usize) -> f64,
    n: usize,
    c: f64,
    total: usize,
) -> SokalTau {
    let mut cum = 0.0;
    let mut last = f64::NAN;
    for m in 0..n {
        cum += rho(m);
        let tau = 2.0 * cum - 1.0;
        last = tau;
        if (m as f64) >= c * tau {
            return SokalTau {
                tau,
                window: m,
                tau_se: se(tau, m, total),
                window_found: true,
            };
        }
    }
    let m = n.saturating_sub(1);
    SokalTau {
        tau: last,
        window: m,
        tau_se: se(last, m, total),
        window_found: false,
    }
}

fn se(tau: f64, m: usize, total: usize) -> f64 {
    tau * (2.0 * (2.0 * m as f64 + 1.0) / total as f64).sqrt()
}

/// emcee's τ of one variable (`c` = [`SOKAL_C`] unless given); lags are computed only as far as the
/// window search goes.
///
/// # Errors
///
/// As [`mean_acf`], plus [`Undefined::NotANumber`] when τ̂ is NaN.
///
/// # Examples
///
/// An AR(1) chain `x_t = φ x_{t−1} + ε_t` has `ρ(t) = φ^t`, so `τ = (1 + φ)/(1 − φ)` (3 at φ = ½).
///
/// ```
/// use mcmc_audit::diagnostics::Draws;
/// use mcmc_audit::diagnostics::tau::{SOKAL_C, sokal_tau};
/// use mcmc_audit::kernel::streams;
/// use mcmc_audit::model::generators::std_normal;
///
/// let (phi, chains, n) = (0.5, 4, 20_000);
/// let mut data = Vec::with_capacity(chains * n);
/// for mut rng in streams(3, chains) {
///     let mut x = 0.0;
///     for _ in 0..n {
///         x = phi * x + std_normal(&mut rng);
///         data.push(x);
///     }
/// }
/// let t = sokal_tau(&Draws::new(chains, n, data)?, SOKAL_C).unwrap();
/// assert!(t.window_found);
/// assert!((t.tau - (1.0 + phi) / (1.0 - phi)).abs() < 0.3); // tau_se ≈ 0.09
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn sokal_tau(d: &Draws, c: f64) -> Result<SokalTau, Undefined> {
    sokal_tau_prefix(d, d.draws, c)
}

/// [`sokal_tau`] of the first `len` draws of every chain (`d.prefix(len)`), read in place.
///
/// # Errors
///
/// As [`sokal_tau`] on `d.prefix(len)`.
pub fn sokal_tau_prefix(d: &Draws, len: usize, c: f64) -> Result<SokalTau, Undefined> {
    let n = len.min(d.draws);
    let chains = d.chains;
    if (0..chains).any(|j| d.chain(j)[..n].iter().any(|v| !v.is_finite())) {
        return Err(Undefined::NonFinite);
    }
    if n < 2 || chains == 0 {
        return Err(Undefined::TooFewDraws);
    }
    let mut acov = LazyAcov::prefixes(&d.data, chains, d.draws, n);
    let g0: Vec<f64> = (0..chains).map(|j| acov.chain(j, 0)).collect();
    if g0.iter().any(|&v| v <= 0.0 || v.is_nan()) {
        return Err(Undefined::ConstantChain);
    }
    let m = chains as f64;
    let rho = |t: usize| (0..chains).map(|j| acov.chain(j, t) / g0[j]).sum::<f64>() / m;
    let t = sokal_window_with(rho, n, c, chains * n);
    if t.tau.is_nan() {
        return Err(Undefined::NotANumber);
    }
    Ok(t)
}

/// Batch-means estimate of τ (N/ESS convention) and the MCSE of the mean.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BatchMeans {
    pub batch_size: usize,
    pub batches: usize,
    pub tau: f64,
    pub mcse: f64,
}

/// Batch means with `b = ⌊√n⌋` draws per batch (trailing draws of each chain that do not fill a batch
/// are ignored); needs at least two batches in all.
///
/// # Errors
///
/// [`Undefined::NonFinite`] for NaN or infinite draws, [`Undefined::TooFewDraws`] for fewer than
/// two batches in all, and [`Undefined::Constant`] for constant draws.
pub fn batch_means(d: &Draws) -> Result<BatchMeans, Undefined> {
    if d.data.iter().any(|v| !v.is_finite()) {
        return Err(Undefined::NonFinite);
    }
    let b = (d.draws as f64).sqrt().floor() as usize;
    let per = d.draws.checked_div(b).unwrap_or(0);
    if b == 0 || per * d.chains < 2 {
        return Err(Undefined::TooFewDraws);
    }
    let mut bm = Vec::with_capacity(per * d.chains);
    for j in 0..d.chains {
        let c = d.chain(j);
        for k in 0..per {
            bm.push(c[k * b..(k + 1) * b].iter().sum::<f64>() / b as f64);
        }
    }
    let n_used = (bm.len() * b) as f64;
    let mu = bm.iter().sum::<f64>() / bm.len() as f64;
    let vb = bm.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (bm.len() as f64 - 1.0);
    let xm = d.data.iter().sum::<f64>() / d.data.len() as f64;
    let vx = d.data.iter().map(|v| (v - xm) * (v - xm)).sum::<f64>() / (d.data.len() as f64 - 1.0);
    if vx <= 0.0 {
        return Err(Undefined::Constant);
    }
    Ok(BatchMeans {
        batch_size: b,
        batches: bm.len(),
        tau: b as f64 * vb / vx,
        mcse: (b as f64 * vb / n_used).sqrt(),
    })
}

/// Geweke's z of every chain: first 10 % against last 50 %.
///
/// # Errors
///
/// [`Undefined::TooFewDraws`] below 40 draws per chain, and the errors of [`sokal_tau`] on either
/// segment of a chain (e.g. [`Undefined::ConstantChain`]).
pub fn geweke(d: &Draws) -> Result<Vec<f64>, Undefined> {
    let na = d.draws / 10;
    let nb = d.draws / 2;
    if na < 4 {
        return Err(Undefined::TooFewDraws);
    }
    let mut z = Vec::with_capacity(d.chains);
    for j in 0..d.chains {
        let c = d.chain(j);
        let a = Draws {
            chains: 1,
            draws: na,
            data: c[..na].to_vec(),
        };
        let b = Draws {
            chains: 1,
            draws: nb,
            data: c[d.draws - nb..].to_vec(),
        };
        let (ma, va) = mean_var(&a.data);
        let (mb, vb) = mean_var(&b.data);
        let ta = sokal_tau(&a, SOKAL_C)?.tau.max(0.0);
        let tb = sokal_tau(&b, SOKAL_C)?.tau.max(0.0);
        let s = (va * ta / na as f64 + vb * tb / nb as f64).sqrt();
        z.push((ma - mb) / s);
    }
    Ok(z)
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (
        m,
        x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0),
    )
}
