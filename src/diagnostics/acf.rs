//! Autocovariance by FFT (docs/peers.md §4.1): for each chain, centre, zero-pad to a fast length
//! `L ≥ 2n` (factors 2, 3, 5; padding changes rounding only), `|FFT|²`, inverse FFT, and divide by
//! `L·n`. The result is the biased estimator `γ(t) = (1/n) Σ_{i=0}^{n−1−t} (x_i − x̄)(x_{i+t} − x̄)`
//! recommended by Geyer (1992). Chains are transformed in parallel; every chain's result depends on
//! its own data only, so the output is identical at any thread count.

use rayon::prelude::*;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// Smallest `L ≥ n` of the form `2^a 3^b 5^c`.
pub fn fast_len(n: usize) -> usize {
    let mut best = n.next_power_of_two();
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut l = p35;
            while l < n {
                l *= 2;
            }
            best = best.min(l);
            p35 *= 3;
        }
        p5 *= 5;
    }
    best.max(1)
}

/// Biased autocovariances of every chain (`m` chains of `n` draws, chain-major): `m` vectors of `n` lags.
pub fn autocov_each(x: &[f64], m: usize, n: usize) -> Vec<Vec<f64>> {
    if n == 0 {
        return vec![Vec::new(); m];
    }
    let len = fast_len(2 * n);
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(len);
    let inv = planner.plan_fft_inverse(len);
    let scale = 1.0 / (len as f64 * n as f64);
    (0..m)
        .into_par_iter()
        .map(|j| {
            let c = &x[j * n..(j + 1) * n];
            let mean = c.iter().sum::<f64>() / n as f64;
            let mut buf = fwd.make_input_vec();
            for (b, &v) in buf.iter_mut().zip(c) {
                *b = v - mean;
            }
            let mut spec = fwd.make_output_vec();
            // Lengths match the plan, so `process` cannot fail.
            let _ = fwd.process(&mut buf, &mut spec);
            for s in spec.iter_mut() {
                *s = Complex::new(s.norm_sqr(), 0.0);
            }
            let _ = inv.process(&mut spec, &mut buf);
            buf.truncate(n);
            for v in buf.iter_mut() {
                *v *= scale;
            }
            buf
        })
        .collect()
}

/// Direct O(n²) biased autocovariance of one series (the reference the FFT path is tested against).
pub fn autocov_direct(c: &[f64]) -> Vec<f64> {
    let n = c.len();
    let mean = c.iter().sum::<f64>() / n as f64;
    (0..n)
        .map(|t| {
            (0..n - t)
                .map(|i| (c[i] - mean) * (c[i + t] - mean))
                .sum::<f64>()
                / n as f64
        })
        .collect()
}

/// Lags computed by direct sums before switching to the FFT (a direct lag costs `n` multiply-adds per
/// chain; the padded FFT pair costs roughly that of 50–100 lags).
pub const DIRECT_LAGS: usize = 64;

/// Autocovariances computed on demand: short lags by direct sums (most chains truncate after a few
/// lags), all lags by FFT once a caller needs more than [`DIRECT_LAGS`]. Both are the biased
/// estimator; they differ by rounding only.
pub struct LazyAcov {
    m: usize,
    n: usize,
    centred: Vec<f64>,
    /// `per_chain[j][t]` for the lags computed so far.
    per_chain: Vec<Vec<f64>>,
    full: bool,
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators so the loop vectorises; the order is fixed, so results are reproducible.
    let mut s = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            s[k] += x[k] * y[k];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
    }
    t
}

/// Lags computed together by [`dots8`].
const LAG_GROUP: usize = 8;

/// `dot(&c[..n − l], &c[l..])` for the eight lags `l = lag0 .. lag0 + 8` (all `< n`) in one pass over
/// `c`, each bit-identical to [`dot`]: every lag keeps its own four accumulators, updated over its own
/// chunks of four in the same order, then combined and finished by its remainder exactly as [`dot`]
/// does. The eight lags are independent chains of additions, so the pass runs at the processor's
/// throughput rather than at the latency of one chain.
#[inline(always)]
fn dots8(c: &[f64], lag0: usize, out: &mut [f64; LAG_GROUP]) {
    let n = c.len();
    let mut s = [[0.0f64; 4]; LAG_GROUP];
    // Chunks of four every lag of the group has in full (the longest lag has the fewest).
    let common = (n - (lag0 + LAG_GROUP - 1)) / 4;
    for q in 0..common {
        let i = 4 * q;
        let x: &[f64; 4] = c[i..i + 4].try_into().unwrap_or(&[0.0; 4]);
        let w = &c[i + lag0..i + lag0 + LAG_GROUP + 3];
        for (l, acc) in s.iter_mut().enumerate() {
            for k in 0..4 {
                acc[k] += x[k] * w[l + k];
            }
        }
    }
    for (l, acc) in s.iter_mut().enumerate() {
        let lag = lag0 + l;
        let len = n - lag;
        let full = len / 4;
        for q in common..full {
            let i = 4 * q;
            for k in 0..4 {
                acc[k] += c[i + k] * c[i + lag + k];
            }
        }
        let mut t = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for i in 4 * full..len {
            t += c[i] * c[i + lag];
        }
        out[l] = t;
    }
}

/// Appends the biased autocovariances of the centred chain `c` for lags `v.len() ..= upto`: groups
/// of eight by [`dots8`], the rest one by one by [`dot`]. Compiled a second time for AVX2 and picked
/// at run time: the same additions in the same order on wider registers (no FMA: Rust never
/// contracts `a * b + c`), so both give the same bits.
fn direct_lags(c: &[f64], upto: usize, v: &mut Vec<f64>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (detected just above), the one feature the callee enables.
        unsafe { direct_lags_avx2(c, upto, v) };
        return;
    }
    direct_lags_any(c, upto, v);
}

/// [`direct_lags`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn direct_lags_avx2(c: &[f64], upto: usize, v: &mut Vec<f64>) {
    direct_lags_any(c, upto, v);
}

#[inline(always)]
fn direct_lags_any(c: &[f64], upto: usize, v: &mut Vec<f64>) {
    let n = c.len();
    let mut lag = v.len();
    while lag + LAG_GROUP - 1 <= upto {
        let mut out = [0.0; LAG_GROUP];
        dots8(c, lag, &mut out);
        v.extend(out.iter().map(|s| s / n as f64));
        lag += LAG_GROUP;
    }
    for lag in lag..=upto {
        v.push(dot(&c[..n - lag], &c[lag..]) / n as f64);
    }
}

/// A chain's mean as both centrings of [`LazyAcov`] take it: the plain sum over the length.
fn chain_mean(c: &[f64]) -> f64 {
    c.iter().sum::<f64>() / c.len() as f64
}

impl LazyAcov {
    /// `m` chains of `n` draws, chain-major.
    pub fn new(x: &[f64], m: usize, n: usize) -> Self {
        Self::prefixes(x, m, n, n)
    }

    /// [`LazyAcov::new`] on a matrix the caller gives away: centred in place (no copy), the same
    /// values. Also returns the chain means it subtracted.
    pub fn new_owned(mut x: Vec<f64>, m: usize, n: usize) -> (Self, Vec<f64>) {
        x.truncate(m * n);
        let mut means = Vec::with_capacity(m);
        for c in x.chunks_exact_mut(n.max(1)).take(m) {
            let mean = chain_mean(c);
            c.iter_mut().for_each(|v| *v -= mean);
            means.push(mean);
        }
        (Self::from_centred(x, m, n), means)
    }

    /// The lazy lags of `m` centred chains of `n` draws, none computed yet.
    fn from_centred(centred: Vec<f64>, m: usize, n: usize) -> Self {
        LazyAcov {
            m,
            n,
            centred,
            per_chain: vec![Vec::new(); m],
            full: false,
        }
    }

    /// The first `n` draws of each of `m` chains stored `stride` apart (chain `j` is
    /// `x[j·stride .. j·stride + n]`): the same as [`LazyAcov::new`] on a copy of those prefixes.
    pub fn prefixes(x: &[f64], m: usize, stride: usize, n: usize) -> Self {
        let mut centred = Vec::with_capacity(m * n);
        for j in 0..m {
            let c = &x[j * stride..j * stride + n];
            let mean = chain_mean(c);
            centred.extend(c.iter().map(|v| v - mean));
        }
        Self::from_centred(centred, m, n)
    }

    /// Makes lags `0..=t` available (`t < n`).
    fn ensure(&mut self, t: usize) {
        let have = self.per_chain.first().map_or(0, |v| v.len());
        if t < have || self.full {
            return;
        }
        if t >= DIRECT_LAGS {
            self.per_chain = autocov_each(&self.centred, self.m, self.n);
            self.full = true;
            return;
        }
        // Lags `have..=upto` (the same lags as one by one: which lags are direct sums decides when
        // the FFT takes over, so it must not change), in groups of eight and then one by one.
        let upto = (t + 8).min(DIRECT_LAGS).min(self.n - 1);
        let n = self.n;
        for (j, v) in self.per_chain.iter_mut().enumerate() {
            direct_lags(&self.centred[j * n..(j + 1) * n], upto, v);
        }
    }

    /// `γ_j(t)`.
    pub fn chain(&mut self, j: usize, t: usize) -> f64 {
        self.ensure(t);
        self.per_chain[j][t]
    }

    /// `γ̄(t)`, the mean over chains.
    pub fn mean(&mut self, t: usize) -> f64 {
        self.ensure(t);
        self.per_chain.iter().map(|v| v[t]).sum::<f64>() / self.m as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_lags_are_bit_identical_to_dot() {
        for n in [9usize, 10, 11, 12, 13, 40, 101, 1003] {
            let c: Vec<f64> = (0..n)
                .map(|i| ((i * 7919 + 13) % 1009) as f64 / 17.0 - 29.0)
                .collect();
            for lag0 in 0..n.saturating_sub(LAG_GROUP - 1).min(70) {
                let mut out = [0.0; LAG_GROUP];
                dots8(&c, lag0, &mut out);
                for (l, &o) in out.iter().enumerate() {
                    let lag = lag0 + l;
                    assert_eq!(
                        o.to_bits(),
                        dot(&c[..n - lag], &c[lag..]).to_bits(),
                        "n {n} lag {lag}"
                    );
                }
            }
        }
    }

    #[test]
    fn dispatched_lags_equal_the_portable_ones_bit_for_bit() {
        // On an AVX2 machine this compares the AVX2 build of the loop with the baseline one.
        for n in [70usize, 257, 10_001] {
            let c: Vec<f64> = (0..n)
                .map(|i| (((i * 48_271) % 2_147) as f64 / 31.0 - 33.0).sin() * 1e3)
                .collect();
            for upto in [0usize, 7, 8, 20, 63] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                direct_lags(&c, upto, &mut a);
                direct_lags_any(&c, upto, &mut b);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "n {n} upto {upto}");
                for (lag, x) in b.iter().enumerate() {
                    let d = dot(&c[..n - lag], &c[lag..]) / n as f64;
                    assert_eq!(x.to_bits(), d.to_bits(), "n {n} lag {lag}");
                }
            }
        }
    }
}
