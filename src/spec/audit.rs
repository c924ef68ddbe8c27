//! The audit spec (shared/design/CLI.md, "Audit spec"). Parsing is strict: unknown keys, wrong
//! types and out-of-range values are errors naming the file and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSpec {
    pub model: ModelSpec,
    #[serde(default)]
    pub kernel: Option<KernelSpec>,
    #[serde(default)]
    pub observables: Option<ObservablesSpec>,
    #[serde(default)]
    pub estimator: Option<EstimatorSpec>,
    #[serde(default)]
    pub gradient: Option<GradientSpec>,
    #[serde(default)]
    pub sampling: Option<SamplingSpec>,
    #[serde(default)]
    pub checks: Option<ChecksSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub family: String,
    pub n: Option<usize>,
    pub beta: Option<f64>,
    pub patterns: Option<usize>,
    pub seed: Option<u64>,
    pub visible: Option<usize>,
    pub hidden: Option<usize>,
    /// `family = "ising"`: `[[i, j, J_ij], …]`.
    pub couplings: Option<Vec<(f64, f64, f64)>>,
    pub fields: Option<Vec<f64>>,
    /// `family = "torus"`.
    pub side: Option<usize>,
    pub degree: Option<usize>,
    pub coupling: Option<f64>,
    /// `family = "matrix"`.
    pub matrix: Option<PathBuf>,
    pub pi: Option<PathBuf>,
    pub observables: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum BlocksSpec {
    Named(String),
    Explicit(Vec<Vec<usize>>),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSpec {
    #[serde(default = "default_update")]
    pub update: String,
    #[serde(default = "default_scan")]
    pub scan: String,
    #[serde(default = "default_blocks")]
    pub blocks: BlocksSpec,
}

fn default_update() -> String {
    "gibbs".into()
}
fn default_scan() -> String {
    "random".into()
}
fn default_blocks() -> BlocksSpec {
    BlocksSpec::Named("sites".into())
}

impl Default for KernelSpec {
    fn default() -> Self {
        KernelSpec {
            update: default_update(),
            scan: default_scan(),
            blocks: default_blocks(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservablesSpec {
    #[serde(default = "default_set")]
    pub set: String,
}

fn default_set() -> String {
    "pairs".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum BurnIn {
    Steps(u64),
    Named(String),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimatorSpec {
    pub burn_in: Option<BurnIn>,
    pub window: Option<u64>,
    pub init: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradientSpec {
    pub g: Option<Vec<f64>>,
    pub teacher_beta: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingSpec {
    pub chains: Option<usize>,
    pub sweeps: Option<u64>,
    pub burn_in: Option<u64>,
    pub doubling_from: Option<u64>,
    pub seed: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSpec {
    pub only: Option<Vec<String>>,
    #[serde(default)]
    pub tolerance: BTreeMap<String, f64>,
}

impl AuditSpec {
    /// Parses a spec from text; `path` is used in messages and to resolve relative file names.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let spec: AuditSpec = toml::from_str(text).map_err(|e| Error::Spec {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        spec.validate(path)?;
        Ok(spec)
    }

    /// Reads and parses a spec file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Self::parse(&text, path)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let f = path.display().to_string();
        let m = &self.model;
        const FAMILIES: [&str; 7] = [
            "curie-weiss",
            "sk",
            "hopfield",
            "ising",
            "rbm",
            "torus",
            "matrix",
        ];
        if !FAMILIES.contains(&m.family.as_str()) {
            return Err(Error::field(
                &f,
                "model.family",
                format!(
                    "unknown family `{}` (expected one of {})",
                    m.family,
                    FAMILIES.join(", ")
                ),
            ));
        }
        if let Some(b) = m.beta
            && !b.is_finite()
        {
            return Err(Error::field(&f, "model.beta", format!("{b} is not finite")));
        }
        if let Some(k) = &self.kernel {
            if !["gibbs", "metropolis"].contains(&k.update.as_str()) {
                return Err(Error::field(
                    &f,
                    "kernel.update",
                    format!("unknown update `{}` (gibbs | metropolis)", k.update),
                ));
            }
            if !["random", "systematic", "symmetrized"].contains(&k.scan.as_str()) {
                return Err(Error::field(
                    &f,
                    "kernel.scan",
                    format!(
                        "unknown scan `{}` (random | systematic | symmetrized)",
                        k.scan
                    ),
                ));
            }
            if let BlocksSpec::Named(b) = &k.blocks
                && !["sites", "bipartite", "coloring"].contains(&b.as_str())
            {
                return Err(Error::field(
                    &f,
                    "kernel.blocks",
                    format!("unknown blocks `{b}` (sites | bipartite | coloring | [[…], …])"),
                ));
            }
            if m.family == "matrix" {
                return Err(Error::field(
                    &f,
                    "kernel",
                    "not used with family = \"matrix\" (the matrix is the kernel)",
                ));
            }
        }
        if let Some(o) = &self.observables
            && !["pairs", "fields", "magnetization", "energy"].contains(&o.set.as_str())
        {
            return Err(Error::field(
                &f,
                "observables.set",
                format!(
                    "unknown set `{}` (pairs | fields | magnetization | energy)",
                    o.set
                ),
            ));
        }
        if let Some(e) = &self.estimator {
            if let Some(BurnIn::Named(s)) = &e.burn_in
                && s != "auto"
            {
                return Err(Error::field(
                    &f,
                    "estimator.burn_in",
                    format!("`{s}`: expected an integer or \"auto\""),
                ));
            }
            if let Some(i) = &e.init
                && !["uniform", "stationary"].contains(&i.as_str())
            {
                return Err(Error::field(
                    &f,
                    "estimator.init",
                    format!("unknown init `{i}` (uniform | stationary)"),
                ));
            }
            if e.window == Some(0) {
                return Err(Error::field(&f, "estimator.window", "must be at least 1"));
            }
        }
        if let Some(g) = &self.gradient {
            if g.g.is_some() && g.teacher_beta.is_some() {
                return Err(Error::field(
                    &f,
                    "gradient",
                    "give either g or teacher_beta, not both",
                ));
            }
            if let Some(v) = &g.g
                && let Some(k) = v.iter().position(|x| !x.is_finite())
            {
                return Err(Error::field(
                    &f,
                    format!("gradient.g[{k}]"),
                    "is not finite",
                ));
            }
        }
        if let Some(c) = &self.checks {
            let known = crate::spec::requirements::all();
            for id in c.only.iter().flatten().chain(c.tolerance.keys()) {
                if !known.iter().any(|r| &r.id == id) {
                    return Err(Error::field(
                        &f,
                        "checks",
                        format!("unknown check id `{id}`"),
                    ));
                }
            }
            for (id, v) in &c.tolerance {
                if !v.is_finite() || *v < 0.0 {
                    return Err(Error::field(
                        &f,
                        format!("checks.tolerance.{id}"),
                        format!("{v} is not a non-negative finite number"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Resolves a path given in the spec relative to the spec file's directory.
    pub fn resolve(&self, spec_path: &Path, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            spec_path.parent().unwrap_or(Path::new(".")).join(p)
        }
    }
}
