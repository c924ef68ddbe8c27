//! Ranks and quantiles (docs/peers.md §4.3, §4.6).
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

use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// Indices of `x` in ascending order (`total_cmp`, ties by index, so the order is deterministic).
pub fn argsort(x: &[f64]) -> Vec<usize> {
    argsort_with_values(x).0
}

/// [`argsort`] and the sorted values themselves (`sorted[i] == x[order[i]]`), from the one sort: the
/// callers that need both skip a gather of `x` in random order.
pub fn argsort_with_values(x: &[f64]) -> (Vec<usize>, Vec<f64>) {
    if x.len() >= RADIX_MIN && u32::try_from(x.len()).is_ok() {
        return radix_argsort(x);
    }
    comparison_argsort(x)
}

/// [`argsort_with_values`] by a comparison sort.
fn comparison_argsort(x: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let mut idx: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    idx.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    idx.into_iter().map(|(v, i)| (i, v)).unzip()
}

/// Below this many values the comparison sort is as fast as the radix passes.
pub const RADIX_MIN: usize = 1 << 12;

/// The bits of `v` as an unsigned key in `f64::total_cmp` order (negative values have every bit
/// flipped, others the sign bit set), and back.
fn total_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}
fn from_total_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// [`argsort_with_values`] by [`radix_argsort32`] (`x` no longer than `u32::MAX`).
fn radix_argsort(x: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let (idx, sorted) = radix_argsort32(x.len(), x.iter().copied());
    (idx.into_iter().map(|i| i as usize).collect(), sorted)
}

/// The ascending order (`total_cmp`, ties by index) and the sorted values of the `n` values
/// `values` yields (`n ≤ u32::MAX`; fewer values than `n` sort what there is), by a
/// least-significant-digit radix sort of the bits in `total_cmp` order: eight passes of eight
/// bits, a pass whose digit is the same for every key skipped. Each pass is stable and the
/// indices start ascending, so equal keys stay in index order: the order is exactly the
/// comparison sort's, in linear time.
/// Taking an iterator lets a caller sort a rearrangement of its draws (the split chains) without
/// copying it first.
pub fn radix_argsort32(n: usize, values: impl Iterator<Item = f64>) -> (Vec<u32>, Vec<f64>) {
    let mut keys: Vec<u64> = Vec::with_capacity(n);
    keys.extend(values.take(n).map(total_key));
    let n = keys.len();
    let mut idx: Vec<u32> = (0..n).map(|i| i as u32).collect();
    let mut hist = vec![[0usize; 256]; 8];
    for &k in &keys {
        for (d, h) in hist.iter_mut().enumerate() {
            h[((k >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    let mut keys2 = vec![0u64; n];
    let mut idx2 = vec![0u32; n];
    for (d, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue;
        }
        let mut start = [0usize; 256];
        let mut acc = 0;
        for (s, &c) in start.iter_mut().zip(h.iter()) {
            *s = acc;
            acc += c;
        }
        let shift = 8 * d;
        for (&k, &i) in keys.iter().zip(&idx) {
            let b = ((k >> shift) & 0xff) as usize;
            let at = start[b];
            start[b] += 1;
            keys2[at] = k;
            idx2[at] = i;
        }
        std::mem::swap(&mut keys, &mut keys2);
        std::mem::swap(&mut idx, &mut idx2);
    }
    drop((keys2, idx2));
    // Same size and alignment: the keys' buffer becomes the sorted values' (no new allocation).
    let sorted = keys.into_iter().map(from_total_key).collect();
    (idx, sorted)
}

/// Standard normal quantile.
pub fn qnorm(p: f64) -> f64 {
    // Normal::standard cannot fail; p is in (0, 1) for every caller.
    let d = Normal::standard();
    d.inverse_cdf(p)
}

/// `Φ⁻¹((r − 3/8)/(S + 1/4))` for the integer ranks `r = 1..=S`, cached for the last `S` used (every
/// variable of a trace has the same `S`, and continuous draws have integer ranks only). The values are
/// those [`qnorm`] returns, so the cache changes speed only.
fn integer_rank_z(s: usize) -> Arc<Vec<f64>> {
    static CACHE: Mutex<Option<Arc<Vec<f64>>>> = Mutex::new(None);
    let mut g = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = g.as_ref()
        && t.len() == s
    {
        return t.clone();
    }
    let denom = s as f64 - 2.0 * 0.375 + 1.0;
    let t: Arc<Vec<f64>> = Arc::new(
        (1..=s)
            .into_par_iter()
            .map(|r| qnorm((r as f64 - 0.375) / denom))
            .collect(),
    );
    *g = Some(t.clone());
    t
}

/// An index into the draws: `usize`, or `u32` where every index fits (half the memory).
pub trait RankIndex: Copy {
    fn at(self) -> usize;
}
impl RankIndex for usize {
    fn at(self) -> usize {
        self
    }
}
impl RankIndex for u32 {
    fn at(self) -> usize {
        self as usize
    }
}

/// Rank normalisation from keys in ascending order: `keys[i]` is the key of element `idx[i]`; equal
/// keys share their average rank. Writes into `out[idx[i]]`.
fn z_from_sorted_keys(keys: impl Iterator<Item = (f64, usize)>, s: usize, out: &mut [f64]) {
    let table = integer_rank_z(s);
    let denom = s as f64 - 2.0 * 0.375 + 1.0;
    let mut group: Vec<usize> = Vec::new();
    let mut gkey = f64::NAN;
    let mut start = 0usize; // 0-based position of the group's first element
    let mut flush = |group: &mut Vec<usize>, start: usize| {
        let len = group.len();
        if len == 0 {
            return;
        }
        // Average of the 1-based ranks start+1 ..= start+len.
        let z = if len % 2 == 1 {
            table[start + len / 2]
        } else {
            let r = 0.5 * ((start + 1) as f64 + (start + len) as f64);
            qnorm((r - 0.375) / denom)
        };
        for &k in group.iter() {
            out[k] = z;
        }
        group.clear();
    };
    for (pos, (key, i)) in keys.enumerate() {
        if key != gkey {
            flush(&mut group, start);
            start = pos;
            gkey = key;
        }
        group.push(i);
    }
    flush(&mut group, start);
}

/// Rank normalisation of `x` given its ascending `order`.
pub fn z_scale_with(x: &[f64], order: &[usize]) -> Vec<f64> {
    let sorted: Vec<f64> = order.iter().map(|&i| x[i]).collect();
    z_scale_sorted(&sorted, order)
}

/// [`z_scale_with`] from the sorted values (`sorted[i] == x[order[i]]`, [`argsort_with_values`]).
pub fn z_scale_sorted<I: RankIndex>(sorted: &[f64], order: &[I]) -> Vec<f64> {
    let mut out = vec![0.0; sorted.len()];
    z_from_sorted_keys(
        sorted.iter().copied().zip(order.iter().map(|i| i.at())),
        sorted.len(),
        &mut out,
    );
    out
}

/// Rank normalisation of `x`.
pub fn z_scale(x: &[f64]) -> Vec<f64> {
    z_scale_with(x, &argsort(x))
}

/// Rank normalisation of `|x − centre|`, given the ascending `order` of `x`.
pub fn z_fold_with(x: &[f64], order: &[usize], centre: f64) -> Vec<f64> {
    let sorted: Vec<f64> = order.iter().map(|&i| x[i]).collect();
    z_fold_sorted(&sorted, order, centre)
}

/// [`z_fold_with`] from the sorted values (`sorted[i] == x[order[i]]`, [`argsort_with_values`]).
pub fn z_fold_sorted<I: RankIndex>(sorted: &[f64], order: &[I], centre: f64) -> Vec<f64> {
    let k = sorted.partition_point(|&v| v < centre);
    let (mut a, mut b) = (k, k); // left side walks down from k−1, right side up from k
    let n = sorted.len();
    let merged = std::iter::from_fn(move || {
        let fa = (a > 0).then(|| (sorted[a - 1] - centre).abs());
        let fb = (b < n).then(|| (sorted[b] - centre).abs());
        match (fa, fb) {
            (Some(l), Some(r)) if l <= r => {
                a -= 1;
                Some((l, order[a].at()))
            }
            (Some(l), None) => {
                a -= 1;
                Some((l, order[a].at()))
            }
            (_, Some(r)) => {
                b += 1;
                Some((r, order[b - 1].at()))
            }
            (None, None) => None,
        }
    });
    let mut out = vec![0.0; n];
    z_from_sorted_keys(merged, n, &mut out);
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
    // m = alphap + p (1 − alphap − betap) = 1 + p·(−1), bit-identical to 1 − p.
    let m = 1.0 - p;
    let aleph = n as f64 * p + m;
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let g = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - g) * s[k - 1] + g * s[k]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_order_is_the_comparison_order() {
        // Ties (a coarse grid), both zeros, infinities, NaNs of both signs, subnormals, and sizes on
        // both sides of the radix threshold.
        let special = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE / 4.0,
            -f64::MIN_POSITIVE / 4.0,
            f64::MAX,
            f64::MIN,
        ];
        for n in [1usize, 2, 17, RADIX_MIN - 1, RADIX_MIN, 3 * RADIX_MIN + 5] {
            for coarse in [false, true] {
                let x: Vec<f64> = (0..n)
                    .map(|i| {
                        if i % 97 == 3 {
                            return special[(i / 97) % special.len()];
                        }
                        let v = ((i * 48_271 + 11) % 65_521) as f64 / 977.0 - 33.0;
                        if coarse { v.round() } else { v.sin() * 1e5 }
                    })
                    .collect();
                let (o1, s1) = radix_argsort(&x);
                let (o2, s2) = comparison_argsort(&x);
                assert_eq!(o1, o2, "n {n} coarse {coarse}");
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&s1), bits(&s2), "n {n} coarse {coarse}");
            }
        }
    }

    #[test]
    fn total_key_round_trips_and_orders_as_total_cmp() {
        let v = [
            f64::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            2.0f64.powi(-1070),
            3.0,
            f64::NAN,
        ];
        for w in v.windows(2) {
            assert!(total_key(w[0]) < total_key(w[1]));
            assert_eq!(w[0].total_cmp(&w[1]), std::cmp::Ordering::Less);
        }
        for x in v {
            assert_eq!(from_total_key(total_key(x)).to_bits(), x.to_bits());
        }
    }
}
