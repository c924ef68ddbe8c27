//! Dense linear algebra with an explicit, fixed work split.
//!
//! faer partitions a factorisation's work by the parallelism it is *given*, not by the threads that
//! happen to run it, so passing the same [`Par`] everywhere makes every eigenvalue, solve and product
//! bit-identical at any `RAYON_NUM_THREADS` (with `Par::rayon(0)` they differed in the last bits
//! between one and two threads). The crate never touches faer's global parallelism setting: every
//! call here takes [`par()`] explicitly, so a caller's own faer configuration is left alone.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::linalg::lu::partial_pivoting::{factor, solve};
use faer::{Accum, Mat, MatRef, Par};

use crate::error::{Error, Result};

/// Work split of every dense factorisation and product.
pub const FAER_SPLIT: usize = 2;

/// The parallelism every dense call of the crate uses.
pub fn par() -> Par {
    Par::rayon(FAER_SPLIT)
}

fn evd_failed(e: impl std::fmt::Debug) -> Error {
    Error::Numerical(format!("symmetric eigensolver did not converge: {e:?}"))
}

/// Eigenvalues (descending) and the matching orthonormal eigenvectors (columns) of the symmetric
/// matrix `m`; only its lower triangle is read.
///
/// # Errors
///
/// [`Error::Numerical`] when faer's eigensolver does not converge.
pub fn sym_evd(m: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = m.nrows();
    let par = par();
    let mut u = Mat::<f64>::zeros(n, n);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let scratch =
        evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default());
    evd::self_adjoint_evd(
        m,
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    )
    .map_err(evd_failed)?;
    let vals: Vec<f64> = (0..n).rev().map(|i| s[i]).collect();
    Ok((vals, Mat::from_fn(n, n, |i, j| u[(i, n - 1 - j)])))
}

/// Eigenvalues only (tridiagonalisation and QR), descending.
///
/// # Errors
///
/// [`Error::Numerical`] when faer's eigensolver does not converge.
pub fn sym_eigenvalues(m: MatRef<'_, f64>) -> Result<Vec<f64>> {
    let n = m.nrows();
    let par = par();
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let scratch =
        evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::No, par, Default::default());
    evd::self_adjoint_evd(
        m,
        s.as_mut(),
        None,
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    )
    .map_err(evd_failed)?;
    Ok((0..n).rev().map(|i| s[i]).collect())
}

/// `a · b`.
pub fn matmul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(a.nrows(), b.ncols());
    faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, a, b, 1.0, par());
    out
}

/// `out ← a · b` into an existing matrix (no allocation).
pub fn matmul_into(out: faer::MatMut<'_, f64>, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    faer::linalg::matmul::matmul(out, Accum::Replace, a, b, 1.0, par());
}

/// Solves `a x = rhs` for every column of `rhs` by one LU factorisation with partial pivoting.
pub fn lu_solve(a: Mat<f64>, rhs: Mat<f64>) -> Mat<f64> {
    let n = a.nrows();
    let k = rhs.ncols();
    let par = par();
    let mut lu = a;
    let mut fwd = vec![0usize; n];
    let mut bwd = vec![0usize; n];
    let scratch = factor::lu_in_place_scratch::<usize, f64>(n, n, par, Default::default());
    let (_, perm) = factor::lu_in_place(
        lu.as_mut(),
        &mut fwd,
        &mut bwd,
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    );
    // The unit lower factor and the upper factor, as faer's own `PartialPivLu` splits them.
    let mut l = lu.clone();
    let mut u = Mat::<f64>::zeros(n, n);
    for j in 0..n {
        for i in 0..n {
            if i <= j {
                u[(i, j)] = lu[(i, j)];
                l[(i, j)] = if i == j { 1.0 } else { 0.0 };
            }
        }
    }
    let mut x = rhs;
    let scratch = solve::solve_in_place_scratch::<usize, f64>(n, k, par);
    solve::solve_in_place_with_conj(
        l.as_ref(),
        u.as_ref(),
        perm,
        faer::Conj::No,
        x.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
    );
    x
}

/// A general (non-symmetric) real eigendecomposition: eigenvalues `re + i·im` in the solver's order
/// (a complex-conjugate pair occupies two consecutive slots, `im > 0` first) and, when asked for, the
/// left and right eigenvectors in LAPACK's real layout (a pair's real and imaginary parts in columns
/// `j` and `j + 1`).
pub struct GeneralEvd {
    pub re: Vec<f64>,
    pub im: Vec<f64>,
    pub left: Option<Mat<f64>>,
    pub right: Option<Mat<f64>>,
}

/// The eigendecomposition of a general real square matrix (Hessenberg reduction and multishift QR).
///
/// # Errors
///
/// [`Error::Numerical`] when the QR iteration does not converge.
pub fn general_evd(m: MatRef<'_, f64>, vectors: bool) -> Result<GeneralEvd> {
    let n = m.nrows();
    let par = par();
    let want = if vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut re = faer::diag::Diag::<f64>::zeros(n);
    let mut im = faer::diag::Diag::<f64>::zeros(n);
    let mut left = vectors.then(|| Mat::<f64>::zeros(n, n));
    let mut right = vectors.then(|| Mat::<f64>::zeros(n, n));
    let scratch = evd::evd_scratch::<f64>(n, want, want, par, Default::default());
    evd::evd_real(
        m,
        re.as_mut(),
        im.as_mut(),
        left.as_mut().map(|u| u.as_mut()),
        right.as_mut().map(|u| u.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    )
    .map_err(|e| Error::Numerical(format!("general eigensolver did not converge: {e:?}")))?;
    Ok(GeneralEvd {
        re: (0..n).map(|i| re[i]).collect(),
        im: (0..n).map(|i| im[i]).collect(),
        left,
        right,
    })
}
