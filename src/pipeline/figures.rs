//! The figure data of an HTML report ([`crate::report::figures`]), gathered from what a pipeline
//! already holds: the exact estimator around the audited setting (more exact window recursions,
//! within [`CURVE_WORK`]), and per sampled variable its τ(L), ACF and rank histograms.

use crate::diagnostics::Draws;
use crate::diagnostics::doubling::Doubling;
use crate::diagnostics::figures::{acf, rank_counts};
use crate::exact::ExactChain;
use crate::exact::spectrum::Spectrum;
use crate::observables::Observables;
use crate::report::figures::{
    CURVE_WORK, EstimatorCurves, MAX_ACF_LAG, MAX_VARIABLES, MsePoint, RANK_BINS, VariableFigures,
};
use crate::trainability::estimator::{Init, WindowStats, exact_window_stats};

fn point(x: f64, s: &WindowStats) -> MsePoint {
    MsePoint {
        x,
        bias2: s.bias.iter().map(|b| b * b).sum(),
        variance: s.variance.iter().sum(),
        mse: s.total_mse(),
    }
}

/// The exact MSE, squared bias and variance over windows `K/64 … 2K` at burn-in `B` (one recursion),
/// and over burn-ins `0 … max(2B, 10)` at window `K` (one recursion each), within [`CURVE_WORK`].
pub fn estimator_curves(
    chain: &ExactChain,
    spectrum: Option<&Spectrum>,
    obs: &Observables,
    init: &Init,
    burn_in: u64,
    window: u64,
) -> EstimatorCurves {
    let nnz = chain.p.iter().filter(|&&p| p != 0.0).count() as f64;
    let per_step = nnz * (obs.len() + 1) as f64;
    let mut c = EstimatorCurves {
        burn_in,
        window,
        ..EstimatorCurves::default()
    };
    let mut notes: Vec<String> = Vec::new();
    let k_max = if 2.0 * window as f64 * per_step <= CURVE_WORK {
        2 * window
    } else {
        notes.push(
            "the window curve stops at K (a longer recursion exceeds the figure budget)".into(),
        );
        window
    };
    let mut windows: Vec<u64> = (0..=24)
        .map(|j| ((k_max as f64) * 2f64.powf(-(24 - j) as f64 / 4.0)).round() as u64)
        .filter(|&k| k >= 1)
        .collect();
    windows.push(window);
    windows.sort_unstable();
    windows.dedup();
    match exact_window_stats(chain, spectrum, obs, init, burn_in, &windows) {
        Ok(stats) => {
            c.by_window = stats.iter().map(|s| point(s.window as f64, s)).collect();
        }
        Err(e) => notes.push(format!("no window curve: {e}")),
    }
    // Burn-in points: each a recursion over K steps (the burn-in law itself is spectral or sparse).
    let affordable = (CURVE_WORK / (window as f64 * per_step).max(1.0)).floor() as u64;
    let points = affordable.min(12);
    if points < 2 {
        notes.push("no burn-in curve: one window recursion exceeds the figure budget".into());
    } else {
        let b_max = (2 * burn_in).max(10);
        let mut bs: Vec<u64> = (0..points).map(|i| i * b_max / (points - 1)).collect();
        bs.push(burn_in);
        bs.sort_unstable();
        bs.dedup();
        for b in bs {
            match exact_window_stats(chain, spectrum, obs, init, b, &[window]) {
                Ok(s) => c.by_burn_in.push(point(b as f64, &s[0])),
                Err(_) => {
                    notes.push(
                        "the burn-in curve stops where the burn-in law exceeds its work limit"
                            .into(),
                    );
                    break;
                }
            }
        }
    }
    if !notes.is_empty() {
        c.note = Some(notes.join("; "));
    }
    c
}

/// The figures of sampled variables, the slowest (largest final τ) first, at most [`MAX_VARIABLES`].
pub fn variables(list: &[(&str, &Draws, &Doubling, Option<f64>)]) -> Vec<VariableFigures> {
    let final_tau = |d: &Doubling| {
        d.tau_by_length
            .last()
            .and_then(|s| s.tau)
            .unwrap_or(f64::NEG_INFINITY)
    };
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by(|&a, &b| {
        final_tau(list[b].2)
            .total_cmp(&final_tau(list[a].2))
            .then(a.cmp(&b))
    });
    order
        .into_iter()
        .take(MAX_VARIABLES)
        .map(|i| {
            let (name, draws, d, rhat) = list[i];
            let tau = final_tau(d);
            let lag = if tau.is_finite() {
                ((5.0 * tau).ceil() as usize).max(50)
            } else {
                50
            };
            VariableFigures {
                name: name.to_string(),
                tau_by_length: d
                    .tau_by_length
                    .iter()
                    .filter_map(|s| s.tau.map(|t| (s.length as f64, t)))
                    .collect(),
                acf: acf(draws, lag.min(MAX_ACF_LAG)),
                ranks: rank_counts(draws, RANK_BINS),
                rhat,
            }
        })
        .collect()
}
