//! The sampled reversibility test (the statistic `S.reversibility` judges); the transition G-test
//! of trajectories against exact rows is [`super::gtest::trajectory_gtest`].
//!
//! **`S.reversibility`** — a stationary chain is reversible iff `(X_t, X_{t+1})` and `(X_{t+1}, X_t)`
//! have the same law, so for any observables `f, g`:
//! `E[f(X_t) g(X_{t+1})] = E[g(X_t) f(X_{t+1})]`. For every pair of observables `a < b` the series
//! `d_t = f̃_a(t) f̃_b(t+1) − f̃_b(t) f̃_a(t+1)` (`f̃` centred at the overall mean) has mean zero under
//! reversibility. Its mean is tested with batch means: [`BATCHES`] batches per chain, `t` statistic
//! with `m·BATCHES − 1` degrees of freedom, two-sided p-value; the pairs are combined by Bonferroni
//! (`p = min(1, P·min_ab p_ab)`), so the false-alarm rate is at most the tolerance `alpha` whenever the
//! batches are long against τ. The test has power only against non-reversibility that the chosen
//! observables' lag-one cross moments show (e.g. systematic-scan Gibbs on frustrated models).
//!
//! **`S.kernel-gtest`** — observed transition counts `O_xy` of a state trajectory against the exact
//! kernel rows `n_x P_xy` (R markovchain `verifyEmpiricalToTheoretical`, docs/peers.md §4.12), by the same
//! per-row G statistic as `K.step-consistency` (`checks::step::row_g`, pooling cells with expected
//! count < 5). Conditionally on the visited states the rows are independent multinomials (Anderson &
//! Goodman 1957), so `G ~ χ²(Σ (cells − 1))`. Any observed transition of exact probability zero fails.

use rayon::prelude::*;
use statrs::distribution::ContinuousCDF;
use statrs::distribution::StudentsT;

use super::Draws;

/// Batches per chain in the reversibility test.
pub const BATCHES: usize = 20;
/// Most observables tested (the cost grows as the number of pairs times the draws).
pub const MAX_OBSERVABLES: usize = 64;

/// The asymmetry of one pair of observables.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PairAsymmetry {
    pub a: usize,
    pub b: usize,
    /// Mean of `d_t`.
    pub asymmetry: f64,
    /// Batch-means standard error.
    pub se: f64,
    pub t: f64,
    pub p_value: f64,
}

/// Result of the sampled reversibility test.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Reversibility {
    pub pairs: Vec<PairAsymmetry>,
    /// Bonferroni-combined p-value.
    pub p_value: f64,
    pub batches: usize,
    pub batch_size: usize,
}

/// The mean of `x`, summed at a power-of-two scale so that large finite values do not overflow.
fn mean_of(x: &[f64]) -> f64 {
    let top = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if top == 0.0 || !top.is_finite() {
        return if top == 0.0 { 0.0 } else { f64::NAN };
    }
    let e = (top.log2().floor() as i32).clamp(-1000, 1000);
    let inv = 2f64.powi(-e);
    x.iter().map(|v| v * inv).sum::<f64>() / x.len() as f64 * 2f64.powi(e)
}

/// Runs the test over `vars` (observables with identical shapes). `None` when there are fewer than
/// two observables or too few draws for [`BATCHES`] batches of at least two lags per chain.
pub fn reversibility_test(vars: &[&Draws]) -> Option<Reversibility> {
    let k = vars.len();
    if !(2..=MAX_OBSERVABLES).contains(&k) {
        return None;
    }
    let (m, n) = (vars[0].chains, vars[0].draws);
    if vars.iter().any(|v| v.chains != m || v.draws != n) {
        return None;
    }
    let bs = (n.saturating_sub(1)) / BATCHES;
    if bs < 2 || m == 0 {
        return None;
    }
    if vars.iter().any(|v| v.data.iter().any(|x| !x.is_finite())) {
        return None;
    }
    // Each centred series is divided by a power of two near its largest magnitude: exact (no
    // rounding), so t and p are bit-identical to the unscaled computation wherever that one does not
    // overflow, and products of series of any magnitude (1e160² overflows) stay finite. The scaled
    // series `(x − μ)·2^−e` is recomputed where it is used (the same two roundings each time) rather
    // than stored: no copy of the observables.
    let mut exponents = Vec::with_capacity(k);
    let mut shifts: Vec<(f64, f64)> = Vec::with_capacity(k);
    for v in vars {
        let mu = mean_of(&v.data);
        let top = v.data.iter().fold(0.0f64, |m, x| m.max((x - mu).abs()));
        if !mu.is_finite() || !top.is_finite() {
            return None;
        }
        let e = if top > 0.0 {
            top.log2().floor() as i32
        } else {
            0
        };
        let e = e.clamp(-1000, 1000);
        exponents.push(2f64.powi(e));
        shifts.push((mu, 2f64.powi(-e)));
    }
    let nb = m * BATCHES;
    let df = (nb - 1) as f64;
    let tdist = StudentsT::new(0.0, 1.0, df).ok()?;
    let pair_list: Vec<(usize, usize)> = (0..k)
        .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
        .collect();
    // Pairs are independent: computed in parallel, collected in order (the same bits at any thread
    // count).
    let pairs: Vec<PairAsymmetry> = pair_list
        .par_iter()
        .map(|&(a, b)| {
            let (xa, xb) = (&vars[a].data, &vars[b].data);
            let ((ma, ia), (mb, ib)) = (shifts[a], shifts[b]);
            let fa = |t: usize| (xa[t] - ma) * ia;
            let fb = |t: usize| (xb[t] - mb) * ib;
            let mut bm = Vec::with_capacity(nb);
            for j in 0..m {
                let o = j * n;
                for q in 0..BATCHES {
                    let mut s = 0.0;
                    let t0 = o + q * bs;
                    let (mut a0, mut b0) = (fa(t0), fb(t0));
                    for t in t0..t0 + bs {
                        let (a1, b1) = (fa(t + 1), fb(t + 1));
                        s += a0 * b1 - b0 * a1;
                        (a0, b0) = (a1, b1);
                    }
                    bm.push(s / bs as f64);
                }
            }
            let mean = bm.iter().sum::<f64>() / nb as f64;
            let var = bm.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / df;
            let se = (var / nb as f64).sqrt();
            let (t, p) = if se > 0.0 {
                let t = mean / se;
                (t, 2.0 * tdist.sf(t.abs()))
            } else if mean == 0.0 {
                (0.0, 1.0)
            } else {
                (f64::INFINITY, 0.0)
            };
            // Back to the data's units (each factor separately, so 0 stays 0).
            let unscale = |x: f64| x * exponents[a] * exponents[b];
            PairAsymmetry {
                a,
                b,
                asymmetry: unscale(mean),
                se: unscale(se),
                t,
                p_value: p,
            }
        })
        .collect();
    let pmin = pairs.iter().map(|p| p.p_value).fold(1.0, f64::min);
    Some(Reversibility {
        p_value: (pmin * pairs.len() as f64).min(1.0),
        pairs,
        batches: nb,
        batch_size: bs,
    })
}
