//! The requirement registry: `specs/assumptions.toml`, compiled into the binary so a report always
//! states the tolerance it was judged by.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::numeric::tolerance::Tolerance;

/// Implementation state of a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReqStatus {
    Implemented,
    Planned,
    Undefined,
}

/// One entry of `specs/assumptions.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub title: String,
    pub statement: String,
    pub source: String,
    #[serde(default)]
    pub metric: Option<String>,
    /// The metric in words, as the report's explanation of a verdict says it (every implemented
    /// requirement with a metric has one; the traceability test asserts it).
    #[serde(default)]
    pub words: Option<String>,
    #[serde(default)]
    pub tolerance: Option<Tolerance>,
    /// Named thresholds that define the metric itself (a band, a self-consistency factor).
    #[serde(default)]
    pub bounds: std::collections::BTreeMap<String, Tolerance>,
    pub status: ReqStatus,
    pub required: bool,
    #[serde(default)]
    pub inferred: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    requirement: Vec<Requirement>,
}

/// The text of `specs/assumptions.toml` as compiled in.
pub const ASSUMPTIONS_TOML: &str = include_str!("../../specs/assumptions.toml");

/// Parses a requirements file (used for the compiled-in one and by the traceability test).
///
/// # Errors
///
/// A message for text that is not a requirements file (TOML errors and unknown fields), a duplicate
/// id, an unknown parent, or a tolerance or bound whose kind and direction do not fit together.
pub fn parse(text: &str) -> Result<Vec<Requirement>, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = std::collections::BTreeSet::new();
    for r in &f.requirement {
        if !seen.insert(r.id.clone()) {
            return Err(format!("duplicate requirement id {}", r.id));
        }
    }
    for r in &f.requirement {
        if let Some(p) = &r.parent
            && !seen.contains(p)
        {
            return Err(format!("{}: unknown parent {p}", r.id));
        }
        for (name, t) in r
            .tolerance
            .iter()
            .map(|t| ("tolerance", t))
            .chain(r.bounds.iter().map(|(k, t)| (k.as_str(), t)))
        {
            if !t.is_consistent() {
                return Err(format!(
                    "{}: {name}: kind {:?} cannot have direction {:?}",
                    r.id, t.kind, t.direction
                ));
            }
        }
    }
    Ok(f.requirement)
}

/// All requirements, in file order.
///
/// # Panics
///
/// When the compiled-in `specs/assumptions.toml` does not parse (the crate's tests rule this out).
pub fn all() -> &'static [Requirement] {
    static REG: OnceLock<Vec<Requirement>> = OnceLock::new();
    REG.get_or_init(|| {
        parse(ASSUMPTIONS_TOML).unwrap_or_else(|e| panic!("specs/assumptions.toml is invalid: {e}"))
    })
}

/// The named bound `name` of requirement `id` (both are compile-time constants of the crate,
/// checked by the tests).
///
/// # Panics
///
/// When `id` is not in the registry or has no bound `name`.
pub fn bound(id: &str, name: &str) -> Tolerance {
    *get(id)
        .bounds
        .get(name)
        .unwrap_or_else(|| panic!("no bound {name} of {id} in specs/assumptions.toml"))
}

/// The requirement with this id (ids used in code are checked by the traceability test).
///
/// # Panics
///
/// When `id` is not in the registry.
pub fn get(id: &str) -> &'static Requirement {
    all()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no requirement {id} in specs/assumptions.toml"))
}
