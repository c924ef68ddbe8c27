//! The typed audit spec (docs/spec.md): what a user's TOML describes, with every default applied
//! once and every key checked against the chosen family. This is the only layer that names spec
//! field paths: [`AuditSpec::locate`] maps the typed errors of the layers below onto the key the user
//! wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use super::raw::Backend;
use super::raw::{RawChecks, RawGradient, RawModel, RawSampling, RawSpec, parse_error};
use crate::checks::Tolerances;
use crate::checks::baseline::BaselineTolerances;
use crate::error::{Error, KernelError, Limit, ModelError, Result, RunError, ShapeError};
use crate::kernel::build::{Blocks, Rule, Scan};
use crate::kernel::fast::{Init as ChainInit, SampledRun};
use crate::model::enumerate::MAX_ENUM_SPINS;
use crate::model::torus::{Torus, TorusParams};
use crate::model::{DEFAULT_BETA, DEFAULT_SEED, Model, Pairwise, generators};
use crate::observables::ObservableSet;
use crate::spec::requirements;
use crate::trainability::Gradient;
use crate::trainability::estimator::Estimator;
use crate::trainability::mixing::MixingSettings;

/// Planted patterns of `hopfield` and `rbm` when not given.
pub const DEFAULT_PATTERNS: usize = 1;

/// The largest k of the pseudo-spectral gap a spec may ask for (each k is one dense product and one
/// symmetric eigensolve).
pub const MAX_PSEUDO_GAP_K: usize = 64;

/// The largest spec file read (a spec is a few hundred bytes; a ledger-size file is refused).
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

/// A model family with its parameters, defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    /// Mean field: every pair coupled with `1/N`.
    CurieWeiss { n: usize, beta: f64 },
    /// Sherrington–Kirkpatrick: Gaussian couplings `g/√N`.
    Sk { n: usize, beta: f64, seed: u64 },
    /// Planted Hopfield with Hebbian couplings.
    Hopfield {
        n: usize,
        patterns: usize,
        beta: f64,
        seed: u64,
    },
    /// An explicit Ising model.
    Ising {
        n: usize,
        beta: f64,
        couplings: Vec<(usize, usize, f64)>,
        fields: Option<Vec<f64>>,
    },
    /// Bipartite RBM without biases, planted patterns.
    Rbm {
        visible: usize,
        hidden: usize,
        patterns: usize,
        beta: f64,
        seed: u64,
    },
    /// The DTM-like sparse torus (sampled audits).
    Torus(TorusParams),
    /// A transition matrix from a file (paths resolved against the spec's folder).
    Matrix {
        matrix: PathBuf,
        pi: Option<PathBuf>,
        observables: Option<PathBuf>,
    },
}

impl ModelSpec {
    /// The family name as written in specs.
    pub fn family(&self) -> &'static str {
        match self {
            ModelSpec::CurieWeiss { .. } => "curie-weiss",
            ModelSpec::Sk { .. } => "sk",
            ModelSpec::Hopfield { .. } => "hopfield",
            ModelSpec::Ising { .. } => "ising",
            ModelSpec::Rbm { .. } => "rbm",
            ModelSpec::Torus(_) => "torus",
            ModelSpec::Matrix { .. } => "matrix",
        }
    }

    /// The `[model]` keys each family accepts.
    fn keys(family: &str) -> Option<&'static [&'static str]> {
        Some(match family {
            "curie-weiss" => &["n", "beta"],
            "sk" => &["n", "beta", "seed"],
            "hopfield" => &["n", "beta", "seed", "patterns"],
            "ising" => &["n", "beta", "couplings", "fields"],
            "rbm" => &["n", "visible", "hidden", "beta", "seed", "patterns"],
            "torus" => &["side", "degree", "coupling", "patterns", "beta", "seed"],
            "matrix" => &["matrix", "pi", "observables"],
            _ => return None,
        })
    }
}

/// The `[kernel]` section (not used with a matrix).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KernelSpec {
    pub update: Rule,
    pub scan: Scan,
    pub blocks: Blocks,
    /// `½(I + P)` of the kernel the other three keys describe (exact audits).
    pub lazy: bool,
    /// Lift the work limit of the exact enumeration ([`crate::pipeline::budget::check_exact_kernel`]).
    pub long_run: bool,
}

/// One entry of `[[kernels]]` (`compare`): a kernel and the name its row carries.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedKernel {
    /// `name`, or by default the kernel's own description (`gibbs/systematic/8 blocks`).
    pub name: Option<String>,
    pub kernel: KernelSpec,
}

/// Most kernels one `compare` puts side by side (each is a whole exact audit).
pub const MAX_COMPARE_KERNELS: usize = 16;

/// A typed, validated audit spec.
#[derive(Clone, Debug)]
pub struct AuditSpec {
    /// The spec file as named in messages.
    pub file: String,
    pub model: ModelSpec,
    pub kernel: KernelSpec,
    /// `[[kernels]]`: the kernels of a `compare` (empty for an audit).
    pub kernels: Vec<NamedKernel>,
    pub observables: ObservableSet,
    /// `[estimator]`, when given (A5 and A6 are judged only then).
    pub estimator: Option<Estimator>,
    pub gradient: Option<Gradient>,
    /// `[sampling]`, when given: the subject is sampled, not enumerated.
    pub sampling: Option<SampledRun>,
    /// `[sampling] long_run`: lift the work limit of [`crate::pipeline::budget`].
    pub long_run: bool,
    /// `[mixing]`, when given: mixing measures also for a reversible kernel, with its ε and k.
    pub mixing: Option<MixingSettings>,
    /// `[baseline]`: how far each tracked quantity may regress against `--baseline` (defaults when
    /// the section is absent).
    pub baseline: BaselineTolerances,
    /// `[checks] only`.
    pub only: Option<Vec<String>>,
    pub tolerances: Tolerances,
    /// The seed of the audit's own random tests (the sampling seed, else 0).
    pub seed: u64,
    /// `[exact]`: the backend and the matrix-free solver's settings.
    pub exact: ExactSettings,
}

/// `[exact]` with its defaults applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactSettings {
    pub backend: Backend,
    /// Eigenvalues below `σ_1` the matrix-free backend computes (σ₂ …).
    pub eigenpairs: usize,
    /// Bytes the matrix-free backend may use.
    pub memory_budget: usize,
}

impl Default for ExactSettings {
    fn default() -> Self {
        ExactSettings {
            backend: Backend::Auto,
            eigenpairs: 1,
            memory_budget: crate::exact::matfree::DEFAULT_MEMORY_BUDGET,
        }
    }
}

/// The largest `[exact] eigenpairs` (each is a vector of 2^N entries kept by the solver).
pub const MAX_EIGENPAIRS: usize = 64;

/// A model built from a spec.
#[derive(Clone, Debug)]
pub enum BuiltModel {
    /// A pairwise model (every family but torus and matrix).
    Pairwise(Pairwise),
    /// A torus, with its geometry (colourings, planted patterns).
    Torus(Torus),
}

impl BuiltModel {
    /// The pairwise model itself.
    pub fn pairwise(&self) -> &Pairwise {
        match self {
            BuiltModel::Pairwise(m) => m,
            BuiltModel::Torus(t) => &t.model,
        }
    }
}

impl AuditSpec {
    /// The data files the spec reads (a matrix's `P`, `pi` and observables), resolved against the
    /// spec's folder — what an `--out` must never overwrite.
    pub fn data_files(&self) -> Vec<PathBuf> {
        match &self.model {
            ModelSpec::Matrix {
                matrix,
                pi,
                observables,
            } => std::iter::once(matrix)
                .chain(pi.iter())
                .chain(observables.iter())
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Reads and parses a spec file (at most [`MAX_SPEC_BYTES`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Spec`] when it is larger than
    /// [`MAX_SPEC_BYTES`], and every error of [`AuditSpec::parse`].
    pub fn load(path: &Path) -> Result<Self> {
        let io = |e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > MAX_SPEC_BYTES {
            return Err(Error::Spec {
                path: path.to_path_buf(),
                message: format!(
                    "{} bytes: a spec is at most {MAX_SPEC_BYTES} bytes",
                    meta.len()
                ),
            });
        }
        let text = crate::io::read_regular_text(path, MAX_SPEC_BYTES).map_err(io)?;
        Self::parse(&text, path)
    }

    /// Parses a spec from text; `path` names the file in messages and anchors relative file names.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] naming the key (unknown keys, keys of another family, wrong types, values out
    /// of range, impossible combinations), or [`Error::Spec`] for a file that is not TOML.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use mcmc_audit::Error;
    /// use mcmc_audit::kernel::build::{Rule, Scan};
    /// use mcmc_audit::spec::{AuditSpec, ModelSpec};
    ///
    /// let text = r#"
    /// [model]
    /// family = "curie-weiss"
    /// n = 4
    /// beta = 0.5
    ///
    /// [kernel]
    /// scan = "systematic"
    /// "#;
    /// let spec = AuditSpec::parse(text, Path::new("spec.toml"))?;
    /// assert_eq!(spec.model, ModelSpec::CurieWeiss { n: 4, beta: 0.5 });
    /// assert_eq!((spec.kernel.update, spec.kernel.scan), (Rule::Gibbs, Scan::Systematic));
    /// assert!(spec.sampling.is_none()); // an exact audit
    ///
    /// // `seed` is not a key of family = "curie-weiss".
    /// let text = "[model]\nfamily = \"curie-weiss\"\nn = 4\nseed = 3\n";
    /// let err = AuditSpec::parse(text, Path::new("spec.toml"));
    /// assert!(matches!(err, Err(Error::Field { field, .. }) if field == "model.seed"));
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| parse_error(text, path, e))?;
        let file = path.display().to_string();
        let err = |field: &str, msg: String| Error::field(&file, field, msg);
        let model = model_spec(&raw.model, path, &file)?;
        let is_matrix = matches!(model, ModelSpec::Matrix { .. });
        if is_matrix && raw.kernel.is_some() {
            return Err(err(
                "kernel",
                "not used with family = \"matrix\" (the matrix is the kernel)".into(),
            ));
        }
        if is_matrix && raw.sampling.is_some() {
            return Err(err(
                "sampling",
                "a matrix is audited exactly; [sampling] needs a model".into(),
            ));
        }
        let kernels = match &raw.kernels {
            None => Vec::new(),
            Some(list) => {
                if raw.kernel.is_some() {
                    return Err(err(
                        "kernel",
                        "give either one [kernel] (audit) or a [[kernels]] list (compare), not both".into(),
                    ));
                }
                if is_matrix {
                    return Err(err(
                        "kernels",
                        "not used with family = \"matrix\" (the matrix is the kernel)".into(),
                    ));
                }
                if raw.sampling.is_some() {
                    return Err(err(
                        "kernels",
                        "kernels are compared exactly; [sampling] is not used with [[kernels]]"
                            .into(),
                    ));
                }
                if list.is_empty() || list.len() > MAX_COMPARE_KERNELS {
                    return Err(err(
                        "kernels",
                        format!(
                            "{} kernels; compare takes 1..={MAX_COMPARE_KERNELS}",
                            list.len()
                        ),
                    ));
                }
                let mut out: Vec<NamedKernel> = Vec::with_capacity(list.len());
                for (i, k) in list.iter().enumerate() {
                    if let Some(name) = &k.name {
                        if name.trim().is_empty() {
                            return Err(err(&format!("kernels[{i}].name"), "empty".into()));
                        }
                        if out.iter().any(|o| o.name.as_deref() == Some(name)) {
                            return Err(err(
                                &format!("kernels[{i}].name"),
                                format!("`{name}` names two kernels"),
                            ));
                        }
                    }
                    out.push(NamedKernel {
                        name: k.name.clone(),
                        kernel: KernelSpec {
                            update: k.update,
                            scan: k.scan,
                            blocks: k.blocks.clone(),
                            lazy: k.lazy,
                            long_run: k.long_run,
                        },
                    });
                }
                out
            }
        };
        let kernel = raw
            .kernel
            .map(|k| KernelSpec {
                update: k.update,
                scan: k.scan,
                blocks: k.blocks,
                lazy: k.lazy,
                long_run: k.long_run,
            })
            .unwrap_or_default();
        if let Some(e) = &raw.estimator
            && e.window == 0
        {
            return Err(err("estimator.window", "must be at least 1".into()));
        }
        let gradient = match &raw.gradient {
            None => None,
            Some(g) => Some(gradient(g, is_matrix, &file)?),
        };
        let sampling = match &raw.sampling {
            None => None,
            Some(s) => Some(sampling(s, &file)?),
        };
        if sampling.is_some() && kernel.lazy {
            return Err(err(
                "kernel.lazy",
                "the fast engine of a sampled audit runs the sweep itself; lazy kernels are audited exactly".into(),
            ));
        }
        if let Some(m) = &raw.mixing {
            if let Some(e) = m.epsilon
                && !(e > 0.0 && e < 1.0)
            {
                return Err(err("mixing.epsilon", format!("{e} is not in (0, 1)")));
            }
            if !(1..=MAX_PSEUDO_GAP_K).contains(&m.pseudo_gap_max_k) {
                return Err(err(
                    "mixing.pseudo_gap_max_k",
                    format!("{} is not in 1..={MAX_PSEUDO_GAP_K}", m.pseudo_gap_max_k),
                ));
            }
        }
        let baseline = raw.baseline.clone().unwrap_or_default();
        for (key, v) in [
            ("baseline.tau", baseline.tau),
            ("baseline.gap", baseline.gap),
            ("baseline.mixing_time", baseline.mixing_time),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(err(
                    key,
                    format!("{v} is not a finite relative tolerance >= 0"),
                ));
            }
        }
        let (only, tolerances) = checks(raw.checks.as_ref(), &file)?;
        let mut exact = ExactSettings::default();
        if let Some(e) = &raw.exact {
            exact.backend = e.backend;
            if let Some(k) = e.eigenpairs {
                if !(1..=MAX_EIGENPAIRS).contains(&k) {
                    return Err(err(
                        "exact.eigenpairs",
                        format!("{k} is not in 1..={MAX_EIGENPAIRS}"),
                    ));
                }
                exact.eigenpairs = k;
            }
            if let Some(g) = e.memory_gib {
                if !(g.is_finite() && g > 0.0 && g <= 1024.0) {
                    return Err(err(
                        "exact.memory_gib",
                        format!("{g} is not a memory budget in (0, 1024] GiB"),
                    ));
                }
                exact.memory_budget = (g * (1u64 << 30) as f64) as usize;
            }
        }
        Ok(AuditSpec {
            exact,
            seed: sampling.as_ref().map_or(0, |s: &SampledRun| s.seed),
            file,
            model,
            kernel,
            kernels,
            observables: raw.observables.map(|o| o.set).unwrap_or_default(),
            estimator: raw.estimator,
            gradient,
            long_run: raw
                .sampling
                .as_ref()
                .and_then(|s| s.long_run)
                .unwrap_or(false),
            sampling,
            mixing: raw.mixing,
            baseline,
            only,
            tolerances,
        })
    }

    /// Builds the model of every family but `matrix` (which is read by [`crate::exact::matrix`]).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at the spec key: the model's own errors located by [`AuditSpec::locate`]
    /// (`model.n`, `model.beta`, `model.couplings[k]`, …); `model.n` for a family other than
    /// `torus` with more than [`MAX_ENUM_SPINS`] spins, even when the spec samples it;
    /// `model.family` for `matrix`.
    pub fn build_model(&self) -> Result<BuiltModel> {
        let check_n = |n: usize| -> Result<usize> {
            if n > MAX_ENUM_SPINS {
                return Err(Error::field(
                    &self.file,
                    "model.n",
                    format!(
                        "{n} spins cannot be enumerated (limit {MAX_ENUM_SPINS}): use [sampling] for large models"
                    ),
                ));
            }
            Ok(n)
        };
        let built = match &self.model {
            ModelSpec::CurieWeiss { n, beta } => generators::curie_weiss(check_n(*n)?, *beta),
            ModelSpec::Sk { n, beta, seed } => generators::sk(check_n(*n)?, *beta, *seed),
            ModelSpec::Hopfield {
                n,
                patterns,
                beta,
                seed,
            } => generators::hopfield(check_n(*n)?, *patterns, *beta, *seed),
            ModelSpec::Rbm {
                visible,
                hidden,
                patterns,
                beta,
                seed,
            } => {
                check_n(visible + hidden)?;
                generators::rbm(*visible, *hidden, *patterns, *beta, *seed)
            }
            ModelSpec::Ising {
                n,
                beta,
                couplings,
                fields,
            } => Pairwise::new(
                format!("ising(n={n}, beta={beta})"),
                check_n(*n)?,
                *beta,
                couplings,
                fields.clone(),
            ),
            ModelSpec::Torus(p) => {
                return Torus::new(p.clone())
                    .map(BuiltModel::Torus)
                    .map_err(|e| self.locate(e));
            }
            ModelSpec::Matrix { .. } => {
                return Err(Error::field(
                    &self.file,
                    "model.family",
                    "`matrix` does not describe a model",
                ));
            }
        };
        let built = built.map_err(|e| self.locate(e))?;
        self.check_energy_scale(&built)?;
        Ok(BuiltModel::Pairwise(built))
    }

    /// Refuses a model whose energies overflow: `|β| (Σ|J_ij| + Σ|h_i|)`, the largest `|β E(x)|`,
    /// must be finite, else log Z and every law would be NaN. Names the coupling list, the fields or
    /// β, whichever overflowed.
    fn check_energy_scale(&self, m: &Pairwise) -> Result<()> {
        let couplings: f64 = m.edges().iter().map(|e| e.2.abs()).sum();
        let fields: f64 = m.fields().iter().map(|h| h.abs()).sum();
        let (field, what) = if !couplings.is_finite() {
            (
                "model.couplings",
                format!("the sum of |J| overflows ({couplings})"),
            )
        } else if !fields.is_finite() {
            (
                "model.fields",
                format!("the sum of |h| overflows ({fields})"),
            )
        } else if !(Model::beta(m).abs() * (couplings + fields)).is_finite() {
            (
                "model.beta",
                format!(
                    "beta = {:e} times the energy scale {:e} overflows",
                    Model::beta(m),
                    couplings + fields
                ),
            )
        } else {
            return Ok(());
        };
        Err(Error::field(
            &self.file,
            field,
            format!("{what}: the energies, log Z and every law would not be finite"),
        ))
    }

    /// Checks an explicit gradient against the number of observables it must match.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] at `gradient.g` when an explicit gradient's length differs from
    /// `observables`.
    pub fn check_gradient(&self, observables: usize) -> Result<()> {
        match &self.gradient {
            Some(Gradient::Explicit(g)) if g.len() != observables => Err(Error::field(
                &self.file,
                "gradient.g",
                format!(
                    "has {} entries, but the observable set has {observables} (one per observable, report order)",
                    g.len()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Locates a typed error of a lower layer at the spec key that caused it (`model.couplings[3]`,
    /// `kernel.blocks[1]`, `estimator.window`, `sampling.doubling_from`); other errors pass through.
    pub fn locate(&self, e: Error) -> Error {
        let field: String = match &e {
            Error::Model(m) => match m {
                ModelError::NoSpins | ModelError::TooFewSpins { .. } => "model.n".into(),
                ModelError::NonFiniteBeta(_) => "model.beta".into(),
                ModelError::FieldsLength { .. } => "model.fields".into(),
                ModelError::NonFiniteField { index, .. } => format!("model.fields[{index}]"),
                ModelError::CouplingOutOfRange { index, .. }
                | ModelError::SelfCoupling { index, .. }
                | ModelError::NonFiniteCoupling { index, .. }
                | ModelError::DuplicatePair { index, .. } => format!("model.couplings[{index}]"),
                ModelError::NoPatterns { .. } => "model.patterns".into(),
                ModelError::EmptyLayer { .. } => "model.visible".into(),
                ModelError::TorusSide(_) | ModelError::TorusTooLarge { .. } => "model.side".into(),
                ModelError::TorusDegree(_) => "model.degree".into(),
                ModelError::NonFiniteScale(_) => "model.coupling".into(),
            },
            Error::Kernel(k) => match k {
                KernelError::EmptyBlock { block }
                | KernelError::SiteOutOfRange { block, .. }
                | KernelError::SiteTwice { block, .. }
                | KernelError::JointBlockTooLarge { block, .. }
                | KernelError::BlockNotIndependent { block, .. } => {
                    format!("kernel.blocks[{block}]")
                }
                KernelError::SiteMissing { .. } | KernelError::NotBipartite { .. } => {
                    "kernel.blocks".into()
                }
                KernelError::MetropolisNeedsSites | KernelError::EngineNeedsGibbs => {
                    "kernel.update".into()
                }
                _ => "kernel".into(),
            },
            Error::TooLarge { limit, .. } => match limit {
                Limit::DenseStates | Limit::EnumeratedSpins | Limit::MatrixFreeMemory => {
                    "model.n".into()
                }
                Limit::WindowWork => "estimator.window".into(),
                Limit::BurnInWork => "estimator.burn_in".into(),
            },
            Error::Run(r) => match r {
                RunError::NoChains => "sampling.chains".into(),
                RunError::NoSweeps => "sampling.sweeps".into(),
                RunError::NoDoubling | RunError::DoublingBeyondSweeps { .. } => {
                    "sampling.doubling_from".into()
                }
            },
            Error::Mismatch(ShapeError::Gradient { .. }) => "gradient.g".into(),
            _ => return e,
        };
        Error::field(&self.file, field, e.to_string())
    }
}

/// Resolves a path given in the spec relative to the spec file's folder.
fn resolve(spec_path: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        spec_path.parent().unwrap_or(Path::new(".")).join(p)
    }
}

fn model_spec(m: &RawModel, path: &Path, file: &str) -> Result<ModelSpec> {
    let fam = m.family.as_str();
    let err = |field: &str, msg: String| Error::field(file, field, msg);
    let Some(keys) = ModelSpec::keys(fam) else {
        return Err(err(
            "model.family",
            format!(
                "unknown family `{fam}` (expected one of curie-weiss, sk, hopfield, ising, rbm, torus, matrix)"
            ),
        ));
    };
    if let Some(k) = m.present().into_iter().find(|k| !keys.contains(k)) {
        return Err(err(
            &format!("model.{k}"),
            format!(
                "is not a key of family = \"{fam}\" (its keys: {})",
                keys.join(", ")
            ),
        ));
    }
    let beta = m.beta.unwrap_or(DEFAULT_BETA);
    if !beta.is_finite() {
        return Err(err("model.beta", format!("{beta} is not finite")));
    }
    let seed = m.seed.unwrap_or(DEFAULT_SEED);
    if let Some(p) = m.patterns {
        let spins = match fam {
            "torus" => m
                .side
                .unwrap_or(TorusParams::default().side)
                .saturating_pow(2),
            "rbm" => {
                m.n.unwrap_or(m.visible.unwrap_or(0).saturating_add(m.hidden.unwrap_or(0)))
            }
            _ => m.n.unwrap_or(0),
        };
        crate::pipeline::budget::check_patterns(p, spins)
            .map_err(|why| err("model.patterns", why))?;
    }
    let n = || {
        m.n.ok_or_else(|| err("model.n", format!("is required for family = \"{fam}\"")))
    };
    Ok(match fam {
        "curie-weiss" => ModelSpec::CurieWeiss { n: n()?, beta },
        "sk" => ModelSpec::Sk {
            n: n()?,
            beta,
            seed,
        },
        "hopfield" => ModelSpec::Hopfield {
            n: n()?,
            patterns: m.patterns.unwrap_or(DEFAULT_PATTERNS),
            beta,
            seed,
        },
        "rbm" => {
            let (visible, hidden) = match (m.visible, m.hidden, m.n) {
                (Some(v), Some(h), None) => (v, h),
                (None, None, Some(n)) if n % 2 == 0 => (n / 2, n / 2),
                (None, None, Some(n)) => {
                    return Err(err(
                        "model.n",
                        format!("{n} is odd: give visible and hidden"),
                    ));
                }
                _ => {
                    return Err(err(
                        "model",
                        "rbm needs n (even) or both visible and hidden".into(),
                    ));
                }
            };
            ModelSpec::Rbm {
                visible,
                hidden,
                patterns: m.patterns.unwrap_or(DEFAULT_PATTERNS),
                beta,
                seed,
            }
        }
        "ising" => {
            let n = n()?;
            let mut couplings = Vec::new();
            for (k, &(a, b, j)) in m.couplings.iter().flatten().enumerate() {
                let idx =
                    |v: f64| (v >= 0.0 && v.fract() == 0.0 && v < n as f64).then_some(v as usize);
                match (idx(a), idx(b)) {
                    (Some(i), Some(jj)) => couplings.push((i, jj, j)),
                    _ => {
                        return Err(err(
                            &format!("model.couplings[{k}]"),
                            format!("sites [{a}, {b}] must be integers in 0..{n}"),
                        ));
                    }
                }
            }
            ModelSpec::Ising {
                n,
                beta,
                couplings,
                fields: m.fields.clone(),
            }
        }
        "torus" => {
            let d = TorusParams::default();
            ModelSpec::Torus(TorusParams {
                side: m.side.unwrap_or(d.side),
                degree: m.degree.unwrap_or(d.degree),
                coupling: m.coupling.unwrap_or(d.coupling),
                patterns: m.patterns.unwrap_or(d.patterns),
                beta,
                seed,
            })
        }
        _ => {
            let matrix = m
                .matrix
                .as_ref()
                .ok_or_else(|| err("model.matrix", "is required for family = \"matrix\"".into()))?;
            ModelSpec::Matrix {
                matrix: resolve(path, matrix),
                pi: m.pi.as_ref().map(|p| resolve(path, p)),
                observables: m.observables.as_ref().map(|p| resolve(path, p)),
            }
        }
    })
}

fn gradient(g: &RawGradient, is_matrix: bool, file: &str) -> Result<Gradient> {
    let err = |field: &str, msg: &str| Error::field(file, field, msg);
    match (&g.g, g.teacher_beta) {
        (Some(_), Some(_)) => Err(err("gradient", "give either g or teacher_beta, not both")),
        (Some(v), None) => {
            if let Some(k) = v.iter().position(|x| !x.is_finite()) {
                return Err(err(&format!("gradient.g[{k}]"), "is not finite"));
            }
            Ok(Gradient::Explicit(v.clone()))
        }
        (None, Some(_)) if is_matrix => Err(err(
            "gradient.teacher_beta",
            "needs a model family; a matrix has no temperature (give g)",
        )),
        (None, Some(b)) if !b.is_finite() => Err(err("gradient.teacher_beta", "is not finite")),
        (None, Some(b)) => Ok(Gradient::Teacher(b)),
        (None, None) => Err(err("gradient", "give g or teacher_beta")),
    }
}

fn sampling(s: &RawSampling, file: &str) -> Result<SampledRun> {
    let to_usize = |v: u64, field: &str| {
        usize::try_from(v)
            .map_err(|_| Error::field(file, field, format!("{v} is too large for this platform")))
    };
    let d = SampledRun::default();
    let sweeps = match s.sweeps {
        Some(v) => to_usize(v, "sampling.sweeps")?,
        None => d.sweeps,
    };
    let run = SampledRun {
        chains: s.chains.unwrap_or(d.chains),
        sweeps,
        burn_in: s.burn_in.unwrap_or(d.burn_in),
        doubling_from: match s.doubling_from {
            Some(v) => to_usize(v, "sampling.doubling_from")?,
            None => SampledRun::DEFAULT_DOUBLING_FROM.min(sweeps),
        },
        seed: s.seed.unwrap_or(d.seed),
        init: ChainInit::Uniform,
    };
    run.validate().map_err(|e| match e {
        Error::Run(r) => {
            let field = match r {
                RunError::NoChains => "sampling.chains",
                RunError::NoSweeps => "sampling.sweeps",
                RunError::NoDoubling | RunError::DoublingBeyondSweeps { .. } => {
                    "sampling.doubling_from"
                }
            };
            Error::field(file, field, r.to_string())
        }
        other => other,
    })?;
    Ok(run)
}

fn checks(c: Option<&RawChecks>, file: &str) -> Result<(Option<Vec<String>>, Tolerances)> {
    let Some(c) = c else {
        return Ok((None, Tolerances::registry()));
    };
    if c.only.as_ref().is_some_and(Vec::is_empty) {
        // An empty list would judge nothing and exit 0: a gate that can never fail.
        return Err(Error::field(
            file,
            "checks.only",
            "is empty (list the check ids to run, or leave the key out to run every check)",
        ));
    }
    let known = requirements::all();
    for id in c.only.iter().flatten().chain(c.tolerance.keys()) {
        if !known.iter().any(|r| &r.id == id) {
            return Err(Error::field(
                file,
                "checks",
                format!("unknown check id `{id}`"),
            ));
        }
    }
    for (id, v) in &c.tolerance {
        if requirements::get(id).tolerance.is_none() {
            return Err(Error::field(
                file,
                format!("checks.tolerance.{id}"),
                "this id has no tolerance of its own (override its sub-checks)",
            ));
        }
        if !v.is_finite() || *v < 0.0 {
            return Err(Error::field(
                file,
                format!("checks.tolerance.{id}"),
                format!("{v} is not a non-negative finite number"),
            ));
        }
    }
    let overrides: BTreeMap<String, f64> = c.tolerance.clone();
    Ok((c.only.clone(), Tolerances::with_overrides(overrides)))
}
