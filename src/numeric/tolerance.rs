//! Tolerance policy: the one module that says what a tolerance *is* and the one place a measured value
//! is compared with a threshold ([`Tolerance::accepts`]). Checker tolerances are data in
//! `specs/assumptions.toml` and claim tolerances in `specs/claims.toml` (both parsed into
//! [`Tolerance`], each stating its [`Direction`]); the numerical method thresholds and the tolerances
//! that only tests use are the named constants at the bottom of this file, each with its kind and its
//! reason.

use serde::{Deserialize, Serialize};

use super::U;

/// What a tolerance value means (how the threshold is formed from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An absolute threshold on the measured value.
    Abs,
    /// A threshold on a measured quantity that is already relative.
    Rel,
    /// A threshold in units in the last place: `value · ε`.
    Ulps,
    /// A derived rounding bound: `value · scale` (see [`Scale`]).
    Bound,
    /// The measured value must equal `value` (counts, flags).
    Exact,
    /// False-alarm probability of a statistical test: the p-value must be at least `value`.
    Alpha,
    /// A dimensionless factor the statement explains (e.g. `K ≥ value · τ`).
    Ratio,
}

/// Which side of the threshold passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// `|measured| ≤ threshold` (residuals, errors, ratios that must stay small).
    AtMost,
    /// `|measured| < threshold` (a strict ceiling, e.g. the doubling rule `d < 0.15`).
    Below,
    /// `measured ≥ threshold` (floors: p-values, gaps, `K/τ`).
    AtLeast,
    /// `measured > threshold` (a strict floor, e.g. `1 − σ₂` above the solver bound).
    Above,
    /// `measured == value` (kind `exact`).
    Equal,
}

impl Direction {
    /// The comparison as a symbol (`<=`, `<`, `>=`, `>`, `==`), for messages.
    pub fn symbol(&self) -> &'static str {
        match self {
            Direction::AtMost => "<=",
            Direction::Below => "<",
            Direction::AtLeast => ">=",
            Direction::Above => ">",
            Direction::Equal => "==",
        }
    }
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
    pub direction: Direction,
}

impl Tolerance {
    /// `|measured| ≤ value`.
    pub const fn abs(value: f64) -> Self {
        Tolerance {
            kind: Kind::Abs,
            value,
            scale: None,
            direction: Direction::AtMost,
        }
    }
    /// `|measured| ≤ value` for a relative measured quantity.
    pub const fn rel(value: f64) -> Self {
        Tolerance {
            kind: Kind::Rel,
            value,
            scale: None,
            direction: Direction::AtMost,
        }
    }
    /// `|measured| ≤ value · scale`: a derived rounding bound.
    pub const fn bound(value: f64, scale: Scale) -> Self {
        Tolerance {
            kind: Kind::Bound,
            value,
            scale: Some(scale),
            direction: Direction::AtMost,
        }
    }
    /// `|measured| ≤ bound` for a bound derived at run time (a per-pair rounding bound).
    pub const fn derived(bound: f64) -> Self {
        Tolerance {
            kind: Kind::Bound,
            value: bound,
            scale: None,
            direction: Direction::AtMost,
        }
    }
    /// `measured ≥ value`: a floor on a dimensionless factor.
    pub const fn floor(value: f64) -> Self {
        Tolerance {
            kind: Kind::Ratio,
            value,
            scale: None,
            direction: Direction::AtLeast,
        }
    }

    /// The same tolerance with its value multiplied by `factor` (a threshold that scales with a
    /// per-case quantity, such as the Davis–Kahan scale of one eigenspace).
    pub fn scaled(self, factor: f64) -> Self {
        Tolerance {
            value: self.value * factor,
            ..self
        }
    }

    /// The same threshold with another direction (one tolerance bounding a quantity from both sides).
    pub fn with_direction(self, direction: Direction) -> Self {
        Tolerance { direction, ..self }
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

    /// Whether `measured` is on the passing side of the threshold for an operator on `n` states: the
    /// only comparison of a measured value with a threshold in the crate. NaN is never accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use mcmc_audit::numeric::tolerance::{Scale, Tolerance};
    ///
    /// // A ceiling on |measured|.
    /// let residual = Tolerance::abs(1e-12);
    /// assert!(residual.accepts(-5e-13, 0));
    /// assert!(!residual.accepts(2e-12, 0));
    /// assert!(!residual.accepts(f64::NAN, 0));
    ///
    /// // A rounding bound scales with the number of states: 64 · n · u.
    /// let solver = Tolerance::bound(64.0, Scale::NU);
    /// assert_eq!(solver.threshold(16), 64.0 * 16.0 * f64::EPSILON / 2.0);
    /// assert!(solver.accepts(1e-13, 16) && !solver.accepts(1e-12, 16));
    ///
    /// // A floor: K ≥ 50 τ as K/τ ≥ 50.
    /// let window = Tolerance::floor(50.0);
    /// assert!(window.accepts(60.0, 0) && !window.accepts(40.0, 0));
    /// ```
    pub fn accepts(&self, measured: f64, n: usize) -> bool {
        let t = self.threshold(n);
        match self.direction {
            Direction::AtMost => measured.abs() <= t,
            Direction::Below => measured.abs() < t,
            Direction::AtLeast => measured >= t,
            Direction::Above => measured > t,
            Direction::Equal => measured == self.value,
        }
    }

    /// Whether kind and direction fit together (`exact` ⇔ `equal`; `alpha` is a floor on a p-value).
    pub fn is_consistent(&self) -> bool {
        match self.kind {
            Kind::Exact => self.direction == Direction::Equal,
            Kind::Alpha => self.direction == Direction::AtLeast,
            _ => self.direction != Direction::Equal,
        }
    }
}

/// Relative difference `|a − b| / max(|a|, |b|)`, 0 when both are 0.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    let m = a.abs().max(b.abs());
    if m == 0.0 { 0.0 } else { (a - b).abs() / m }
}

/// Tolerances used only by tests, each named, with its kind and reason.
#[cfg(any(test, feature = "oracles"))]
pub mod test {
    /// Bias of the window mean from a stationary start: absolute; it is 0 in exact arithmetic and the
    /// π-weighted sums over ≤ 64 states of |f| ≤ 1 round to well below 1e-15.
    pub const STATIONARY_START_BIAS: Tolerance = Tolerance::abs(1e-15);
    /// A window of one draw from stationarity has MSE = Var_π f: relative; one π-weighted sum each side.
    pub const WINDOW_OF_ONE_IS_VARIANCE: Tolerance = Tolerance::rel(1e-12);
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
    /// The fast engine's in-crate `exp` against `f64::exp` on `[−745, 0]`: relative; Cody–Waite
    /// reduction plus a degree-13 Horner polynomial and two exact scalings round a handful of times
    /// (≲ 4 ulps = 8.9e-16); the subnormal range (below 2.2e-308) is excluded by the test.
    pub const FAST_EXP: Tolerance = Tolerance::rel(1e-15);
    /// The fast engine's `P(x_i → +1)` against `HeatBathSite`'s law on the same state: relative;
    /// identical local fields (same summation order), the exp above and one division (≲ 8 ulps).
    pub const FAST_P_UP_VS_LAW: Tolerance = Tolerance::rel(2e-15);
    /// Self-adjointness of the symmetrized parallel-tempering kernel on a small product space:
    /// absolute, from issue #6 ("≤ 1e-12").
    pub const PT_SELF_ADJOINT: Tolerance = Tolerance::abs(1e-12);
    /// The PT product law (couplings `α_r J`) against the product of per-replica laws at `β α_r`:
    /// relative; each `α_r J` rounds once (relative u), moving `log π` by ≲ β Σ|J| u ≈ 1e-15 on the
    /// two-spin test model, plus both enumerations' own bounds (~1e-15).
    pub const PRODUCT_LAW: Tolerance = Tolerance::rel(1e-13);
    /// Sampled mean swap acceptance of the fast PT engine against its exact expectation (enumerated):
    /// absolute; 2·10^4 swap attempts per pair of an 8-spin model whose replicas decorrelate in a
    /// few sweeps give a standard error ≈ 0.003, so 0.02 is > 6 standard errors.
    pub const PT_ACCEPTANCE_SAMPLED: Tolerance = Tolerance::abs(0.02);
    /// Specific heat from PT samples against the enumerated energy variance: relative; 2·10^4
    /// weakly correlated draws give a relative standard error ≈ √(2/n_eff) ≲ 0.02; 0.1 is > 5 of them.
    pub const PT_SPECIFIC_HEAT_SAMPLED: Tolerance = Tolerance::rel(0.1);
    /// Trapezoid thermodynamic length on 2001 grid points against the closed form: relative; the
    /// trapezoid error is O(h²) ≈ 1e-7 for the smooth sech integrand.
    pub const LADDER_TRAPEZOID: Tolerance = Tolerance::rel(1e-6);
    /// Equal-acceptance placement: each rung's closed-form length against Λ/(R−1): relative; the
    /// placement inverts the piecewise-linear √C of a 2001-point grid (O(h²) ≈ 1e-7).
    pub const LADDER_EQUAL_LENGTH: Tolerance = Tolerance::rel(1e-5);
    /// `erfc(erfc⁻¹(0.234)) = 0.234` with statrs 0.19: absolute. statrs' `erfc_inv` agrees with a
    /// Newton inversion of glibc's `erfc` to 1 ulp (δ* = 1.6830810756748331), but statrs' `erfc`
    /// itself returns 0.234000000011136 there (glibc: 0.23399999999999999), a relative error ≈ 5e-11;
    /// 1e-10 covers that measured error of the dependency with a factor 9.
    pub const ERFC_ROUNDTRIP: Tolerance = Tolerance::abs(1e-10);
    /// `trace --convention arviz` against ArviZ 0.23 / emcee 3.1 on the committed vectors
    /// (tests/data/trace): relative, from issue #4 ("≤ 1e-8 relative"). The two sides differ only
    /// in FFT padding, summation order and Φ⁻¹ rounding (~1e-15 relative before amplification).
    pub const PEER_CONFORMANCE: Tolerance = Tolerance::rel(1e-8);
    /// FFT autocovariance against the direct O(n²) sum: absolute on data of unit scale; the FFT's
    /// error is ~ log2(L)·u·Σx² / n ≈ 1e-14 for the lengths tested.
    pub const FFT_VS_DIRECT: Tolerance = Tolerance::abs(1e-12);
    /// Coverage band (fractions, closed) of the Madras–Sokal ±1σ bar on τ (Sokal window, c = 5) over
    /// 100–400 replicates of positively correlated chains with known τ and n ≥ 500 τ. Nominal 0.683;
    /// measured 0.69–0.77 in the 400-replicate table (the Madras–Sokal variance is slightly conservative;
    /// src/diagnostics/calibration.rs). Band = measured range ± about 4 binomial sd (0.03 at 200 replicates).
    pub const SOKAL_COVERAGE_BAND: (f64, f64) = (0.6, 0.9);
    /// Bound on |relative bias| of the Sokal τ in those runs: measured within ±2.2 % (window truncation
    /// and per-chain centring, ≈ −10 τ/n); 0.1 leaves room for the replicate noise (rmse/√reps ≤ 1.5 %).
    pub const SOKAL_REL_BIAS: f64 = 0.1;
    /// Upper bound on the observed rejection fraction of `S.reversibility` at level 0.05 over 200
    /// reversible replicates: Bonferroni makes the test conservative (≤ 0.05 expected); 0.1 is the
    /// nominal level plus 3 binomial sd (0.015) — a real excess of false alarms fails.
    pub const REVERSIBILITY_FALSE_ALARM: f64 = 0.1;
    /// Upper bound on the observed rejection fraction of `S.stationary-gtest` at level 0.05 over
    /// 200 replicates of draws from π: the nominal 0.05 plus 3 binomial sd (3·√(0.05·0.95/200) ≈
    /// 0.046), rounded up to 0.1; pooling cells keeps the χ² approximation from running liberal.
    pub const STATIONARY_FALSE_ALARM: f64 = 0.1;
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
    pub const Z2_OVERLAP: Tolerance = super::PHI2_SYMMETRY_ZERO;
    /// Minimum single-gap over-prediction in flip-symmetric cells (issue #3: "≥ 1e20").
    pub const MIN_SINGLE_GAP_OVERPREDICTION: f64 = super::SINGLE_GAP_OVERPREDICTION_FLOOR.value;
    /// Stationary-start recursion vs the spectral finite-K formula: relative (both exact; the
    /// recursion accumulates K rounding steps, K ≤ 200).
    pub const STATIONARY_WINDOW_VARIANCE: Tolerance = Tolerance::rel(1e-10);
    /// An `S_xy` formed in log space (`exp(ln P_xy + ½ log(π_x/π_y))`) against its closed form: the
    /// exponent's rounding, `ulp(700) ≈ 1.1e-13`, becomes a relative error of that size.
    pub const LOG_SPACE_S_ENTRY: Tolerance = Tolerance::rel(1e-12);
    /// A floored threshold recomputed from its reported value (`value · n · u` for a bound kind):
    /// two roundings of a product, 4 ulps of 1 as a relative error.
    pub const FLOORED_THRESHOLD: Tolerance = Tolerance::rel(4.0 * f64::EPSILON);
    /// Distance to stationarity from repeated squaring against explicit step-by-step powers:
    /// absolute, from issue 12 ("d(t) against brute-force matrix powers, ≤ 1e-12 absolute"); both
    /// sides carry ~log₂ t · n · u of rounding on entries that sum to 1.
    pub const TV_VS_BRUTE_FORCE: Tolerance = Tolerance::abs(1e-12);
    /// Binomial CDF vs SciPy 1.17.1 `binom.cdf`: relative (a log-space sum of ≤ 1001 terms, each
    /// with O(n) rounding steps in its log; 1e-12 leaves room for n = 1000).
    pub const BINOMIAL_CDF_VS_SCIPY: Tolerance = Tolerance::rel(1e-12);
    /// A lazy kernel ½(I + P) against its closed form from P's audit (γ' = γ/2, τ' = 2τ + 1):
    /// relative; two independent exact audits whose τ each carry ~1e-12 of solver rounding.
    pub const LAZY_CLOSED_FORM: Tolerance = Tolerance::rel(1e-9);
    /// A scale-invariant statistic recomputed on data scaled by a non-power of two (relative): the
    /// scaling rounds every draw by up to an ulp, which moves a t statistic over ~10⁴ draws far less.
    pub const SCALE_INVARIANCE: Tolerance = Tolerance::rel(1e-9);
    /// Matrix-free eigenvalues against the dense engine's (issue 13: "eigenvalues ≤ 1e-12
    /// absolute"): both within ~1e-13 of the truth (the Lanczos residual bound, the dense `n·u`).
    pub const MATFREE_EIGENVALUE: Tolerance = Tolerance::abs(1e-12);
    /// Matrix-free τ (Poisson equation by CG) against the dense spectral τ (issue 13: "τ and Q_op
    /// ≤ 1e-9 relative").
    pub const MATFREE_TAU: Tolerance = Tolerance::rel(1e-9);
    /// Matrix-free window bias, variance and MSE (function-side recursion on S) against the dense
    /// measure-side recursion on P: relative (bias relative to √MSE, since a bias may be ~0). Both
    /// are exact in exact arithmetic; each carries K + B steps of rounding of sums of O(τ) terms.
    pub const MATFREE_WINDOW: Tolerance = Tolerance::rel(1e-9);
}

/// Matrix-free Lanczos: a Ritz pair is locked once its residual estimate `|β_m e_mᵀ y|` is at most
/// this (absolute, on an operator of norm ≤ 2). Every returned pair is then re-checked by an explicit
/// residual `‖S u − σ u‖₂`, which bounds the eigenvalue's error (Weyl/Bauer–Fike for symmetric S) and
/// is reported.
pub const LANCZOS_RESIDUAL: Tolerance = Tolerance::abs(1e-13);

/// Block Lanczos from the observables ([`crate::exact::matfree::modes`]): a new Krylov vector whose
/// norm after two Gram–Schmidt passes is at most this fraction of its norm before (relative) lies in
/// the span already built and is dropped; what is dropped enters every Ritz pair's residual bound.
pub const KRYLOV_DEFLATION: Tolerance = Tolerance::rel(1e-13);

/// Matrix-free Poisson solve: CG stops at a relative residual `‖b − A u‖ / ‖b‖` of this (relative).
/// With `λ_min(A) = 1 − σ₂` it bounds τ's relative error by `2 · rel · 1/(1 − σ₂)`, reported per
/// observable from the explicit final residual.
pub const POISSON_RESIDUAL: Tolerance = Tolerance::rel(1e-14);

/// `[baseline] tau` by default: relative increase of an observable's τ allowed against a baseline
/// report. Exact τ reproduces to the last bits on one machine; 1 % absorbs another platform's libm
/// while any real change of the kernel (a lazier update doubles τ) shows.
pub const BASELINE_TAU: Tolerance = Tolerance::rel(0.01);
/// `[baseline] gap` by default: relative decrease of γ, γ_eff, the absolute gap, γ(PP*) or γ_ps.
pub const BASELINE_GAP: Tolerance = Tolerance::rel(0.01);
/// `[baseline] mixing_time` by default: relative increase of an integer `t_mix(ε)`; none.
pub const BASELINE_MIXING_TIME: Tolerance = Tolerance::rel(0.0);

/// `reproduce` summaries count the cells where φ_2's largest overlap with an observable is at most
/// this (absolute; the expected "symmetry zero" of issue #3, stated there as ≤ 1e-15).
pub const PHI2_SYMMETRY_ZERO: Tolerance = Tolerance::abs(1e-15);

/// `reproduce` summaries count the cells where the single-gap predictor over-predicts `Q_op` by at
/// least this factor (issue #3: "≥ 1e20"; a genuine O(1) mismatch is 20 orders below).
pub const SINGLE_GAP_OVERPREDICTION_FLOOR: Tolerance = Tolerance::floor(1e20);

/// A full-energy spot check of the local checks disagreeing with the telescoped ΔE by more than
/// this (relative to `energy_abs_scale`) means the model's local fields do not match its energy: the
/// check's premise fails. Derived: both evaluations are compensated sums, each within a few `u` of
/// exact; `64 u` leaves a factor of eight.
pub const ENERGY_SPOT: Tolerance = Tolerance::bound(64.0, Scale::Unit);

/// Draws whose range is below this count as constant under the posterior convention (R posterior
/// 1.7.1 uses `.Machine$double.eps`; docs/peers.md §4.10): absolute, strict.
pub const CONSTANT_POSTERIOR: Tolerance = Tolerance {
    kind: Kind::Abs,
    value: f64::EPSILON,
    scale: None,
    direction: Direction::Below,
};

/// The same under the ArviZ convention (NumPy's `finfo(float).resolution`, 1e-15).
pub const CONSTANT_ARVIZ: Tolerance = Tolerance {
    kind: Kind::Abs,
    value: 1e-15,
    scale: None,
    direction: Direction::Below,
};

/// Input validation (not a checker): a supplied matrix or π whose rows/total miss 1 by more than this
/// absolute amount is rejected as bad input (exit 2) rather than audited. Between the `K.stochastic`
/// tolerance and this value the input is accepted and `K.stochastic` fails. deeptime's effective
/// default (1e-8, docs/peers.md §3 item 15) is the reference.
pub const INPUT_ROW_SUM: Tolerance = Tolerance::abs(1e-8);

/// Roundings of its own storage format granted to a matrix or π stored below float64 (float32 with
/// unit roundoff `2^-24`, float16 with `2^-11`) by the checks whose metric is a rounding-level
/// residual of the entries (`checks::ROUNDING_LEVEL_CHECKS`): such an input cannot be stochastic,
/// invariant, reversible or have `σ₁ = 1` to better than its format, so each of those thresholds becomes
/// `max(registry value, INPUT_ROUNDINGS · u_format)`, and input validation accepts rows within
/// `max(INPUT_ROW_SUM, INPUT_ROUNDINGS · u_format)`. 64 roundings cover entries computed in that format
/// by a short computation (a softmax, a product of a few factors: a few roundings each, doubled for
/// the two flows of a detailed-balance pair); float64 inputs are unaffected (their floor is 0).
pub const INPUT_ROUNDINGS: f64 = 64.0;

/// Eigenvalues of one symmetry sector closer than this are treated as one eigenspace (their
/// eigenvectors are then arbitrary within it): the dense symmetric solver's eigenvalue error bound,
/// the same `64 · n · u` as the A3 spectral checks.
pub const EIGENSPACE_GAP: Tolerance = Tolerance::bound(64.0, Scale::NU);

/// A matrix-free Ritz vector is given a flip parity (A9, [`crate::exact::matfree::modes`]) when the
/// norm of its component in the other flip sector is provably at most this (absolute, on a unit
/// vector; its squared weight there is then ≤ 1e-12). Parity is a ±1 label that any leak below
/// `1/√2` already decides; the margin keeps the label for vectors that lie in one sector up to
/// rounding (≈ `n · u`, 2e-10 at 2^20 states) and refuses it to a genuine mixture (two
/// eigenvalues of opposite parity within the Ritz residual, or an observable of no parity).
pub const FLIP_SECTOR_LEAK: Tolerance = Tolerance::abs(1e-6);

/// Resolution of an overlap `c_aj = ⟨f̄_a, φ_j⟩_π` computed by a dense EVD: relative to `‖f̄_a‖_π`,
/// an overlap below `n · u` cannot be told from zero (backward error of the eigenvectors times the
/// norm of the observable). Used as (i) the floor under which a mode "carries no observable weight"
/// (γ_bulk) and (ii) the floor of the single-gap predictor's denominator, which is then reported as
/// a lower bound.
pub const OVERLAP_RESOLUTION: Tolerance = Tolerance::bound(1.0, Scale::NU);

/// The matrix-free fast path against the updates' own laws ([`crate::exact::matfree::sites`]): a
/// derived bound, relative on a move's probability and absolute on the stay mass. Both sides
/// approximate the same exact probability within the kernel's own bound `p_rel_err`, and the two
/// evaluate the local field in different orders: each sum of at most `n + 1` terms is within
/// `γ_{n+1} · M` of the truth (`M` the model's largest `Σ|J_ij| + |b_i|`), which moves the argument
/// `2β h` of a logistic or an exponential, and so a probability's relative value, by at most
/// `2|β| · 2γ_{n+1} · M`.
pub fn fast_path_bound(p_rel_err: f64, beta: f64, max_local_field: f64, n: usize) -> f64 {
    2.0 * p_rel_err + 4.0 * beta.abs() * super::gamma(n + 1) * max_local_field
}
