//! Stationary law by the Grassmann–Taksar–Heyman algorithm: state reduction without subtraction, so
//! small `π_x` keep high relative accuracy (Grassmann, Taksar & Heyman 1985; restated in
//! docs/peers.md §4.11). Power iteration is never used.

use super::PiClasses;
use super::structure::closed_classes;
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

/// π of a chain that need not be irreducible: GTH on each closed class (a closed class is a
/// stochastic block of P, so GTH never meets a state without a way down inside it, whatever the
/// state order), 0 on the transient states. With one closed class this is the unique stationary
/// law; with `k > 1` every stationary law is a mixture of the classes' laws, and this returns the
/// equal-weight one (each class weighted `1/k`). An irreducible chain takes [`stationary`] on the
/// whole matrix, so its π is the same bits as before; the classes are returned only otherwise.
///
/// # Errors
///
/// [`Error::Numerical`] when GTH underflows inside a class (an escape rate rounds to 0).
///
/// # Panics
///
/// When `p` has fewer than `n²` entries.
pub fn stationary_on_closed_classes(p: &[f64], n: usize) -> Result<(Vec<f64>, Option<PiClasses>)> {
    let (classes, transient) = closed_classes(p, n);
    if classes.len() == 1 && transient.is_empty() {
        return Ok((stationary(p, n)?, None));
    }
    let mut pi = vec![0.0; n];
    let weight = 1.0 / classes.len() as f64;
    for class in &classes {
        let m = class.len();
        let mut sub = Vec::with_capacity(m * m);
        for &x in class {
            sub.extend(class.iter().map(|&y| p[x * n + y]));
        }
        for (&x, v) in class.iter().zip(stationary(&sub, m)?) {
            pi[x] = weight * v;
        }
    }
    let sizes = classes.iter().map(Vec::len).collect();
    let first = classes.iter().map(|c| c[0]).collect();
    Ok((
        pi,
        Some(PiClasses {
            closed: sizes,
            first_states: first,
            transient,
        }),
    ))
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
    fn transient_states_get_zero_whatever_the_order() {
        // State t is transient and leaks into the closed class {a, b}; the class's own law is
        // (b→a rate 0.2, a→b rate 0.4) ∝ (1, 2). Every placement of t gives the same law.
        for t in 0..3 {
            let (a, b) = ((t + 1) % 3, (t + 2) % 3);
            let mut p = vec![0.0; 9];
            p[t * 3 + t] = 0.5;
            p[t * 3 + a] = 0.5;
            p[a * 3 + a] = 0.6;
            p[a * 3 + b] = 0.4;
            p[b * 3 + a] = 0.2;
            p[b * 3 + b] = 0.8;
            let (pi, classes) = stationary_on_closed_classes(&p, 3).unwrap();
            let c = classes.unwrap();
            assert_eq!(c.transient, vec![t]);
            assert_eq!(c.closed, vec![2]);
            assert_eq!(pi[t], 0.0);
            assert!(GTH_VS_ENUMERATION.accepts(rel_diff(pi[a], 1.0 / 3.0), 3));
            assert!(GTH_VS_ENUMERATION.accepts(rel_diff(pi[b], 2.0 / 3.0), 3));
        }
    }

    #[test]
    fn several_closed_classes_get_equal_weight() {
        let (pi, classes) = stationary_on_closed_classes(&[1.0, 0.0, 0.0, 1.0], 2).unwrap();
        assert_eq!(pi, vec![0.5, 0.5]);
        let c = classes.unwrap();
        assert_eq!((c.closed, c.first_states), (vec![1, 1], vec![0, 1]));
    }

    #[test]
    fn irreducible_chains_are_the_same_bits_as_plain_gth() {
        let p = [0.5, 0.3, 0.2, 0.1, 0.6, 0.3, 0.25, 0.25, 0.5];
        let (pi, classes) = stationary_on_closed_classes(&p, 3).unwrap();
        assert!(classes.is_none());
        assert_eq!(pi, stationary(&p, 3).unwrap());
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
