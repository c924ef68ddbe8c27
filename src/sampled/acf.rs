//! Autocovariance by FFT (PEERS.md §4.1): for each chain, centre, zero-pad to a fast length
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
