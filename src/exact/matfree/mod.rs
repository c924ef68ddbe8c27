//! The matrix-free exact backend: `S = D^{1/2} P D^{−1/2}` applied on the fly from the kernel's own
//! laws, never stored, for chains past the dense limit (2^13 states) up to the enumeration limit
//! (2^24).
//!
//! **The operator.** With `D = diag(π)`, `S_xy = P_xy · exp(½(log π_x − log π_y))`: the factor is
//! taken in log space from the enumerated `log π` ([`crate::model::enumerate`]), so no `π_x` is ever
//! divided by and states down to 1e-300 keep their relative accuracy. The kernel's tree is applied as
//! it composes (docs/science.md §6): a mixture `Σ w_k P_k` gives `Σ w_k S_k`, a sequence `P_1 ⋯ P_m`
//! gives `S_1 ⋯ S_m` (the `D^{±1/2}` telescope), and a mixture of elementary updates is applied row by
//! row: for each state `x` every update's [`Law`] is evaluated once at `x` and expanded
//! ([`Law::expand`]), exactly the entries the dense engine stores. Each output entry is computed by
//! one thread in a fixed order, so a product is bit-identical at any thread count.
//!
//! **Memory.** `log π`, `√π` and `1/√π` (3 vectors of `2^N` f64), one temporary per level of the kernel
//! tree that is not a flat mixture (a symmetrized sweep: 2), and the Krylov basis of the solver,
//! which dominates: `2(m + 1)` vectors for a subspace of dimension `m` ([`solve`]). [`memory_bytes`]
//! states the total before anything is allocated; above the budget the backend refuses with
//! [`Limit::MatrixFreeMemory`].
//!
//! **Solvers** ([`solve`]): Lanczos with full re-orthogonalisation for both ends of the spectrum
//! at once, faer 0.24's restarted (Krylov–Schur) Lanczos
//! (`matrix_free::eigen::partial_self_adjoint_eigen`) per end when that basis does not fit, and a
//! conjugate gradient run on all observables in lockstep for the Poisson equation (faer's CG was
//! evaluated first; the measured reasons for not using it are in [`solve`]). Every answer is checked
//! a posteriori by an explicit residual computed here.
//!
//! **Rows** come from the updates' laws, or for the crate's own single-site rules on a pairwise
//! model from a table of local fields ([`sites`]) once it agrees with those laws.
pub mod modes;
pub mod residuals;
pub mod sites;
pub mod solve;
pub mod window;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::LinOp;
use faer::{MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::error::{Error, Limit, Result};
use crate::kernel::{Kernel, Law, Update};
use crate::model::enumerate::{MAX_ENUM_SPINS, enumerate};
use crate::model::{Model, decode};
use sites::FastSites;

/// Memory the backend may use by default (10 GiB: the 12 GB N = 24 budget of issue 13 with room
/// for the process itself).
pub const DEFAULT_MEMORY_BUDGET: usize = 10 << 30;

/// Largest number of sites one update may move for [`MatrixFree::apply_transpose`] (its gather
/// visits `2^|B|` predecessors, each expanded over `2^|B|` outcomes).
pub const MAX_TRANSPOSE_BLOCK: usize = 6;

/// Below this, `√π` is near the subnormal range and ratios of it are taken in log space instead.
const SQRT_PI_FLOOR: f64 = 1e-150;

/// States per unit of parallel work of a product (a multiple of every cache line).
const CHUNK: usize = 1 << 12;

/// The weighted elementary updates of a flat part.
type Parts = [(f64, Arc<dyn Update>)];

/// How a kernel tree is applied.
#[derive(Clone)]
enum Plan {
    /// `Σ_k w_k S_{u_k}` over elementary updates, applied row by row: from the table of local
    /// fields when `fast` is set ([`sites`]), else from the updates' laws.
    Flat {
        parts: Vec<(f64, Arc<dyn Update>)>,
        fast: Option<Arc<FastSites>>,
    },
    /// `Σ_k w_k S_k` over parts that are not all flat.
    Sum(Vec<(f64, Plan)>),
    /// `S_1 S_2 ⋯ S_m` (the last part acts first).
    Product(Vec<Plan>),
}

impl Plan {
    fn of(kernel: &Kernel) -> Plan {
        match kernel {
            Kernel::Update(u) => Plan::Flat {
                parts: vec![(1.0, u.clone())],
                fast: None,
            },
            Kernel::Mixture { parts, .. } => {
                let plans: Vec<(f64, Plan)> =
                    parts.iter().map(|(w, k)| (*w, Plan::of(k))).collect();
                if plans.iter().all(|(_, p)| p.is_flat()) {
                    let mut flat = Vec::new();
                    for (w, p) in plans {
                        if let Plan::Flat { parts, .. } = p {
                            flat.extend(parts.into_iter().map(|(v, u)| (w * v, u)));
                        }
                    }
                    Plan::Flat {
                        parts: flat,
                        fast: None,
                    }
                } else {
                    Plan::Sum(plans)
                }
            }
            Kernel::Sequence { parts, .. } => Plan::Product(parts.iter().map(Plan::of).collect()),
        }
    }

    /// Temporaries (vectors of the operator's size, per column) one application needs.
    fn temps(&self) -> usize {
        match self {
            Plan::Flat { .. } => 0,
            Plan::Sum(ps) => 1 + ps.iter().map(|(_, p)| p.temps()).max().unwrap_or(0),
            Plan::Product(ps) => 1 + ps.iter().map(Plan::temps).max().unwrap_or(0),
        }
    }

    /// Whether every part is a flat mixture of updates (the operator is then symmetric exactly when
    /// every row satisfies detailed balance) — false for sweeps, whose `S` is a product.
    fn is_flat(&self) -> bool {
        matches!(self, Plan::Flat { .. })
    }

    /// Gives every flat part whose updates are the crate's single-site rules on one pairwise model
    /// its fast form, once that form agrees with the laws on a sample of states (within `bound`).
    /// Returns what was decided, per flat part, in plan order.
    fn accelerate(&mut self, bound: &dyn Fn(&Parts) -> f64) -> Vec<FastPath> {
        match self {
            Plan::Flat { parts, fast } => {
                let Some(f) = FastSites::of(parts) else {
                    return vec![FastPath::NotApplicable];
                };
                let b = bound(parts);
                match f.validate(parts, b) {
                    Ok(worst) => {
                        *fast = Some(Arc::new(f));
                        vec![FastPath::Used {
                            max_difference: worst,
                            bound: b,
                        }]
                    }
                    Err(why) => vec![FastPath::Rejected(why)],
                }
            }
            Plan::Sum(ps) => ps
                .iter_mut()
                .flat_map(|(_, p)| p.accelerate(bound))
                .collect(),
            Plan::Product(ps) => ps.iter_mut().flat_map(|p| p.accelerate(bound)).collect(),
        }
    }
}

/// How the rows of one flat part of a kernel are computed ([`MatrixFree::fast_paths`]).
#[derive(Clone, Debug, PartialEq)]
pub enum FastPath {
    /// From the table of local fields, which agreed with the laws on
    /// [`sites::VALIDATION_STATES`] states to `max_difference` (within `bound`).
    Used { max_difference: f64, bound: f64 },
    /// From the laws: the table disagreed with them (where and by how much).
    Rejected(String),
    /// From the laws: some update is not one of the crate's single-site rules on a pairwise model.
    NotApplicable,
}

impl FastPath {
    pub fn describe(&self) -> String {
        match self {
            FastPath::Used {
                max_difference,
                bound,
            } => format!(
                "local-field table (agrees with the laws on {} states to {max_difference:.1e}, bound {bound:.1e})",
                sites::VALIDATION_STATES
            ),
            FastPath::Rejected(why) => {
                format!("laws (the local-field table disagreed with them: {why})")
            }
            FastPath::NotApplicable => "laws".into(),
        }
    }
}

/// Bytes the matrix-free backend needs for `2^n_spins` states: `log π`, `√π`, `1/√π`, the plan's
/// temporaries for `cols` columns, and a Krylov basis of `krylov` vectors.
pub fn memory_bytes(n_spins: usize, temps: usize, cols: usize, krylov: usize) -> usize {
    let n = 1usize << n_spins;
    8 * n * (3 + temps * cols + krylov)
}

/// The symmetrized operator of a kernel on the enumerated state space, applied matrix-free.
pub struct MatrixFree {
    pub n_spins: usize,
    pub n_states: usize,
    /// `log π`, enumerated in log space.
    pub log_pi: Vec<f64>,
    /// `q = √π`, the stationary eigenvector of `S` (entries may underflow to 0; `log π` is exact).
    pub sqrt_pi: Vec<f64>,
    /// `1/√π = exp(−½ log π)` (the fast path's factors; overflows to ∞ where `√π` underflows).
    pub inv_sqrt_pi: Vec<f64>,
    /// Bound on the relative error of each `π_x`.
    pub pi_rel_err: f64,
    /// Bound on the relative error of each `P_xy`.
    pub p_rel_err: f64,
    pub description: String,
    /// How each flat part's rows are computed, in plan order.
    pub fast_paths: Vec<FastPath>,
    plan: Plan,
    temps: Mutex<Vec<Vec<f64>>>,
    /// The source of a product of several columns, state-major (`v[t · cols + c]`): a row's
    /// targets are then read once for every column.
    interleaved: Mutex<Vec<f64>>,
    products: AtomicUsize,
}

impl std::fmt::Debug for MatrixFree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MatrixFree({}, {} states)",
            self.description, self.n_states
        )
    }
}

impl MatrixFree {
    /// Enumerates `log π` and prepares the kernel's plan; nothing of size `n_states²` is stored.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] with [`Limit::EnumeratedSpins`] above 2^24 states, and [`Error::Numerical`]
    /// when `log Z` is not finite.
    pub fn new(model: &dyn Model, kernel: &Kernel) -> Result<Self> {
        Self::with_route(model, kernel, true)
    }

    /// [`MatrixFree::new`], with the local-field fast path allowed (`fast`) or not (every row from
    /// the updates' laws: the reference the fast path is tested against).
    ///
    /// # Errors
    ///
    /// As [`MatrixFree::new`].
    pub fn with_route(model: &dyn Model, kernel: &Kernel, fast: bool) -> Result<Self> {
        let n_spins = model.n_spins();
        if n_spins > MAX_ENUM_SPINS {
            return Err(Error::TooLarge {
                limit: Limit::EnumeratedSpins,
                size: n_spins,
                max: MAX_ENUM_SPINS,
                why: "the matrix-free backend enumerates log pi over 2^n states".into(),
            });
        }
        let law = enumerate(model)?;
        let sqrt_pi = law.log_pi.iter().map(|l| (0.5 * l).exp()).collect();
        let inv_sqrt_pi = law.log_pi.iter().map(|l| (-0.5 * l).exp()).collect();
        let mut plan = Plan::of(kernel);
        let fast_paths = if fast {
            let bound = |parts: &[(f64, Arc<dyn Update>)]| {
                let p_err = parts
                    .iter()
                    .map(|(_, u)| u.rel_err_bound())
                    .fold(0.0, f64::max);
                let (beta, field) = parts.iter().fold((0.0f64, 0.0f64), |(b, f), (_, u)| {
                    u.site_rule().map_or((b, f), |(_, _, m)| {
                        (b.max(m.beta().abs()), f.max(m.max_local_field()))
                    })
                });
                crate::numeric::tolerance::fast_path_bound(p_err, beta, field, n_spins)
            };
            plan.accelerate(&bound)
        } else {
            Vec::new()
        };
        Ok(MatrixFree {
            n_spins,
            n_states: 1 << n_spins,
            log_pi: law.log_pi,
            sqrt_pi,
            inv_sqrt_pi,
            pi_rel_err: law.pi_rel_err,
            p_rel_err: kernel.rel_err_bound(),
            description: format!("{} | {}", model.describe(), kernel.name()),
            fast_paths,
            plan,
            temps: Mutex::new(Vec::new()),
            interleaved: Mutex::new(Vec::new()),
            products: AtomicUsize::new(0),
        })
    }

    /// Products with `S` (or `Sᵀ`) so far, a product of several columns counting once: the work
    /// unit of the solvers (each evaluates every law once per row).
    pub fn products(&self) -> usize {
        self.products.load(Ordering::Relaxed)
    }

    /// Temporaries per column one product needs (0 for a flat mixture of updates).
    pub fn temporaries(&self) -> usize {
        self.plan.temps()
    }

    /// Whether `S` is a flat mixture of elementary updates (symmetric iff detailed balance holds);
    /// false for a sweep (a product, in general not symmetric).
    pub fn is_flat(&self) -> bool {
        self.plan.is_flat()
    }

    /// Counts one product and hands out the plan's temporaries, each of `len` entries (kept
    /// between products, so the solvers' iterations allocate nothing).
    fn workspace(&self, len: usize) -> std::sync::MutexGuard<'_, Vec<Vec<f64>>> {
        self.products.fetch_add(1, Ordering::Relaxed);
        let mut guard = self.temps.lock().unwrap_or_else(|p| p.into_inner());
        guard.resize_with(self.plan.temps(), Vec::new);
        for t in guard.iter_mut() {
            t.resize(len, 0.0);
        }
        guard
    }

    /// `dst = S src` for `src.len() / n_states` columns stored one after another.
    ///
    /// # Panics
    ///
    /// When `src` and `dst` differ in length or are not a whole number of columns.
    pub fn apply(&self, src: &[f64], dst: &mut [f64]) {
        let n = self.n_states;
        assert!(
            src.len() == dst.len() && src.len().is_multiple_of(n),
            "columns of {n} entries"
        );
        let cols = src.len() / n;
        let mut temps = self.workspace(n * cols);
        let mut inter = self.interleaved.lock().unwrap_or_else(|p| p.into_inner());
        if cols > 1 {
            inter.resize(n * cols, 0.0);
        }
        apply_plan(&self.plan, self, src, dst, cols, &mut temps[..], &mut inter);
    }

    /// `‖Sᵀ q − q‖₂` with `q = √π`: π-invariance (`πP = π` ⇔ `Sᵀq = q`) in the symmetrized
    /// coordinates, K.invariance at scale. (`S q = q` holds for any stochastic P whatever π is,
    /// so it is the transpose that is tested.) `None` when an update moves more than
    /// [`MAX_TRANSPOSE_BLOCK`] sites at once (see [`MatrixFree::apply_transpose`]).
    pub fn invariance_residual(&self) -> Option<f64> {
        let mut out = vec![0.0; self.n_states];
        self.apply_transpose(&self.sqrt_pi, &mut out).ok()?;
        Some(
            out.iter()
                .zip(&self.sqrt_pi)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt(),
        )
    }

    /// `dst = Sᵀ src` (one column), by gathering: the predecessors of `y` under an update that
    /// resamples the sites `B` are the `2^|B|` states equal to `y` off `B`, each row evaluated from
    /// the update's own law. A sequence is transposed part by part in reverse order.
    ///
    /// # Errors
    ///
    /// [`Error::Numerical`] when an update's law moves more than [`MAX_TRANSPOSE_BLOCK`] sites, or
    /// a different set of sites from different states (the gather would not find every
    /// predecessor).
    pub fn apply_transpose(&self, src: &[f64], dst: &mut [f64]) -> Result<()> {
        let n = self.n_states;
        assert!(
            src.len() == n && dst.len() == n,
            "one column of {n} entries"
        );
        let mut temps = self.workspace(n);
        transpose_plan(&self.plan, self, src, dst, &mut temps[..])
    }

    /// Local exact detailed balance on every state (A2 without `Z`): for each elementary update of
    /// a flat plan and each move `x → t` it allows, the relative difference of the two flows
    /// `log π_x + log P(x,t)` and `log π_t + log P(t,x)`, as `|1 − exp(Δ)|`. Returns the largest and
    /// the state where it occurs (`None` when the plan is a product: a sweep is checked as a whole
    /// by its self-adjointness instead).
    pub fn local_detailed_balance(&self) -> Option<(f64, usize)> {
        let Plan::Flat { parts, .. } = &self.plan else {
            return None;
        };
        let n_spins = self.n_spins;
        let worst = (0..self.n_states)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map_init(
                || (vec![0i8; n_spins], Law::default(), Vec::new(), Vec::new()),
                |(x, law, row, back), s| {
                    let mut worst = 0.0f64;
                    for (_, u) in parts {
                        decode(s, x);
                        law.clear();
                        u.law(x, law);
                        row.clear();
                        law.expand(s, 1.0, row);
                        for &(t, p) in row.iter() {
                            if t == s {
                                continue;
                            }
                            decode(t, x);
                            law.clear();
                            u.law(x, law);
                            back.clear();
                            law.expand(t, 1.0, back);
                            let q = back.iter().find(|e| e.0 == s).map_or(0.0, |e| e.1);
                            let d = if q > 0.0 {
                                let delta = (self.log_pi[s] + p.ln()) - (self.log_pi[t] + q.ln());
                                delta.exp_m1().abs()
                            } else {
                                f64::INFINITY
                            };
                            worst = worst.max(d);
                        }
                    }
                    (worst, s)
                },
            )
            .reduce(
                || (0.0, 0),
                // The largest defect, ties to the smallest state: one answer at any thread count.
                |a, b| {
                    if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                        b
                    } else {
                        a
                    }
                },
            );
        Some(worst)
    }
}

fn apply_plan(
    plan: &Plan,
    op: &MatrixFree,
    src: &[f64],
    dst: &mut [f64],
    cols: usize,
    temps: &mut [Vec<f64>],
    inter: &mut [f64],
) {
    match plan {
        Plan::Flat { fast, parts } => {
            let v = if cols > 1 {
                interleave(src, cols, inter);
                &*inter
            } else {
                src
            };
            match fast {
                Some(f) => apply_fast(f, op, v, dst, cols),
                None => apply_flat(parts, op, v, dst, cols),
            }
        }
        Plan::Sum(parts) => {
            let (t, rest) = temps.split_first_mut().expect("a temporary per level");
            for (k, (w, p)) in parts.iter().enumerate() {
                apply_plan(p, op, src, t, cols, rest, inter);
                if k == 0 {
                    dst.par_iter_mut()
                        .zip(t.par_iter())
                        .for_each(|(d, v)| *d = w * v);
                } else {
                    dst.par_iter_mut()
                        .zip(t.par_iter())
                        .for_each(|(d, v)| *d += w * v);
                }
            }
            if parts.is_empty() {
                dst.fill(0.0);
            }
        }
        Plan::Product(parts) => {
            let (t, rest) = temps.split_first_mut().expect("a temporary per level");
            let m = parts.len();
            if m == 0 {
                dst.copy_from_slice(src);
                return;
            }
            // Step k (k = m-1 down to 0) applies parts[k]; the last step (k = 0) must write `dst`,
            // so step k writes `dst` when k is even and the temporary when k is odd.
            for k in (0..m).rev() {
                let into_dst = k % 2 == 0;
                if k == m - 1 {
                    if into_dst {
                        apply_plan(&parts[k], op, src, dst, cols, rest, inter);
                    } else {
                        apply_plan(&parts[k], op, src, t, cols, rest, inter);
                    }
                } else if into_dst {
                    apply_plan(&parts[k], op, t, dst, cols, rest, inter);
                } else {
                    apply_plan(&parts[k], op, dst, t, cols, rest, inter);
                }
            }
        }
    }
}

/// Copies `cols` columns stored one after another into state-major order (`out[t · cols + c]`).
fn interleave(src: &[f64], cols: usize, out: &mut [f64]) {
    let n = src.len() / cols;
    out.par_chunks_mut(CHUNK * cols)
        .enumerate()
        .for_each(|(i, o)| {
            for (r, row) in o.chunks_mut(cols).enumerate() {
                let t = i * CHUNK + r;
                for (c, v) in row.iter_mut().enumerate() {
                    *v = src[c * n + t];
                }
            }
        });
}

/// `out_c[r] = Σ_t w_t v[t]` for each column `c`: `v` is one column, or `cols` columns state-major
/// ([`interleave`]).
#[inline]
fn accumulate(row: &[(usize, f64)], v: &[f64], cols: usize, outs: &mut [&mut [f64]], r: usize) {
    if cols == 1 {
        let mut acc = 0.0;
        for &(t, w) in row {
            acc += w * v[t];
        }
        outs[0][r] = acc;
        return;
    }
    // Few columns are the rule (the observables of one audit); a fixed-size accumulator per
    // group of 8 keeps them in registers.
    for (g, group) in outs.chunks_mut(8).enumerate() {
        let c0 = g * 8;
        let width = group.len();
        let mut acc = [0.0f64; 8];
        for &(t, w) in row {
            let base = t * cols + c0;
            for (a, x) in acc[..width].iter_mut().zip(&v[base..base + width]) {
                *a += w * x;
            }
        }
        for (o, a) in group.iter_mut().zip(acc) {
            o[r] = a;
        }
    }
}

/// `dst = Σ_k w_k S_{u_k} src`, row by row: each row's entries are computed once and applied to
/// every column (`src` as [`accumulate`] reads it).
fn apply_flat(
    parts: &[(f64, Arc<dyn Update>)],
    op: &MatrixFree,
    src: &[f64],
    dst: &mut [f64],
    cols: usize,
) {
    let n = op.n_states;
    let n_spins = op.n_spins;
    let log_pi = &op.log_pi;
    let mut chunks: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(CHUNK))
        .map(|_| Vec::with_capacity(cols))
        .collect();
    for col in dst.chunks_mut(n) {
        for (i, ch) in col.chunks_mut(CHUNK).enumerate() {
            chunks[i].push(ch);
        }
    }
    chunks.into_par_iter().enumerate().for_each_init(
        || (vec![0i8; n_spins], Law::default(), Vec::new()),
        |(x, law, row), (i, mut outs)| {
            let start = i * CHUNK;
            let len = outs[0].len();
            for r in 0..len {
                let s = start + r;
                decode(s, x);
                row.clear();
                for (w, u) in parts {
                    law.clear();
                    u.law(x, law);
                    law.expand(s, *w, row);
                }
                // S_st = P_st · exp(½(log π_s − log π_t)), once per entry for every column.
                let ls = log_pi[s];
                for e in row.iter_mut() {
                    if e.0 != s {
                        e.1 *= (0.5 * (ls - log_pi[e.0])).exp();
                    }
                }
                accumulate(row, src, cols, &mut outs, r);
            }
        },
    );
}

/// [`apply_flat`] with the rows from a table of local fields ([`sites`]).
fn apply_fast(f: &FastSites, op: &MatrixFree, src: &[f64], dst: &mut [f64], cols: usize) {
    let n = op.n_states;
    let n_spins = op.n_spins;
    let log_pi = &op.log_pi;
    let sqrt_pi = &op.sqrt_pi;
    let inv_sqrt_pi = &op.inv_sqrt_pi;
    let block = 1usize << f.block_bits();
    let mut chunks: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(CHUNK))
        .map(|_| Vec::with_capacity(cols))
        .collect();
    for col in dst.chunks_mut(n) {
        for (i, ch) in col.chunks_mut(CHUNK).enumerate() {
            chunks[i].push(ch);
        }
    }
    chunks.into_par_iter().enumerate().for_each_init(
        || (vec![0.0; n_spins], vec![0.0; n_spins], Vec::new()),
        |(high, h, row), (i, mut outs)| {
            let start = i * CHUNK;
            let len = outs[0].len();
            for r in 0..len {
                let s = start + r;
                if r == 0 || s.is_multiple_of(block) {
                    f.start_block(s, high);
                }
                let stay = f.row(s, high, h, row);
                // S_st = P_st · √π_s · (1/√π_t), both enumerated from log π, while both are far
                // from under- and overflow (the same rounding as exp(½(log π_s − log π_t)): the
                // exponents carry ~|log π|·u either way), else in log space as on the law path.
                let (ls, qs) = (log_pi[s], sqrt_pi[s]);
                for e in row.iter_mut() {
                    let inv = inv_sqrt_pi[e.0];
                    e.1 *= if qs > SQRT_PI_FLOOR && inv < 1.0 / SQRT_PI_FLOOR {
                        qs * inv
                    } else {
                        (0.5 * (ls - log_pi[e.0])).exp()
                    };
                }
                row.push((s, stay));
                accumulate(row, src, cols, &mut outs, r);
            }
        },
    );
}

fn transpose_plan(
    plan: &Plan,
    op: &MatrixFree,
    src: &[f64],
    dst: &mut [f64],
    temps: &mut [Vec<f64>],
) -> Result<()> {
    match plan {
        Plan::Flat { parts, .. } => transpose_flat(parts, op, src, dst),
        Plan::Sum(parts) => {
            let (t, rest) = temps.split_first_mut().expect("a temporary per level");
            dst.fill(0.0);
            for (w, p) in parts {
                transpose_plan(p, op, src, t, rest)?;
                dst.par_iter_mut()
                    .zip(t.par_iter())
                    .for_each(|(d, v)| *d += w * v);
            }
            Ok(())
        }
        Plan::Product(parts) => {
            // (S_1 ⋯ S_m)ᵀ = S_mᵀ ⋯ S_1ᵀ: S_1ᵀ acts first.
            let (t, rest) = temps.split_first_mut().expect("a temporary per level");
            let m = parts.len();
            if m == 0 {
                dst.copy_from_slice(src);
                return Ok(());
            }
            // Step k (k = 0 .. m-1) applies parts[k]ᵀ; the last (k = m-1) writes `dst`.
            for (k, part) in parts.iter().enumerate() {
                let into_dst = (m - 1 - k).is_multiple_of(2);
                match (k == 0, into_dst) {
                    (true, true) => transpose_plan(part, op, src, dst, rest)?,
                    (true, false) => transpose_plan(part, op, src, t, rest)?,
                    (false, true) => transpose_plan(part, op, t, dst, rest)?,
                    (false, false) => transpose_plan(part, op, dst, t, rest)?,
                }
            }
            Ok(())
        }
    }
}

/// `dst(y) = Σ_k w_k Σ_x S_{u_k}(x, y) src(x)`, gathered over the predecessors of each `y`.
fn transpose_flat(
    parts: &[(f64, Arc<dyn Update>)],
    op: &MatrixFree,
    src: &[f64],
    dst: &mut [f64],
) -> Result<()> {
    let n_spins = op.n_spins;
    let log_pi = &op.log_pi;
    let failed = std::sync::atomic::AtomicBool::new(false);
    dst.par_chunks_mut(CHUNK).enumerate().for_each_init(
        || (vec![0i8; n_spins], Law::default(), Vec::new(), Vec::new()),
        |(x, law, row, sites), (i, out)| {
            for (r, o) in out.iter_mut().enumerate() {
                let y = i * CHUNK + r;
                let mut acc = 0.0;
                for (w, u) in parts {
                    decode(y, x);
                    law.clear();
                    u.law(x, law);
                    sites.clear();
                    sites.extend_from_slice(law.sites());
                    if sites.len() > MAX_TRANSPOSE_BLOCK {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                    let mask = sites.iter().fold(0usize, |m, &s| m | (1 << s));
                    for a in 0..(1usize << sites.len()) {
                        let xs = sites
                            .iter()
                            .enumerate()
                            .fold(y & !mask, |acc, (b, &s)| acc | (((a >> b) & 1) << s));
                        decode(xs, x);
                        law.clear();
                        u.law(x, law);
                        if law.sites() != sites.as_slice() {
                            failed.store(true, std::sync::atomic::Ordering::Relaxed);
                            return;
                        }
                        row.clear();
                        law.expand(xs, *w, row);
                        for &(t, p) in row.iter() {
                            if t == y {
                                let f = if xs == y {
                                    1.0
                                } else {
                                    (0.5 * (log_pi[xs] - log_pi[y])).exp()
                                };
                                acc += p * f * src[xs];
                            }
                        }
                    }
                }
                *o = acc;
            }
        },
    );
    if failed.into_inner() {
        return Err(Error::Numerical(format!(
            "the matrix-free transpose gathers the predecessors of each state: it needs every update to move a fixed set of at most {MAX_TRANSPOSE_BLOCK} sites"
        )));
    }
    Ok(())
}

/// `α S + β I − δ q qᵀ` as a faer operator: the shifted and deflated forms the solvers need.
#[derive(Debug)]
pub struct Shifted<'a> {
    pub op: &'a MatrixFree,
    pub alpha: f64,
    pub beta: f64,
    pub delta: f64,
}

impl Shifted<'_> {
    /// `dst = (α S + β I − δ q qᵀ) src`, columns stored one after another.
    pub fn apply_slices(&self, src: &[f64], dst: &mut [f64]) {
        let n = self.op.n_states;
        self.op.apply(src, dst);
        let q = &self.op.sqrt_pi;
        for (s, d) in src.chunks(n).zip(dst.chunks_mut(n)) {
            let qs = if self.delta != 0.0 { dot(q, s) } else { 0.0 };
            d.par_iter_mut()
                .zip(s.par_iter())
                .zip(q.par_iter())
                .for_each(|((d, &v), &qx)| {
                    *d = self.alpha * *d + self.beta * v - self.delta * qs * qx
                });
        }
    }
}

impl LinOp<f64> for Shifted<'_> {
    fn apply_scratch(&self, rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::new::<f64>(2 * self.op.n_states * rhs_ncols)
    }
    fn nrows(&self) -> usize {
        self.op.n_states
    }
    fn ncols(&self) -> usize {
        self.op.n_states
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, stack: &mut MemStack) {
        let n = self.op.n_states;
        let k = rhs.ncols();
        let (mut buf, _) = stack.make_with(2 * n * k, |_| 0.0f64);
        let (src, dst) = buf.split_at_mut(n * k);
        for (c, col) in rhs.col_iter().enumerate() {
            for (i, v) in col.iter().enumerate() {
                src[c * n + i] = *v;
            }
        }
        self.apply_slices(src, dst);
        for (c, col) in out.col_iter_mut().enumerate() {
            for (i, v) in col.iter_mut().enumerate() {
                *v = dst[c * n + i];
            }
        }
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        // Real and, for the solvers that use it, symmetric.
        self.apply(out, rhs, par, stack);
    }
}

/// A sum in a fixed order (compensated), so that inner products do not depend on threads.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0f64;
    let mut c = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let t = x * y - c;
        let u = s + t;
        c = (u - s) - t;
        s = u;
    }
    s
}
