//! Data for the figures of an HTML report (issue 15 item 3), computed from the draws only when such a
//! report is asked for: the chain-averaged autocorrelation function and ArviZ-style rank histograms
//! (Vehtari et al. 2021, *Bayesian Analysis* 16(2), §4.3: ranks of the pooled draws, one histogram
//! per chain; chains that mix give flat histograms, chains in different modes give ramps).

use super::Draws;
use super::acf::autocov_each;
use super::rank::argsort;

/// `ρ(t)` for `t = 0 … max_lag` (capped at the draws): the chains' biased autocovariances averaged,
/// then normalised by the average at lag 0 (emcee's `integrated_time` convention). Empty when the
/// draws are constant or not finite.
pub fn acf(d: &Draws, max_lag: usize) -> Vec<f64> {
    if d.draws == 0 || d.data.iter().any(|x| !x.is_finite()) {
        return Vec::new();
    }
    let each = autocov_each(&d.data, d.chains, d.draws);
    let lags = max_lag.min(d.draws - 1) + 1;
    let mean: Vec<f64> = (0..lags)
        .map(|t| each.iter().map(|c| c[t]).sum::<f64>() / d.chains as f64)
        .collect();
    if mean[0].is_nan() || mean[0] <= 0.0 {
        return Vec::new();
    }
    mean.iter().map(|c| c / mean[0]).collect()
}

/// Rank histograms: the pooled draws ranked, tied values sharing their average rank (as ArviZ's
/// `rankdata(method="average")`: breaking ties by position would rank a discrete variable by chain
/// order and draw mixing chains as stuck ones), and per chain the count of its ranks in each of `bins`
/// equal bins of `[0, total)`. Empty when a draw is not finite.
pub fn rank_counts(d: &Draws, bins: usize) -> Vec<Vec<u64>> {
    let total = d.data.len();
    if total == 0 || bins == 0 || d.data.iter().any(|x| !x.is_finite()) {
        return Vec::new();
    }
    let mut counts = vec![vec![0u64; bins]; d.chains];
    let order = argsort(&d.data);
    let mut start = 0;
    while start < total {
        let v = d.data[order[start]];
        let mut end = start + 1;
        while end < total && d.data[order[end]] == v {
            end += 1;
        }
        // The average 0-based rank of the tied group, binned.
        let mid = (start + end - 1) as f64 / 2.0;
        let bin = ((mid * bins as f64 / total as f64) as usize).min(bins - 1);
        for &i in &order[start..end] {
            counts[i / d.draws][bin] += 1;
        }
        start = end;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_ramp_and_a_flat_rank_histogram() {
        // Two chains in different "modes": all of chain 0 below all of chain 1.
        let d = Draws::new(2, 4, vec![0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0]).unwrap();
        assert_eq!(rank_counts(&d, 2), vec![vec![4, 0], vec![0, 4]]);
        // Interleaved chains: flat.
        let d = Draws::new(2, 4, vec![0.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0]).unwrap();
        assert_eq!(rank_counts(&d, 2), vec![vec![2, 2], vec![2, 2]]);
        // A discrete variable: ties share their average rank, whatever chain they are in.
        let d2 = Draws::new(2, 4, vec![0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0]).unwrap();
        assert_eq!(rank_counts(&d2, 2), vec![vec![2, 2], vec![2, 2]]);
        let r = acf(&d, 3);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], 1.0);
        assert!(r.iter().all(|x| x.abs() <= 1.0));
    }
}
