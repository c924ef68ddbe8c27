//! G-tests of observed transitions against exact kernel rows (R markovchain's
//! `verifyEmpiricalToTheoretical`, docs/peers.md §4.12): the data `K.step-consistency` and
//! `S.kernel-gtest` judge.
//!
//! [`step_gtest`]: from every state `x`, `r` independent steps of the kernel's own sampling step are
//! drawn (`r = ⌈D/n⌉`, `D` = [`DRAWS`]) and the outcome counts `O_xy` are compared with `r·P_xy`.
//! Any outcome with `P_xy = 0` rejects outright. Within a row, cells whose expected count is below 5
//! are pooled into one cell so the χ² approximation holds; per row `G = 2 Σ O ln(O/E)` with
//! `dof = cells − 1`, and the rows are independent, so `G ~ χ²(Σ dof)` (Anderson & Goodman 1957).
//! Block `b` of [`BLOCK`] states draws from stream `b` of the seed ([`crate::kernel::streams`](mod@crate::kernel::streams)), so
//! the counts are identical at any thread count.

use std::collections::BTreeMap;

use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::exact::ExactChain;
use crate::kernel::{Kernel, Law, stream};
use crate::model::{decode, encode};

/// Total number of sampled transitions (spread evenly over the states).
pub const DRAWS: usize = 1 << 18;
/// States per random stream.
pub const BLOCK: usize = 64;
const MIN_EXPECTED: f64 = 5.0;

/// One row's G statistic, its degrees of freedom, and the first impossible transition seen.
#[derive(Clone, Debug, PartialEq)]
pub struct RowStats {
    pub g: f64,
    pub dof: usize,
    pub impossible: Option<(usize, usize)>,
}

/// A G-test over many rows.
#[derive(Clone, Debug, PartialEq)]
pub struct GTest {
    pub g: f64,
    pub dof: usize,
    /// The first observed transition of exact probability zero (the test then rejects outright).
    pub impossible: Option<(usize, usize)>,
    /// `P(χ²(dof) ≥ g)` (1 when `dof = 0`).
    pub p_value: f64,
    /// Observed transitions.
    pub transitions: usize,
    /// Rows with at least one observed transition.
    pub rows: usize,
}

impl GTest {
    /// Sums the rows' statistics (in row order) into one test.
    pub fn combine(stats: &[RowStats], transitions: usize) -> Self {
        let mut g = 0.0;
        let mut dof = 0usize;
        let mut impossible = None;
        for st in stats {
            g += st.g;
            dof += st.dof;
            if impossible.is_none() {
                impossible = st.impossible;
            }
        }
        let p_value = if dof == 0 {
            1.0
        } else {
            ChiSquared::new(dof as f64)
                .map(|d| d.sf(g))
                .unwrap_or(f64::NAN)
        };
        GTest {
            g,
            dof,
            impossible,
            p_value,
            transitions,
            rows: stats.len(),
        }
    }
}

/// The step test's data: the combined test and the draws per state.
#[derive(Clone, Debug, PartialEq)]
pub struct StepTest {
    pub test: GTest,
    pub draws_per_state: usize,
    pub seed: u64,
}

/// G-test of the kernel's sampling step against the exact operator `chain` built from the same
/// kernel (see the module docs).
pub fn step_gtest(kernel: &Kernel, chain: &ExactChain, n_spins: usize, seed: u64) -> StepTest {
    let n = chain.n_states;
    let r = DRAWS.div_ceil(n).max(1);
    let stats: Vec<RowStats> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = stream(seed, b);
            let mut x = vec![0i8; n_spins];
            let mut law = Law::default();
            let mut out = Vec::new();
            for s in b * BLOCK..((b + 1) * BLOCK).min(n) {
                let mut counts: BTreeMap<usize, usize> = Default::default();
                for _ in 0..r {
                    decode(s, &mut x);
                    kernel.step(&mut x, &mut rng, &mut law);
                    *counts.entry(encode(&x)).or_default() += 1;
                }
                out.push(row_g(chain.row(s), &counts, r, s));
            }
            out
        })
        .collect();
    StepTest {
        test: GTest::combine(&stats, r * n),
        draws_per_state: r,
        seed,
    }
}

/// G-test of the transitions along state trajectories (one per chain, state indices) against the
/// exact rows of `chain`; `Err(state)` names a state outside the chain.
///
/// # Errors
///
/// `Err(state)` with the offending state index of the first transition that leaves `0..n_states`.
pub fn trajectory_gtest(trajectories: &[Vec<usize>], chain: &ExactChain) -> Result<GTest, usize> {
    let n = chain.n_states;
    let mut counts: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
    for tr in trajectories {
        for w in tr.windows(2) {
            if w[0] >= n || w[1] >= n {
                return Err(w[0].max(w[1]));
            }
            *counts.entry(w[0]).or_default().entry(w[1]).or_default() += 1;
        }
    }
    let mut stats = Vec::with_capacity(counts.len());
    let mut transitions = 0usize;
    for (&x, row) in &counts {
        let r: usize = row.values().sum();
        transitions += r;
        let st = row_g(chain.row(x), row, r, x);
        let stop = st.impossible.is_some();
        stats.push(st);
        if stop {
            break;
        }
    }
    Ok(GTest::combine(&stats, transitions))
}

/// G-test of independent draws of states (`draws`, state indices) against the law `pi`: the counts
/// are one "row" of `draws.len()` outcomes compared with `draws.len()·π` ([`row_g`], cells with
/// expected count below 5 pooled; a state with `π = 0` rejects outright). The draws must be
/// independent — e.g. the final states of independent chains — for `G ~ χ²(cells − 1)`; the
/// impossible "transition" it reports is `(draws.len(), state)`. `Err(state)` names a state outside
/// `0..pi.len()`.
///
/// # Errors
///
/// `Err(state)` with the first draw outside `0..pi.len()`.
pub fn stationary_gtest(draws: &[usize], pi: &[f64]) -> Result<GTest, usize> {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for &s in draws {
        if s >= pi.len() {
            return Err(s);
        }
        *counts.entry(s).or_default() += 1;
    }
    let st = row_g(pi, &counts, draws.len(), draws.len());
    Ok(GTest::combine(&[st], draws.len()))
}

/// G-test of one row's observed outcome counts (`r` draws from state `s`) against `r·row`, pooling
/// cells with expected count below 5.
pub fn row_g(row: &[f64], counts: &BTreeMap<usize, usize>, r: usize, s: usize) -> RowStats {
    for (&y, _) in counts.iter() {
        if row[y] <= 0.0 {
            return RowStats {
                g: 0.0,
                dof: 0,
                impossible: Some((s, y)),
            };
        }
    }
    let rf = r as f64;
    let mut g = 0.0;
    let mut cells = 0usize;
    let (mut pooled_o, mut pooled_e) = (0.0, 0.0);
    for (y, &p) in row.iter().enumerate() {
        if p <= 0.0 {
            continue;
        }
        let e = rf * p;
        let o = counts.get(&y).copied().unwrap_or(0) as f64;
        if e < MIN_EXPECTED {
            pooled_o += o;
            pooled_e += e;
        } else {
            if o > 0.0 {
                g += 2.0 * o * (o / e).ln();
            }
            cells += 1;
        }
    }
    if pooled_e > 0.0 {
        if pooled_o > 0.0 {
            g += 2.0 * pooled_o * (pooled_o / pooled_e).ln();
        }
        cells += 1;
    }
    // G = 2 Σ O ln(O/E) with Σ O = Σ E per row; dof = cells − 1.
    RowStats {
        g,
        dof: cells.saturating_sub(1),
        impossible: None,
    }
}
