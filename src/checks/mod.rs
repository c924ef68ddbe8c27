//! Checkers, one per spec id, each judging data the engines computed and returning a [`Verdict`].
//! This is the only module that builds verdicts. The registry of ids is `specs/assumptions.toml`;
//! every checker cites its id in a `//= spec:ID` comment, which the traceability test
//! (`tests/traceability.rs`) matches against the registry and the tests.
//!
//! - [`exact`]: `K.*`, A1, A2, A3 over an exact chain;
//! - [`spectral`]: A4–A9, O1.a, O1.b over the spectral engine's analysis;
//! - [`local`]: `L.*` over the residuals of local exact identities (no partition function);
//! - [`sampled`]: `E.*`, `A6.sampled`, `S.*` over trajectory diagnostics;
//! - [`tempering`]: `PT.*` over a parallel-tempering run.

pub mod baseline;
pub mod exact;
pub mod explain;
pub mod local;
pub mod sampled;
pub mod spectral;
pub mod tempering;
pub mod verdict;

use std::collections::BTreeMap;

pub use verdict::{Status, Summary, Verdict, exit_code};

use crate::numeric::tolerance::Tolerance;
use crate::spec::requirements;

/// The checks whose metric is a residual at the rounding level of the input's entries (stochastic rows,
/// invariance of π, detailed balance, symmetry of S, `|σ₁ − 1|`): thresholds that assume float64
/// data, floored for a lower-precision input by [`Tolerances::with_floor`].
pub const ROUNDING_LEVEL_CHECKS: [&str; 6] = [
    "K.stochastic",
    "K.invariance",
    "A2.detailed-balance",
    "A2.relative",
    "A2.self-adjoint",
    "A3.spectral-gap",
];

/// The tolerances in force for one audit: the registry's, with per-id value overrides from the spec
/// (`[checks.tolerance]`; the kind and the direction always stay the registry's).
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
/// use mcmc_audit::prelude::*;
///
/// let registry = Tolerances::registry();
/// let db = registry.get("A2.detailed-balance").unwrap();
/// assert_eq!(db.value, 1e-15); // specs/assumptions.toml
/// assert!(registry.get("A2").is_none()); // a parent: judged through its sub-checks
///
/// let loose = Tolerances::with_overrides(BTreeMap::from([("A2.detailed-balance".into(), 1e-12)]));
/// let t = loose.get("A2.detailed-balance").unwrap();
/// assert_eq!(t.value, 1e-12);
/// assert_eq!((t.kind, t.direction), (db.kind, db.direction));
/// assert!(t.accepts(5e-13, 0) && !db.accepts(5e-13, 0));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tolerances {
    overrides: BTreeMap<String, f64>,
}

impl Tolerances {
    /// The registry's tolerances, unchanged.
    pub fn registry() -> Self {
        Tolerances::default()
    }

    /// The registry's tolerances with these values replaced (ids are validated by the spec layer).
    pub fn with_overrides(overrides: BTreeMap<String, f64>) -> Self {
        Tolerances { overrides }
    }

    /// The value overrides in force.
    pub fn overrides(&self) -> &BTreeMap<String, f64> {
        &self.overrides
    }

    /// The tolerance for `id` (kind and direction from the registry, value possibly overridden);
    /// `None` for ids without one (parents, undefined ids).
    ///
    /// # Panics
    ///
    /// When `id` is not in the registry.
    pub fn get(&self, id: &str) -> Option<Tolerance> {
        let mut t = requirements::get(id).tolerance?;
        if let Some(&v) = self.overrides.get(id) {
            t.value = v;
        }
        Some(t)
    }

    /// These tolerances with the thresholds of [`ROUNDING_LEVEL_CHECKS`] raised to at least `floor`
    /// for an operator on `n` states (an input stored below float64:
    /// [`INPUT_ROUNDINGS`](crate::numeric::tolerance::INPUT_ROUNDINGS) roundings of its format). The
    /// value is scaled so that its threshold is the floor (thresholds are linear in the value); a
    /// floor of 0 changes nothing.
    pub fn with_floor(mut self, floor: f64, n: usize) -> Self {
        if floor > 0.0 {
            for id in ROUNDING_LEVEL_CHECKS {
                if let Some(t) = self.get(id)
                    && t.threshold(n) < floor
                {
                    self.overrides
                        .insert(id.to_string(), t.value * (floor / t.threshold(n)));
                }
            }
        }
        self
    }

    /// A named bound of `id` (`bounds.NAME` in the registry): part of the metric's definition, never
    /// overridden.
    ///
    /// # Panics
    ///
    /// When `id` is not in the registry or has no bound `name`.
    pub fn bound(&self, id: &str, name: &str) -> Tolerance {
        requirements::bound(id, name)
    }
}
