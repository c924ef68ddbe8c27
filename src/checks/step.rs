//! `K.step-consistency`: the kernel's sampling step draws from its exact rows.
//!
//! From every state `x`, `r` independent steps are drawn (`r = ⌈D/n⌉`, `D` = [`DRAWS`]) and the
//! outcome counts `O_xy` are compared with `r·P_xy` by a G-test (R markovchain's
//! `verifyEmpiricalToTheoretical`, PEERS.md §4.12). Any outcome with `P_xy = 0` rejects outright.
//! Within a row, cells whose expected count is below 5 are pooled into one cell so the χ²
//! approximation holds. Each block of states has its own Xoshiro256++ stream seeded from the block
//! index, so the counts are identical at any thread count.

use rand::SeedableRng;
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::exact::ExactChain;
use crate::kernel::{ChainRng, Kernel, Law};
use crate::model::{decode, encode};

/// Total number of sampled transitions (spread evenly over the states).
pub const DRAWS: usize = 1 << 18;
const BLOCK: usize = 64;
const MIN_EXPECTED: f64 = 5.0;

/// One row's G statistic, its degrees of freedom, and the first impossible transition seen.
pub(crate) struct RowStats {
    pub(crate) g: f64,
    pub(crate) dof: usize,
    pub(crate) impossible: Option<(usize, usize)>,
}

//= spec:K.step-consistency
/// G-test of the kernel's `step` against the exact operator `chain` (built from the same kernel).
pub fn check_step_consistency(
    kernel: &Kernel,
    chain: &ExactChain,
    n_spins: usize,
    seed: u64,
    tol: &Tolerances,
) -> Verdict {
    let n = chain.n_states;
    let r = DRAWS.div_ceil(n).max(1);
    let stats: Vec<RowStats> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = ChainRng::seed_from_u64(
                seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(b as u64 + 1)),
            );
            let mut x = vec![0i8; n_spins];
            let mut law = Law::default();
            let mut out = Vec::new();
            for s in b * BLOCK..((b + 1) * BLOCK).min(n) {
                let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
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
    let mut g = 0.0;
    let mut dof = 0usize;
    let mut impossible = None;
    for st in &stats {
        g += st.g;
        dof += st.dof;
        if impossible.is_none() {
            impossible = st.impossible;
        }
    }
    let mut v = Verdict::new("K.step-consistency", tol.get("K.step-consistency"));
    v = v
        .detail("draws_per_state", r)
        .detail("g_statistic", json_num(g))
        .detail("dof", dof)
        .detail("seed", seed);
    if let Some((x, y)) = impossible {
        v.measured = Some(0.0);
        return v.with_status(Status::Fail).reason(format!(
            "the step moved {x} → {y}, a transition of exact probability 0"
        ));
    }
    let p = if dof == 0 {
        1.0
    } else {
        match ChiSquared::new(dof as f64) {
            Ok(d) => d.sf(g),
            Err(_) => f64::NAN,
        }
    };
    v.judge(p, n)
}

/// G-test of one row's observed outcome counts (`r` draws from state `s`) against `r·row`, pooling
/// cells with expected count below 5 (also used by the trajectory test in `sampled::reversibility`).
pub(crate) fn row_g(
    row: &[f64],
    counts: &std::collections::BTreeMap<usize, usize>,
    r: usize,
    s: usize,
) -> RowStats {
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
