//! Tolerance policy: the one module that says what a tolerance *is*. Checker tolerances are data in
//! `specs/assumptions.toml` (parsed into [`Tolerance`]); the few tolerances that only tests use are
//! the named constants at the bottom of this file, each with its kind and its reason.

use serde::{Deserialize, Serialize};

use super::U;

/// What a tolerance value means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `|measured| ≤ value`.
    Abs,
    /// `|measured| ≤ value` for a measured quantity that is already relative.
    Rel,
    /// `measured ≤ value` in units in the last place.
    Ulps,
    /// `measured ≤ value · scale`: a derived rounding bound (see [`Scale`]).
    Bound,
    /// `measured == value` (counts, flags).
    Exact,
    /// False-alarm probability of a statistical test: fail when `p < value`.
    Alpha,
    /// A dimensionless factor the statement explains (e.g. `K ≥ value · τ`).
    Ratio,
}

/// The scale a [`Kind::Bound`] tolerance multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    /// `n · u`, n the number of states: the backward-error scale of a dense eigensolver on an
    /// operator of norm 1 (Higham §1.5; faer's own tests use `eps · sqrt(8n)`, we take the looser `n`).
    #[serde(rename = "n*u")]
    NU,
    /// `u` alone.
    #[serde(rename = "u")]
    Unit,
}

/// A tolerance as declared in a spec file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub kind: Kind,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
}

impl Tolerance {
    pub const fn abs(value: f64) -> Self {
        Tolerance {
            kind: Kind::Abs,
            value,
            scale: None,
        }
    }
    pub const fn rel(value: f64) -> Self {
        Tolerance {
            kind: Kind::Rel,
            value,
            scale: None,
        }
    }

    /// The threshold a measured value is compared with, for an operator on `n` states.
    pub fn threshold(&self, n: usize) -> f64 {
        match (self.kind, self.scale) {
            (Kind::Bound, Some(Scale::NU)) => self.value * n as f64 * U,
            (Kind::Bound, Some(Scale::Unit)) => self.value * U,
            (Kind::Ulps, _) => self.value * f64::EPSILON,
            _ => self.value,
        }
    }

    /// Whether `measured` is within this tolerance (NaN never is).
    pub fn accepts(&self, measured: f64, n: usize) -> bool {
        match self.kind {
            Kind::Exact => measured == self.value,
            Kind::Alpha => measured >= self.value,
            _ => measured.abs() <= self.threshold(n),
        }
    }
}

/// Relative difference `|a − b| / max(|a|, |b|)`, 0 when both are 0.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    let m = a.abs().max(b.abs());
    if m == 0.0 { 0.0 } else { (a - b).abs() / m }
}

/// Tolerances used only by tests, each named, with its kind and reason.
pub mod test {
    use super::Tolerance;

    /// Closed-form eigenvalues (β = 0 Gibbs, 1-D Glauber) against the dense solver: absolute,
    /// from issue #2 ("match to ≤ 1e-12"); the solver's own error is ~n·u ≤ 1e-12 for n ≤ 1024.
    pub const CLOSED_FORM_EIGENVALUE: Tolerance = Tolerance::abs(1e-12);
    /// faer vs nalgebra eigenvalues on the same symmetric matrix of norm 1 and n ≤ 64: absolute,
    /// two backward-stable solvers differ by at most ~2·n·u·‖S‖ ≈ 1.4e-14; we allow 1e-12.
    pub const SOLVER_CROSS_CHECK: Tolerance = Tolerance::abs(1e-12);
    /// A kernel that must *fail* detailed balance must show at least this absolute residual
    /// (issue #2: systematic scan on frustrated models, residual ≥ 1e-6).
    pub const MUST_FAIL_DB: f64 = 1e-6;
    /// GTH stationary law against the enumerated Boltzmann law: relative, entrywise; GTH is
    /// subtraction-free so its entrywise error is a modest multiple of n·u (O'Cinneide 1993).
    pub const GTH_VS_ENUMERATION: Tolerance = Tolerance::rel(1e-11);
    /// Asymptotic variance by the spectral sum vs the Poisson equation on a reversible kernel:
    /// relative, from issue #3 ("cross-checked … to ≤ 1e-10 relative").
    pub const SPECTRAL_VS_POISSON: Tolerance = Tolerance::rel(1e-10);
    /// Exact window MSE (recursion) vs brute-force matrix powers on small chains: relative, from
    /// issue #3 ("≤ 1e-10 relative").
    pub const EXACT_MSE_VS_BRUTE_FORCE: Tolerance = Tolerance::rel(1e-10);
    /// Exact window MSE vs Monte Carlo runs of the kernel: the difference must be within this many
    /// standard errors of the Monte Carlo mean (issue #3: "within 3 standard errors").
    pub const MC_STANDARD_ERRORS: f64 = 3.0;
    /// Flip-blocked vs unblocked decomposition: eigenvalues absolute (two backward-stable EVDs of a
    /// norm-1 matrix, ~n·u with n ≤ 256), τ relative (τ is a smooth function of the eigenpairs,
    /// amplified by at most (1−σ_2)⁻¹ ≲ 1e3 on the test chains).
    pub const FLIP_BLOCKED_EIGENVALUE: Tolerance = Tolerance::abs(1e-12);
    pub const FLIP_BLOCKED_TAU: Tolerance = Tolerance::rel(1e-9);
    /// Exact τ against the β = 0 closed forms (N − 1 for pairs, 2N − 1 for fields): relative; the
    /// spectrum is exactly degenerate there and the EVD's error is ~n·u.
    pub const TAU_CLOSED_FORM: Tolerance = Tolerance::rel(1e-10);
    /// Burn-in law by the spectral identity vs B explicit steps: absolute per entry of a law
    /// (sums of n products of orthonormal-vector entries, ~n·u·max(1/√π)·√π).
    pub const BURN_IN_LAW: Tolerance = Tolerance::abs(1e-12);
    /// Overlap of φ_2 with even observables in flip-symmetric cells (issue #3: "≤ 1e-15").
    pub const Z2_OVERLAP: Tolerance = Tolerance::abs(1e-15);
    /// Minimum single-gap over-prediction in flip-symmetric cells (issue #3: "≥ 1e20").
    pub const MIN_SINGLE_GAP_OVERPREDICTION: f64 = 1e20;
    /// Stationary-start recursion vs the spectral finite-K formula: relative (both exact; the
    /// recursion accumulates K rounding steps, K ≤ 200).
    pub const STATIONARY_WINDOW_VARIANCE: Tolerance = Tolerance::rel(1e-10);
}

/// Input validation (not a checker): a supplied matrix or π whose rows/total miss 1 by more than this
/// absolute amount is rejected as bad input (exit 2) rather than audited. Between the `K.stochastic`
/// tolerance and this value the input is accepted and `K.stochastic` fails. deeptime's effective
/// default (1e-8, PEERS.md §3 item 15) is the reference.
pub const INPUT_ROW_SUM: Tolerance = Tolerance::abs(1e-8);

/// Eigenvalues of one symmetry sector closer than this are treated as one eigenspace (their
/// eigenvectors are then arbitrary within it): the dense symmetric solver's eigenvalue error bound,
/// the same `64 · n · u` as the A3 spectral checks.
pub const EIGENSPACE_GAP: Tolerance = Tolerance {
    kind: Kind::Bound,
    value: 64.0,
    scale: Some(Scale::NU),
};

/// Resolution of an overlap `c_aj = ⟨f̄_a, φ_j⟩_π` computed by a dense EVD: relative to `‖f̄_a‖_π`,
/// an overlap below `n · u` cannot be told from zero (backward error of the eigenvectors times the
/// norm of the observable). Used as (i) the floor under which a mode "carries no observable weight"
/// (γ_bulk) and (ii) the floor of the single-gap predictor's denominator, which is then reported as
/// a lower bound.
pub const OVERLAP_RESOLUTION: Tolerance = Tolerance {
    kind: Kind::Bound,
    value: 1.0,
    scale: Some(Scale::NU),
};
