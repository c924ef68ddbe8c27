//! Identical rows of P as an exact factorization `P = B R`, and the smaller operator `M = R B` that
//! carries all of P's non-zero spectrum and all its powers.
//!
//! A systematic sweep whose first update resamples a block without reading it (a heat bath) gives
//! every state the same row as the states that differ from it only on that block: with `m` distinct
//! rows, `R` (m × n) holds them and `B` (n × m, `B(x, c) = 1` iff row x is row c) selects them, so
//! `P = B R` exactly and `rank P ≤ m`. Then (Horn–Johnson 2013, Thm 1.3.22: `AB` and `BA` share their
//! non-zero eigenvalues with multiplicities)
//!
//! - `spec P = spec M ∪ {0}^{n−m}` with `M = R B` (m × m), `M(c, c') = Σ_{y ∈ c'} R(c, y)`: the
//!   zeros are structural (the characteristic polynomials satisfy `χ_P(λ) = λ^{n−m} χ_M(λ)`);
//! - for `M w = λ w` (λ ≠ 0) `v = B w` is a right eigenvector of P, and for `yᴴ M = λ yᴴ`,
//!   `uᴴ = yᴴ R` is a left one;
//! - `P^t = B M^{t−1} R` for t ≥ 1, so the row of state x in `P^t` is row `c(x)` of `M^{t−1} R`;
//! - with `ν_c = (Σ_{x ∈ c} π_x)^{1/2}`, `D^{1/2} B = Q diag(ν)` with Q's columns orthonormal
//!   (disjoint supports), so `S^t = D^{1/2} P^t D^{−1/2}` has the singular values of
//!   `M_s^{t−1} R_s` with `M_s = diag(ν) M diag(ν)^{−1}` and `R_s = diag(ν) R D^{−1/2}`; both are
//!   bounded entrywise by 1 (`π_y ≥ ν_c² R(c, y)` by stationarity), so nothing overflows when π is
//!   tiny.
//!
//! The eigen-solvers are the same dense ones; only the sizes shrink (a single-site sweep halves n,
//! so every dense product is 8× cheaper) and the pile of structural zero eigenvalues, on which the
//! QR iteration spends most of its time, is gone.

use std::collections::HashMap;

use faer::Mat;

use super::ExactChain;

/// The classes of identical rows of an exact chain's P.
#[derive(Clone, Debug, PartialEq)]
pub struct Lumping {
    /// `class_of[x]`: the class of state x's row.
    pub class_of: Vec<usize>,
    /// One state per class (the first with that row).
    pub reps: Vec<usize>,
    /// States per class.
    pub sizes: Vec<usize>,
}

impl Lumping {
    /// The classes of bit-identical rows of `chain.p`, or `None` when every row is distinct (then
    /// there is nothing to factor). One pass over P, rows compared exactly (a hash picks the
    /// candidates; equal hashes of different rows make different classes).
    pub fn of(chain: &ExactChain) -> Option<Self> {
        let n = chain.n_states;
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut class_of = vec![0usize; n];
        let mut reps: Vec<usize> = Vec::new();
        for (x, slot) in class_of.iter_mut().enumerate() {
            let row = chain.row(x);
            let h = row.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
                (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
            });
            let candidates = by_hash.entry(h).or_default();
            let found = candidates
                .iter()
                .copied()
                .find(|&c| chain.row(reps[c]) == row);
            *slot = match found {
                Some(c) => c,
                None => {
                    candidates.push(reps.len());
                    reps.push(x);
                    reps.len() - 1
                }
            };
        }
        if reps.len() == n {
            return None;
        }
        let mut sizes = vec![0usize; reps.len()];
        class_of.iter().for_each(|&c| sizes[c] += 1);
        Some(Lumping {
            class_of,
            reps,
            sizes,
        })
    }

    /// The number of classes `m`.
    pub fn len(&self) -> usize {
        self.reps.len()
    }

    /// Whether there are no classes (never, for a chain with states).
    pub fn is_empty(&self) -> bool {
        self.reps.is_empty()
    }

    /// `R` (m × n): the distinct rows.
    pub fn rows(&self, chain: &ExactChain) -> Mat<f64> {
        let n = chain.n_states;
        Mat::from_fn(self.len(), n, |c, y| chain.p(self.reps[c], y))
    }

    /// `M = R B` (m × m): each distinct row summed over the classes of the columns.
    pub fn lumped(&self, chain: &ExactChain) -> Mat<f64> {
        let m = self.len();
        let mut out = Mat::<f64>::zeros(m, m);
        for (c, &x) in self.reps.iter().enumerate() {
            for (y, &p) in chain.row(x).iter().enumerate() {
                out[(c, self.class_of[y])] += p;
            }
        }
        out
    }

    /// `log ν_c = ½ log Σ_{x ∈ c} π_x` (log-sum-exp over `log π`).
    pub fn log_nu(&self, chain: &ExactChain) -> Vec<f64> {
        let m = self.len();
        let mut top = vec![f64::NEG_INFINITY; m];
        for (x, &c) in self.class_of.iter().enumerate() {
            top[c] = top[c].max(chain.log_pi[x]);
        }
        let mut sum = vec![0.0; m];
        for (x, &c) in self.class_of.iter().enumerate() {
            sum[c] += (chain.log_pi[x] - top[c]).exp();
        }
        (0..m).map(|c| 0.5 * (top[c] + sum[c].ln())).collect()
    }

    /// `μ B`: a row vector over states summed within classes.
    pub fn lump_vector(&self, mu: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        for (x, &c) in self.class_of.iter().enumerate() {
            out[c] += mu[x];
        }
        out
    }
}
