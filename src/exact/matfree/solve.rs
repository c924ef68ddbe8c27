//! Extreme eigenvalues and exact τ of a matrix-free symmetric operator ([`super::MatrixFree`]).
//!
//! **Eigenvalues** (A3). Both ends come from one Krylov space when its basis fits the memory
//! budget: Lanczos on `q^⊥` (`q = √π`, an exact eigenvector of `S` for any stochastic P) with full
//! re-orthogonalisation, stopped when the wanted Ritz pairs' residual estimates are below
//! [`LANCZOS_RESIDUAL`] (measured: half the products of one faer run per end).
//! Otherwise faer's restarted Lanczos, which returns the eigenvalues of largest magnitude, runs once
//! per end with that end made the largest: `S + I − 2qqᵀ` (eigenvalues `1 + σ_j ∈ [0, 2]`, the
//! stationary mode moved to 0) gives `σ_2, σ_3, …`, and `I − S` (eigenvalues `1 − σ_j`) gives
//! `σ_min`. The start vector is pseudo-random (Xoshiro256++, a fixed seed) so that no symmetry
//! sector is missed. Every pair returned is re-checked with an explicit residual
//! `r_j = ‖S u_j − σ_j u_j‖₂` (unit `u_j`): for symmetric `S` some eigenvalue lies within `r_j` of
//! `σ_j` (Parlett, *The Symmetric Eigenvalue Problem*, Thm 4.5.1), and `r_j` is reported as the
//! eigenvalue's error bound. A single Krylov vector finds each distinct eigenvalue once: the
//! multiplicities of degenerate eigenvalues are not resolved (the extremes are).
//!
//! **τ by the Poisson equation.** With `φ = √π ⊙ (f − E_π f)` and `A = I − S + qqᵀ` (symmetric
//! positive definite when the chain is reversible and ergodic: eigenvalues `1 − σ_j > 0` on `q^⊥`
//! and 1 on `q`), the asymptotic variance of the ergodic average is `σ²_as = 2⟨φ, A^{-1} φ⟩ − ‖φ‖²`
//! (Kipnis–Varadhan; in spectral form `Σ_j c_j² (1+σ_j)/(1−σ_j)`, Sokal 1997 §2) and
//! `τ = σ²_as / Var_π f` (the N/ESS convention). CG gives `û` with residual `r = φ − A û`; the
//! estimate `J = ⟨φ, û⟩ + ⟨û, r⟩` is the value of the variational functional `2⟨φ,u⟩ − ⟨u,Au⟩`
//! at `û`, so `0 ≤ ⟨φ, A^{-1}φ⟩ − J = ⟨r, A^{-1} r⟩ ≤ ‖r‖² / λ_min(A)`: the error is quadratic in the
//! residual. With `λ_min(A) ≥ 1 − σ₂ − r₂` from the eigenvalue step, τ's reported bound is
//! `2‖r‖² / ((1 − σ₂ − r₂) ‖φ‖²)` (τ can only be larger than the estimate, by at most that).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::eigen::{
    PartialEigenParams, partial_self_adjoint_eigen, partial_self_adjoint_eigen_scratch,
};
use faer::{Col, Mat};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

use super::{DEFAULT_MEMORY_BUDGET, MatrixFree, Shifted, dot, memory_bytes};
use crate::error::{Error, Limit, Result};
use crate::exact::dense::{par, sym_evd};
use crate::numeric::tolerance::{LANCZOS_RESIDUAL, POISSON_RESIDUAL};
use crate::numeric::unit_f64;

/// Settings of the Krylov solvers.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Eigenvalues wanted below `σ_1 = 1` (σ₂ … σ_{k+1}).
    pub k: usize,
    /// Largest Krylov subspace (the basis holds about `2 · max_dim` vectors of `2^N` entries).
    pub max_dim: usize,
    /// Restarts of the Lanczos iteration before giving up.
    pub max_restarts: usize,
    /// Iterations of CG before giving up on the stated residual.
    pub max_cg_iterations: usize,
    /// Bytes the backend may use.
    pub memory_budget: usize,
    /// Seed of the start vector.
    pub seed: u64,
    /// Largest basis of the mode search ([`observable_modes`](super::modes::observable_modes)),
    /// at most [`MAX_MODES_DIM`](super::modes::MAX_MODES_DIM).
    pub modes_dim: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            k: 1,
            max_dim: 64,
            max_restarts: 1000,
            max_cg_iterations: 100_000,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            seed: 0x5eed_1a2c,
            modes_dim: super::modes::MAX_MODES_DIM,
        }
    }
}

/// Eigenvalues at both ends of the spectrum of `S`, with explicit residual bounds.
#[derive(Clone, Debug, Serialize)]
pub struct Extremes {
    /// `σ_2 ≥ σ_3 ≥ …` (distinct eigenvalues; see module docs on multiplicities).
    pub top: Vec<f64>,
    /// `‖S u_j − σ_j u_j‖₂` of each, a bound on its error.
    pub top_residual: Vec<f64>,
    /// The smallest eigenvalue.
    pub sigma_min: f64,
    pub sigma_min_residual: f64,
    /// `⟨u_j, F u_j⟩` for the global flip `F`: `+1` even, `−1` odd (A9), in between when the
    /// operator does not commute with the flip.
    pub top_flip: Vec<f64>,
    /// Products with `S` the solver used (both ends, and the residual checks).
    pub matvecs: usize,
    /// Of which for the top end.
    pub top_matvecs: usize,
    #[serde(skip)]
    pub vectors: Mat<f64>,
}

impl Extremes {
    /// `γ = 1 − σ₂`.
    pub fn gap(&self) -> f64 {
        1.0 - self.top[0]
    }
    /// A lower bound on the gap, `1 − σ₂ − r₂` (floored at 0).
    pub fn gap_lower_bound(&self) -> f64 {
        (1.0 - self.top[0] - self.top_residual[0]).max(0.0)
    }
    /// The absolute spectral gap `1 − max(σ₂, |σ_min|)`.
    pub fn absolute_gap(&self) -> f64 {
        1.0 - self.top[0].max(self.sigma_min.abs())
    }
}

/// τ of one observable from the Poisson equation.
#[derive(Clone, Debug, Serialize)]
pub struct PoissonTau {
    /// `τ = σ²_as / Var_π f` (N/ESS convention); `None` for a constant observable.
    pub tau: Option<f64>,
    pub asymptotic_variance: f64,
    pub variance: f64,
    /// Explicit `‖φ − A û‖ / ‖φ‖` at the end.
    pub relative_residual: f64,
    /// Upper bound on `τ_true − τ` (≥ 0; see module docs).
    pub tau_error_bound: f64,
    pub iterations: usize,
}

pub(crate) fn check_memory(
    op: &MatrixFree,
    cols: usize,
    krylov: usize,
    budget: usize,
) -> Result<()> {
    let need = memory_bytes(op.n_spins, op.temporaries(), cols, krylov);
    if need > budget {
        return Err(Error::TooLarge {
            limit: Limit::MatrixFreeMemory,
            size: need >> 20,
            max: budget >> 20,
            why: format!(
                "2^{} states x {} vectors of f64 (Krylov basis, temporaries, log pi); lower the number of eigenpairs or observables",
                op.n_spins,
                3 + op.temporaries() * cols + krylov
            ),
        });
    }
    Ok(())
}

fn start_vector(n: usize, seed: u64) -> Col<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Col::from_fn(n, |_| 2.0 * unit_f64(rng.next_u64()) - 1.0)
}

/// Runs faer's Lanczos on `a` for its `k` eigenvalues of largest magnitude.
fn lanczos(a: &Shifted<'_>, k: usize, opts: &Options) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = a.op.n_states;
    let k = k.min(n);
    let params = PartialEigenParams {
        min_dim: (k + 8).max(opts.max_dim / 2).min(n),
        max_dim: opts.max_dim.max(2 * k + 8).min(n),
        max_restarts: opts.max_restarts,
        ..Default::default()
    };
    if params.max_dim >= n {
        return small(a, k);
    }
    let par = par();
    let mut mem = MemBuffer::new(partial_self_adjoint_eigen_scratch(a, k, par, params));
    let mut vecs = Mat::<f64>::zeros(n, k);
    let mut vals = vec![0.0; k];
    let v0 = start_vector(n, opts.seed);
    let info = partial_self_adjoint_eigen(
        vecs.as_mut(),
        &mut vals,
        a,
        v0.as_ref(),
        LANCZOS_RESIDUAL.value,
        par,
        MemStack::new(&mut mem),
        params,
    );
    if info.n_converged_eigen < k {
        return Err(Error::Numerical(format!(
            "matrix-free Lanczos: {} of {k} eigenvalues converged to a residual of {:e} after {} restarts",
            info.n_converged_eigen, LANCZOS_RESIDUAL.value, opts.max_restarts
        )));
    }
    Ok((vals, vecs))
}

/// An operator smaller than the Krylov subspace (faer's Lanczos needs `max_dim < n`): its matrix
/// from `n` products with the unit vectors, symmetrized, and a dense EVD; the `k` eigenvalues of
/// largest magnitude, as Lanczos would return them.
fn small(a: &Shifted<'_>, k: usize) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = a.op.n_states;
    let mut eye = vec![0.0; n * n];
    for i in 0..n {
        eye[i * n + i] = 1.0;
    }
    let mut cols = vec![0.0; n * n];
    a.apply_slices(&eye, &mut cols);
    let m = Mat::from_fn(n, n, |i, j| 0.5 * (cols[j * n + i] + cols[i * n + j]));
    let (vals, vecs) = sym_evd(m.as_ref())?;
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&x, &y| vals[y].abs().total_cmp(&vals[x].abs()));
    idx.truncate(k);
    Ok((
        idx.iter().map(|&j| vals[j]).collect(),
        Mat::from_fn(n, idx.len(), |i, j| vecs[(i, idx[j])]),
    ))
}

/// `⟨u_j, F u_j⟩ / ⟨u_j, u_j⟩` for the global flip `F` (state `s ↦ s ^ (2^N − 1)`), per column.
fn flip_parity(vectors: &Mat<f64>) -> Vec<f64> {
    let n = vectors.nrows();
    let mask = n - 1;
    (0..vectors.ncols())
        .map(|j| {
            let u: Vec<f64> = (0..n).map(|i| vectors[(i, j)]).collect();
            let fu: Vec<f64> = (0..n).map(|i| vectors[(i ^ mask, j)]).collect();
            dot(&u, &fu) / dot(&u, &u)
        })
        .collect()
}

/// `‖S u_j − σ_j u_j‖₂` for each column.
fn residuals(op: &MatrixFree, vecs: &Mat<f64>, sigma: &[f64]) -> Vec<f64> {
    let n = op.n_states;
    let k = vecs.ncols();
    let mut src = vec![0.0; n * k];
    for j in 0..k {
        for i in 0..n {
            src[j * n + i] = vecs[(i, j)];
        }
    }
    let mut dst = vec![0.0; n * k];
    op.apply(&src, &mut dst);
    (0..k)
        .map(|j| {
            let u = &src[j * n..(j + 1) * n];
            let su = &dst[j * n..(j + 1) * n];
            let norm = dot(u, u).sqrt();
            let r: f64 = su
                .iter()
                .zip(u)
                .map(|(a, b)| (a - sigma[j] * b).powi(2))
                .sum();
            r.sqrt() / norm
        })
        .collect()
}

/// Refuses, before any solver work, an audit whose smallest Krylov basis ([`extremes`]) or whose CG
/// vectors for `observables` right-hand sides ([`poisson_tau`]) would not fit in the budget.
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`], as the solvers themselves would.
pub fn preflight(op: &MatrixFree, opts: &Options, observables: usize) -> Result<()> {
    let k = opts.k.max(1);
    check_memory(op, k, 2 * (2 * k + 8) + 3 + 2 * k, opts.memory_budget)?;
    if observables > 0 {
        // The tabulated observables themselves, and the CG's vectors (poisson_tau).
        check_memory(op, observables, 11 * observables, opts.memory_budget)?;
    }
    Ok(())
}

/// A dot product in a fixed order at any thread count: sequential within blocks of 4096 entries,
/// the blocks' sums added in index order.
pub(crate) fn par_dot(a: &[f64], b: &[f64]) -> f64 {
    let parts: Vec<f64> = a
        .par_chunks(BLOCK)
        .zip(b.par_chunks(BLOCK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect();
    parts.iter().sum()
}

const BLOCK: usize = 1 << 12;

/// `w ← w − Σ_i (v_iᵀ w) v_i` over `basis`, twice (classical Gram–Schmidt with one full
/// re-orthogonalisation, Giraud et al. 2005: "twice is enough"); each pass reads every vector once.
fn orthogonalize(basis: &[Vec<f64>], w: &mut [f64]) {
    orthogonalize_coefficients(basis, w);
}

/// [`orthogonalize`], returning `Σ_passes v_iᵀ w` per basis vector: the coefficients of the
/// original `w` on the basis (what a Rayleigh–Ritz step needs).
pub(crate) fn orthogonalize_coefficients(basis: &[Vec<f64>], w: &mut [f64]) -> Vec<f64> {
    let k = basis.len();
    let mut total = vec![0.0; k];
    for _ in 0..2 {
        // Every v_iᵀ w in one pass over w (a block of w stays in cache while the basis streams
        // by), the blocks' partial sums added in index order: one answer at any thread count.
        let partials: Vec<Vec<f64>> = w
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, chunk)| {
                let o = b * BLOCK;
                basis
                    .iter()
                    .map(|v| {
                        chunk
                            .iter()
                            .zip(&v[o..o + chunk.len()])
                            .map(|(x, y)| x * y)
                            .sum::<f64>()
                    })
                    .collect()
            })
            .collect();
        let mut c = vec![0.0; k];
        for p in &partials {
            for (ci, pi) in c.iter_mut().zip(p) {
                *ci += pi;
            }
        }
        w.par_chunks_mut(BLOCK).enumerate().for_each(|(b, chunk)| {
            let (o, len) = (b * BLOCK, chunk.len());
            for (v, &ci) in basis.iter().zip(&c) {
                for (x, y) in chunk.iter_mut().zip(&v[o..o + len]) {
                    *x -= ci * y;
                }
            }
        });
        for (t, ci) in total.iter_mut().zip(&c) {
            *t += ci;
        }
    }
    total
}

/// The Ritz pairs [`two_ended`] returns: the `k` largest and the smallest.
struct TwoEnds {
    top: Vec<f64>,
    top_vectors: Vec<Vec<f64>>,
    bottom: f64,
    bottom_vector: Vec<f64>,
}

/// Both ends of the spectrum of `S` on `q^⊥` from one Krylov space: Lanczos with full
/// re-orthogonalisation (against `q` and every basis vector) from the pseudo-random start,
/// checked every 8 steps; stops when the `k` largest and the smallest Ritz pairs have residual
/// estimates `β_m |y_m|` ≤ [`LANCZOS_RESIDUAL`]. `None` when `max_steps` steps do not get there (the
/// caller then runs faer's restarted Lanczos on each end).
///
/// Why not faer alone (measured, Curie–Weiss N = 20): its restarted Lanczos returns one end of the
/// spectrum per run, so σ₂ and σ_min took two runs of 65 products each; one Krylov space serves
/// both ends, which roughly halves the products.
fn two_ended(op: &MatrixFree, k: usize, max_steps: usize, seed: u64) -> Option<TwoEnds> {
    two_ended_with(
        &|src, dst| op.apply(src, dst),
        &op.sqrt_pi,
        k,
        max_steps,
        seed,
        true,
    )
}

/// [`two_ended`] for any symmetric operator `apply` with `A q = q` (`q ∝ sqrt_pi`), on `q^⊥`;
/// `bottom = false` waits for the top `k` only (and returns no bottom vector).
fn two_ended_with(
    apply: &dyn Fn(&[f64], &mut [f64]),
    sqrt_pi: &[f64],
    k: usize,
    max_steps: usize,
    seed: u64,
    bottom_wanted: bool,
) -> Option<TwoEnds> {
    let n = sqrt_pi.len();
    let qn = dot(sqrt_pi, sqrt_pi).sqrt();
    let q: Vec<f64> = sqrt_pi.iter().map(|x| x / qn).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut w: Vec<f64> = (0..n)
        .map(|_| 2.0 * unit_f64(rng.next_u64()) - 1.0)
        .collect();
    orthogonalize(std::slice::from_ref(&q), &mut w);
    let nrm = par_dot(&w, &w).sqrt();
    w.iter_mut().for_each(|x| *x /= nrm);
    let mut basis: Vec<Vec<f64>> = vec![q];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut sw = vec![0.0; n];
    for step in 0..max_steps.min(n - 1) {
        apply(&w, &mut sw);
        let a = par_dot(&w, &sw);
        basis.push(std::mem::take(&mut w));
        orthogonalize(&basis, &mut sw);
        let b = par_dot(&sw, &sw).sqrt();
        alpha.push(a);
        beta.push(b);
        let m = alpha.len();
        let done = step + 1 == max_steps.min(n - 1) || b == 0.0;
        if m > k + 1 && (m % 8 == 0 || done) {
            let t = Mat::from_fn(m, m, |i, j| {
                if i == j {
                    alpha[i]
                } else if i + 1 == j || j + 1 == i {
                    beta[i.min(j)]
                } else {
                    0.0
                }
            });
            let (vals, vecs) = sym_evd(t.as_ref()).ok()?;
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&x, &y| vals[y].total_cmp(&vals[x]));
            let est = |j: usize| b * vecs[(m - 1, j)].abs();
            let wanted: Vec<usize> = order[..k]
                .iter()
                .copied()
                .chain(bottom_wanted.then_some(order[m - 1]))
                .collect();
            if wanted.iter().all(|&j| est(j) <= LANCZOS_RESIDUAL.value) {
                let ritz = |j: usize| -> Vec<f64> {
                    let mut u = vec![0.0; n];
                    u.par_chunks_mut(BLOCK).enumerate().for_each(|(c, chunk)| {
                        let (o, len) = (c * BLOCK, chunk.len());
                        for (i, v) in basis[1..].iter().enumerate() {
                            let y = vecs[(i, j)];
                            for (x, e) in chunk.iter_mut().zip(&v[o..o + len]) {
                                *x += y * e;
                            }
                        }
                    });
                    u
                };
                let top: Vec<f64> = order[..k].iter().map(|&j| vals[j]).collect();
                let tv = order[..k].iter().map(|&j| ritz(j)).collect();
                let bottom = order[m - 1];
                return Some(TwoEnds {
                    top,
                    top_vectors: tv,
                    bottom: vals[bottom],
                    bottom_vector: if bottom_wanted {
                        ritz(bottom)
                    } else {
                        Vec::new()
                    },
                });
            }
        }
        if b == 0.0 {
            return None;
        }
        w = sw.iter().map(|x| x / b).collect();
    }
    None
}

/// `σ_2 … σ_{k+1}` and `σ_min` of a symmetric matrix-free `S`, each with its residual bound, and
/// the flip parity of the top eigenvectors.
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`] when the Krylov basis would not fit in
/// `opts.memory_budget`, and [`Error::Numerical`] when Lanczos does not converge.
pub fn extremes(op: &MatrixFree, opts: &Options) -> Result<Extremes> {
    let n = op.n_states;
    let k = opts.k.max(1).min(n.saturating_sub(1).max(1));
    // V (max_dim + 1) and faer's tmp (max_dim), the operator's scratch (2 per column), the
    // residual check (2k): the subspace shrinks to what the budget holds (fewer vectors, more
    // restarts), down to 2k + 8, below which the backend refuses.
    let fixed = 3 + op.temporaries() * k + 3 + 2 * k;
    let fits = (opts.memory_budget / (8 * n)).saturating_sub(fixed) / 2;
    let max_dim = opts.max_dim.min(fits).max(2 * k + 8).min(n);
    check_memory(op, k.max(1), 2 * max_dim + 3 + 2 * k, opts.memory_budget)?;
    let opts = &Options { max_dim, ..*opts };
    let before = op.products();
    // One Krylov space for both ends, with as many steps as the budget holds (up to 2 max_dim;
    // the basis, S v, the Ritz vectors), else faer per end.
    let room = (opts.memory_budget / (8 * n)).saturating_sub(3 + op.temporaries() + 4 + 2 * k);
    let steps = (2 * opts.max_dim).min(room);
    if steps >= 2 * k + 16
        && n > steps + 2
        && let Some(TwoEnds {
            top,
            top_vectors: tv,
            bottom,
            bottom_vector: bv,
        }) = two_ended(op, k, steps, opts.seed)
    {
        let vectors = Mat::from_fn(n, k, |i, j| tv[j][i]);
        let top_residual = residuals(op, &vectors, &top);
        let top_matvecs = op.products() - before;
        let bvec = Mat::from_fn(n, 1, |i, _| bv[i]);
        let sigma_min_residual = residuals(op, &bvec, &[bottom])[0];
        return Ok(Extremes {
            top_flip: flip_parity(&vectors),
            top,
            top_residual,
            sigma_min: bottom,
            sigma_min_residual,
            matvecs: op.products() - before,
            top_matvecs,
            vectors,
        });
    }
    let top_op = Shifted {
        op,
        alpha: 1.0,
        beta: 1.0,
        delta: 2.0,
    };
    let (vals, vecs) = lanczos(&top_op, k, opts)?;
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let top: Vec<f64> = order.iter().map(|&j| vals[j] - 1.0).collect();
    let vectors = Mat::from_fn(n, k, |i, j| vecs[(i, order[j])]);
    let top_residual = residuals(op, &vectors, &top);
    let top_flip = flip_parity(&vectors);
    let bottom_op = Shifted {
        op,
        alpha: -1.0,
        beta: 1.0,
        delta: 0.0,
    };
    let top_matvecs = op.products() - before;
    let (bv, bvec) = lanczos(&bottom_op, 1, opts)?;
    let sigma_min = 1.0 - bv[0];
    let sigma_min_residual = residuals(op, &bvec, &[sigma_min])[0];
    Ok(Extremes {
        top,
        top_residual,
        sigma_min,
        sigma_min_residual,
        top_flip,
        matvecs: op.products() - before,
        top_matvecs,
        vectors,
    })
}

/// Exact τ of each observable (values on the `2^N` states) by CG on the Poisson equation; `gap_lower`
/// is a lower bound on `1 − σ₂` (from [`extremes`]).
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`] when the CG vectors would not fit, and
/// [`Error::Numerical`] when `A` is found not positive definite (the chain is not reversible, or
/// not ergodic: `gap_lower = 0`).
pub fn poisson_tau(
    op: &MatrixFree,
    observables: &[Vec<f64>],
    gap_lower: f64,
    opts: &Options,
) -> Result<Vec<PoissonTau>> {
    let n = op.n_states;
    let k = observables.len();
    if k == 0 {
        return Ok(Vec::new());
    }
    if gap_lower.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::Numerical(
            "the Poisson equation needs a spectral gap: 1 - sigma_2 is not bounded away from 0"
                .into(),
        ));
    }
    // CG: x, r, p, z, Ap (5k), the operator's scratch (2k), φ and the residual check (2k), the
    // state-major copy of a product's source (k).
    check_memory(op, k, 10 * k, opts.memory_budget)?;
    let q = &op.sqrt_pi;
    // φ_a = √π ⊙ (f_a − E_π f_a), scaled to unit norm (each column's stopping rule is then
    // relative to its own observable), for the non-constant observables only ("live").
    let mut variances = vec![0.0; k];
    let mut live = Vec::with_capacity(k);
    let mut b = Vec::with_capacity(n * k);
    for (a, f) in observables.iter().enumerate() {
        let mean = q.iter().zip(f).map(|(s, v)| s * s * v).sum::<f64>();
        let col: Vec<f64> = q.iter().zip(f).map(|(s, v)| s * (v - mean)).collect();
        let nrm = dot(&col, &col).sqrt();
        variances[a] = nrm * nrm;
        if nrm > 0.0 {
            live.push(a);
            b.extend(col.iter().map(|v| v / nrm));
        }
    }
    let m = live.len();
    let a_op = Shifted {
        op,
        alpha: -1.0,
        beta: 1.0,
        delta: -1.0,
    };
    let (src, iterations) = lockstep_cg(&a_op, &b, m, opts.max_cg_iterations);
    // Explicit residuals r = φ − A û, column by column.
    let mut au = vec![0.0; n * m];
    a_op.apply_slices(&src, &mut au);
    let mut out = Vec::with_capacity(k);
    for (a, &variance) in variances.iter().enumerate() {
        let Some(j) = live.iter().position(|&l| l == a) else {
            out.push(PoissonTau {
                tau: None,
                asymptotic_variance: 0.0,
                variance: 0.0,
                relative_residual: 0.0,
                tau_error_bound: 0.0,
                iterations: 0,
            });
            continue;
        };
        let uj = &src[j * n..(j + 1) * n];
        let phij = &b[j * n..(j + 1) * n];
        let r: Vec<f64> = phij
            .iter()
            .zip(&au[j * n..(j + 1) * n])
            .map(|(p, v)| p - v)
            .collect();
        let rnorm = dot(&r, &r).sqrt();
        // Unit φ: J = ⟨φ,û⟩ + ⟨û,r⟩ estimates ⟨φ, A⁻¹φ⟩ from below, τ = 2J − 1.
        let j_val = dot(phij, uj) + dot(uj, &r);
        let tau = 2.0 * j_val - 1.0;
        out.push(PoissonTau {
            tau: Some(tau),
            asymptotic_variance: tau * variance,
            variance,
            relative_residual: rnorm,
            tau_error_bound: 2.0 * rnorm * rnorm / gap_lower.min(1.0),
            iterations: iterations[j],
        });
    }
    Ok(out)
}

/// Conjugate gradient on `m` unit right-hand sides at once, each column its own independent CG
/// (its own step lengths), sharing every product with `A` so that the kernel's laws are evaluated
/// once per row for all observables. A column stops at [`POISSON_RESIDUAL`] (its recursive
/// residual); the caller recomputes the true residual. Returns the solutions (columns one after
/// another) and each column's iteration count.
///
/// Why not faer's `conjugate_gradient` (evaluated first): its block form couples the columns and
/// stalled on nearly dependent observables (Curie–Weiss N = 8: relative residual 1.7 after 18
/// iterations), one call per column repeats every law evaluation per observable (12× the work for
/// 12 observables), and with a guess declared zero it leaves its residual uninitialised (0.24.4).
fn lockstep_cg(a: &Shifted<'_>, b: &[f64], m: usize, max_iter: usize) -> (Vec<f64>, Vec<usize>) {
    let n = a.op.n_states;
    let mut x = vec![0.0; n * m];
    let mut r = b.to_vec();
    let mut p = b.to_vec();
    let mut ap = vec![0.0; n * m];
    let mut rr: Vec<f64> = (0..m)
        .map(|j| dot(&r[j * n..(j + 1) * n], &r[j * n..(j + 1) * n]))
        .collect();
    let b_norm: Vec<f64> = rr.iter().map(|v| v.sqrt()).collect();
    let mut active: Vec<bool> = (0..m).map(|j| b_norm[j] > 0.0).collect();
    let mut iterations = vec![0usize; m];
    for _ in 0..max_iter {
        if !active.iter().any(|&v| v) {
            break;
        }
        a.apply_slices(&p, &mut ap);
        for j in 0..m {
            if !active[j] {
                continue;
            }
            let c = j * n..(j + 1) * n;
            let pap = dot(&p[c.clone()], &ap[c.clone()]);
            if pap.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                active[j] = false;
                continue;
            }
            let alpha = rr[j] / pap;
            for i in c.clone() {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            let rr_new = dot(&r[c.clone()], &r[c.clone()]);
            iterations[j] += 1;
            if rr_new.sqrt() <= POISSON_RESIDUAL.value * b_norm[j] {
                active[j] = false;
            } else {
                let beta = rr_new / rr[j];
                for i in c {
                    p[i] = r[i] + beta * p[i];
                }
            }
            rr[j] = rr_new;
        }
        // A finished column's direction no longer matters; zero it so its product is cheap to
        // ignore and cannot overflow.
        for j in 0..m {
            if !active[j] {
                p[j * n..(j + 1) * n].fill(0.0);
            }
        }
    }
    (x, iterations)
}

/// Exact τ of each observable for a kernel that need not be reversible (a sweep): the Poisson
/// equation `(I − S + qqᵀ) u = φ` is then not symmetric and is solved by BiCGSTAB (van der Vorst
/// 1992), all observables in lockstep sharing each product; `τ = 2⟨φ, û⟩ − 1` for unit `φ`, the same
/// identity as in [`poisson_tau`] (`D^{1/2}(I − P + 1πᵀ)D^{−1/2} = I − S + qqᵀ`). There is no
/// variational bound here: each result carries its explicit relative residual and
/// `tau_error_bound = NaN`.
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`] when the vectors would not fit, and
/// [`Error::Numerical`] when an observable's iteration breaks down or does not reach
/// [`POISSON_RESIDUAL`] (the chain may not be ergodic).
pub fn poisson_tau_general(
    op: &MatrixFree,
    observables: &[Vec<f64>],
    opts: &Options,
) -> Result<Vec<PoissonTau>> {
    let n = op.n_states;
    let k = observables.len();
    if k == 0 {
        return Ok(Vec::new());
    }
    // x, r, r̂, p, v, s, t (7k), φ and the residual check (2k), the operator's scratch and the
    // state-major copy (3k).
    check_memory(op, k, 12 * k, opts.memory_budget)?;
    let q = &op.sqrt_pi;
    let mut variances = vec![0.0; k];
    let mut live = Vec::with_capacity(k);
    let mut b = Vec::with_capacity(n * k);
    for (a, f) in observables.iter().enumerate() {
        let mean = q.iter().zip(f).map(|(s, v)| s * s * v).sum::<f64>();
        let col: Vec<f64> = q.iter().zip(f).map(|(s, v)| s * (v - mean)).collect();
        let nrm = dot(&col, &col).sqrt();
        variances[a] = nrm * nrm;
        if nrm > 0.0 {
            live.push(a);
            b.extend(col.iter().map(|v| v / nrm));
        }
    }
    let m = live.len();
    let a_op = Shifted {
        op,
        alpha: -1.0,
        beta: 1.0,
        delta: -1.0,
    };
    let (x, iterations) = lockstep_bicgstab(&a_op, &b, m, opts.max_cg_iterations.min(10_000))?;
    let mut ax = vec![0.0; n * m];
    a_op.apply_slices(&x, &mut ax);
    let mut out = Vec::with_capacity(k);
    for (a, &variance) in variances.iter().enumerate() {
        let Some(j) = live.iter().position(|&l| l == a) else {
            out.push(PoissonTau {
                tau: None,
                asymptotic_variance: 0.0,
                variance: 0.0,
                relative_residual: 0.0,
                tau_error_bound: 0.0,
                iterations: 0,
            });
            continue;
        };
        let c = j * n..(j + 1) * n;
        let rnorm = b[c.clone()]
            .iter()
            .zip(&ax[c.clone()])
            .map(|(p, v)| (p - v) * (p - v))
            .sum::<f64>()
            .sqrt();
        let tau = 2.0 * dot(&b[c.clone()], &x[c]) - 1.0;
        out.push(PoissonTau {
            tau: Some(tau),
            asymptotic_variance: tau * variance,
            variance,
            relative_residual: rnorm,
            tau_error_bound: f64::NAN,
            iterations: iterations[j],
        });
    }
    Ok(out)
}

/// BiCGSTAB on `m` unit right-hand sides at once, each column with its own scalars, sharing the two
/// products per iteration. A column stops at [`POISSON_RESIDUAL`] on its recursive residual.
fn lockstep_bicgstab(
    a: &Shifted<'_>,
    b: &[f64],
    m: usize,
    max_iter: usize,
) -> Result<(Vec<f64>, Vec<usize>)> {
    let n = a.op.n_states;
    let mut x = vec![0.0; n * m];
    let mut r = b.to_vec();
    let shadow = b.to_vec();
    let mut p = vec![0.0; n * m];
    let mut v = vec![0.0; n * m];
    let mut s = vec![0.0; n * m];
    let mut t = vec![0.0; n * m];
    let mut rho = vec![1.0; m];
    let mut alpha = vec![1.0; m];
    let mut omega = vec![1.0; m];
    let mut active = vec![true; m];
    let mut iterations = vec![0usize; m];
    let col = |j: usize| j * n..(j + 1) * n;
    for _ in 0..max_iter {
        if !active.iter().any(|&a| a) {
            return Ok((x, iterations));
        }
        for j in (0..m).filter(|&j| active[j]) {
            let c = col(j);
            let rho_new = dot(&shadow[c.clone()], &r[c.clone()]);
            let beta = (rho_new / rho[j]) * (alpha[j] / omega[j]);
            rho[j] = rho_new;
            for i in c {
                p[i] = r[i] + beta * (p[i] - omega[j] * v[i]);
            }
        }
        a.apply_slices(&p, &mut v);
        for j in (0..m).filter(|&j| active[j]) {
            let c = col(j);
            let d = dot(&shadow[c.clone()], &v[c.clone()]);
            if d == 0.0 || !d.is_finite() {
                return Err(Error::Numerical(format!(
                    "matrix-free BiCGSTAB broke down on observable {j} after {} iterations",
                    iterations[j]
                )));
            }
            alpha[j] = rho[j] / d;
            for i in c {
                s[i] = r[i] - alpha[j] * v[i];
            }
        }
        a.apply_slices(&s, &mut t);
        for j in 0..m {
            if !active[j] {
                continue;
            }
            let c = col(j);
            let tt = dot(&t[c.clone()], &t[c.clone()]);
            let w = if tt > 0.0 {
                dot(&t[c.clone()], &s[c.clone()]) / tt
            } else {
                0.0
            };
            omega[j] = w;
            for i in c.clone() {
                x[i] += alpha[j] * p[i] + w * s[i];
                r[i] = s[i] - w * t[i];
            }
            iterations[j] += 1;
            let rr = dot(&r[c.clone()], &r[c]).sqrt();
            if rr <= POISSON_RESIDUAL.value {
                active[j] = false;
            } else if w == 0.0 || !rr.is_finite() {
                return Err(Error::Numerical(format!(
                    "matrix-free BiCGSTAB stagnated on observable {j} at a relative residual of {rr:e}"
                )));
            }
        }
        for j in (0..m).filter(|&j| !active[j]) {
            let c = col(j);
            p[c.clone()].fill(0.0);
            s[c].fill(0.0);
        }
    }
    if active.iter().any(|&a| a) {
        return Err(Error::Numerical(format!(
            "matrix-free BiCGSTAB did not reach a relative residual of {:e} in {max_iter} iterations",
            POISSON_RESIDUAL.value
        )));
    }
    Ok((x, iterations))
}

/// The pseudo-spectral gap of a (possibly non-reversible) kernel at scale, as the dense
/// [`reversibilization_gaps`](crate::trainability::mixing::reversibilization_gaps) defines it:
/// `γ_k = 1 − λ₂(G_k)` with `G_k = (S^k)ᵀ S^k` (the multiplicative reversibilization of `P^k`,
/// Paulin 2015, in the symmetrized coordinates), and `γ_ps = max_{k ≤ max_k} γ_k / k`. Each `λ₂`
/// by Lanczos on `q^⊥` with `G_k` applied as `k` products with `S` then `k` with `Sᵀ` (never
/// formed); `residual_by_k` is the explicit `‖G_k u − λ u‖` of each unit Ritz vector, a bound on
/// that `λ₂`'s error.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixFreePseudoGap {
    pub gap_by_k: Vec<f64>,
    pub residual_by_k: Vec<f64>,
    pub pseudo_gap: f64,
    pub k: usize,
    pub matvecs: usize,
}

/// [`MatrixFreePseudoGap`] for `k = 1 … max_k`.
///
/// # Errors
///
/// [`Error::Numerical`] when the transpose is not available (an update of more than
/// [`MAX_TRANSPOSE_BLOCK`](super::MAX_TRANSPOSE_BLOCK) sites) or Lanczos does not converge;
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`] when the basis would not fit.
pub fn pseudo_gap(op: &MatrixFree, max_k: usize, opts: &Options) -> Result<MatrixFreePseudoGap> {
    let n = op.n_states;
    let before = op.products();
    // The transpose either exists for this plan or not (a property of the updates, not the data).
    let mut probe = vec![0.0; n];
    op.apply_transpose(&op.sqrt_pi, &mut probe)?;
    drop(probe);
    let fixed = 3 + op.temporaries() + 6;
    let room = (opts.memory_budget / (8 * n)).saturating_sub(fixed);
    let steps = (2 * opts.max_dim).min(room).min(n.saturating_sub(2));
    check_memory(op, 1, steps + fixed, opts.memory_budget)?;
    let (mut gap_by_k, mut residual_by_k) = (Vec::new(), Vec::new());
    for k in 1..=max_k.max(1) {
        // Two scratch vectors, allocated once for all products of this k.
        let bufs = std::cell::RefCell::new((vec![0.0; n], vec![0.0; n]));
        let gram = |src: &[f64], dst: &mut [f64]| {
            let mut guard = bufs.borrow_mut();
            let (a, b) = &mut *guard;
            a.copy_from_slice(src);
            for _ in 0..k {
                op.apply(a, b);
                std::mem::swap(a, b);
            }
            for _ in 0..k {
                if op.apply_transpose(a, b).is_err() {
                    b.fill(f64::NAN);
                }
                std::mem::swap(a, b);
            }
            dst.copy_from_slice(a);
        };
        let ends = two_ended_with(&gram, &op.sqrt_pi, 1, steps, opts.seed, false).ok_or_else(|| {
            Error::Numerical(format!(
                "the pseudo-spectral gap: Lanczos on (S^{k})^T S^{k} did not reach the residual {:e} in {steps} steps",
                LANCZOS_RESIDUAL.value
            ))
        })?;
        let (lambda, u) = (ends.top[0], &ends.top_vectors[0]);
        let nrm = par_dot(u, u).sqrt();
        let u: Vec<f64> = u.iter().map(|x| x / nrm).collect();
        let mut gu = vec![0.0; n];
        gram(&u, &mut gu);
        let r = gu
            .iter()
            .zip(&u)
            .map(|(g, x)| (g - lambda * x) * (g - lambda * x))
            .sum::<f64>()
            .sqrt();
        gap_by_k.push(1.0 - lambda);
        residual_by_k.push(r);
    }
    let (k, pseudo_gap) = gap_by_k
        .iter()
        .enumerate()
        .map(|(i, g)| (i + 1, g / (i + 1) as f64))
        .fold(
            (0, f64::NEG_INFINITY),
            |best, c| if c.1 > best.1 { c } else { best },
        );
    Ok(MatrixFreePseudoGap {
        gap_by_k,
        residual_by_k,
        pseudo_gap,
        k,
        matvecs: op.products() - before,
    })
}
