//! Spectrum of a reversible chain through the symmetric similarity transform
//! `S = D^{1/2} P D^{−1/2}` (Q-PROGRAM.md §2): real eigenvalues `σ_j` (descending here) and
//! π-orthonormal right eigenvectors `φ_j = D^{−1/2} u_j`. Dense EVD by faer (tridiagonalisation +
//! divide and conquer). Only meaningful once A2 holds; the symmetric part `(S + Sᵀ)/2` is decomposed.

use faer::{Mat, Side};

use super::ExactChain;
use super::residuals::s_entry;
use crate::error::{Error, Result};

/// Work split of every dense factorisation. faer partitions work by this count, not by the threads
/// that happen to run it, so fixing it makes eigenvalues bit-identical at any `RAYON_NUM_THREADS`
/// (with `Par::rayon(0)` they differed in the last bits between 1 and 2 threads).
pub const FAER_SPLIT: usize = 2;

/// Sets faer's global parallelism to the fixed split (call before every dense factorisation).
pub(crate) fn fix_parallelism() {
    faer::set_global_parallelism(faer::Par::rayon(FAER_SPLIT));
}

/// The symmetric part of `S`.
pub fn symmetrized(chain: &ExactChain) -> Mat<f64> {
    let n = chain.n_states;
    Mat::from_fn(n, n, |i, j| {
        if i == j {
            chain.p(i, i)
        } else {
            0.5 * (s_entry(chain, i, j) + s_entry(chain, j, i))
        }
    })
}

/// Eigenvalues of the symmetric part of `S`, descending.
pub fn eigenvalues(chain: &ExactChain) -> Result<Vec<f64>> {
    fix_parallelism();
    let s = symmetrized(chain);
    let mut v = s
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::Numerical(format!("symmetric eigensolver did not converge: {e:?}")))?;
    v.reverse();
    Ok(v)
}

/// Full decomposition: eigenvalues descending and `u_j` as the columns of the returned matrix, in the
/// same order (orthonormal in the Euclidean inner product; `φ_j = D^{−1/2} u_j`).
pub fn eigen(chain: &ExactChain) -> Result<(Vec<f64>, Mat<f64>)> {
    fix_parallelism();
    let s = symmetrized(chain);
    let evd = s
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Numerical(format!("symmetric eigensolver did not converge: {e:?}")))?;
    let n = chain.n_states;
    let vals: Vec<f64> = (0..n).rev().map(|k| evd.S()[k]).collect();
    let u = evd.U();
    let vecs = Mat::from_fn(n, n, |i, j| u[(i, n - 1 - j)]);
    Ok((vals, vecs))
}
