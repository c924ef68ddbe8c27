//! Seeded model generators for the families of docs/science.md §7. All randomness comes from
//! Xoshiro256++ seeded by SplitMix64 (`seed_from_u64`) and in-crate transforms, so a (family, N, seed)
//! triple names the same model in every release.
//!
//! Conventions (this crate's; the source does not publish its normalisations):
//! - Curie–Weiss: `J_ij = 1/N` for all pairs `i < j`.
//! - SK: `J_ij = g_ij / √N`, `g_ij` iid standard normal (Box–Muller).
//! - Planted Hopfield with M patterns: `J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ`, `ξ^μ` iid uniform ±1.
//! - Planted RBM, m visible + m hidden: `E = −vᵀ W h`, `W_ij = (1/m) Σ_μ ξ_i^μ η_j^μ` (visible spins are
//!   sites `0..m`, hidden `m..2m`).

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::Pairwise;
use crate::error::{ModelError, Result};
use crate::numeric::unit_f64;

/// The seeded families the exact-diagonalization grids are made of (`specs/reproduce.toml`,
/// `specs/claims.toml`), named as in specs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    CurieWeiss,
    Sk,
    Hopfield,
}

impl Family {
    /// Every family, in spec order.
    pub const ALL: [Family; 3] = [Family::CurieWeiss, Family::Sk, Family::Hopfield];

    /// The spec name.
    pub fn name(&self) -> &'static str {
        match self {
            Family::CurieWeiss => "curie-weiss",
            Family::Sk => "sk",
            Family::Hopfield => "hopfield",
        }
    }

    /// The family with this spec name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The model on `n` spins at `beta` (`patterns` and `seed` where the family has them).
    ///
    /// # Errors
    ///
    /// The generator's [`ModelError`].
    pub fn build(&self, n: usize, beta: f64, patterns: usize, seed: u64) -> Result<Pairwise> {
        match self {
            Family::CurieWeiss => curie_weiss(n, beta),
            Family::Sk => sk(n, beta, seed),
            Family::Hopfield => hopfield(n, patterns, beta, seed),
        }
    }
}

/// The seeded generator used for model parameters: stream 0 of the seed
/// ([`crate::kernel::streams`](mod@crate::kernel::streams)).
pub fn param_rng(seed: u64) -> Xoshiro256PlusPlus {
    crate::kernel::stream(seed, 0)
}

/// A standard normal draw by Box–Muller (the cosine branch), from two 53-bit uniforms.
pub fn std_normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1 = 1.0 - unit_f64(rng.next_u64()); // (0, 1]
    let u2 = unit_f64(rng.next_u64());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform ±1 draw.
pub fn rademacher(rng: &mut Xoshiro256PlusPlus) -> i8 {
    if rng.next_u64() >> 63 == 1 { 1 } else { -1 }
}

fn check_n(n: usize, family: &'static str) -> Result<()> {
    if n < 2 {
        return Err(ModelError::TooFewSpins { family, n }.into());
    }
    Ok(())
}

/// Curie–Weiss (mean field): every pair coupled with `1/N`, no fields.
///
/// # Errors
///
/// [`Error::Model`](crate::Error::Model) with [`ModelError::TooFewSpins`] for `n < 2` or
/// [`ModelError::NonFiniteBeta`].
///
/// # Examples
///
/// ```
/// use mcmc_audit::error::{Error, ModelError};
/// use mcmc_audit::model::generators::curie_weiss;
///
/// let m = curie_weiss(4, 0.5)?;
/// assert_eq!(m.edges().len(), 6); // every pair i < j
/// assert!(m.edges().iter().all(|&(_, _, j)| j == 0.25)); // J = 1/N
/// assert!(m.field_free());
///
/// let err = curie_weiss(1, 0.5).unwrap_err();
/// assert!(matches!(err, Error::Model(ModelError::TooFewSpins { n: 1, .. })));
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn curie_weiss(n: usize, beta: f64) -> Result<Pairwise> {
    check_n(n, "curie-weiss")?;
    let j = 1.0 / n as f64;
    let mut c = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            c.push((a, b, j));
        }
    }
    Pairwise::new(
        format!("curie-weiss(n={n}, beta={beta})"),
        n,
        beta,
        &c,
        None,
    )
}

/// Sherrington–Kirkpatrick: Gaussian couplings `g/√N`, no fields.
///
/// # Errors
///
/// As [`curie_weiss`].
pub fn sk(n: usize, beta: f64, seed: u64) -> Result<Pairwise> {
    check_n(n, "sk")?;
    let mut rng = param_rng(seed);
    let s = 1.0 / (n as f64).sqrt();
    let mut c = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            c.push((a, b, s * std_normal(&mut rng)));
        }
    }
    Pairwise::new(
        format!("sk(n={n}, beta={beta}, seed={seed})"),
        n,
        beta,
        &c,
        None,
    )
}

/// `M` seeded ±1 patterns of length `n`.
pub fn patterns(n: usize, m: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<Vec<i8>> {
    (0..m)
        .map(|_| (0..n).map(|_| rademacher(rng)).collect())
        .collect()
}

/// Planted Hopfield with `m` patterns (Hebbian couplings), no fields.
///
/// # Errors
///
/// As [`curie_weiss`], plus [`ModelError::NoPatterns`] for `m = 0`.
pub fn hopfield(n: usize, m: usize, beta: f64, seed: u64) -> Result<Pairwise> {
    check_n(n, "hopfield")?;
    if m == 0 {
        return Err(ModelError::NoPatterns { family: "hopfield" }.into());
    }
    let mut rng = param_rng(seed);
    let xi = patterns(n, m, &mut rng);
    let mut c = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let s: i32 = xi.iter().map(|p| i32::from(p[a] * p[b])).sum();
            if s != 0 {
                c.push((a, b, f64::from(s) / n as f64));
            }
        }
    }
    Pairwise::new(
        format!("hopfield(n={n}, patterns={m}, beta={beta}, seed={seed})"),
        n,
        beta,
        &c,
        None,
    )
}

/// Bipartite RBM `E = −vᵀ W h` without biases, `m_v` visible and `m_h` hidden units, with `m`
/// planted patterns. Visible units are sites `0..m_v`, hidden units `m_v..m_v+m_h`.
///
/// # Errors
///
/// [`Error::Model`](crate::Error::Model) with [`ModelError::EmptyLayer`] when either layer is
/// empty, [`ModelError::NoPatterns`] for `m = 0`, or [`ModelError::NonFiniteBeta`].
#[allow(clippy::needless_range_loop)] // (a, b) index the weight matrix
pub fn rbm(m_v: usize, m_h: usize, m: usize, beta: f64, seed: u64) -> Result<Pairwise> {
    if m_v == 0 || m_h == 0 {
        return Err(ModelError::EmptyLayer {
            visible: m_v,
            hidden: m_h,
        }
        .into());
    }
    if m == 0 {
        return Err(ModelError::NoPatterns { family: "rbm" }.into());
    }
    let mut rng = param_rng(seed);
    let xi = patterns(m_v, m, &mut rng);
    let eta = patterns(m_h, m, &mut rng);
    let scale = 1.0 / m_v.max(m_h) as f64;
    let mut c = Vec::new();
    for a in 0..m_v {
        for b in 0..m_h {
            let s: i32 = (0..m).map(|mu| i32::from(xi[mu][a] * eta[mu][b])).sum();
            if s != 0 {
                c.push((a, m_v + b, f64::from(s) * scale));
            }
        }
    }
    Pairwise::new(
        format!("rbm(visible={m_v}, hidden={m_h}, patterns={m}, beta={beta}, seed={seed})"),
        m_v + m_h,
        beta,
        &c,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    /// rand-style value stability: these exact bits are what a recorded model was built from.
    #[test]
    fn value_stability_of_parameter_draws() {
        let mut r = param_rng(0);
        let a = std_normal(&mut r);
        let b = std_normal(&mut r);
        let mut r2 = param_rng(0);
        assert_eq!(a.to_bits(), std_normal(&mut r2).to_bits());
        assert_eq!(b.to_bits(), std_normal(&mut r2).to_bits());
        let m = sk(6, 1.0, 0).unwrap();
        insta::assert_snapshot!(format!("{:016x} {:.17e} {:.17e}", m.fingerprint(), a, b));
    }

    #[test]
    fn families_have_the_documented_structure() {
        let cw = curie_weiss(5, 1.0).unwrap();
        assert_eq!(cw.edges().len(), 10);
        assert!(cw.field_free());
        let r = rbm(3, 3, 2, 1.0, 1).unwrap();
        assert!(r.edges().iter().all(|&(i, j, _)| i < 3 && j >= 3));
        let h = hopfield(6, 1, 1.0, 2).unwrap();
        assert!(
            h.edges()
                .iter()
                .all(|e| (e.2.abs() - 1.0 / 6.0).abs() < 1e-15)
        );
    }
}
