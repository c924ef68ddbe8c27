//! Chains with known exact τ, for calibrating the τ/ESS estimators (the harness no peer ships).
//!
//! - AR(1) `x_{t+1} = φ x_t + √(1−φ²) ε_t`, started in its stationary law: `ρ(t) = φ^t`, so
//!   `τ = 1 + 2 Σ_{t≥1} φ^t = (1+φ)/(1−φ)` (N/ESS convention).
//! - Small exact Gibbs chains: a kernel's trajectory from [`simulate`] and the exact τ of an observable
//!   from the spectrum of the reversible operator, `τ = Σ_{j≥1} (c_j²/Var) (1+σ_j)/(1−σ_j)` with
//!   `c_j = u_jᵀ D^{1/2} f̃` (docs/peers.md §4.11). This helper is private to calibration; the full version
//!   (non-reversible chains included) belongs to the spectral engine.
//!
//! Replicates are deterministic: replicate `r` is generated from the seed drawn first from stream `r`
//! of the calibration seed ([`crate::kernel::streams`](mod@crate::kernel::streams)), simulated chains use the Monte Carlo
//! runner's streams ([`crate::kernel::monte_carlo`]), and replicates are reduced in index order, so
//! results do not depend on the thread count.
//!
//! **Measured calibration** (`cargo test --release --test sampled_calibration -- --ignored --nocapture`,
//! re-measured 2026-12-02 on the jump-stream replicate seeds; 400
//! replicates per row, seeds fixed; bias and RMSE relative to the exact τ (N/ESS convention); `cover` =
//! fraction of replicates with `|τ̂ − τ| ≤ se`, the Madras–Sokal ±1σ bar, nominal 0.683; Geyer = `S/ESS`
//! on the unsplit chains (posterior convention); BM = batch means with `⌊√n⌋`-draw batches):
//!
//! | chain | τ | Sokal bias | Sokal RMSE | cover | Geyer bias | Geyer RMSE | BM bias | BM RMSE |
//! |---|---|---|---|---|---|---|---|---|
//! | AR(1) φ = 0.5, n = 10⁴ | 3 | +0.003 | 0.067 | 0.76 | +0.013 | 0.056 | −0.015 | 0.141 |
//! | AR(1) φ = 0.9, n = 10⁴ | 19 | −0.007 | 0.177 | 0.74 | +0.014 | 0.121 | −0.097 | 0.151 |
//! | AR(1) φ = 0.9, n = 10⁵ | 19 | −0.005 | 0.049 | 0.76 | +0.003 | 0.039 | −0.035 | 0.075 |
//! | AR(1) φ = 0.99, n = 10⁵ | 199 | −0.014 | 0.168 | 0.73 | +0.006 | 0.116 | −0.305 | 0.306 |
//! | AR(1) φ = 0.99, n = 10⁵, 4 chains | 199 | −0.019 | 0.090 | 0.69 | +0.008 | 0.070 | −0.302 | 0.303 |
//! | AR(1) φ = −0.5, n = 10⁴ | 1/3 | **−0.996** | 0.997 | **0.00** | +0.020 | 0.069 | +0.015 | 0.150 |
//! | Curie–Weiss n = 5, β = 0.6, random-scan Gibbs, M, n = 5·10³ | 17.31 | −0.011 | 0.219 | 0.77 | +0.014 | 0.146 | −0.129 | 0.173 |
//! | same, n = 2·10⁴ | 17.31 | −0.004 | 0.122 | 0.72 | +0.011 | 0.088 | −0.061 | 0.126 |
//! | same, n = 10⁵ | 17.31 | +0.001 | 0.057 | 0.70 | +0.007 | 0.046 | −0.024 | 0.080 |
//!
//! Readings: on positively correlated chains the Sokal window is nearly unbiased and its error bar
//! slightly conservative (coverage 0.69–0.77 against 0.683); Geyer's τ has the smaller RMSE; batch means
//! with `⌊√n⌋` batches is biased low whenever the batch is not ≫ τ (−30 % at τ = 199, b = 316). On
//! **antithetic** chains the emcee/Sokal window fails outright: `τ̂(1) = 1 + 2ρ̂(1) ≈ 0` meets `M ≥ c τ̂(M)`
//! at `M = 1`, so τ̂ ≈ 0 (true 1/3); Geyer's pair sums handle it. The quick tests pin the coverage band
//! (`tolerance::test::SOKAL_COVERAGE_BAND`) on AR(1) φ = 0.9 and on the Curie–Weiss chain.

use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::Convention;
use super::Draws;
use super::ess::geyer;
use super::tau::{SOKAL_C, batch_means, sokal_tau};
use crate::error::Result;
use crate::exact::ExactChain;
use crate::exact::spectrum::Spectrum;
use crate::kernel::monte_carlo::{McPlan, run_chains};
use crate::kernel::{Kernel, stream};
use crate::model::encode;
use crate::model::generators::std_normal;
use crate::observables::Observables;
use crate::trainability::projection::{Projected, TauConvention};

/// Exact τ (N/ESS convention) of an AR(1) with coefficient `phi`.
pub fn ar1_tau(phi: f64) -> f64 {
    (1.0 + phi) / (1.0 - phi)
}

/// The seed of replicate `r`: the first draw of stream `r` of `seed`.
pub fn replicate_seed(seed: u64, r: u64) -> u64 {
    stream(seed, r as usize).next_u64()
}

/// `chains` AR(1) chains of `n` draws with unit stationary variance, started stationary.
pub fn ar1(phi: f64, chains: usize, n: usize, seed: u64) -> Draws {
    let mut rng = stream(seed, 0);
    let s = (1.0 - phi * phi).sqrt();
    let mut data = Vec::with_capacity(chains * n);
    for _ in 0..chains {
        let mut x = std_normal(&mut rng);
        for _ in 0..n {
            data.push(x);
            x = phi * x + s * std_normal(&mut rng);
        }
    }
    Draws {
        chains,
        draws: n,
        data,
    }
}

/// Runs `chains` chains of `kernel` (the Monte Carlo runner: uniform random start, `burn_in`
/// discarded steps) and records the state index after every one of `draws` steps.
pub fn simulate(
    kernel: &Kernel,
    n_spins: usize,
    chains: usize,
    draws: usize,
    burn_in: usize,
    seed: u64,
) -> Vec<Vec<usize>> {
    let plan = McPlan {
        chains,
        burn_in: burn_in as u64,
        draws: draws as u64,
        seed,
    };
    run_chains(
        kernel,
        n_spins,
        plan,
        || Vec::with_capacity(draws),
        |out: &mut Vec<usize>, x| out.push(encode(x)),
    )
}

/// Observable values along state trajectories, as [`Draws`].
pub fn observe(states: &[Vec<usize>], f: &[f64]) -> Draws {
    let n = states.first().map(|s| s.len()).unwrap_or(0);
    let data = states
        .iter()
        .flat_map(|s| s.iter().map(|&i| f[i]))
        .collect();
    Draws {
        chains: states.len(),
        draws: n,
        data,
    }
}

/// Exact τ (N/ESS convention) of observable `f` (one value per state) for a reversible chain, by
/// the spectral engine.
///
/// # Errors
///
/// [`Error::Numerical`](crate::Error::Numerical) when the eigensolver does not converge.
pub fn exact_tau_reversible(chain: &ExactChain, f: &[f64]) -> Result<f64> {
    let spec = Spectrum::new(chain, None)?;
    let obs = Observables::from_columns(vec!["f".into()], vec![f.to_vec()])?;
    let proj = Projected::new(&spec, &chain.pi, &obs);
    Ok(proj.tau(&spec, TauConvention::NOverEss)[0].unwrap_or(f64::NAN))
}

/// Bias, RMSE (relative to the truth) and the Madras–Sokal coverage of one estimator.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct EstimatorCalibration {
    pub rel_bias: f64,
    pub rel_rmse: f64,
    /// Fraction of replicates whose ±1σ bar covers the truth (Sokal only; NaN for the others).
    pub coverage: f64,
    /// Replicates where the estimator was undefined.
    pub undefined: usize,
}

/// Calibration of the Sokal window τ, Geyer's τ (`S/ESS` on the unsplit chains) and batch means.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Calibration {
    pub truth: f64,
    pub replicates: usize,
    pub sokal: EstimatorCalibration,
    pub geyer: EstimatorCalibration,
    pub batch_means: EstimatorCalibration,
}

/// Runs `reps` replicates of `gen(seed)` against the exact `truth`.
pub fn calibrate(
    truth: f64,
    reps: usize,
    seed: u64,
    generate: impl Fn(u64) -> Draws + Sync,
) -> Calibration {
    let rows: Vec<[Option<f64>; 4]> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let d = generate(replicate_seed(seed, r as u64));
            let s = sokal_tau(&d, SOKAL_C).ok();
            let g = geyer(&d.data, d.chains, d.draws, Convention::Posterior)
                .ok()
                .map(|g| g.tau);
            let b = batch_means(&d).ok().map(|b| b.tau);
            [s.map(|s| s.tau), s.map(|s| s.tau_se), g, b]
        })
        .collect();
    let stat = |k: usize, cover: bool| {
        let (mut n, mut bias, mut sq, mut cov, mut undef) = (0usize, 0.0, 0.0, 0usize, 0usize);
        for r in &rows {
            match r[k] {
                Some(v) => {
                    n += 1;
                    let e = (v - truth) / truth;
                    bias += e;
                    sq += e * e;
                    if cover
                        && let Some(se) = r[1]
                        && (v - truth).abs() <= se
                    {
                        cov += 1;
                    }
                }
                None => undef += 1,
            }
        }
        EstimatorCalibration {
            rel_bias: bias / n as f64,
            rel_rmse: (sq / n as f64).sqrt(),
            coverage: if cover {
                cov as f64 / n as f64
            } else {
                f64::NAN
            },
            undefined: undef,
        }
    };
    Calibration {
        truth,
        replicates: reps,
        sokal: stat(0, true),
        geyer: stat(2, false),
        batch_means: stat(3, false),
    }
}
