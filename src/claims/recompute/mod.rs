//! Recompute checks: the crate rebuilds a published number on exact chains of its own models
//! (N ≤ 10 spins, so each check takes well under a second). [`exact`]: residual levels, spectra and
//! self-adjointness; [`spectral`]: the spectral engine's predictors and tracking counts; [`sampled`]:
//! Monte Carlo τ against exact τ; [`tempering`]: the parallel-tempering kernel.
//!
//! - **Z2 overlap** (docs/science.md §3): on a field-free model with a flip-equivariant kernel, `L²(π)`
//!   splits into even and odd functions and `P` preserves both; the slowest mode is odd, every pair
//!   observable `f_ij = −x_i x_j` is even, so `c_a2 = ⟨f_a − E_π f_a, φ_2⟩_π = 0`. Eigenvectors are only
//!   defined up to rotation inside a degenerate eigenspace `E_2 = span{φ_j : σ_j = σ_2}`, so we measure
//!   the basis-independent `‖Π_{E_2} f̄_a‖_π = (Σ_{j∈E_2} c_aj²)^{1/2}` with
//!   `c_aj = Σ_x √π_x f̄_a(x) u_j(x)` (u_j the orthonormal eigenvectors of `S = D^{1/2} P D^{−1/2}`).
//!   Rounding: a backward-stable solver returns an eigenspace at angle ≲ `‖E‖/δ` from the true one
//!   (Davis–Kahan sin Θ theorem), `‖E‖ ~ n·u`, δ the distance from σ_2 to the rest of the spectrum.
//! - **Residual levels** (§5 A2, A3; §7): detailed balance and `‖πP − π‖₁` in double-double
//!   ([`crate::exact::residuals`]), judged against their derived rounding bounds; `σ_1 = 1`.
//! - **σ = 1 − 1/N at β = 0**: random-scan single-site Gibbs at β = 0 is `(1/N) Σ_i Π_i` with `Π_i`
//!   re-randomizing site i; a Walsh function of degree k is multiplied by `1 − k/N`, so `σ_2 = 1 − 1/N`
//!   with multiplicity N and the next eigenvalue is `1 − 2/N`.
//! - **Self-adjointness** (§6): the symmetrized sweep `½(P_fwd + P_rev)` is reversible; the
//!   deterministic alternating scan is not, with an asymmetry `max |S_xy − S_yx|` of order 1e-2 on
//!   the documented model.

pub mod exact;
pub mod sampled;
pub mod spectral;
pub mod tempering;

use std::sync::Arc;

pub use exact::*;
pub use sampled::*;
pub use spectral::*;
pub use tempering::*;

use super::{CLAIMS_FILE, Claim};
use crate::error::{Error, Result};
use crate::exact::ExactChain;
use crate::kernel::Kernel;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel, resolve_blocks};
use crate::kernel::updates::HeatBathBlock;
use crate::model::generators::{self, Family};
use crate::model::{Model, Pairwise};

/// Random-scan single-site heat-bath Gibbs on a model (the exact-diagonalization kernel of §7): the
/// kernel and its exact chain.
///
/// # Errors
///
/// The errors of [`ExactChain::from_kernel`]: [`Error::TooLarge`] above 13 spins,
/// [`Error::Numerical`] for a non-finite `log Z`.
pub fn gibbs_kernel_and_chain(model: &Pairwise) -> Result<(Kernel, ExactChain)> {
    let m: Arc<dyn Model> = Arc::new(model.clone());
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
    let chain = ExactChain::from_kernel(m.as_ref(), &k)?;
    Ok((k, chain))
}

/// The exact chain of [`gibbs_kernel_and_chain`].
///
/// # Errors
///
/// As [`gibbs_kernel_and_chain`].
pub fn gibbs_chain(model: &Pairwise) -> Result<ExactChain> {
    Ok(gibbs_kernel_and_chain(model)?.1)
}

/// The exact-diagonalization cells named by `parameters` (families × one n, β, patterns, seed).
///
/// # Errors
///
/// [`Error::Field`] when `parameters.n`, `beta`, `patterns`, `seed` or `families` is missing or
/// mistyped, or a family is not `curie-weiss`, `sk` or `hopfield`; the generators'
/// [`Error::Model`].
pub fn exact_cells(c: &Claim) -> Result<Vec<Pairwise>> {
    let n = c.param_usize("n")?;
    let beta = c.param("beta")?;
    let m = c.param_usize("patterns")?;
    let seed = c.param_usize("seed")? as u64;
    c.param_strs("families")?
        .iter()
        .map(|f| match Family::from_name(f) {
            Some(fam) => fam.build(n, beta, m, seed),
            None => Err(Error::field(
                CLAIMS_FILE,
                format!("claim `{}`.parameters.families", c.id),
                format!("unknown family `{f}` (curie-weiss | sk | hopfield)"),
            )),
        })
        .collect()
}

/// The random-scan Gibbs chains of the cells of [`exact_cells`].
///
/// # Errors
///
/// The errors of [`exact_cells`] and [`gibbs_chain`].
pub(super) fn cell_chains(c: &Claim) -> Result<Vec<ExactChain>> {
    exact_cells(c)?.iter().map(gibbs_chain).collect()
}

/// A model with a partition of its sites into blocks.
pub(super) type BlockModel = (Arc<dyn Model>, Vec<Vec<usize>>);

/// The RBM named by `parameters` and its explicit blocks.
///
/// # Errors
///
/// [`Error::Field`] when a parameter is missing or mistyped, or `parameters.blocks` is not a
/// partition of the sites; the generator's [`Error::Model`].
pub(super) fn rbm_and_blocks(c: &Claim) -> Result<BlockModel> {
    let m = generators::rbm(
        c.param_usize("visible")?,
        c.param_usize("hidden")?,
        c.param_usize("patterns")?,
        c.param("beta")?,
        c.param_usize("seed")? as u64,
    )?;
    let model: Arc<dyn Model> = Arc::new(m);
    let blocks = resolve_blocks(model.as_ref(), &Blocks::Explicit(c.param_blocks("blocks")?))
        .map_err(|e| {
            Error::field(
                CLAIMS_FILE,
                format!("claim `{}`.parameters.blocks", c.id),
                e.to_string(),
            )
        })?;
    Ok((model, blocks))
}

/// Block heat-bath updates for the given blocks, in order.
pub fn block_updates(model: &Arc<dyn Model>, blocks: &[Vec<usize>]) -> Vec<Kernel> {
    blocks
        .iter()
        .map(|b| Kernel::update(HeatBathBlock::new(model.clone(), b.clone())))
        .collect()
}

/// "Our max residual … is within/above the published level …".
pub(super) fn level_note(worst: f64, published: f64) -> String {
    let side = if worst <= published {
        "within"
    } else {
        "above"
    };
    format!("Our max residual {worst:.2e} is {side} the published level {published:e}.")
}

/// An error in a claim's own field.
pub(super) fn claim_error(c: &Claim, field: &str, msg: impl Into<String>) -> Error {
    Error::field(CLAIMS_FILE, format!("claim `{}`.{field}", c.id), msg)
}
