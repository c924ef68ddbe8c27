//! The spectral engine: eigenpairs of `S = D^{1/2} P D^{−1/2}` (docs/science.md §2), optionally
//! block-diagonalised by the global flip, the one place the crate decomposes an exact chain (A3's spectrum and the
//! spectral engine's modes come from here). The quantities built on the modes (overlaps, τ, CLT
//! variances) are [`crate::trainability::projection`].
//!
//! **Flip blocking.** When π is flip-invariant and P flip-equivariant (A9), S commutes with the
//! permutation F of the flip. In the basis `e_r = (δ_r + δ_{Fr})/√2`, `o_r = (δ_r − δ_{Fr})/√2`
//! (r over the states with the top spin down) S is block diagonal with even block
//! `E_rr' = ½(S_rr' + S_r,Fr' + S_Fr,r' + S_Fr,Fr')` and odd block `O_rr' = ½(S_rr' − S_r,Fr' − S_Fr,r' + S_Fr,Fr')`.
//! Two half-size symmetric EVDs replace one full one (4× fewer flops), every eigenvector has an
//! exact parity, and degenerate eigenvalues of opposite parity no longer mix arbitrarily. The
//! blocks are built from the flip-averaged S, so the cross blocks (which vanish under exact
//! equivariance) are dropped; they are bounded by the A9 residual, which perturbs each eigenvalue
//! by at most that much (Weyl).
//!
//! **Eigenspaces.** Individual eigenvectors are arbitrary inside a degenerate eigenspace; every
//! basis-dependent quantity here is summed over an eigenspace ([`Spectrum::group`]: consecutive
//! eigenvalues of one sector within [`EIGENSPACE_GAP`] share an id).

pub mod flip;

use std::sync::OnceLock;

use faer::Mat;
use serde::Serialize;

use super::ExactChain;
use super::dense::{matmul, sym_eigenvalues, sym_evd};
use crate::error::Result;
use crate::model::symmetry::global_flip;
use crate::numeric::tolerance::EIGENSPACE_GAP;

/// Parity of an eigenvector under the global flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    Even,
    Odd,
}

impl Parity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Parity::Even => "even",
            Parity::Odd => "odd",
        }
    }
}

#[derive(Clone, Debug)]
enum Basis {
    /// Columns are the orthonormal eigenvectors `u_j` in global order.
    Full(Mat<f64>),
    /// Even-block eigenvectors; the odd block's eigenvectors are computed on first use (they are
    /// only needed for vectors with a non-zero odd part — never for flip-invariant observables,
    /// whose overlaps with odd modes are then exactly zero).
    Flip {
        n_spins: usize,
        even: Mat<f64>,
        odd_block: Mat<f64>,
        odd: OnceLock<Mat<f64>>,
    },
}

/// Eigenpairs of the symmetrized operator of a reversible chain.
#[derive(Clone, Debug)]
pub struct Spectrum {
    pub n: usize,
    /// Eigenvalues, descending; index 0 is the stationary mode `σ_1 = 1`.
    pub sigma: Vec<f64>,
    /// Flip parity of each mode (flip-blocked decomposition only).
    pub parity: Option<Vec<Parity>>,
    /// Eigenspace id of each mode (see module docs).
    pub group: Vec<usize>,
    pub sqrt_pi: Vec<f64>,
    basis: Basis,
    /// For `Basis::Flip`: `(is_odd, column)` of each global mode.
    order: Vec<(bool, usize)>,
}

/// The symmetric part of S, or its even and odd flip blocks, scattered from the non-zero entries of
/// P (single-site kernels have N+1 per row): one sequential pass over P, no strided reads.
/// Full: `S̃_xy = ½(S_xy + S_yx)`. Flip: with `rep(x)` the state of the pair {x, Fx} whose top spin is
/// down and `sgn(x) = ±1` (+ for the representative), `E_{rep x, rep y} += ½ S_xy` and
/// `O_{rep x, rep y} += ½ sgn(x) sgn(y) S_xy`, then the symmetric part of each block — exactly the
/// formulas of the module docs.
fn build_symmetric(chain: &ExactChain, flip: Option<usize>) -> (Mat<f64>, Option<Mat<f64>>) {
    let n = chain.n_states;
    let s_xy = |x: usize, y: usize, p: f64| p * (0.5 * (chain.log_pi[x] - chain.log_pi[y])).exp();
    match flip {
        None => {
            let mut m = Mat::<f64>::zeros(n, n);
            for x in 0..n {
                for (y, &p) in chain.row(x).iter().enumerate() {
                    if p != 0.0 {
                        let v = 0.5 * s_xy(x, y, p);
                        m[(x, y)] += v;
                        m[(y, x)] += v;
                    }
                }
            }
            (m, None)
        }
        Some(ns) => {
            let h = n / 2;
            let rep = |x: usize| {
                if x < h {
                    (x, 1.0)
                } else {
                    (global_flip(x, ns), -1.0)
                }
            };
            let mut e = Mat::<f64>::zeros(h, h);
            let mut o = Mat::<f64>::zeros(h, h);
            for x in 0..n {
                let (rx, sx) = rep(x);
                for (y, &p) in chain.row(x).iter().enumerate() {
                    if p != 0.0 {
                        let (ry, sy) = rep(y);
                        let v = 0.25 * s_xy(x, y, p);
                        e[(rx, ry)] += v;
                        e[(ry, rx)] += v;
                        o[(rx, ry)] += sx * sy * v;
                        o[(ry, rx)] += sx * sy * v;
                    }
                }
            }
            (e, Some(o))
        }
    }
}

/// The symmetric part `(S + Sᵀ)/2` of the similarity transform as a dense matrix: the matrix every
/// unblocked decomposition of this module factorises (for cross-checks against other solvers).
pub fn symmetric_part(chain: &ExactChain) -> Mat<f64> {
    build_symmetric(chain, None).0
}

/// Merges the descending eigenvalues of the even and odd sectors into one descending list, with
/// each mode's `(is_odd, column)` and parity; ties put the even mode first.
fn merge_sectors(ve: &[f64], vo: &[f64]) -> (Vec<f64>, Vec<(bool, usize)>, Vec<Parity>) {
    let (mut ie, mut io) = (0, 0);
    let n = ve.len() + vo.len();
    let mut sigma = Vec::with_capacity(n);
    let mut order = Vec::with_capacity(n);
    let mut parity = Vec::with_capacity(n);
    while ie < ve.len() || io < vo.len() {
        let take_even = io >= vo.len() || (ie < ve.len() && ve[ie] >= vo[io]);
        if take_even {
            sigma.push(ve[ie]);
            order.push((false, ie));
            parity.push(Parity::Even);
            ie += 1;
        } else {
            sigma.push(vo[io]);
            order.push((true, io));
            parity.push(Parity::Odd);
            io += 1;
        }
    }
    (sigma, order, parity)
}

/// The eigenvalues of [`Spectrum::new`] without any eigenvector (tridiagonalisation and QR only):
/// descending, with the flip parity of each mode when blocked. For checks that need the spectrum
/// but not the modes (A3 when no spectral stage follows).
///
/// # Errors
///
/// [`Error::Numerical`](crate::Error::Numerical) when the eigensolver does not converge.
pub fn eigenvalues(
    chain: &ExactChain,
    flip: Option<usize>,
) -> Result<(Vec<f64>, Option<Vec<Parity>>)> {
    let n = chain.n_states;
    match flip.filter(|&ns| n >= 2 && n == 1usize << ns) {
        None => Ok((
            sym_eigenvalues(build_symmetric(chain, None).0.as_ref())?,
            None,
        )),
        Some(ns) => {
            let (even, odd) = build_symmetric(chain, Some(ns));
            let odd = odd.unwrap_or_else(|| Mat::zeros(n / 2, n / 2));
            let (ve, vo) = rayon::join(
                || sym_eigenvalues(even.as_ref()),
                || sym_eigenvalues(odd.as_ref()),
            );
            let (sigma, _, parity) = merge_sectors(&ve?, &vo?);
            Ok((sigma, Some(parity)))
        }
    }
}

impl Spectrum {
    /// Decomposes the symmetric part of S; with `flip = Some(n_spins)` block-diagonalises by the
    /// global flip first (the caller has checked A9's π-invariance and equivariance).
    ///
    /// # Errors
    ///
    /// [`Error::Numerical`](crate::Error::Numerical) when the eigensolver does not converge.
    ///
    /// # Examples
    ///
    /// Random-scan single-site Gibbs at β = 0 on N spins multiplies a Walsh function of degree k by
    /// `1 − k/N`: `σ_2 = 1 − 1/N` with multiplicity N (the odd degree-1 functions), then `1 − 2/N`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::exact::spectrum::{Parity, Spectrum};
    /// use mcmc_audit::prelude::*;
    ///
    /// let n = 4;
    /// let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(n, 0.0)?);
    /// let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
    /// let chain = ExactChain::from_kernel(model.as_ref(), &kernel)?;
    ///
    /// let s = Spectrum::new(&chain, None)?;
    /// assert!((s.sigma[0] - 1.0).abs() < 1e-12);
    /// for j in 1..=n {
    ///     assert!((s.sigma[j] - (1.0 - 1.0 / n as f64)).abs() < 1e-12);
    /// }
    /// assert!((s.sigma[n + 1] - (1.0 - 2.0 / n as f64)).abs() < 1e-12);
    /// assert_eq!(s.group_members(s.group[1]), [1, 2, 3, 4]); // one eigenspace
    ///
    /// // Blocked by the global flip, every mode has a parity.
    /// let blocked = Spectrum::new(&chain, Some(n))?;
    /// assert_eq!(blocked.parity.as_ref().unwrap()[1], Parity::Odd);
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn new(chain: &ExactChain, flip: Option<usize>) -> Result<Self> {
        let n = chain.n_states;
        let sqrt_pi: Vec<f64> = chain.log_pi.iter().map(|&l| (0.5 * l).exp()).collect();
        let flip = flip.filter(|&ns| n >= 2 && n == 1usize << ns);
        let (sigma, basis, order, parity) = match flip {
            None => {
                let (s, _) = build_symmetric(chain, None);
                let (vals, u) = sym_evd(s.as_ref())?;
                let order = (0..n).map(|j| (false, j)).collect();
                (vals, Basis::Full(u), order, None)
            }
            Some(ns) => {
                let h = n / 2;
                let (even, odd) = build_symmetric(chain, Some(ns));
                let odd = odd.unwrap_or_else(|| Mat::zeros(h, h));
                // The two sectors are independent: decompose them concurrently. Each solve keeps
                // faer's fixed work split, so the bits do not depend on which thread runs it.
                let (even_evd, odd_vals) =
                    rayon::join(|| sym_evd(even.as_ref()), || sym_eigenvalues(odd.as_ref()));
                let (ve, ue) = even_evd?;
                let vo = odd_vals?;
                let (sigma, order, parity) = merge_sectors(&ve, &vo);
                (
                    sigma,
                    Basis::Flip {
                        n_spins: ns,
                        even: ue,
                        odd_block: odd,
                        odd: OnceLock::new(),
                    },
                    order,
                    Some(parity),
                )
            }
        };
        // Eigenspaces: consecutive eigenvalues of one sector within the solver bound.
        let mut group = vec![0usize; n];
        let mut next = 0usize;
        let mut last: [Option<(f64, usize)>; 2] = [None, None];
        for g in 0..n {
            let sec = parity
                .as_ref()
                .map_or(0, |p: &Vec<Parity>| usize::from(p[g] == Parity::Odd));
            match last[sec] {
                Some((v, id)) if EIGENSPACE_GAP.accepts(v - sigma[g], n) => group[g] = id,
                _ => {
                    group[g] = next;
                    next += 1;
                }
            }
            last[sec] = Some((sigma[g], group[g]));
        }
        Ok(Spectrum {
            n,
            sigma,
            parity,
            group,
            sqrt_pi,
            basis,
            order,
        })
    }

    /// The odd block's eigenvectors, descending (computed once, on first use). A solver failure
    /// (never seen on symmetric input) yields NaN vectors, which every downstream check rejects.
    fn odd_vectors(&self) -> &Mat<f64> {
        match &self.basis {
            Basis::Flip { odd_block, odd, .. } => odd.get_or_init(|| {
                let k = odd_block.nrows();
                sym_evd(odd_block.as_ref())
                    .map_or_else(|_| Mat::from_fn(k, k, |_, _| f64::NAN), |r| r.1)
            }),
            Basis::Full(u) => u,
        }
    }

    /// Whether the decomposition was flip-blocked.
    pub fn is_flip_blocked(&self) -> bool {
        matches!(self.basis, Basis::Flip { .. })
    }

    /// The spin count of the global flip this spectrum was blocked by (`None` if unblocked).
    pub fn flip_spins(&self) -> Option<usize> {
        match self.basis {
            Basis::Flip { n_spins, .. } => Some(n_spins),
            Basis::Full(_) => None,
        }
    }

    /// `Uᵀ w` for each vector `w` (length n): the coefficients of `w` on every mode, global order.
    pub fn analyze(&self, ws: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let n = self.n;
        let m = ws.len();
        if m == 0 {
            return Vec::new();
        }
        match &self.basis {
            Basis::Full(u) => {
                let w = Mat::from_fn(n, m, |i, j| ws[j][i]);
                let c = matmul(u.transpose(), w.as_ref());
                (0..m)
                    .map(|j| (0..n).map(|g| c[(g, j)]).collect())
                    .collect()
            }
            Basis::Flip { n_spins, even, .. } => {
                let h = n / 2;
                let s = std::f64::consts::FRAC_1_SQRT_2;
                let we = Mat::from_fn(h, m, |r, j| {
                    s * (ws[j][r] + ws[j][global_flip(r, *n_spins)])
                });
                let wo = Mat::from_fn(h, m, |r, j| {
                    s * (ws[j][r] - ws[j][global_flip(r, *n_spins)])
                });
                let ce = matmul(even.transpose(), we.as_ref());
                let co = if wo.col_iter().all(|c| c.iter().all(|&v| v == 0.0)) {
                    Mat::zeros(h, m)
                } else {
                    matmul(self.odd_vectors().transpose(), wo.as_ref())
                };
                (0..m)
                    .map(|j| {
                        self.order
                            .iter()
                            .map(|&(o, c)| if o { co[(c, j)] } else { ce[(c, j)] })
                            .collect()
                    })
                    .collect()
            }
        }
    }

    /// `U c` for each coefficient vector `c` (global mode order): back to state space.
    pub fn synthesize(&self, cs: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let n = self.n;
        let m = cs.len();
        if m == 0 {
            return Vec::new();
        }
        match &self.basis {
            Basis::Full(u) => {
                let c = Mat::from_fn(n, m, |g, j| cs[j][g]);
                let w = matmul(u.as_ref(), c.as_ref());
                (0..m)
                    .map(|j| (0..n).map(|i| w[(i, j)]).collect())
                    .collect()
            }
            Basis::Flip { n_spins, even, .. } => {
                let h = n / 2;
                let mut ce = Mat::<f64>::zeros(h, m);
                let mut co = Mat::<f64>::zeros(h, m);
                for (g, &(o, col)) in self.order.iter().enumerate() {
                    for j in 0..m {
                        if o {
                            co[(col, j)] = cs[j][g];
                        } else {
                            ce[(col, j)] = cs[j][g];
                        }
                    }
                }
                let ve = matmul(even.as_ref(), ce.as_ref());
                let vo = if co.col_iter().all(|c| c.iter().all(|&v| v == 0.0)) {
                    Mat::zeros(h, m)
                } else {
                    matmul(self.odd_vectors().as_ref(), co.as_ref())
                };
                let s = std::f64::consts::FRAC_1_SQRT_2;
                (0..m)
                    .map(|j| {
                        let mut out = vec![0.0; n];
                        for r in 0..h {
                            out[r] = s * (ve[(r, j)] + vo[(r, j)]);
                            out[global_flip(r, *n_spins)] = s * (ve[(r, j)] - vo[(r, j)]);
                        }
                        out
                    })
                    .collect()
            }
        }
    }

    /// The eigenvector `u_g` of one mode (state space, Euclidean-normalised).
    pub fn vector(&self, g: usize) -> Vec<f64> {
        let mut c = vec![0.0; self.n];
        c[g] = 1.0;
        self.synthesize(&[c]).remove(0)
    }

    /// The modes of eigenspace `id`.
    pub fn group_members(&self, id: usize) -> Vec<usize> {
        (0..self.n).filter(|&g| self.group[g] == id).collect()
    }
}
