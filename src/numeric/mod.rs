//! Floating-point building blocks: unit roundoff, error-free transformations, compensated sums,
//! double-double residuals, log-sum-exp, and (in [`tolerance`]) the one place every tolerance lives.
//!
//! Sources: error-free transformations TwoSum (Knuth) and TwoProd via FMA; Neumaier's improved Kahan
//! summation; the `γ_k = k u / (1 − k u)` rounding-error factor of Higham, *Accuracy and Stability of
//! Numerical Algorithms* (2nd ed., 2002), §3.1. `u = 2⁻⁵³` is the unit roundoff of binary64.

pub mod tolerance;

use twofloat::TwoFloat;

/// Unit roundoff of binary64, `u = 2⁻⁵³ ≈ 1.11e-16` (half of `f64::EPSILON`).
pub const U: f64 = f64::EPSILON / 2.0;

/// Higham's `γ_k = k u / (1 − k u)`: the relative error bound of `k` successive roundings.
pub fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U;
    if ku >= 1.0 {
        f64::INFINITY
    } else {
        ku / (1.0 - ku)
    }
}

/// TwoSum: `a + b = s + e` exactly.
#[inline]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// TwoProd: `a · b = p + e` exactly (via FMA).
#[inline]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Neumaier-compensated running sum; the result is accurate to about `u·|Σ| + n u²·Σ|x|`.
#[derive(Clone, Copy, Debug, Default)]
pub struct NeumaierSum {
    sum: f64,
    comp: f64,
}

impl NeumaierSum {
    pub fn new() -> Self {
        Self::default()
    }
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }
    pub fn value(&self) -> f64 {
        self.sum + self.comp
    }
}

/// Compensated sum of a slice.
pub fn sum(xs: &[f64]) -> f64 {
    let mut s = NeumaierSum::new();
    for &x in xs {
        s.add(x);
    }
    s.value()
}

/// `a·b − c·d` evaluated in double-double from f64 inputs: the only rounding is the final one,
/// so the check adds (almost) nothing to the residual it measures.
#[inline]
pub fn dd_diff_of_products(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let ab = TwoFloat::new_mul(a, b);
    let cd = TwoFloat::new_mul(c, d);
    f64::from(ab - cd)
}

/// Double-double accumulator for sums of products `Σ a_i b_i` (used for `πP` and ⟨f, g⟩_π).
#[derive(Clone, Copy, Debug)]
pub struct DdAcc(TwoFloat);

impl Default for DdAcc {
    fn default() -> Self {
        DdAcc(TwoFloat::from(0.0))
    }
}

impl DdAcc {
    #[inline]
    pub fn add_prod(&mut self, a: f64, b: f64) {
        self.0 += TwoFloat::new_mul(a, b);
    }
    #[inline]
    pub fn add(&mut self, a: f64) {
        self.0 += a;
    }
    pub fn sub(&mut self, a: f64) {
        self.0 -= a;
    }
    pub fn value(&self) -> f64 {
        f64::from(self.0)
    }
}

/// `log Σ exp(x_i)` with the maximum factored out and the tail summed with compensation.
/// Returns `-inf` for an empty slice or all `-inf`.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    let mut s = NeumaierSum::new();
    for &x in xs {
        s.add((x - m).exp());
    }
    m + s.value().ln()
}

/// Uniform draw in `[0, 1)` from 53 random bits: written here (not taken from `rand`'s
/// distributions) so recorded numbers cannot move with a `rand` minor release.
#[inline]
pub fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `max` that propagates NaN (`f64::max` silently drops it, which would let a NaN residual pass).
#[inline]
pub fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The logistic function `1 / (1 + e^{t})` evaluated without overflow.
#[inline]
pub fn logistic_neg(t: f64) -> f64 {
    if t >= 0.0 {
        let e = (-t).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + t.exp())
    }
}

/// `P(X ≤ k)` for `X ~ Binomial(n, p)`: the probability mass summed in log space from
/// `ln C(n, i) + i ln p + (n − i) ln(1 − p)` (exact up to rounding for the n ≤ 10⁴ this crate uses;
/// `p` outside [0, 1] gives NaN).
pub fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if k >= n {
        return 1.0;
    }
    if p == 0.0 {
        return 1.0;
    }
    if p == 1.0 {
        return 0.0;
    }
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    let mut log_c = 0.0; // ln C(n, 0)
    let mut terms = Vec::with_capacity(k + 1);
    for i in 0..=k {
        if i > 0 {
            log_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        terms.push(log_c + i as f64 * lp + (n - i) as f64 * lq);
    }
    log_sum_exp(&terms).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sum_and_prod_are_exact() {
        let (s, e) = two_sum(1.0, 1e-20);
        assert_eq!(s, 1.0);
        assert_eq!(e, 1e-20);
        let a = 1.0 + f64::EPSILON;
        let (p, e) = two_prod(a, a);
        assert_eq!(p, 1.0 + 2.0 * f64::EPSILON);
        assert_eq!(e, f64::EPSILON * f64::EPSILON);
    }

    #[test]
    fn neumaier_recovers_cancelled_terms() {
        assert_eq!(sum(&[1.0, 1e100, 1.0, -1e100]), 2.0);
    }

    #[test]
    fn dd_residual_sees_below_epsilon() {
        let a = 1.0 + f64::EPSILON;
        // a·a − 1·(1 + 2ε) = ε² exactly.
        assert_eq!(
            dd_diff_of_products(a, a, 1.0, 1.0 + 2.0 * f64::EPSILON),
            f64::EPSILON * f64::EPSILON
        );
    }

    #[test]
    fn log_sum_exp_keeps_tiny_terms() {
        let v = log_sum_exp(&[-1000.0, -1000.0]);
        assert!((v - (-1000.0 + 2f64.ln())).abs() <= 4.0 * U * 1000.0);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
    }

    #[test]
    fn binomial_cdf_matches_scipy() {
        // Reference: scipy.stats.binom.cdf(k, n, p), SciPy 1.17.1 (Python 3.11), 2026-11-27.
        let cases = [
            (41, 48, 0.92, 0.08598537763248022),
            (29, 32, 0.92, 0.47738348599089137),
            (10, 24, 0.5, 0.27062809467315674),
            (0, 10, 0.3, 0.028247524900000005),
            (47, 48, 0.92, 0.9817267535068012),
            (3, 1000, 0.01, 0.010072654772014291),
            (500, 1000, 0.5, 0.5126125090891802),
        ];
        for (k, n, p, want) in cases {
            let got = binomial_cdf(k, n, p);
            let rel = (got - want).abs() / want;
            assert!(
                tolerance::test::BINOMIAL_CDF_VS_SCIPY.accepts(rel, 1),
                "cdf({k}; {n}, {p}) = {got}, scipy {want}"
            );
        }
        assert_eq!(binomial_cdf(48, 48, 0.92), 1.0);
        assert_eq!(binomial_cdf(3, 10, 0.0), 1.0);
        assert_eq!(binomial_cdf(3, 10, 1.0), 0.0);
        assert!(binomial_cdf(3, 10, 1.5).is_nan());
    }

    #[test]
    fn unit_f64_value_stability() {
        assert_eq!(unit_f64(0), 0.0);
        assert_eq!(unit_f64(u64::MAX), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(unit_f64(1 << 63), 0.5);
    }

    #[test]
    fn logistic_is_symmetric_and_finite() {
        assert_eq!(logistic_neg(0.0), 0.5);
        assert!(logistic_neg(1e6) >= 0.0 && logistic_neg(-1e6) == 1.0);
        let t = 3.7;
        assert!((logistic_neg(t) + logistic_neg(-t) - 1.0).abs() <= 2.0 * U);
    }
}
