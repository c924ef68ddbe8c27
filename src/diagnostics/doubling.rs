//! The programme's estimator rules on trajectories (docs/science.md §5 A5, A6):
//!
//! - **Doubling stability** (`E.doubling`): τ is estimated (Sokal window, N/ESS convention) on the
//!   first `L, 2L, 4L, …` draws of every chain. τ counts as *resolved* at the first consecutive pair
//!   `(L, 2L)` that is self-consistent (`L ≥ 5 τ(L)` and `2L ≥ 5 τ(2L)`, the Sokal window constant)
//!   and stable (`|τ(2L) − τ(L)| / τ(L) < 0.15`); the resolved value is `τ(2L)`. Otherwise the probe is
//!   *inconclusive*. `τ/L` is reported at every length: a chain whose slowest mode is not crossed
//!   within the trajectory shows `τ/L` roughly constant (τ grows with L), the signature of exp4.
//! - **Window gate** (`A6.sampled`): `K/τ ≥ 50`, with `K` the draws per chain
//!   and `τ` the resolved value (inconclusive when τ is not resolved).
//! - **Burn-in flag** (`E.burn-in`): the burn-in `B` discarded before the trajectory satisfies
//!   `B/τ ≥ 5`.

use serde::Serialize;

use super::tau::{SOKAL_C, SokalTau, sokal_tau_prefix};
use super::{Draws, Undefined};
use crate::numeric::tolerance::Tolerance;

/// Shortest prefix the default probe uses.
pub const MIN_PROBE_LENGTH: usize = 64;
/// Most doublings the default probe makes.
pub const MAX_DOUBLINGS: usize = 6;
/// The rule the probe resolves τ by (from the registry's `E.doubling`: its tolerance and its
/// `self_consistent` bound).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoublingRule {
    /// `|τ(2L) − τ(L)| / τ(L)` must meet this (`< 0.15`).
    pub stability: Tolerance,
    /// `L / τ(L)` must meet this factor (`L ≥ 5 τ(L)`), applied as `L ≥ value · τ(L)`.
    pub self_consistent: Tolerance,
}

/// τ at one prefix length.
#[derive(Clone, Debug, Serialize)]
pub struct LengthTau {
    pub length: usize,
    /// `None` when τ is undefined at this length.
    pub tau: Option<f64>,
    pub tau_over_length: Option<f64>,
    /// `|τ(L) − τ(L/2)| / τ(L/2)` (none at the first length).
    pub rel_change: Option<f64>,
    /// Why a field of this row is `null` (absent when none is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The outcome of the doubling probe.
#[derive(Clone, Debug, Serialize)]
pub struct Doubling {
    pub tau_by_length: Vec<LengthTau>,
    /// The longer length of the first pair of the final run of good pairs.
    pub resolved_length: Option<usize>,
    /// τ at the full length, when resolved.
    pub tau: Option<f64>,
    /// The relative change at the final doubling.
    pub rel_change: Option<f64>,
    /// At least two consecutive good doublings at the end (the programme's "stable" calibration).
    pub stable: bool,
}

/// Default lengths `L₀·2^k ≤ n`, `L₀ = n / 2^K` with `K ≤ MAX_DOUBLINGS` and `L₀ ≥ MIN_PROBE_LENGTH`.
pub fn default_lengths(n: usize) -> Vec<usize> {
    let mut k = 0;
    while k < MAX_DOUBLINGS && (n >> (k + 1)) >= MIN_PROBE_LENGTH {
        k += 1;
    }
    lengths_from(n >> k, n)
}

/// `L₀, 2L₀, 4L₀, … ≤ n`.
pub fn lengths_from(l0: usize, n: usize) -> Vec<usize> {
    let mut v = Vec::new();
    let mut l = l0.max(1);
    while l <= n {
        v.push(l);
        l *= 2;
    }
    v
}

/// Runs the probe over `lengths` (ascending) under `rule`.
pub fn doubling_probe(d: &Draws, lengths: &[usize], rule: &DoublingRule) -> Doubling {
    doubling_probe_with(d, lengths, rule, None)
}

/// [`doubling_probe`], given `sokal_tau(d, SOKAL_C)` when the caller has it already (it is the
/// probe's value at every length `≥ d.draws`, so it is not computed again).
pub fn doubling_probe_with(
    d: &Draws,
    lengths: &[usize],
    rule: &DoublingRule,
    full: Option<&Result<SokalTau, Undefined>>,
) -> Doubling {
    let mut steps: Vec<LengthTau> = Vec::with_capacity(lengths.len());
    for &l in lengths {
        let sokal = match full {
            Some(f) if l >= d.draws => *f,
            _ => sokal_tau_prefix(d, l, SOKAL_C),
        };
        let tau = sokal.as_ref().ok().map(|t| t.tau);
        let previous = steps.last().map(|s| s.tau);
        let rel_change = match (previous.flatten(), tau) {
            (Some(a), Some(b)) if a > 0.0 => Some((b - a).abs() / a),
            _ => None,
        };
        let reason = match (&sokal, previous) {
            (Err(e), _) => Some(format!("tau is undefined at this length: {}", e.reason())),
            (Ok(_), None) => Some("rel_change: the first length has no shorter prefix".into()),
            (Ok(_), Some(None)) => {
                Some("rel_change: tau is undefined at the previous length".into())
            }
            (Ok(_), Some(Some(a))) if a <= 0.0 => {
                Some("rel_change: tau at the previous length is not positive".into())
            }
            _ => None,
        };
        steps.push(LengthTau {
            length: l,
            tau,
            tau_over_length: tau.map(|t| t / l as f64),
            rel_change,
            reason,
        });
    }
    let ok = |s: &LengthTau| {
        s.tau
            .is_some_and(|t| rule.self_consistent.scaled(t).accepts(s.length as f64, 1))
    };
    let good: Vec<bool> = (0..steps.len())
        .map(|k| {
            k >= 1
                && ok(&steps[k - 1])
                && ok(&steps[k])
                && steps[k]
                    .rel_change
                    .is_some_and(|r| rule.stability.accepts(r, 1))
        })
        .collect();
    // Resolved when the final doubling is good; it became resolved at the start of the final run of
    // good pairs. An early good pair followed by a bad one is a false resolution on short prefixes.
    let last = steps.len().saturating_sub(1);
    let resolved = (steps.len() >= 2 && good[last]).then(|| {
        let mut k = last;
        while k > 1 && good[k - 1] {
            k -= 1;
        }
        k
    });
    let stable = resolved.is_some_and(|k| last > k);
    let (resolved_length, tau, rel_change) = match resolved {
        Some(k) => (
            Some(steps[k].length),
            steps[last].tau,
            steps[last].rel_change,
        ),
        None => (None, None, steps.last().and_then(|s| s.rel_change)),
    };
    Doubling {
        tau_by_length: steps,
        resolved_length,
        tau,
        rel_change,
        stable,
    }
}
