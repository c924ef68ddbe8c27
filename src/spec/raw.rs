//! The audit spec exactly as written: a serde mirror of the TOML with unknown keys rejected and the
//! enumerated choices (update rule, scan, blocks, observable set, burn-in, initial law) already typed.
//! [`super::audit`] turns it into the typed [`super::AuditSpec`], applying every default once and
//! rejecting keys that do not belong to the chosen family. Parser errors are mapped onto the field
//! path they occurred at ([`parse_error`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::baseline::BaselineTolerances;
use crate::error::Error;
use crate::kernel::build::{Blocks, Rule, Scan};
use crate::observables::ObservableSet;
use crate::trainability::estimator::Estimator;
use crate::trainability::mixing::MixingSettings;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpec {
    pub model: RawModel,
    #[serde(default)]
    pub kernel: Option<RawKernel>,
    /// `[[kernels]]`: the kernels `compare` puts side by side.
    #[serde(default)]
    pub kernels: Option<Vec<RawNamedKernel>>,
    #[serde(default)]
    pub observables: Option<RawObservables>,
    #[serde(default)]
    pub estimator: Option<Estimator>,
    #[serde(default)]
    pub gradient: Option<RawGradient>,
    #[serde(default)]
    pub sampling: Option<RawSampling>,
    #[serde(default)]
    pub mixing: Option<MixingSettings>,
    #[serde(default)]
    pub baseline: Option<BaselineTolerances>,
    #[serde(default)]
    pub checks: Option<RawChecks>,
    /// `[exact]`: which exact backend, and what the matrix-free one computes.
    #[serde(default)]
    pub exact: Option<RawExact>,
}

/// `[exact]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawExact {
    pub backend: Backend,
    pub eigenpairs: Option<usize>,
    pub memory_gib: Option<f64>,
}

/// The exact backend of an audit: by size (dense up to 2^13 states, matrix-free above), or forced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    #[default]
    Auto,
    Dense,
    MatrixFree,
}

/// `[model]`: every key of every family; [`super::audit`] checks which belong to the family.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawModel {
    pub family: String,
    pub n: Option<usize>,
    pub beta: Option<f64>,
    pub patterns: Option<usize>,
    pub seed: Option<u64>,
    pub visible: Option<usize>,
    pub hidden: Option<usize>,
    pub couplings: Option<Vec<(f64, f64, f64)>>,
    pub fields: Option<Vec<f64>>,
    pub side: Option<usize>,
    pub degree: Option<usize>,
    pub coupling: Option<f64>,
    pub matrix: Option<PathBuf>,
    pub pi: Option<PathBuf>,
    pub observables: Option<PathBuf>,
}

impl RawModel {
    /// The keys present, by name (for the per-family key check).
    pub fn present(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        let mut add = |name: &'static str, present: bool| {
            if present {
                k.push(name);
            }
        };
        add("n", self.n.is_some());
        add("beta", self.beta.is_some());
        add("patterns", self.patterns.is_some());
        add("seed", self.seed.is_some());
        add("visible", self.visible.is_some());
        add("hidden", self.hidden.is_some());
        add("couplings", self.couplings.is_some());
        add("fields", self.fields.is_some());
        add("side", self.side.is_some());
        add("degree", self.degree.is_some());
        add("coupling", self.coupling.is_some());
        add("matrix", self.matrix.is_some());
        add("pi", self.pi.is_some());
        add("observables", self.observables.is_some());
        k
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawKernel {
    pub update: Rule,
    pub scan: Scan,
    pub blocks: Blocks,
    pub lazy: bool,
    pub long_run: bool,
}

/// One entry of `[[kernels]]`: the keys of `[kernel]` and a name for the table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawNamedKernel {
    pub name: Option<String>,
    pub update: Rule,
    pub scan: Scan,
    pub blocks: Blocks,
    pub lazy: bool,
    pub long_run: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawObservables {
    pub set: ObservableSet,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGradient {
    pub g: Option<Vec<f64>>,
    pub teacher_beta: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSampling {
    pub chains: Option<usize>,
    pub sweeps: Option<u64>,
    pub burn_in: Option<u64>,
    pub doubling_from: Option<u64>,
    pub seed: Option<u64>,
    pub long_run: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChecks {
    pub only: Option<Vec<String>>,
    #[serde(default)]
    pub tolerance: BTreeMap<String, f64>,
}

/// The dotted path of the key a parser error points at: the innermost `[table]` above the error's
/// position, then the key on that line, or the field a "missing/unknown field" message names.
fn field_at(text: &str, start: usize, message: &str) -> Option<String> {
    let start = start.min(text.len());
    let mut table = String::new();
    let mut key = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if offset > start {
            break;
        }
        if t.starts_with('[') {
            table = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            key = None;
        } else if offset + line.len() > start
            && let Some((k, _)) = t.split_once('=')
        {
            key = Some(k.trim().trim_matches('"').to_string());
        }
        offset += line.len();
    }
    // "unknown field `x`" / "missing field `x`" name the key inside the table.
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| message.split(p).nth(1))
        .and_then(|r| r.split('`').next())
        .map(str::to_string);
    let leaf = match (named, key) {
        // An unknown top-level table is reported at its own header.
        (Some(n), None) if n == table => None,
        (Some(n), _) => Some(n),
        (None, k) => k,
    };
    let path = match (table.is_empty(), leaf) {
        (true, Some(l)) => l,
        (false, Some(l)) => format!("{table}.{l}"),
        (false, None) => table,
        (true, None) => return None,
    };
    Some(path)
}

/// Messages of data errors (a well-formed TOML value that does not fit the spec), which have a field;
/// anything else is a syntax error of the file.
const DATA_ERRORS: [&str; 9] = [
    "unknown field",
    "missing field",
    "invalid type",
    "invalid value",
    "unknown variant",
    "invalid length",
    "unknown blocks",
    "duplicate field",
    "`",
];

/// Maps a TOML/serde error onto the field it occurred at (`Error::Field`), or the whole file.
pub(super) fn parse_error(text: &str, path: &Path, e: toml::de::Error) -> Error {
    let message = e.message().trim_end().replace('\n', " ");
    let data = DATA_ERRORS.iter().any(|p| message.starts_with(p));
    match e
        .span()
        .filter(|_| data)
        .and_then(|s| field_at(text, s.start, &message))
    {
        Some(field) => Error::field(path.display().to_string(), field, message),
        None => Error::Spec {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().replace('\n', " "),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::field_at;

    #[test]
    fn errors_are_located_by_table_and_key() {
        let t = "[model]\nfamily = \"sk\"\nn = \"ten\"\n[kernel]\nupdate = \"hmc\"\n";
        let at = |needle: &str| t.find(needle).unwrap();
        assert_eq!(
            field_at(t, at("\"ten\""), "invalid type").unwrap(),
            "model.n"
        );
        assert_eq!(
            field_at(t, at("\"hmc\""), "unknown variant").unwrap(),
            "kernel.update"
        );
        assert_eq!(
            field_at(t, 0, "unknown field `bogus`, expected").unwrap(),
            "model.bogus"
        );
        assert_eq!(
            field_at("[extra]\nx = 1\n", 0, "unknown field `extra`").unwrap(),
            "extra"
        );
    }
}
