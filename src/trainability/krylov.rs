//! The cluster `C*(O)` and the predictors (docs/science.md §3–§4) past the dense limit: the same
//! definitions as the dense route ([`super::predictors`]) over the converged Ritz pairs of the
//! matrix-free mode search ([`crate::exact::matfree::modes`]), with the weight that search did not
//! resolve carried as a bound instead of being dropped.
//!
//! **Truncation.** Let `W_u` be the weight on unconverged Ritz pairs relative to `Σ_a Var_π f_a`.
//! An eigenspace no converged Ritz pair stands for carries at most `W_u` (up to the `O(r²/δ²)` of
//! the converged pairs), so when `W_u < ε` no unresolved eigenspace can enter `C*(O)` at threshold
//! ε: the cluster is *complete*. Otherwise it is *truncated*, and the report says so (A7 and A8
//! are then inconclusive). `T_O` misses at most `½ W_u Σ_a Var_π f_a (1+σ₂)/(1−σ₂)` (every
//! unresolved mode at the slowest rate), reported as `t_o_upper`, so
//! `Q_struct⊥ ∈ [(K/2)‖g‖²/t_o_upper, (K/2)‖g‖²/T_O]`.

use serde::Serialize;

use super::predictors::{
    Cluster, ModeTable, SingleGap, SweepPoint, cluster_of, single_gap_from, threshold_sweep_of,
};
use crate::exact::matfree::modes::Modes;
use crate::exact::spectrum::Parity;
use crate::numeric::tolerance::EIGENSPACE_GAP;

/// The converged modes the observables see, grouped into eigenspaces, and the clusters on them.
#[derive(Clone, Debug, Serialize)]
pub struct KrylovCluster {
    /// Converged Ritz values, descending, after the stationary mode `σ_1 = 1` at index 0.
    pub sigma: Vec<f64>,
    /// Eigenspace id of each (consecutive values within [`EIGENSPACE_GAP`] share one).
    pub group: Vec<usize>,
    /// Flip parity of each mode, `None` where the mode search could not resolve it (A9).
    #[serde(skip)]
    pub parity: Vec<Option<Parity>>,
    /// `overlap[a][j]` for the modes of `sigma` (0 for the stationary mode).
    #[serde(skip)]
    pub overlap: Vec<Vec<f64>>,
    #[serde(skip)]
    pub var: Vec<f64>,
    pub n_states: usize,
    pub cluster: Cluster,
    /// Distinct eigenspaces among the cluster's modes.
    pub eigenspaces: usize,
    pub sweep: Vec<SweepPoint>,
    /// `W_u`: weight on unconverged Ritz pairs, relative to `Σ_a Var_π f_a`.
    pub unresolved_weight: f64,
    /// `W_u ≥ ε`: unresolved eigenspaces may belong to `C*(O)`.
    pub truncated: bool,
    /// The sweep's ε values at or below `W_u` (their clusters may be truncated).
    pub truncated_sweep: Vec<f64>,
    /// `T_O` plus the most the unresolved weight can add to it.
    pub t_o_upper: f64,
}

impl KrylovCluster {
    /// Builds the table of converged modes and `C*(O)` at `epsilon` and at each ε of `sweep`;
    /// `sigma2` is the slowest non-stationary eigenvalue of `S` (from the extreme eigenvalues).
    pub fn new(m: &Modes, n_states: usize, sigma2: f64, epsilon: f64, sweep: &[f64]) -> Self {
        let keep: Vec<usize> = (0..m.sigma.len()).filter(|&j| m.converged[j]).collect();
        let sigma: Vec<f64> = std::iter::once(1.0)
            .chain(keep.iter().map(|&j| m.sigma[j]))
            .collect();
        let mut group = vec![0usize; sigma.len()];
        let mut next = 1;
        for g in 1..sigma.len() {
            if g > 1 && EIGENSPACE_GAP.accepts(sigma[g - 1] - sigma[g], n_states) {
                group[g] = group[g - 1];
            } else {
                group[g] = next;
                next += 1;
            }
        }
        let overlap: Vec<Vec<f64>> = m
            .overlap
            .iter()
            .map(|c| {
                std::iter::once(0.0)
                    .chain(keep.iter().map(|&j| c[j]))
                    .collect()
            })
            .collect();
        let weight: Vec<f64> = (0..sigma.len())
            .map(|j| overlap.iter().map(|c| c[j] * c[j]).sum())
            .collect();
        let total = m.total();
        let table = ModeTable {
            sigma: &sigma,
            group: &group,
            weight,
            total,
            n_states,
        };
        let cluster = cluster_of(&table, epsilon);
        let sweep_points = threshold_sweep_of(&table, sweep);
        let unresolved_weight = m.unresolved_weight();
        let tail = 0.5 * unresolved_weight * total * (1.0 + sigma2) / (1.0 - sigma2);
        let mut ids: Vec<usize> = cluster.members.iter().map(|&j| group[j]).collect();
        ids.dedup();
        let parity = std::iter::once(m.stationary_parity)
            .chain(keep.iter().map(|&j| m.parity[j]))
            .collect();
        KrylovCluster {
            parity,
            eigenspaces: ids.len(),
            t_o_upper: cluster.t_o + tail,
            truncated: unresolved_weight >= epsilon,
            truncated_sweep: sweep
                .iter()
                .copied()
                .filter(|&e| unresolved_weight >= e)
                .collect(),
            sigma,
            group,
            overlap,
            var: m.var.clone(),
            n_states,
            cluster,
            sweep: sweep_points,
            unresolved_weight,
        }
    }

    /// The modes' parities as a string in `sigma` order (`e`, `o`, `?` unresolved), with the
    /// same for the cluster's members.
    pub fn parity_strings(&self) -> (String, String) {
        let c = |p: &Option<Parity>| match p {
            Some(Parity::Even) => 'e',
            Some(Parity::Odd) => 'o',
            None => '?',
        };
        (
            self.parity.iter().map(c).collect(),
            self.cluster
                .members
                .iter()
                .map(|&j| c(&self.parity[j]))
                .collect(),
        )
    }

    /// The single-gap predictor with `γ = 1 − σ₂`: the observables' weight on the converged modes
    /// within [`EIGENSPACE_GAP`] of `σ₂` (none: the predictor is floored and a lower bound, as on
    /// the dense route when the observables do not see `φ_2`).
    pub fn single_gap(&self, sigma2: f64, g2: f64, window: u64) -> SingleGap {
        let modes: Vec<usize> = (1..self.sigma.len())
            .filter(|&j| EIGENSPACE_GAP.accepts((self.sigma[j] - sigma2).abs(), self.n_states))
            .collect();
        let c2: Vec<f64> = self
            .overlap
            .iter()
            .map(|c| modes.iter().map(|&j| c[j] * c[j]).sum())
            .collect();
        single_gap_from(1.0 - sigma2, &c2, &self.var, self.n_states, g2, window)
    }

    /// The single-relevant-gap prediction: the slowest eigenspace of `C*` alone, in single-gap form.
    pub fn single_relevant_gap(&self, g2: f64, window: u64) -> Option<f64> {
        let grp = self.cluster.slowest_group?;
        let gamma = self.cluster.gamma_eff?;
        let modes: Vec<usize> = (1..self.sigma.len())
            .filter(|&j| self.group[j] == grp)
            .collect();
        let d: f64 = self
            .overlap
            .iter()
            .map(|o| modes.iter().map(|&j| o[j] * o[j]).sum::<f64>())
            .sum();
        Some(0.5 * gamma * window as f64 * g2 / d)
    }
}
