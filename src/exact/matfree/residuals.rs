//! The structural measurements of a matrix-free audit (K.stochastic, K.invariance, A2, A3's
//! structure), each from the kernel's own laws on every state, in the same units as the dense
//! residuals ([`crate::exact::residuals`]) so the same checks judge them.
//!
//! - **Rows** (K.stochastic): every flat part's row `Σ_k w_k P_k(x, ·)` summed with compensation,
//!   and its smallest entry. A sweep's rows are products of these; each factor is checked.
//! - **Invariance** (K.invariance): `(πP)_y = q_y (Sᵀq)_y` with `q = √π`, so
//!   `‖πP − π‖₁ = Σ_y q_y |(Sᵀq)_y − q_y|`, from one transposed product.
//! - **Detailed balance** (A2, flat kernels): for every state `x` and every `y` its merged row
//!   reaches, `|π_x P_xy − π_y P_yx|` in double-double with the same derived bound as the dense
//!   check, the relative residual, and `|S_xy − S_yx|` — every pair of the operator, as the dense
//!   engine does, without storing it. A sweep is a product whose entries are not formed: its
//!   asymmetry is measured exactly on whole columns, `S e_y − Sᵀ e_y`, for a fixed sample of `y`.
//! - **Structure** (A3, reversible flat kernels): when detailed balance holds the transition graph
//!   is undirected, so its strongly connected components are the connected components (a
//!   breadth-first search from every unvisited state) and all of them are closed; the period of a
//!   class is 1 when some `P_xx > 0` or the class is not bipartite, else 2.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::{CHUNK, MatrixFree, Plan};
use crate::exact::residuals::{DetailedBalance, Stochasticity};
use crate::exact::spectrum::flip::FlipResiduals;
use crate::exact::structure::Structure;
use crate::kernel::{Law, Update};
use crate::model::decode;
use crate::numeric::tolerance::Tolerance;
use crate::numeric::{NeumaierSum, dd_diff_of_products, nan_max};

/// Columns of `S − Sᵀ` measured exactly for a kernel that is a product of updates.
pub const ASYMMETRY_COLUMNS: usize = 8;

type Parts = [(f64, std::sync::Arc<dyn Update>)];

/// The merged row `Σ_k w_k P_k(s, ·)` of a flat part, sorted by target.
fn merged_row(parts: &Parts, s: usize, x: &mut [i8], law: &mut Law, row: &mut Vec<(usize, f64)>) {
    decode(s, x);
    row.clear();
    for (w, u) in parts {
        law.clear();
        u.law(x, law);
        law.expand(s, *w, row);
    }
    row.sort_unstable_by_key(|e| e.0);
    let mut k = 0;
    for i in 0..row.len() {
        if k > 0 && row[k - 1].0 == row[i].0 {
            row[k - 1].1 += row[i].1;
        } else {
            row[k] = row[i];
            k += 1;
        }
    }
    row.truncate(k);
}

/// Every flat part of a plan, in plan order.
fn flat_parts<'a>(plan: &'a Plan, out: &mut Vec<&'a Parts>) {
    match plan {
        Plan::Flat { parts, .. } => out.push(parts),
        Plan::Sum(ps) => ps.iter().for_each(|(_, p)| flat_parts(p, out)),
        Plan::Product(ps) => ps.iter().for_each(|p| flat_parts(p, out)),
    }
}

/// Detailed balance and the asymmetry of `S` over every pair of a flat kernel.
#[derive(Clone, Debug)]
pub struct Reversibility {
    pub detailed_balance: DetailedBalance,
    /// `max |S_xy − S_yx|`.
    pub self_asymmetry: f64,
}

impl MatrixFree {
    /// Row sums and smallest entry of every flat part of the kernel, over every state (the first
    /// part with the worst row wins ties, then the smallest state).
    pub fn stochasticity(&self) -> Stochasticity {
        let mut parts = Vec::new();
        flat_parts(&self.plan, &mut parts);
        let n_spins = self.n_spins;
        let mut out = Stochasticity {
            max_row_sum_residual: 0.0,
            worst_row: 0,
            min_entry: f64::INFINITY,
        };
        for p in parts {
            let s = (0..self.n_states)
                .into_par_iter()
                .with_min_len(CHUNK)
                .map_init(
                    || (vec![0i8; n_spins], Law::default(), Vec::new()),
                    |(x, law, row), s| {
                        merged_row(p, s, x, law, row);
                        let mut sum = NeumaierSum::new();
                        let mut min = f64::INFINITY;
                        for &(_, v) in row.iter() {
                            sum.add(v);
                            min = min.min(v);
                        }
                        ((sum.value() - 1.0).abs(), s, min)
                    },
                )
                .reduce(
                    || (0.0, 0, f64::INFINITY),
                    |a, b| {
                        let worst = if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) || b.0.is_nan() {
                            (b.0, b.1)
                        } else {
                            (a.0, a.1)
                        };
                        (worst.0, worst.1, a.2.min(b.2))
                    },
                );
            if s.0 > out.max_row_sum_residual || s.0.is_nan() {
                out.max_row_sum_residual = s.0;
                out.worst_row = s.1;
            }
            out.min_entry = out.min_entry.min(s.2);
        }
        if out.min_entry == f64::INFINITY {
            out.min_entry = 0.0;
        }
        out
    }

    /// `‖πP − π‖₁` from one transposed product; `None` when an update moves more sites than the
    /// transpose gathers ([`super::MAX_TRANSPOSE_BLOCK`]).
    pub fn invariance_l1(&self) -> Option<f64> {
        let mut out = vec![0.0; self.n_states];
        self.apply_transpose(&self.sqrt_pi, &mut out).ok()?;
        let mut sum = NeumaierSum::new();
        for (a, q) in out.iter().zip(&self.sqrt_pi) {
            sum.add(q * (a - q).abs());
        }
        Some(sum.value())
    }

    /// Detailed balance on every pair of a flat kernel (`None` for a product), with the dense
    /// check's derived bound `flow_rel_bound · max(π_x P_xy, π_y P_yx)` per pair.
    pub fn reversibility(&self, flow_rel_bound: f64) -> Option<Reversibility> {
        let Plan::Flat { parts, .. } = &self.plan else {
            return None;
        };
        let n = self.n_states;
        let n_spins = self.n_spins;
        let lp = &self.log_pi;
        let empty = |x: usize| DetailedBalance {
            max_abs: 0.0,
            max_rel: 0.0,
            worst_pair: (x, x),
            bound: 0.0,
            pairs_above_bound: 0,
        };
        let (db, asym) = (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map_init(
                || (vec![0i8; n_spins], Law::default(), Vec::new(), Vec::new()),
                |(xs, law, row, back), x| {
                    let mut d = empty(x);
                    let mut asym = 0.0f64;
                    merged_row(parts, x, xs, law, row);
                    let pi_x = lp[x].exp();
                    for &(y, pxy) in row.iter() {
                        if y == x {
                            continue;
                        }
                        merged_row(parts, y, xs, law, back);
                        let pyx = back
                            .binary_search_by_key(&x, |e| e.0)
                            .map_or(0.0, |i| back[i].1);
                        // Each pair once: from its smaller state, or from the only state whose
                        // row reaches the other (P_yx = 0 < P_xy with y < x).
                        if y < x && pyx > 0.0 {
                            continue;
                        }
                        let pi_y = lp[y].exp();
                        let r = dd_diff_of_products(pi_x, pxy, pi_y, pyx).abs();
                        let scale = (pi_x * pxy).max(pi_y * pyx);
                        let b = flow_rel_bound * scale;
                        if r > d.max_abs || r.is_nan() {
                            d.max_abs = r;
                            d.worst_pair = (x.min(y), x.max(y));
                        }
                        if scale > 0.0 || r.is_nan() {
                            d.max_rel = nan_max(d.max_rel, r / scale);
                        }
                        d.bound = d.bound.max(b);
                        if !Tolerance::derived(b).accepts(r, n) {
                            d.pairs_above_bound += 1;
                        }
                        let half = 0.5 * (lp[x] - lp[y]);
                        let sxy = pxy * half.exp();
                        let syx = pyx * (-half).exp();
                        asym = nan_max(asym, (sxy - syx).abs());
                    }
                    (d, asym)
                },
            )
            .reduce(
                || (empty(0), 0.0),
                |(a, sa), (b, sb)| {
                    let take_b = b.max_abs > a.max_abs
                        || (b.max_abs == a.max_abs
                            && b.worst_pair < a.worst_pair
                            && b.max_abs > 0.0);
                    (
                        DetailedBalance {
                            max_abs: if take_b { b.max_abs } else { a.max_abs },
                            worst_pair: if take_b { b.worst_pair } else { a.worst_pair },
                            max_rel: nan_max(a.max_rel, b.max_rel),
                            bound: a.bound.max(b.bound),
                            pairs_above_bound: a.pairs_above_bound + b.pairs_above_bound,
                        },
                        nan_max(sa, sb),
                    )
                },
            );
        Some(Reversibility {
            detailed_balance: db,
            self_asymmetry: asym,
        })
    }

    /// Components, closed classes and period of a flat kernel's transition graph, read as
    /// undirected: valid when detailed balance holds (the caller checks A2 first), `None` for a
    /// product. States are visited in index order, so the answer is one at any thread count.
    pub fn reversible_structure(&self) -> Option<Structure> {
        let Plan::Flat { parts, .. } = &self.plan else {
            return None;
        };
        let n = self.n_states;
        // 0 = unvisited, else 1 + parity of the distance from the component's first state.
        let mut mark = vec![0u8; n];
        let mut queue: VecDeque<usize> = VecDeque::new();
        let (mut x, mut law, mut row) = (vec![0i8; self.n_spins], Law::default(), Vec::new());
        let mut components = 0;
        let mut period = 1usize;
        for root in 0..n {
            if mark[root] != 0 {
                continue;
            }
            components += 1;
            let mut lazy = false;
            let mut odd_cycle = false;
            mark[root] = 1;
            queue.push_back(root);
            while let Some(s) = queue.pop_front() {
                merged_row(parts, s, &mut x, &mut law, &mut row);
                for &(t, p) in row.iter() {
                    if p <= 0.0 {
                        continue;
                    }
                    if t == s {
                        lazy = true;
                    } else if mark[t] == 0 {
                        mark[t] = 3 - mark[s];
                        queue.push_back(t);
                    } else if mark[t] == mark[s] {
                        odd_cycle = true;
                    }
                }
            }
            let p = if lazy || odd_cycle || n == 1 { 1 } else { 2 };
            period = period.max(p);
        }
        Some(Structure {
            components,
            recurrent_classes: components,
            period,
            transient_states: 0,
        })
    }

    /// `max |S_xy − S_yx|` over the columns `y` of a fixed sample ([`ASYMMETRY_COLUMNS`] states
    /// spread over the space): exact entries of `S e_y` and `Sᵀ e_y`, for a kernel whose entries
    /// are not formed (a sweep). `None` when the transpose is not available.
    pub fn column_asymmetry(&self) -> Option<(f64, Vec<usize>)> {
        let n = self.n_states;
        let k = ASYMMETRY_COLUMNS.min(n);
        let states: Vec<usize> = (0..k).map(|j| (j * (n / k) + j * 7) % n).collect();
        let mut src = vec![0.0; n * k];
        for (j, &y) in states.iter().enumerate() {
            src[j * n + y] = 1.0;
        }
        let mut cols = vec![0.0; n * k];
        self.apply(&src, &mut cols);
        let mut worst = 0.0f64;
        let mut t = vec![0.0; n];
        for (j, _) in states.iter().enumerate() {
            self.apply_transpose(&src[j * n..(j + 1) * n], &mut t)
                .ok()?;
            for (a, b) in cols[j * n..(j + 1) * n].iter().zip(&t) {
                worst = nan_max(worst, (a - b).abs());
            }
        }
        Some((worst, states))
    }

    /// A9's residuals at scale: `max_x |π(Fx)/π(x) − 1|` over every state (from `log π`), and
    /// `max |P(Fx, Fy) − P(x, y)|` over every pair of a flat kernel (each merged row against its
    /// flipped state's), or for a product over the columns of [`ASYMMETRY_COLUMNS`] fixed states
    /// and their flips (`P_xy = S_xy √π_y / √π_x` from exact entries of `S e_y`). The `bool` says
    /// whether every pair was compared.
    pub fn flip_residuals(&self) -> (FlipResiduals, bool) {
        let n = self.n_states;
        let ns = self.n_spins;
        let mask = n - 1;
        let pi_rel = self
            .log_pi
            .par_iter()
            .enumerate()
            .map(|(x, l)| (self.log_pi[x ^ mask] - l).exp_m1().abs())
            .reduce(|| 0.0, nan_max);
        let (kernel_abs, every_pair) = match &self.plan {
            Plan::Flat { parts, .. } => {
                let worst = (0..n)
                    .into_par_iter()
                    .with_min_len(CHUNK)
                    .map_init(
                        || (vec![0i8; ns], Law::default(), Vec::new(), Vec::new()),
                        |(x, law, row, frow), s| {
                            merged_row(parts, s, x, law, row);
                            merged_row(parts, s ^ mask, x, law, frow);
                            // P(Fs, Ft) against P(s, t): map the flipped row's targets back.
                            frow.iter_mut().for_each(|e| e.0 ^= mask);
                            frow.sort_unstable_by_key(|e| e.0);
                            let (mut i, mut j, mut w) = (0, 0, 0.0f64);
                            while i < row.len() || j < frow.len() {
                                let (a, b) = (row.get(i), frow.get(j));
                                let d = match (a, b) {
                                    (Some(a), Some(b)) if a.0 == b.0 => {
                                        i += 1;
                                        j += 1;
                                        a.1 - b.1
                                    }
                                    (Some(a), Some(b)) if a.0 < b.0 => {
                                        i += 1;
                                        a.1
                                    }
                                    (Some(a), None) => {
                                        i += 1;
                                        a.1
                                    }
                                    (_, Some(b)) => {
                                        j += 1;
                                        b.1
                                    }
                                    (None, None) => 0.0,
                                };
                                w = nan_max(w, d.abs());
                            }
                            w
                        },
                    )
                    .reduce(|| 0.0, nan_max);
                (worst, true)
            }
            _ => {
                let k = ASYMMETRY_COLUMNS.min(n);
                let states: Vec<usize> = (0..k).map(|j| (j * (n / k) + j * 7) % n).collect();
                let mut src = vec![0.0; n * 2 * k];
                for (j, &y) in states.iter().enumerate() {
                    src[(2 * j) * n + y] = 1.0;
                    src[(2 * j + 1) * n + (y ^ mask)] = 1.0;
                }
                let mut cols = vec![0.0; n * 2 * k];
                self.apply(&src, &mut cols);
                let mut worst = 0.0f64;
                for (j, &y) in states.iter().enumerate() {
                    let (c, fc) = (
                        &cols[2 * j * n..(2 * j + 1) * n],
                        &cols[(2 * j + 1) * n..(2 * j + 2) * n],
                    );
                    for x in 0..n {
                        let p = c[x] * self.sqrt_pi[y] * self.inv_sqrt_pi[x];
                        let fp = fc[x ^ mask] * self.sqrt_pi[y ^ mask] * self.inv_sqrt_pi[x ^ mask];
                        worst = nan_max(worst, (p - fp).abs());
                    }
                }
                (worst, false)
            }
        };
        (
            FlipResiduals {
                n_spins: ns,
                pi_rel,
                kernel_abs,
            },
            every_pair,
        )
    }
}
