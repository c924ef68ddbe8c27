//! Stationary law by the Grassmann–Taksar–Heyman algorithm: state reduction without subtraction, so
//! small `π_x` keep high relative accuracy (Grassmann, Taksar & Heyman 1985; restated in
//! docs/peers.md §4.11). Power iteration is never used.

use crate::error::{Error, Result};

/// GTH on a row-major `n × n` stochastic matrix; errors if the chain is reducible at a step.
///
/// # Errors
///
/// [`Error::Numerical`] when, after eliminating the higher states, a state has no transition to the
/// lower ones: the chain is reducible and π is not unique.
///
/// # Panics
///
/// When `p` has fewer than `n²` entries.
pub fn stationary(p: &[f64], n: usize) -> Result<Vec<f64>> {
    let mut a = p.to_vec();
    for k in (1..n).rev() {
        // Eliminate state k: s = Σ_{j<k} A[k, j] (its escape rate to the states that remain).
        let s: f64 = crate::numeric::sum(&a[k * n..k * n + k]);
        if s <= 0.0 || !s.is_finite() {
            return Err(Error::Numerical(format!(
                "GTH: state {k} has no transition to states 0..{k} after reduction: the chain is reducible, π is not unique"
            )));
        }
        for i in 0..k {
            a[i * n + k] /= s;
            let f = a[i * n + k];
            if f != 0.0 {
                for j in 0..k {
                    a[i * n + j] += f * a[k * n + j];
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    x[0] = 1.0;
    for k in 1..n {
        let mut acc = crate::numeric::NeumaierSum::new();
        for i in 0..k {
            acc.add(x[i] * a[i * n + k]);
        }
        x[k] = acc.value();
    }
    let total = crate::numeric::sum(&x);
    for v in &mut x {
        *v /= total;
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::tolerance::rel_diff;
    use crate::numeric::tolerance::test::GTH_VS_ENUMERATION;

    #[test]
    fn two_state_chain() {
        let (a, b) = (0.3, 0.1);
        let pi = stationary(&[1.0 - a, a, b, 1.0 - b], 2).unwrap();
        assert!(GTH_VS_ENUMERATION.accepts(rel_diff(pi[0], b / (a + b)), 2));
        assert!(GTH_VS_ENUMERATION.accepts(rel_diff(pi[1], a / (a + b)), 2));
    }

    #[test]
    fn reducible_chain_is_an_error() {
        assert!(stationary(&[1.0, 0.0, 0.0, 1.0], 2).is_err());
    }

    #[test]
    fn tiny_probabilities_keep_relative_accuracy() {
        // Birth–death chain with π_k ∝ r^k, r = 1e-30: π_2 ≈ 1e-60 exactly representable in relative terms.
        let r = 1e-30;
        let q = 0.5;
        let p = vec![
            1.0 - q * r,
            q * r,
            0.0,
            q,
            1.0 - q - q * r,
            q * r,
            0.0,
            q,
            1.0 - q,
        ];
        let pi = stationary(&p, 3).unwrap();
        let z = 1.0 + r + r * r;
        assert!(
            ((pi[2] - r * r / z) / (r * r / z)).abs() < 1e-14,
            "{:?}",
            pi
        );
    }
}
