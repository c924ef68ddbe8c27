//! Predictors of `Q_op` (docs/science.md §3–§4).
//!
//! - **Single-gap** (historical, "superseded as written"): `γ = 1 − σ_2`, slow-mode weight
//!   `w_a = c_a2² / Var_π f_a`, `R = ‖g‖² / Σ_a w_a Var_π f_a`, `ESS_a = γK / (2 w_a)`,
//!   `Q_single = (γK/2) R`. `c_a2` is summed over the eigenspace of `σ_2` (basis-independent). When
//!   every overlap is below the EVD's resolution ([`OVERLAP_RESOLUTION`]) the denominator is floored
//!   there and `Q_single` is reported as a lower bound (it is then infinite in exact arithmetic).
//! - **Cluster** `C*(O)` **(inferred)**: the eigenspaces `G` (j ≥ 2) with relative observable weight
//!   `Σ_a Σ_{j∈G} c_aj² / Σ_a Var_π f_a ≥ ε`; `T_O = ½ Σ_a Σ_{j∈C*} c_aj² (1+σ_j)/(1−σ_j)`;
//!   `Q_struct⊥ = (K/2) ‖g‖² / T_O`; `γ_eff = 1 − max_{C*} σ_j`; `γ_bulk = 1 − max σ_j` over modes
//!   outside C* whose weight exceeds the resolution floor; ordering gap `min_{C*} σ − max_{bulk} σ`
//!   (negative when cluster and bulk interleave).
//! - **Single relevant gap (inferred)**: the slowest eigenspace in C* alone, in single-gap form:
//!   `Q_srg = (γ_eff K/2) ‖g‖² / Σ_a Σ_{j∈G*} c_aj²`.
//! - **Three factors (inferred)**: `Q_struct⊥ = (γ_eff K/2) · R_eff` with `R_eff = ‖g‖² / (γ_eff T_O)`;
//!   the budget factor is reported as the burn-in residual `(1 − γ_eff)^B` and the efficiency
//!   `Q_op / Q_struct⊥` (what the finite B and K leave of the ideal).

use serde::Serialize;

use super::estimator::pow_u64;
use super::projection::Projected;
use crate::exact::spectrum::Spectrum;
use crate::numeric::tolerance::{Direction, OVERLAP_RESOLUTION, Tolerance};

/// The modes a cluster is built from: eigenvalues in descending order with the stationary mode at
/// index 0, their eigenspace ids, each mode's `Σ_a c_aj²`, `Σ_a Var_π f_a`, and the number of states
/// (the scale of the resolution floor). The dense spectrum gives every mode
/// ([`ModeTable::of`]); the matrix-free mode search the converged Ritz pairs the observables see.
#[derive(Clone, Debug)]
pub struct ModeTable<'a> {
    pub sigma: &'a [f64],
    pub group: &'a [usize],
    pub weight: Vec<f64>,
    pub total: f64,
    pub n_states: usize,
}

impl<'a> ModeTable<'a> {
    /// Every mode of a dense spectrum.
    pub fn of(spec: &'a Spectrum, proj: &Projected) -> Self {
        ModeTable {
            sigma: &spec.sigma,
            group: &spec.group,
            weight: proj.mode_weight(),
            total: proj.var.iter().sum(),
            n_states: spec.n,
        }
    }
}

/// Eigenspace weights relative to `Σ_a Var_π f_a`, indexed by group id (stationary mode excluded).
fn group_weights(t: &ModeTable) -> Vec<f64> {
    let total = t.total;
    let w = &t.weight;
    let ng = t.group.iter().copied().max().map_or(0, |m| m + 1);
    let mut gw = vec![0.0; ng];
    for j in 1..t.sigma.len() {
        gw[t.group[j]] += w[j];
    }
    if total > 0.0 {
        gw.iter_mut().for_each(|x| *x /= total);
    }
    gw
}

/// The cluster `C*(O)` at threshold ε and the quantities built on it.
#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    pub epsilon: f64,
    /// Modes in C* (global order, j ≥ 1 in 0-based indexing).
    #[serde(skip)]
    pub members: Vec<usize>,
    pub cluster_size: usize,
    /// `Σ_a Σ_{C*} c_aj² / Σ_a Var_π f_a`.
    pub captured_weight: f64,
    pub t_o: f64,
    pub gamma_eff: Option<f64>,
    pub gamma_bulk: Option<f64>,
    pub ordering_gap: Option<f64>,
    /// Number of modes outside C* that carry weight above the resolution floor.
    pub bulk_size: usize,
    /// Group id of the slowest eigenspace in C*.
    #[serde(skip)]
    pub slowest_group: Option<usize>,
}

/// Builds `C*(O)` at threshold `epsilon`.
pub fn cluster(spec: &Spectrum, proj: &Projected, epsilon: f64) -> Cluster {
    cluster_of(&ModeTable::of(spec, proj), epsilon)
}

/// `C*(O)` at threshold `epsilon` over a table of modes.
pub fn cluster_of(t: &ModeTable, epsilon: f64) -> Cluster {
    let n = t.n_states;
    let m = t.sigma.len();
    let gw = group_weights(t);
    let mw = &t.weight;
    let total = t.total;
    let floor = OVERLAP_RESOLUTION.threshold(n).powi(2) * total;
    let threshold = Tolerance::floor(epsilon);
    let members: Vec<usize> = (1..m)
        .filter(|&j| threshold.accepts(gw[t.group[j]], n))
        .collect();
    let in_c = {
        let mut v = vec![false; m];
        members.iter().for_each(|&j| v[j] = true);
        v
    };
    let t_o = 0.5
        * members
            .iter()
            .map(|&j| mw[j] * (1.0 + t.sigma[j]) / (1.0 - t.sigma[j]))
            .sum::<f64>();
    let captured_weight = members.iter().map(|&j| gw_mode(mw, j, total)).sum();
    let top_c = members.first().map(|&j| t.sigma[j]);
    let min_c = members.last().map(|&j| t.sigma[j]);
    let resolved = Tolerance::derived(floor).with_direction(Direction::Above);
    let bulk: Vec<usize> = (1..m)
        .filter(|&j| !in_c[j] && resolved.accepts(mw[j], n))
        .collect();
    let top_b = bulk.first().map(|&j| t.sigma[j]);
    Cluster {
        epsilon,
        cluster_size: members.len(),
        slowest_group: members.first().map(|&j| t.group[j]),
        members,
        captured_weight,
        t_o,
        gamma_eff: top_c.map(|s| 1.0 - s),
        gamma_bulk: top_b.map(|s| 1.0 - s),
        ordering_gap: match (min_c, top_b) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        },
        bulk_size: bulk.len(),
    }
}

fn gw_mode(mw: &[f64], j: usize, total: f64) -> f64 {
    if total > 0.0 { mw[j] / total } else { 0.0 }
}

/// `‖g‖²`.
pub fn norm2(g: &[f64]) -> f64 {
    g.iter().map(|x| x * x).sum()
}

/// `Q_struct⊥ = (K/2) ‖g‖² / T_O`.
pub fn q_struct_perp(g2: f64, window: u64, t_o: f64) -> f64 {
    0.5 * window as f64 * g2 / t_o
}

/// The single-gap predictor and its ingredients.
#[derive(Clone, Debug, Serialize)]
pub struct SingleGap {
    pub gamma: f64,
    /// `w_a = c_a2² / Var_π f_a` (eigenspace of σ_2), unfloored.
    pub w: Vec<f64>,
    /// `max_a |c_a2|` (eigenspace norm of the projection).
    pub max_overlap: f64,
    pub r: f64,
    /// `ESS_a = γK / (2 w_a)` (floored w; `None` for a constant observable).
    pub ess: Vec<Option<f64>>,
    pub q: f64,
    /// Whether the denominator was floored at the overlap resolution (then `q` is a lower bound).
    pub lower_bound: bool,
}

/// The single-gap predictor `Q_single = (γK/2) R`.
pub fn single_gap(spec: &Spectrum, proj: &Projected, g2: f64, window: u64) -> SingleGap {
    let n = spec.n;
    let gamma = 1.0 - spec.sigma.get(1).copied().unwrap_or(f64::NAN);
    let modes: Vec<usize> = if n > 1 {
        spec.group_members(spec.group[1])
            .into_iter()
            .filter(|&j| j > 0)
            .collect()
    } else {
        Vec::new()
    };
    let c2: Vec<f64> = proj
        .overlap
        .iter()
        .map(|c| modes.iter().map(|&j| c[j] * c[j]).sum())
        .collect();
    single_gap_from(gamma, &c2, &proj.var, n, g2, window)
}

/// The single-gap predictor from `γ`, each observable's squared overlap `c2[a]` with the eigenspace
/// of `σ_2` and its variance (`n` states scale the overlap resolution).
pub fn single_gap_from(
    gamma: f64,
    c2: &[f64],
    var: &[f64],
    n: usize,
    g2: f64,
    window: u64,
) -> SingleGap {
    let res = OVERLAP_RESOLUTION.threshold(n);
    let floor2: Vec<f64> = var.iter().map(|v| res * res * v).collect();
    let denom: f64 = c2.iter().sum();
    let floor_total: f64 = floor2.iter().sum();
    let lower_bound = Tolerance::derived(floor_total)
        .with_direction(Direction::Below)
        .accepts(denom, n);
    let d = denom.max(floor_total);
    let kf = window as f64;
    SingleGap {
        gamma,
        w: c2
            .iter()
            .zip(var)
            .map(|(c, v)| if *v > 0.0 { c / v } else { 0.0 })
            .collect(),
        max_overlap: c2.iter().map(|c| c.sqrt()).fold(0.0, f64::max),
        r: g2 / d,
        ess: c2
            .iter()
            .zip(&floor2)
            .zip(var)
            .map(|((c, f), v)| (*v > 0.0).then(|| gamma * kf / (2.0 * c.max(*f) / v)))
            .collect(),
        q: 0.5 * gamma * kf * g2 / d,
        lower_bound,
    }
}

/// The single-relevant-gap prediction: the slowest eigenspace of C* alone, in single-gap form.
pub fn single_relevant_gap(
    spec: &Spectrum,
    proj: &Projected,
    c: &Cluster,
    g2: f64,
    window: u64,
) -> Option<f64> {
    let grp = c.slowest_group?;
    let gamma = c.gamma_eff?;
    let modes: Vec<usize> = spec
        .group_members(grp)
        .into_iter()
        .filter(|&j| j > 0)
        .collect();
    let d: f64 = proj
        .overlap
        .iter()
        .map(|o| modes.iter().map(|&j| o[j] * o[j]).sum::<f64>())
        .sum();
    Some(0.5 * gamma * window as f64 * g2 / d)
}

/// The three-factor decomposition (inferred reading of docs/science.md §4).
#[derive(Clone, Debug, Serialize)]
pub struct ThreeFactor {
    /// `γ_eff K / 2`.
    pub gamma_eff_k_half: f64,
    /// `R_eff = ‖g‖² / (γ_eff T_O)`.
    pub r_eff: f64,
    /// Burn-in residual `(1 − γ_eff)^B`.
    pub burn_in_residual: f64,
    /// `Q_op / Q_struct⊥` (when Q_op is known).
    pub budget_efficiency: Option<f64>,
}

pub fn three_factor(
    c: &Cluster,
    g2: f64,
    window: u64,
    burn_in: u64,
    q_op: Option<f64>,
) -> Option<ThreeFactor> {
    let ge = c.gamma_eff?;
    let qs = q_struct_perp(g2, window, c.t_o);
    Some(ThreeFactor {
        gamma_eff_k_half: 0.5 * ge * window as f64,
        r_eff: g2 / (ge * c.t_o),
        burn_in_residual: pow_u64(1.0 - ge, burn_in),
        budget_efficiency: q_op.map(|q| q / qs),
    })
}

/// One point of the A8 threshold sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    pub epsilon: f64,
    pub cluster_size: usize,
    pub captured_weight: f64,
    pub t_o: f64,
}

/// `C*` and `T_O` at each ε (Q_struct⊥ ∝ 1/T_O at fixed g and K).
pub fn threshold_sweep(spec: &Spectrum, proj: &Projected, eps: &[f64]) -> Vec<SweepPoint> {
    threshold_sweep_of(&ModeTable::of(spec, proj), eps)
}

/// [`threshold_sweep`] over a table of modes.
pub fn threshold_sweep_of(t: &ModeTable, eps: &[f64]) -> Vec<SweepPoint> {
    eps.iter()
        .map(|&e| {
            let c = cluster_of(t, e);
            SweepPoint {
                epsilon: e,
                cluster_size: c.cluster_size,
                captured_weight: c.captured_weight,
                t_o: c.t_o,
            }
        })
        .collect()
}
