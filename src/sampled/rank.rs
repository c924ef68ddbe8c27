//! Ranks and quantiles (PEERS.md §4.3, §4.6).
//!
//! - Average ranks (ties get the mean of their 1-based positions), as R `rank(ties = "average")` and
//!   SciPy `rankdata(method = "average")`; ordinal ranks are a known bug for discrete draws.
//! - Rank normalisation `z = Φ⁻¹((r − c)/(S − 2c + 1))`, Blom's `c = 3/8`.
//! - Folding `|x − centre|`: its sorted order is a merge of the two sides of the centre in the sorted
//!   order of `x` (each side is monotone), so folding costs no second sort.
//! - Quantiles: R type 7 (`posterior`: `(1−h)·x_lo + h·x_hi`, exactly `x_lo` when `x_hi == x_lo`) and
//!   SciPy `mquantiles(alphap = 1, betap = 1)` (ArviZ 0.23: `(1−γ)·x[k−1] + γ·x[k]` with
//!   `k = ⌊clip(S p + 1 − p, 1, S−1)⌋`). Both are the same real number; they may round differently,
//!   and a rounding difference moves the indicator `1{x ≤ q}` when `q` sits on tied draws.

use statrs::distribution::{ContinuousCDF, Normal};

/// Indices of `x` in ascending order (`total_cmp`, ties by index, so the order is deterministic).
pub fn argsort(x: &[f64]) -> Vec<usize> {
    let mut idx: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    idx.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    idx.into_iter().map(|(_, i)| i).collect()
}

/// Standard normal quantile.
pub fn qnorm(p: f64) -> f64 {
    // Normal::standard cannot fail; p is in (0, 1) for every caller.
    let d = Normal::standard();
    d.inverse_cdf(p)
}

/// Rank-normalised values: `key` is non-decreasing along `order`; equal keys share an average rank.
fn z_from_order(key: impl Fn(usize) -> f64, order: &[usize], out: &mut [f64]) {
    let s = order.len();
    let denom = s as f64 - 2.0 * 0.375 + 1.0;
    let mut i = 0;
    while i < s {
        let v = key(order[i]);
        let mut j = i + 1;
        while j < s && key(order[j]) == v {
            j += 1;
        }
        // Average of the 1-based ranks i+1 ..= j.
        let r = 0.5 * ((i + 1) as f64 + j as f64);
        let z = qnorm((r - 0.375) / denom);
        for &k in &order[i..j] {
            out[k] = z;
        }
        i = j;
    }
}

/// Rank normalisation of `x` given its ascending `order`.
pub fn z_scale_with(x: &[f64], order: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    z_from_order(|k| x[k], order, &mut out);
    out
}

/// Rank normalisation of `x`.
pub fn z_scale(x: &[f64]) -> Vec<f64> {
    z_scale_with(x, &argsort(x))
}

/// Rank normalisation of `|x − centre|`, given the ascending `order` of `x`.
pub fn z_fold_with(x: &[f64], order: &[usize], centre: f64) -> Vec<f64> {
    let f: Vec<f64> = x.iter().map(|&v| (v - centre).abs()).collect();
    let k = order.partition_point(|&i| x[i] < centre);
    let (mut a, mut b) = (k, k); // left side walks down from k−1, right side up from k
    let mut merged = Vec::with_capacity(x.len());
    while a > 0 || b < order.len() {
        let take_left = if a == 0 {
            false
        } else if b == order.len() {
            true
        } else {
            f[order[a - 1]] <= f[order[b]]
        };
        if take_left {
            a -= 1;
            merged.push(order[a]);
        } else {
            merged.push(order[b]);
            b += 1;
        }
    }
    let mut out = vec![0.0; x.len()];
    z_from_order(|i| f[i], &merged, &mut out);
    out
}

/// Median of sorted values (mean of the two middle ones for an even count).
pub fn median_sorted(s: &[f64]) -> f64 {
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// R's type-7 quantile of sorted values.
pub fn quantile_r7(s: &[f64], p: f64) -> f64 {
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    let index = 1.0 + (n - 1) as f64 * p;
    let lo = index.floor();
    let hi = index.ceil();
    let xl = s[lo as usize - 1];
    let xh = s[(hi as usize).min(n) - 1];
    if index > lo && xh != xl {
        let h = index - lo;
        (1.0 - h) * xl + h * xh
    } else {
        xl
    }
}

/// SciPy `mquantiles(alphap = 1, betap = 1)` of sorted values (ArviZ 0.23).
pub fn quantile_mquantiles(s: &[f64], p: f64) -> f64 {
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return s[0];
    }
    let m = 1.0 + p * (1.0 - 1.0 - 1.0);
    let aleph = n as f64 * p + m;
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let g = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - g) * s[k - 1] + g * s[k]
}
