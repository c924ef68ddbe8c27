//! Residuals of the exact operator, each evaluated so the check adds (almost) no rounding of its own:
//! row sums with Neumaier compensation, `πP` and `π_x P_xy − π_y P_yx` in double-double.
//!
//! Rounding bound for detailed balance (derived, first order): if every `π_x` carries relative error
//! ≤ `e_π` and every `P_xy` relative error ≤ `e_P` (the builders' bounds, see `ExactChain`), then an
//! exactly reversible kernel shows `|π_x P_xy − π_y P_yx| ≤ (2 e_π + 2 e_P + 2u) · max(π_x P_xy, π_y P_yx)`.

use rayon::prelude::*;
use serde::Serialize;

use super::ExactChain;
use crate::numeric::tolerance::Tolerance;
use crate::numeric::{DdAcc, NeumaierSum, dd_diff_of_products, nan_max};

/// Row-sum residual and smallest entry.
#[derive(Clone, Debug, Serialize)]
pub struct Stochasticity {
    pub max_row_sum_residual: f64,
    pub worst_row: usize,
    pub min_entry: f64,
}

/// Row sums and the smallest entry of P.
pub fn stochasticity(chain: &ExactChain) -> Stochasticity {
    let n = chain.n_states;
    let mut out = Stochasticity {
        max_row_sum_residual: 0.0,
        worst_row: 0,
        min_entry: f64::INFINITY,
    };
    for x in 0..n {
        let mut s = NeumaierSum::new();
        for &v in chain.row(x) {
            s.add(v);
            out.min_entry = out.min_entry.min(v);
        }
        let r = (s.value() - 1.0).abs();
        if r > out.max_row_sum_residual || r.is_nan() {
            out.max_row_sum_residual = r;
            out.worst_row = x;
        }
    }
    out
}

/// `‖πP − π‖₁`, each `(πP)_y` accumulated in double-double.
pub fn invariance_l1(chain: &ExactChain) -> f64 {
    let n = chain.n_states;
    const CHUNK: usize = 256;
    let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = (lo + CHUNK).min(n);
            let mut acc = vec![DdAcc::default(); hi - lo];
            for x in 0..n {
                let px = chain.pi[x];
                let row = &chain.row(x)[lo..hi];
                for (a, &v) in acc.iter_mut().zip(row) {
                    if v != 0.0 {
                        a.add_prod(px, v);
                    }
                }
            }
            let mut s = NeumaierSum::new();
            for (k, a) in acc.iter_mut().enumerate() {
                a.sub(chain.pi[lo + k]);
                s.add(a.value().abs());
            }
            s.value()
        })
        .collect();
    crate::numeric::sum(&parts)
}

/// Detailed-balance residuals.
#[derive(Clone, Debug, Serialize)]
pub struct DetailedBalance {
    /// `max |π_x P_xy − π_y P_yx|`.
    pub max_abs: f64,
    /// `max |π_x P_xy − π_y P_yx| / max(π_x P_xy, π_y P_yx)`.
    pub max_rel: f64,
    /// The pair attaining `max_abs`.
    pub worst_pair: (usize, usize),
    /// `max` over pairs of the derived rounding bound.
    pub bound: f64,
    /// Pairs whose residual exceeds their own rounding bound.
    pub pairs_above_bound: usize,
}

/// Every pair's detailed-balance residual in double-double, with its derived bound.
pub fn detailed_balance(chain: &ExactChain) -> DetailedBalance {
    let n = chain.n_states;
    let factor = chain.flow_rel_bound();
    let rows: Vec<DetailedBalance> = (0..n)
        .into_par_iter()
        .map(|x| {
            let mut d = DetailedBalance {
                max_abs: 0.0,
                max_rel: 0.0,
                worst_pair: (x, x),
                bound: 0.0,
                pairs_above_bound: 0,
            };
            for y in x + 1..n {
                let (pxy, pyx) = (chain.p(x, y), chain.p(y, x));
                if pxy == 0.0 && pyx == 0.0 {
                    continue;
                }
                let r = dd_diff_of_products(chain.pi[x], pxy, chain.pi[y], pyx).abs();
                let scale = (chain.pi[x] * pxy).max(chain.pi[y] * pyx);
                let b = factor * scale;
                if r > d.max_abs || r.is_nan() {
                    d.max_abs = r;
                    d.worst_pair = (x, y);
                }
                if scale > 0.0 || r.is_nan() {
                    d.max_rel = nan_max(d.max_rel, r / scale);
                }
                d.bound = d.bound.max(b);
                if !Tolerance::derived(b).accepts(r, n) {
                    d.pairs_above_bound += 1;
                }
            }
            d
        })
        .collect();
    rows.into_iter()
        .reduce(|a, b| DetailedBalance {
            max_abs: if b.max_abs > a.max_abs {
                b.max_abs
            } else {
                a.max_abs
            },
            worst_pair: if b.max_abs > a.max_abs {
                b.worst_pair
            } else {
                a.worst_pair
            },
            max_rel: nan_max(a.max_rel, b.max_rel),
            bound: a.bound.max(b.bound),
            pairs_above_bound: a.pairs_above_bound + b.pairs_above_bound,
        })
        .unwrap_or(DetailedBalance {
            max_abs: 0.0,
            max_rel: 0.0,
            worst_pair: (0, 0),
            bound: 0.0,
            pairs_above_bound: 0,
        })
}

/// Entry `S_xy = P_xy √(π_x/π_y)` of the similarity transform, computed from `log π` so ratios of
/// tiny probabilities neither overflow nor underflow.
#[inline]
pub fn s_entry(chain: &ExactChain, x: usize, y: usize) -> f64 {
    let p = chain.p(x, y);
    if p == 0.0 {
        return 0.0;
    }
    let half = 0.5 * (chain.log_pi[x] - chain.log_pi[y]);
    let f = half.exp();
    if f.is_finite() && f >= f64::MIN_POSITIVE {
        p * f
    } else {
        // The factor alone over- or underflows (|log ratio| > 1416): the product may still be in
        // range, so form it in log space.
        (p.ln() + half).exp()
    }
}

/// `max |S_xy − S_yx|` for `S = D^{1/2} P D^{−1/2}`.
pub fn self_adjointness(chain: &ExactChain) -> f64 {
    let n = chain.n_states;
    (0..n)
        .into_par_iter()
        .map(|x| {
            (x + 1..n)
                .map(|y| (s_entry(chain, x, y) - s_entry(chain, y, x)).abs())
                .fold(0.0, nan_max)
        })
        .reduce(|| 0.0, nan_max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ExactChain;

    /// `S_xy = P_xy √(π_x/π_y)` stays finite when the factor alone overflows: with
    /// `log π_x − log π_y = 2000` and `P_xy = e^-700`, `S_xy = e^300` (issue 14 item 4).
    #[test]
    fn s_entries_past_the_range_of_the_factor_are_formed_in_log_space() {
        use crate::numeric::tolerance::rel_diff;
        use crate::numeric::tolerance::test::LOG_SPACE_S_ENTRY;
        let p = (-700f64).exp();
        let mut c = ExactChain::from_matrix(
            vec![1.0 - p, p, 0.5, 0.5],
            2,
            Some(vec![0.5, 0.5]),
            "t".into(),
        )
        .unwrap();
        c.log_pi = vec![0.0, -2000.0];
        let s = s_entry(&c, 0, 1);
        assert!(
            LOG_SPACE_S_ENTRY.accepts(rel_diff(s, 300f64.exp()), 2),
            "{s}"
        );
        // In range the direct product is kept bit for bit.
        c.log_pi = vec![0.0, -2.0];
        assert_eq!(s_entry(&c, 0, 1), p * 1f64.exp());
    }
}
