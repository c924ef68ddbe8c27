//! The fast path of the matrix-free product: the crate's own single-site rules (heat bath,
//! Metropolis flip) on a pairwise model, applied from a table of local fields instead of one law
//! evaluation per update and row.
//!
//! **Local fields.** `h_i(x) = b_i + Σ_j J_ij x_j` is split at bit `L` of the state index (`L` =
//! [`LOW_BITS`] or fewer): `h_i = (b_i + Σ_{j ≥ L} J_ij x_j) + Σ_{j < L} J_ij x_j`. The second sum
//! depends only on the low `L` bits and is tabulated once (`2^L × N` entries); the first is
//! computed once per block of `2^L` consecutive states. A row then costs `N` additions and, per
//! site, one `exp` for the rule's probabilities and one for the factor `√(π_s/π_t)`, which is taken
//! from the enumerated `log π` exactly as the law path does ([`super::MatrixFree`]).
//!
//! **Which probabilities.** For spin `x_i`, `u = 2β h_i x_i`:
//! heat bath `P(flip) = 1/(1 + e^{u})`, `P(stay) = 1/(1 + e^{−u})` (docs/science.md §6, the laws of
//! [`crate::kernel::updates::HeatBathSite`]); Metropolis `P(flip) = min(1, e^{−u})`,
//! `P(stay) = 1 − P(flip)` ([`crate::kernel::updates::MetropolisSite`]).
//!
//! **Validation.** The fast rows are a second implementation of laws the updates already state, so
//! before a plan uses them they are compared with [`crate::kernel::Update::law`] on a deterministic
//! sample of states; any difference beyond the derived rounding bound
//! ([`crate::numeric::tolerance::fast_path_bound`]) keeps the law path, and the report says why.

use std::sync::Arc;

use crate::kernel::{Law, SiteRule, Update};
use crate::model::{Model, Pairwise, decode, spin_of};

/// Low state-index bits whose share of every local field is tabulated (`2^10 × N` entries: at
/// N = 24, 192 KiB, which stays in a core's L2 cache).
pub const LOW_BITS: usize = 10;

/// States on which the fast rows are compared with the updates' own laws before use.
pub const VALIDATION_STATES: usize = 512;

/// The local fields of a pairwise model, split at bit `low_bits` of the state index.
#[derive(Debug)]
pub struct FieldTable {
    n: usize,
    pub low_bits: usize,
    /// `low[r · n + i] = Σ_{j < L} J_ij x_j(r)`.
    low: Vec<f64>,
    /// `b_i` and the couplings of site `i` to the sites `j ≥ L`.
    field: Vec<f64>,
    high: Vec<Vec<(usize, f64)>>,
}

impl FieldTable {
    pub fn new(m: &Pairwise) -> Self {
        let n = m.n_spins();
        let low_bits = n.min(LOW_BITS);
        let adj = m.adjacency();
        let mut low = vec![0.0; n << low_bits];
        for r in 0..1usize << low_bits {
            for (i, h) in low[r * n..(r + 1) * n].iter_mut().enumerate() {
                *h = adj[i]
                    .iter()
                    .filter(|&&(j, _)| j < low_bits)
                    .map(|&(j, w)| w * f64::from(spin_of(r, j)))
                    .sum();
            }
        }
        let high = adj
            .iter()
            .map(|a| a.iter().copied().filter(|&(j, _)| j >= low_bits).collect())
            .collect();
        FieldTable {
            n,
            low_bits,
            low,
            field: m.fields().to_vec(),
            high,
        }
    }

    /// `out_i = b_i + Σ_{j ≥ L} J_ij x_j` for the block of states sharing the high bits of `s`.
    fn high_part(&self, s: usize, out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            let mut h = self.field[i];
            for &(j, w) in &self.high[i] {
                h += w * f64::from(spin_of(s, j));
            }
            *o = h;
        }
    }

    /// Every local field at state `s`, given the block's high parts.
    #[inline]
    fn fields(&self, s: usize, high: &[f64], out: &mut [f64]) {
        let r = s & ((1 << self.low_bits) - 1);
        for ((o, h), l) in out
            .iter_mut()
            .zip(high)
            .zip(&self.low[r * self.n..(r + 1) * self.n])
        {
            *o = h + l;
        }
    }
}

/// One weighted single-site move of a flat plan.
#[derive(Clone, Copy, Debug)]
struct Move {
    weight: f64,
    site: usize,
    rule: SiteRule,
    beta: f64,
}

/// A flat mixture of single-site rules on one pairwise model, applied from its [`FieldTable`].
#[derive(Debug)]
pub struct FastSites {
    moves: Vec<Move>,
    table: Arc<FieldTable>,
}

/// `(P(flip), P(stay))` of one rule at spin `x_i` with local field `h`.
#[inline]
fn probabilities(rule: SiteRule, beta: f64, h: f64, xi: f64) -> (f64, f64) {
    let u = 2.0 * beta * h * xi;
    match rule {
        SiteRule::HeatBath => {
            let e = (-u.abs()).exp();
            // One division: e/(1+e) as e · 1/(1+e) (one more rounding, within the bound).
            let big = 1.0 / (1.0 + e);
            let small = e * big;
            if u >= 0.0 { (small, big) } else { (big, small) }
        }
        SiteRule::Metropolis => {
            let acc = (-u).exp().min(1.0);
            (acc, 1.0 - acc)
        }
    }
}

impl FastSites {
    /// The fast form of `parts` when every part is a single-site rule of the crate on one pairwise
    /// model (the same fingerprint), else `None`.
    pub fn of(parts: &[(f64, Arc<dyn Update>)]) -> Option<Self> {
        let mut model: Option<(&Arc<dyn Model>, u64)> = None;
        let mut moves = Vec::with_capacity(parts.len());
        for (w, u) in parts {
            let (rule, site, m) = u.site_rule()?;
            let fp = m.fingerprint();
            match model {
                None => model = Some((m, fp)),
                Some((_, f)) if f != fp => return None,
                Some(_) => {}
            }
            moves.push(Move {
                weight: *w,
                site,
                rule,
                beta: m.beta(),
            });
        }
        let (m, _) = model?;
        let pairwise = m.as_pairwise()?;
        if moves.iter().any(|mv| mv.site >= pairwise.n_spins()) {
            return None;
        }
        Some(FastSites {
            moves,
            table: Arc::new(FieldTable::new(pairwise)),
        })
    }

    pub fn n_spins(&self) -> usize {
        self.table.n
    }

    /// Low bits of a block whose high part is shared.
    pub fn block_bits(&self) -> usize {
        self.table.low_bits
    }

    /// Prepares the high part of the fields for the block containing `s`.
    pub fn start_block(&self, s: usize, high: &mut [f64]) {
        self.table.high_part(s, high);
    }

    /// The row of `P` at state `s` in P-space: the stay mass and, per move, `(target, P(flip))`
    /// (weighted; zero flips are left out, as [`Law::expand`] does).
    #[inline]
    pub fn row(&self, s: usize, high: &[f64], h: &mut [f64], flips: &mut Vec<(usize, f64)>) -> f64 {
        self.table.fields(s, high, h);
        flips.clear();
        let mut stay = 0.0;
        for mv in &self.moves {
            let xi = f64::from(spin_of(s, mv.site));
            let (flip, st) = probabilities(mv.rule, mv.beta, h[mv.site], xi);
            stay += mv.weight * st;
            if flip > 0.0 {
                flips.push((s ^ (1 << mv.site), mv.weight * flip));
            }
        }
        stay
    }

    /// Compares the fast rows with the updates' own laws on [`VALIDATION_STATES`] states spread
    /// over the space: `Err` names the first state and entry whose relative difference exceeds
    /// `bound`; `Ok` returns the largest difference seen.
    pub fn validate(&self, parts: &[(f64, Arc<dyn Update>)], bound: f64) -> Result<f64, String> {
        let n_spins = self.table.n;
        let n_states = 1usize << n_spins;
        let mut x = vec![0i8; n_spins];
        let mut law = Law::default();
        let mut reference: Vec<(usize, f64)> = Vec::new();
        let mut flips = Vec::new();
        let mut high = vec![0.0; n_spins];
        let mut h = vec![0.0; n_spins];
        let mut worst = 0.0f64;
        // An odd stride visits states of every bit pattern; it is fixed, so is the verdict.
        let stride = (n_states / VALIDATION_STATES.min(n_states)) | 1;
        for k in 0..VALIDATION_STATES.min(n_states) {
            let s = (k * stride + k / 2) % n_states;
            decode(s, &mut x);
            reference.clear();
            for (w, u) in parts {
                law.clear();
                u.law(&x, &mut law);
                law.expand(s, *w, &mut reference);
            }
            self.start_block(s, &mut high);
            let stay = self.row(s, &high, &mut h, &mut flips);
            let mass = |t: usize, v: &[(usize, f64)]| -> f64 {
                v.iter().filter(|e| e.0 == t).map(|e| e.1).sum()
            };
            // Every target of either row, with its mass in both.
            let mut targets: Vec<usize> = reference.iter().map(|e| e.0).collect();
            targets.extend(flips.iter().map(|e| e.0));
            targets.push(s);
            targets.sort_unstable();
            targets.dedup();
            for &t in &targets {
                let a = mass(t, &reference);
                let b = if t == s { stay } else { mass(t, &flips) };
                // The stay mass `1 − P(flip)` is compared absolutely (it may cancel); a move's
                // probability relative to its size.
                let d = if t == s {
                    (a - b).abs()
                } else {
                    (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
                };
                if d.is_nan() || d > bound {
                    return Err(format!(
                        "state {s}, target {t}: the law gives {a:e}, the field table {b:e} (difference {d:e} > bound {bound:e})"
                    ));
                }
                worst = worst.max(d);
            }
        }
        Ok(worst)
    }
}
