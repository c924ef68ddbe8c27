//! The global flip `x → −x` as a symmetry of an exact chain (docs/science.md §3, §5 A9): the
//! residuals of π-invariance, kernel equivariance and observable evenness, measured once per audit.
//! Whether they are small enough to block the spectrum by parity is a judgement
//! ([`crate::checks::spectral::flip_blocking`]); the blocked decomposition itself is
//! [`super::Spectrum::new`].

use rayon::prelude::*;

use crate::exact::ExactChain;
use crate::model::symmetry::global_flip;
use crate::observables::Observables;

/// Residuals of the global-flip symmetry of a chain on `n_spins` spins.
#[derive(Clone, Debug, PartialEq)]
pub struct FlipResiduals {
    pub n_spins: usize,
    /// `max_x |π(Fx) − π(x)| / π(x)` (from log π).
    pub pi_rel: f64,
    /// `max_xy |P(Fx, Fy) − P(x, y)|`.
    pub kernel_abs: f64,
}

impl FlipResiduals {
    /// Measures the chain's residuals; `None` unless its states are the `2^n_spins` configurations
    /// of `n_spins` spins (a matrix read from a file has no spin structure).
    pub fn measure(chain: &ExactChain) -> Option<Self> {
        let ns = chain
            .n_spins
            .filter(|&ns| ns < usize::BITS as usize && chain.n_states == 1usize << ns)?;
        let n = chain.n_states;
        let pi_rel = (0..n)
            .map(|x| {
                (chain.log_pi[global_flip(x, ns)] - chain.log_pi[x])
                    .exp_m1()
                    .abs()
            })
            .fold(0.0, f64::max);
        let kernel_abs = (0..n)
            .into_par_iter()
            .map(|x| {
                let fx = global_flip(x, ns);
                let (r, rf) = (chain.row(x), chain.row(fx));
                (0..n)
                    .map(|y| (rf[global_flip(y, ns)] - r[y]).abs())
                    .fold(0.0, f64::max)
            })
            .reduce(|| 0.0, f64::max);
        Some(FlipResiduals {
            n_spins: ns,
            pi_rel,
            kernel_abs,
        })
    }

    /// `max_{a,x} |f_a(Fx) − f_a(x)|`: how far the observables are from flip-even.
    pub fn observables_abs(&self, obs: &Observables) -> f64 {
        let ns = self.n_spins;
        obs.values
            .iter()
            .map(|f| {
                (0..f.len())
                    .map(|x| (f[global_flip(x, ns)] - f[x]).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max)
    }
}
