//! The observable-relevant modes of a reversible matrix-free `S` (docs/science.md §10): the part of
//! the spectrum the observables see, which is what `C*(O)`, `γ_eff`, `T_O`, `Q_struct⊥` and the
//! predictors are built on.
//!
//! **Method.** Block Lanczos with full re-orthogonalisation, started from the centered observables
//! `φ_a = √π ⊙ (f_a − E_π f_a)` (one Krylov block of all of them, so that a degenerate eigenspace
//! seen by several observables is resolved jointly, and an eigenspace no observable sees never
//! enters). Every product `S v_j` is orthogonalised twice against `q = √π/‖√π‖` and the basis; the
//! coefficients are the column `H_{·j} = Vᵀ S v_j`, so after `p` processed vectors
//! `S V_p = V_p H_pp + V_u H_up + E`, where `V_u` holds the vectors not yet multiplied and `E` the
//! parts dropped by deflation ([`KRYLOV_DEFLATION`]). Rayleigh–Ritz on the symmetric part of `H_pp`
//! gives Ritz pairs `(θ_j, V_p y_j)` with residual
//! `‖S V_p y_j − θ_j V_p y_j‖ ≤ ‖H_up y_j‖ + |H_0p y_j| + ‖E‖ + ‖skew(H_pp)‖_F` (`H_0p` the
//! components along `q`), each term computed here; an eigenvalue of the symmetric `S` lies within
//! that residual of `θ_j` (Parlett, Thm 4.5.1). When every vector has been multiplied (`closed`:
//! the Krylov space is invariant) the Ritz pairs are eigenpairs to rounding.
//!
//! **Overlaps.** The observables lie in the first block, so `c_aj = ⟨φ_a, V_p y_j⟩ =
//! Σ_{i ∈ first block} (v_iᵀ φ_a) y_ij` and `Σ_j c_aj² = ‖φ_a‖² = Var_π f_a` (Parseval holds by
//! construction). A Ritz pair whose residual exceeds [`LANCZOS_RESIDUAL`] is *unconverged*: its
//! weight `Σ_a c_aj²` is reported as unresolved instead of being attributed to an eigenvalue. A
//! converged pair's weight differs from its eigenspace's by `O(r²/δ²)` (δ the distance to the rest
//! of the spectrum, Davis–Kahan).
//!
//! **Parity** (A9). The global flip `F` (state `s ↦ s ⊕ (2^N − 1)`) is an involution; when it
//! commutes with `S`, a Krylov vector started in one flip sector stays there up to rounding. Each
//! processed basis vector gets a label `ε_k = ±1` (the sector nearer to it) and its exact impurity
//! `e_k = ‖F v_k − ε_k v_k‖₂ = 2‖w_k‖` (`w_k` its component in the other sector), both in one
//! reversed pass over the vector (`O(pn)` in all, against the `O(p²n)` of the Gram–Schmidt). A Ritz
//! vector `u = Σ_k y_k v_k` has majority sector `s = sign Σ_k ε_k y_k²`, and its component in the
//! other sector is at most `ℓ = (Σ_{ε_k ≠ s} y_k²)^{1/2} + ½ Σ_k |y_k| e_k` (triangle inequality on
//! the orthonormal basis). The mode is reported even or odd when `ℓ ≤` [`FLIP_SECTOR_LEAK`] and
//! unresolved otherwise: an observable that is neither even nor odd, a kernel that does not commute
//! with `F`, or two eigenvalues of opposite parity closer than the Ritz residuals.
//!
//! **Memory and work.** The basis holds at most [`MAX_MODES_DIM`] vectors ([`Options::modes_dim`]
//! lowers it), what the memory
//! budget leaves ([`Options::memory_budget`]) and what [`MODES_WORK`] allows; products are taken [`BLOCK_COLUMNS`] columns at a
//! time (the law of each row is evaluated once for the whole block).

use faer::Mat;
use rayon::prelude::*;
use serde::Serialize;

use super::solve::{Options, check_memory, orthogonalize_coefficients, par_dot};
use super::{MatrixFree, dot};
use crate::error::{Error, Limit, Result};
use crate::exact::dense::sym_evd;
use crate::exact::spectrum::Parity;
use crate::numeric::tolerance::{
    FLIP_SECTOR_LEAK, KRYLOV_DEFLATION, LANCZOS_RESIDUAL, OVERLAP_RESOLUTION,
};

/// Largest Krylov basis of the mode search (vectors of `2^N` entries), whatever the budget.
pub const MAX_MODES_DIM: usize = 1024;

/// Work bound of the mode search's re-orthogonalisation (multiply-adds, `4 p² n` for a basis of
/// `p` vectors of `n` entries): a few minutes on two cores at an estimated Gram–Schmidt rate of
/// ~10⁹/s (not benchmarked separately); it caps the basis at ~240 vectors for 2^20 states and ~60 for 2^24, where a
/// cluster that needs more is reported truncated rather than computed for hours.
pub const MODES_WORK: f64 = 2.5e11;

/// Columns per product of the mode search.
pub const BLOCK_COLUMNS: usize = 16;

/// The Ritz pairs the observables see, with their overlaps and residual bounds.
#[derive(Clone, Debug, Serialize)]
pub struct Modes {
    /// Ritz values `θ_j`, descending (the stationary mode is not among them: every `φ_a ⊥ q`).
    pub sigma: Vec<f64>,
    /// A bound on `‖S u_j − θ_j u_j‖` (unit `u_j`; module docs).
    pub residual: Vec<f64>,
    /// `residual ≤` [`LANCZOS_RESIDUAL`].
    pub converged: Vec<bool>,
    /// `overlap[a][j] = c_aj = ⟨f_a − E_π f_a, u_j⟩_π`.
    #[serde(skip)]
    pub overlap: Vec<Vec<f64>>,
    /// `Var_π f_a = ‖φ_a‖²`.
    pub var: Vec<f64>,
    /// Basis vectors multiplied by `S` (the Ritz space's dimension).
    pub dim: usize,
    /// Whether the Krylov space closed (is invariant under `S`): every Ritz pair is then exact.
    pub closed: bool,
    /// Vectors dropped by deflation.
    pub deflated: usize,
    /// Products with `S` (a product of several columns counting once).
    pub matvecs: usize,
    /// Flip parity of each Ritz vector (A9), `None` when its component in the other flip sector may
    /// exceed [`FLIP_SECTOR_LEAK`] (module docs, "Parity").
    pub parity: Vec<Option<Parity>>,
    /// A bound on the norm of each unit Ritz vector's component in the flip sector opposite to its
    /// majority one.
    pub flip_leak: Vec<f64>,
    /// Flip parity of the stationary vector `√π` (even when `π` is flip-invariant).
    pub stationary_parity: Option<Parity>,
}

impl Modes {
    /// `Σ_a c_aj²` per Ritz pair.
    pub fn weight(&self) -> Vec<f64> {
        (0..self.sigma.len())
            .map(|j| self.overlap.iter().map(|c| c[j] * c[j]).sum())
            .collect()
    }
    /// `Σ_a Var_π f_a`.
    pub fn total(&self) -> f64 {
        self.var.iter().sum()
    }
    /// The weight on unconverged Ritz pairs relative to [`Modes::total`] (0 for constant
    /// observables).
    pub fn unresolved_weight(&self) -> f64 {
        let t = self.total();
        if t <= 0.0 {
            return 0.0;
        }
        let w = self.weight();
        w.iter()
            .zip(&self.converged)
            .filter(|(_, c)| !**c)
            .map(|(w, _)| w)
            // from +0.0: an empty f64 `sum` is -0.0, which a report prints as "-0.000".
            .fold(0.0, |a, w| a + w)
            / t
    }
}

/// The modes of `S` that the observables (values on the `2^N` states) see, by block Lanczos from
/// them (module docs). `S` must be symmetric (A2 holds); the caller checks that.
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::MatrixFreeMemory`] when not even the first block fits the
/// budget, and [`Error::Numerical`] when the small eigenproblem fails.
pub fn observable_modes(
    op: &MatrixFree,
    observables: &[Vec<f64>],
    opts: &Options,
) -> Result<Modes> {
    let n = op.n_states;
    let k = observables.len();
    let before = op.products();
    // Base vectors, the observables, the block's product and its scratch (2 per column + the
    // state-major copy); what remains holds the basis.
    let bs = BLOCK_COLUMNS.min(k.max(1));
    let reserve = 3 + k + (2 + op.temporaries()) * bs + 1;
    let room = (opts.memory_budget / (8 * n)).saturating_sub(reserve);
    // Full re-orthogonalisation costs ~4 p² n multiply-adds for a basis of p vectors.
    let by_work = (MODES_WORK / (4.0 * n as f64)).sqrt() as usize;
    let cap = room
        .min(MAX_MODES_DIM)
        .min(opts.modes_dim)
        .min(by_work.max(k + 1 + bs))
        .min(n);
    check_memory(op, bs, k + 2 * bs + 1 + (k + 1).min(n), opts.memory_budget)?;
    if cap < k + 1 {
        return Err(Error::TooLarge {
            limit: Limit::MatrixFreeMemory,
            size: (8 * n * (reserve + k + 1)) >> 20,
            max: opts.memory_budget >> 20,
            why: format!(
                "the mode search needs the {k} observables and a basis of at least {} vectors of 2^{} f64",
                k + 1,
                op.n_spins
            ),
        });
    }
    let qn = dot(&op.sqrt_pi, &op.sqrt_pi).sqrt();
    let q: Vec<f64> = op.sqrt_pi.iter().map(|x| x / qn).collect();
    let mut var = vec![0.0; k];
    let mut phis = Vec::with_capacity(k);
    for (a, f) in observables.iter().enumerate() {
        let mean = op
            .sqrt_pi
            .iter()
            .zip(f)
            .map(|(s, v)| s * s * v)
            .sum::<f64>();
        let phi: Vec<f64> = op
            .sqrt_pi
            .iter()
            .zip(f)
            .map(|(s, v)| s * (v - mean))
            .collect();
        var[a] = dot(&phi, &phi);
        phis.push(phi);
    }
    // The first block: the observables orthonormalised (against q too), dependent ones dropped.
    let mut basis: Vec<Vec<f64>> = vec![q];
    let mut deflated = 0;
    for phi in &phis {
        let before = par_dot(phi, phi).sqrt();
        if before == 0.0 {
            continue;
        }
        let mut w = phi.clone();
        orthogonalize_coefficients(&basis, &mut w);
        let after = par_dot(&w, &w).sqrt();
        if after > KRYLOV_DEFLATION.value * before && basis.len() < cap {
            w.iter_mut().for_each(|x| *x /= after);
            basis.push(w);
        } else {
            deflated += 1;
        }
    }
    let first = basis.len();
    // v_iᵀ φ_a over the first block (the later vectors are orthogonal to it).
    let coef: Vec<Vec<f64>> = phis
        .par_iter()
        .map(|phi| (1..first).map(|i| par_dot(&basis[i], phi)).collect())
        .collect();
    drop(phis);
    let total: f64 = var.iter().sum();
    // Stop once the weight left on unconverged Ritz pairs is below what a dense EVD resolves.
    let stop = OVERLAP_RESOLUTION.threshold(n).powi(2) * total;
    // H[i][j] = v_iᵀ S v_j for the processed j (columns), i over the basis at that time.
    let mut h: Vec<Vec<f64>> = Vec::new();
    let mut leftover2 = 0.0f64;
    let mut next = 1;
    let mut src = Vec::new();
    let mut dst = Vec::new();
    let mut checkpoint = 8 * bs;
    let mut ritz = None;
    while next < basis.len() {
        let end = (next + bs).min(basis.len());
        // At most `cols` new vectors, and none past the dimension of the space.
        if basis.len() + (end - next).min(n - basis.len()) > cap {
            break;
        }
        let cols = end - next;
        src.clear();
        for v in &basis[next..end] {
            src.extend_from_slice(v);
        }
        dst.resize(n * cols, 0.0);
        op.apply(&src, &mut dst[..n * cols]);
        for c in 0..cols {
            let mut w = dst[c * n..(c + 1) * n].to_vec();
            let norm_before = par_dot(&w, &w).sqrt();
            let mut col = orthogonalize_coefficients(&basis, &mut w);
            let after = par_dot(&w, &w).sqrt();
            if after > KRYLOV_DEFLATION.value * norm_before {
                w.iter_mut().for_each(|x| *x /= after);
                basis.push(w);
                col.push(after);
            } else {
                leftover2 += after * after;
                deflated += 1;
            }
            h.push(col);
        }
        next = end;
        // Rounding outside the Krylov space is amplified by every small new direction, so a
        // space that is invariant in exact arithmetic (a symmetry sector) rarely closes in floating
        // point; the Ritz pairs the observables weigh converge long before. Check at doubling
        // dimensions and stop when the unresolved weight is below the resolution floor.
        if next > checkpoint && next < basis.len() {
            checkpoint *= 2;
            let r = rayleigh_ritz(&h, next, basis.len(), leftover2, &coef, n)?;
            if r.unresolved() <= stop {
                ritz = Some(r);
                break;
            }
        }
    }
    let p = next - 1; // processed vectors: basis[1..next]
    if next < first {
        return Err(Error::TooLarge {
            limit: Limit::MatrixFreeMemory,
            size: (8 * n * (reserve + first + bs)) >> 20,
            max: opts.memory_budget >> 20,
            why: format!(
                "the mode search could not multiply its first block ({} observables) within the budget",
                first - 1
            ),
        });
    }
    let closed = next == basis.len();
    let r = match ritz {
        Some(r) => r,
        None => rayleigh_ritz(&h, next, basis.len(), leftover2, &coef, n)?,
    };
    let labels: Vec<(f64, f64)> = basis[1..next].iter().map(|v| flip_label(v)).collect();
    let (mut parity, mut flip_leak) = ritz_parity(&r.vectors, &labels);
    // Converged pairs the bound cannot place (they lean on vectors that rounding built outside the
    // observables' sectors): the leak of the Ritz vector itself.
    let need: Vec<usize> = (0..parity.len())
        .filter(|&j| r.converged[j] && parity[j].is_none())
        .collect();
    if !need.is_empty() {
        for (j, (sign, leak)) in need
            .iter()
            .zip(explicit_flip(&basis[1..next], &r.vectors, &need))
        {
            flip_leak[*j] = leak;
            parity[*j] = sector_parity(sign, leak);
        }
    }
    let q = flip_label(&basis[0]);
    let stationary_parity = sector_parity(q.0, 0.5 * q.1);
    Ok(Modes {
        stationary_parity,
        parity,
        flip_leak,
        sigma: r.sigma,
        converged: r.converged,
        residual: r.residual,
        overlap: r.overlap,
        var,
        dim: p,
        closed,
        deflated,
        matvecs: op.products() - before,
    })
}

/// `(ε, e)` of a unit vector under the global flip (module docs, "Parity"): `ε = ±1` the nearer
/// sector and `e = ‖F v − ε v‖₂`, from fixed blocks added in index order (one answer at any thread
/// count).
fn flip_label(v: &[f64]) -> (f64, f64) {
    const CHUNK: usize = 1 << 12;
    let n = v.len();
    let parts: Vec<(f64, f64)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (mut minus, mut plus) = (0.0f64, 0.0f64);
            for x in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let (a, b) = (v[n - 1 - x], v[x]);
                minus += (a - b) * (a - b);
                plus += (a + b) * (a + b);
            }
            (minus, plus)
        })
        .collect();
    let (minus, plus) = parts
        .iter()
        .fold((0.0, 0.0), |(m, p), &(a, b)| (m + a, p + b));
    if minus <= plus {
        (1.0, minus.sqrt())
    } else {
        (-1.0, plus.sqrt())
    }
}

/// The parity of a unit vector whose majority sector has sign `sign` and whose component in the
/// other sector is at most `leak`: `None` above [`FLIP_SECTOR_LEAK`].
pub fn sector_parity(sign: f64, leak: f64) -> Option<Parity> {
    FLIP_SECTOR_LEAK.accepts(leak, 0).then_some(if sign > 0.0 {
        Parity::Even
    } else {
        Parity::Odd
    })
}

/// Parity and leak bound of each Ritz vector `Σ_k y_kj v_k` from the basis labels `(ε_k, e_k)`
/// (module docs, "Parity").
fn ritz_parity(y: &Mat<f64>, labels: &[(f64, f64)]) -> (Vec<Option<Parity>>, Vec<f64>) {
    (0..y.ncols())
        .map(|j| {
            let col = |k: usize| y[(k, j)];
            let f: f64 = labels
                .iter()
                .enumerate()
                .map(|(k, l)| l.0 * col(k).powi(2))
                .sum();
            let s = if f >= 0.0 { 1.0 } else { -1.0 };
            let other: f64 = labels
                .iter()
                .enumerate()
                .filter(|(_, l)| l.0 != s)
                .map(|(k, _)| col(k).powi(2))
                .sum();
            let impure: f64 = labels
                .iter()
                .enumerate()
                .map(|(k, l)| col(k).abs() * l.1)
                .sum();
            let leak = other.sqrt() + 0.5 * impure;
            (sector_parity(s, leak), leak)
        })
        .unzip()
}

/// `(ε, leak)` of the Ritz vectors `u_j = Σ_k y_kj v_k` for the columns `cols` of `y`, formed
/// explicitly a block of rows at a time against the mirror block (`F` reverses the state index):
/// `leak = ‖F u − ε u‖ / (2‖u‖)`. Sequential products per block, the blocks' sums added in index
/// order (one answer at any thread count); `2 · n · p · |cols|` flops.
fn explicit_flip(basis: &[Vec<f64>], y: &Mat<f64>, cols: &[usize]) -> Vec<(f64, f64)> {
    let n = basis[0].len();
    let p = basis.len();
    let b = (n / 2).clamp(1, 1 << 10);
    let ysel = Mat::from_fn(p, cols.len(), |k, c| y[(k, cols[c])]);
    let rows = |c: usize| {
        let v = Mat::from_fn(b, p, |i, k| basis[k][c * b + i]);
        let mut u = Mat::<f64>::zeros(b, cols.len());
        faer::linalg::matmul::matmul(
            u.as_mut(),
            faer::Accum::Replace,
            v.as_ref(),
            ysel.as_ref(),
            1.0,
            faer::Par::Seq,
        );
        u
    };
    let m = cols.len();
    // Per pair of mirror blocks (`n / b` is an even power of two, so block `c < n/2b` never is its
    // own mirror): Σ (a − b)², Σ (a + b)² and Σ a² + b² per column.
    let parts: Vec<Vec<[f64; 3]>> = (0..n / b / 2)
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (rows(c), rows(n / b - 1 - c));
            (0..m)
                .map(|j| {
                    let mut acc = [0.0f64; 3];
                    for i in 0..b {
                        let (a, fa) = (lo[(i, j)], hi[(b - 1 - i, j)]);
                        acc[0] += (fa - a) * (fa - a);
                        acc[1] += (fa + a) * (fa + a);
                        acc[2] += a * a + fa * fa;
                    }
                    // The mirror block's terms equal this block's under x ↔ Fx.
                    acc[0] *= 2.0;
                    acc[1] *= 2.0;
                    acc
                })
                .collect()
        })
        .collect();
    (0..m)
        .map(|j| {
            let mut t = [0.0f64; 3];
            for part in &parts {
                for (t, x) in t.iter_mut().zip(part[j]) {
                    *t += x;
                }
            }
            let norm = t[2].sqrt();
            if norm == 0.0 {
                return (1.0, f64::INFINITY);
            }
            if t[0] <= t[1] {
                (1.0, 0.5 * t[0].sqrt() / norm)
            } else {
                (-1.0, 0.5 * t[1].sqrt() / norm)
            }
        })
        .collect()
}

/// Ritz pairs of the processed part of a block Lanczos run (module docs).
struct Ritz {
    sigma: Vec<f64>,
    residual: Vec<f64>,
    converged: Vec<bool>,
    overlap: Vec<Vec<f64>>,
    /// `y_j` (coefficients on the processed basis vectors `v_1 … v_p`), one column per Ritz pair in
    /// the order of `sigma`.
    vectors: Mat<f64>,
}

impl Ritz {
    /// `Σ_a Σ_{j unconverged} c_aj²` (absolute).
    fn unresolved(&self) -> f64 {
        self.overlap
            .iter()
            .map(|c| {
                c.iter()
                    .zip(&self.converged)
                    .filter(|(_, ok)| !**ok)
                    .map(|(x, _)| x * x)
                    .sum::<f64>()
            })
            .sum()
    }
}

/// Rayleigh–Ritz on the first `next − 1` processed vectors: `h[j−1]` holds `Vᵀ S v_j`, the basis
/// has `len` vectors, `leftover2` is the squared norm dropped by deflation and `coef[a]` the
/// observables' coefficients on the first block.
fn rayleigh_ritz(
    h: &[Vec<f64>],
    next: usize,
    len: usize,
    leftover2: f64,
    coef: &[Vec<f64>],
    n: usize,
) -> Result<Ritz> {
    let p = next - 1;
    let entry = |i: usize, j: usize| h[j - 1].get(i).copied().unwrap_or(0.0);
    // Symmetric part of H_pp (indices 1..next), and the skew part's Frobenius norm.
    let mut skew2 = 0.0;
    let hpp = Mat::from_fn(p, p, |r, c| {
        let (a, b) = (entry(r + 1, c + 1), entry(c + 1, r + 1));
        0.5 * (a + b)
    });
    for r in 0..p {
        for c in 0..p {
            let d = 0.5 * (entry(r + 1, c + 1) - entry(c + 1, r + 1));
            skew2 += d * d;
        }
    }
    let (vals, vecs) = sym_evd(hpp.as_ref())?;
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&x, &y| vals[y].total_cmp(&vals[x]));
    let fixed = leftover2.sqrt() + skew2.sqrt();
    // ‖H_up y_j‖ and |H_0p y_j| for every Ritz vector at once: rows 0 and next.. of H against Y.
    let rows: Vec<usize> = std::iter::once(0).chain(next..len).collect();
    let hup = Mat::from_fn(rows.len(), p, |r, c| entry(rows[r], c + 1));
    let hy = &hup * &vecs;
    let residual: Vec<f64> = order
        .iter()
        .map(|&j| {
            let r2: f64 = (1..rows.len()).map(|r| hy[(r, j)] * hy[(r, j)]).sum();
            r2.sqrt() + hy[(0, j)].abs() + fixed
        })
        .collect();
    let overlap = coef
        .iter()
        .map(|c| {
            order
                .iter()
                .map(|&j| c.iter().enumerate().map(|(i, ci)| ci * vecs[(i, j)]).sum())
                .collect()
        })
        .collect();
    Ok(Ritz {
        vectors: Mat::from_fn(p, p, |i, j| vecs[(i, order[j])]),
        sigma: order.iter().map(|&j| vals[j]).collect(),
        converged: residual
            .iter()
            .map(|&r| LANCZOS_RESIDUAL.accepts(r, n))
            .collect(),
        residual,
        overlap,
    })
}
