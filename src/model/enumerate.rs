//! Exact enumeration of `log π(x) = −β E(x) − log Z` over all `2^N` states, in log space, so that
//! probabilities down to 1e-300 keep full relative accuracy. `log Z` is a compensated log-sum-exp.
//!
//! Rounding model (first order, Higham §3): `E(x)` is a compensated sum of at most `m` terms, so its
//! absolute error is ≲ `2u·S + u|E|` with `S = energy_abs_scale`; `log Z` adds ≲ `γ_4·|log Z|` plus the
//! log-sum-exp's own `γ_{log₂ n+2}`. `π_x = exp(log π_x)` then has relative error ≤ the absolute
//! error of its argument plus `u`. [`Enumerated::pi_rel_err`] is that bound.

use rayon::prelude::*;

use super::{Model, decode};
use crate::error::{Error, Limit, Result};
use crate::numeric::{U, gamma, log_sum_exp};

/// Largest N enumerated (2^24 states, 128 MiB of log-probabilities).
pub const MAX_ENUM_SPINS: usize = 24;

/// The enumerated law of a model.
#[derive(Clone, Debug)]
pub struct Enumerated {
    pub n_spins: usize,
    pub log_pi: Vec<f64>,
    pub pi: Vec<f64>,
    pub log_z: f64,
    /// Bound on the relative error of every `π_x` (see module docs).
    pub pi_rel_err: f64,
}

/// Enumerates `log π` for every state; errors above [`MAX_ENUM_SPINS`].
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::EnumeratedSpins`] above [`MAX_ENUM_SPINS`] spins, and
/// [`Error::Numerical`] when `log Z` is not finite.
pub fn enumerate(model: &dyn Model) -> Result<Enumerated> {
    let n = model.n_spins();
    if n > MAX_ENUM_SPINS {
        return Err(Error::TooLarge {
            limit: Limit::EnumeratedSpins,
            size: n,
            max: MAX_ENUM_SPINS,
            why: "2^n states are enumerated; use [sampling] for large models".into(),
        });
    }
    let beta = model.beta();
    let n_states = 1usize << n;
    let neg_beta_e: Vec<f64> = (0..n_states)
        .into_par_iter()
        .map_init(
            || vec![0i8; n],
            |x, s| {
                decode(s, x);
                -beta * model.energy(x)
            },
        )
        .collect();
    let log_z = log_sum_exp(&neg_beta_e);
    if !log_z.is_finite() {
        return Err(Error::Numerical(format!("log Z = {log_z} is not finite")));
    }
    let log_pi: Vec<f64> = neg_beta_e.iter().map(|&v| v - log_z).collect();
    let pi: Vec<f64> = log_pi.iter().map(|&l| l.exp()).collect();
    let scale = beta.abs() * model.energy_abs_scale();
    let pi_rel_err = 3.0 * U * scale + gamma(4) * log_z.abs() + gamma(n + 2) + U;
    Ok(Enumerated {
        n_spins: n,
        log_pi,
        pi,
        log_z,
        pi_rel_err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::generators::curie_weiss;

    #[test]
    fn tiny_probabilities_keep_relative_accuracy() {
        // Two-spin ferromagnet at huge beta: the anti-aligned states have pi ≈ e^{-2βJ}/2.
        let m = crate::model::Pairwise::new("t", 2, 340.0, &[(0, 1, 1.0)], None).unwrap();
        let e = enumerate(&m).unwrap();
        let expected_log = -2.0 * 340.0 - (2.0f64).ln() - (1.0 + (-680.0f64).exp()).ln();
        assert!((e.log_pi[1] - expected_log).abs() <= 4.0 * U * 680.0);
        assert!(e.pi[1] > 0.0 && e.pi[1] < 1e-290);
    }

    #[test]
    fn too_many_spins_is_a_clear_error() {
        let m = curie_weiss(40, 1.0).unwrap();
        let err = enumerate(&m).unwrap_err().to_string();
        assert!(err.contains("enumeration") && err.contains("40"), "{err}");
    }
}
