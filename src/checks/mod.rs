//! Checkers, one per spec id, each returning a [`Verdict`]. The registry of ids is
//! `specs/assumptions.toml`; every checker cites its id in a `//= spec:ID` comment, which the
//! traceability test (`tests/traceability.rs`) matches against the registry and the tests.

pub mod exact;
pub mod local;
pub mod spectral;
pub mod step;
pub mod verdict;

use std::collections::BTreeMap;

pub use verdict::{Status, Summary, Verdict, exit_code};

use crate::numeric::tolerance::Tolerance;
use crate::spec::requirements;

/// Tolerances in force for one audit: the registry's, with per-id value overrides from the spec.
#[derive(Clone, Debug, Default)]
pub struct Tolerances {
    pub overrides: BTreeMap<String, f64>,
}

impl Tolerances {
    /// The tolerance for `id` (kind from the registry, value possibly overridden).
    pub fn get(&self, id: &str) -> Option<Tolerance> {
        let mut t = requirements::get(id).tolerance?;
        if let Some(&v) = self.overrides.get(id) {
            t.value = v;
        }
        Some(t)
    }
}
