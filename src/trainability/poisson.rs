//! Asymptotic variance through the Poisson equation (any ergodic kernel, reversible or not).
//!
//! For `f̄ = f − E_π f`, the solution of `(I − P) u = f̄` with `E_π u = 0` is `u = Z f̄` with the
//! fundamental matrix `Z = (I − P + 1 πᵀ)^{−1}` (Kemeny–Snell 1960, Thm 4.3.1), and the CLT variance
//! of the sample mean is `S = 2⟨f̄, u⟩_π − ⟨f̄, f̄⟩_π` (docs/science.md §2; Meyn–Tweedie 2009 §17.4).
//! One dense LU with partial pivoting serves every observable. On a reversible kernel this equals
//! the spectral sum `Σ_{j≥2} c_j² (1+σ_j)/(1−σ_j)` (checked by tests to 1e-10 relative).

use faer::Mat;

use crate::error::{Error, Result};
use crate::exact::ExactChain;
use crate::exact::dense::lu_solve;
use crate::numeric::NeumaierSum;
use crate::observables::{Observables, centered, variance};

/// CLT variance `S_a` of each observable by the fundamental matrix.
///
/// # Errors
///
/// [`Error::Numerical`] when a variance is not finite (`I − P + 1πᵀ` is singular, e.g. for a
/// reducible chain).
pub fn asymptotic_variance(chain: &ExactChain, obs: &Observables) -> Result<Vec<f64>> {
    let n = chain.n_states;
    let a = Mat::from_fn(n, n, |x, y| {
        let id = if x == y { 1.0 } else { 0.0 };
        id - chain.p(x, y) + chain.pi[y]
    });
    let fbar: Vec<Vec<f64>> = obs.values.iter().map(|f| centered(&chain.pi, f)).collect();
    let rhs = Mat::from_fn(n, fbar.len(), |x, k| fbar[k][x]);
    let u = lu_solve(a, rhs);
    let mut out = Vec::with_capacity(fbar.len());
    for (k, f) in fbar.iter().enumerate() {
        let (mut fu, mut ff) = (NeumaierSum::new(), NeumaierSum::new());
        for x in 0..n {
            let (p, v) = (chain.pi[x], f[x]);
            fu.add(p * v * u[(x, k)]);
            ff.add(p * v * v);
        }
        let s = 2.0 * fu.value() - ff.value();
        if !s.is_finite() {
            return Err(Error::Numerical(format!(
                "Poisson equation: non-finite asymptotic variance for observable {} (singular I − P + 1πᵀ?)",
                obs.names[k]
            )));
        }
        out.push(s);
    }
    Ok(out)
}

/// τ (N/ESS convention) by the Poisson route: `S_a / Var_π f_a`.
///
/// # Errors
///
/// As [`asymptotic_variance`].
pub fn tau(chain: &ExactChain, obs: &Observables) -> Result<Vec<Option<f64>>> {
    let s = asymptotic_variance(chain, obs)?;
    Ok(s.iter()
        .zip(&obs.values)
        .map(|(&s, f)| {
            let v = variance(&chain.pi, f);
            (v > 0.0).then(|| s / v)
        })
        .collect())
}
