//! The audit pipeline: spec → model → kernel → exact chain → checks → verdicts (→ report).
//! Library users call [`audit_kernel`] (or [`crate::gate`]) directly with their own model and kernel.

use std::path::Path;
use std::sync::Arc;

pub mod sampled;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::checks::exact::SpectrumPlan;
use crate::checks::spectral::flip_blocking;
use crate::checks::verdict::json_num;
use crate::checks::{Status, Summary, Tolerances, Verdict, exact, step};
use crate::error::{Error, Result};
use crate::exact::{ExactChain, matrix};
use crate::kernel::Kernel;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::model::{Model, Pairwise, generators};
use crate::spec::audit::{AuditSpec, BlocksSpec, KernelSpec};
use crate::spec::requirements::{self, ReqStatus};
use crate::trainability::estimator::Init;
use crate::trainability::observables::{ObservableSet, Observables};
use crate::trainability::spectral::Spectrum;
use crate::trainability::{AnalysisConfig, BurnIn, teacher_gradient};

/// What was audited.
#[derive(Clone, Debug, Serialize)]
pub struct Subject {
    pub kind: String,
    pub n_states: usize,
    pub model: String,
    pub kernel: String,
}

/// A whole audit, in the shape of CLI.md's JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub tool: String,
    pub version: String,
    pub spec: String,
    pub subject: Subject,
    pub verdicts: Vec<Verdict>,
    pub quantities: Map<String, Value>,
    pub summary: Summary,
}

impl AuditReport {
    pub fn exit_code(&self) -> i32 {
        crate::checks::exit_code(&self.verdicts)
    }
    /// The verdict with this id, if it was produced.
    pub fn verdict(&self, id: &str) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.id == id)
    }
}

/// Options for an audit.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    pub tolerances: Tolerances,
    /// `[checks] only`: ids (a parent id selects its sub-checks too).
    pub only: Option<Vec<String>>,
    /// Seed for the sampled parts (the step-consistency G-test).
    pub seed: u64,
    /// How many eigenvalues to list (`None` = all).
    pub eigenvalues: Option<usize>,
    /// The spectral stage (A4–A9, O1; `[observables]`, `[estimator]`, `[gradient]`); `None` skips it.
    pub spectral: Option<SpectralSettings>,
}

/// Where the signal g comes from (`[gradient]`).
#[derive(Clone, Debug)]
pub enum Gradient {
    Explicit(Vec<f64>),
    Teacher(f64),
}

/// Settings of the spectral stage, from `[observables]`, `[estimator]` and `[gradient]`.
#[derive(Clone, Debug)]
pub struct SpectralSettings {
    pub set: ObservableSet,
    /// `[estimator]` was given: A5 and A6 are judged.
    pub estimator_given: bool,
    pub burn_in: BurnIn,
    pub window: u64,
    pub init: Init,
    pub gradient: Option<Gradient>,
}

impl Default for SpectralSettings {
    fn default() -> Self {
        SpectralSettings {
            set: ObservableSet::Pairs,
            estimator_given: false,
            burn_in: BurnIn::Auto,
            window: 1000,
            init: Init::Uniform,
            gradient: None,
        }
    }
}

/// What the spectral stage works on: the chain, its observables, the model (absent for a matrix) and
/// the settings, with what the exact stage hands on — the flip-blocking decision and the spectrum A3
/// computed (so an audit runs one dense eigendecomposition).
struct SpectralJob<'a> {
    chain: &'a ExactChain,
    obs: &'a Observables,
    model: Option<&'a dyn Model>,
    settings: &'a SpectralSettings,
    flip: Option<usize>,
    spectrum: Option<Spectrum>,
}

/// Runs the spectral checks on a chain and merges their verdicts and quantities.
fn spectral_stage(
    job: SpectralJob,
    verdicts: &mut Vec<Verdict>,
    quantities: &mut Map<String, Value>,
    tol: &Tolerances,
) -> Result<()> {
    match spectral_stage_inner(job, verdicts, quantities, tol) {
        Ok(()) => Ok(()),
        // An estimator size the user chose (window, explicit burn-in) beyond what the exact
        // recursion can run is bad input (CLI.md: absurd sizes exit 2), not an inconclusive audit.
        Err(e @ Error::TooLarge { .. }) => Err(e),
        Err(e) => {
            spectral_inconclusive(&e, verdicts, tol);
            Ok(())
        }
    }
}

/// A numerical failure makes every spectral check inconclusive, with the failure as the reason.
fn spectral_inconclusive(e: &Error, verdicts: &mut Vec<Verdict>, tol: &Tolerances) {
    for id in [
        "A4",
        "A5.burn-in",
        "A5.bias",
        "A5",
        "A6",
        "A7",
        "A8",
        "A9",
        "O1.a",
        "O1.b",
    ] {
        verdicts.push(
            Verdict::new(id, tol.get(id))
                .with_status(Status::Inconclusive)
                .reason(format!("spectral stage failed: {e}")),
        );
    }
}

fn spectral_stage_inner(
    job: SpectralJob,
    verdicts: &mut Vec<Verdict>,
    quantities: &mut Map<String, Value>,
    tol: &Tolerances,
) -> Result<()> {
    let SpectralJob {
        chain,
        obs,
        model,
        settings,
        flip,
        spectrum,
    } = job;
    let passed = |id: &str| {
        verdicts
            .iter()
            .any(|v| v.id == id && v.status == Status::Pass)
    };
    let gradient = match (&settings.gradient, model) {
        (None, _) => None,
        (Some(Gradient::Explicit(g)), _) => Some(g.clone()),
        (Some(Gradient::Teacher(b)), Some(m)) => Some(teacher_gradient(m, obs, &chain.pi, *b)?),
        (Some(Gradient::Teacher(_)), None) => {
            return Err(Error::Invalid(
                "gradient.teacher_beta needs a model family (not a matrix)".into(),
            ));
        }
    };
    let estimate = settings.estimator_given || gradient.is_some();
    let inp = crate::checks::spectral::SpectralInputs {
        n_spins: model.map(|m| m.n_spins()),
        flip,
        spectrum,
        reversible: passed("A2"),
        irreducible: passed("A3.irreducible"),
        judge_estimator: settings.estimator_given,
        config: AnalysisConfig {
            init: settings.init.clone(),
            burn_in: settings.burn_in,
            window: settings.window,
            gradient,
            estimate,
            ..AnalysisConfig::default()
        },
    };
    let (v, q) = crate::checks::spectral::run_all(chain, obs, &inp, tol)?;
    verdicts.extend(v);
    quantities.extend(q);
    Ok(())
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            tolerances: Tolerances::default(),
            only: None,
            seed: 0,
            eigenvalues: Some(32),
            spectral: None,
        }
    }
}

pub(crate) fn undefined_verdicts() -> Vec<Verdict> {
    requirements::all()
        .iter()
        .filter(|r| r.status == ReqStatus::Undefined)
        .map(|r| {
            Verdict::new(&r.id, None)
                .with_status(Status::Undefined)
                .reason("defined by no published source")
        })
        .collect()
}

pub(crate) fn select(mut verdicts: Vec<Verdict>, only: &Option<Vec<String>>) -> Vec<Verdict> {
    if let Some(ids) = only {
        verdicts.retain(|v| {
            ids.iter()
                .any(|id| &v.id == id || v.id.starts_with(&format!("{id}.")))
        });
    }
    verdicts
}

fn exact_quantities(q: &exact::ExactQuantities, limit: Option<usize>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(vals) = &q.eigenvalues {
        let k = limit.unwrap_or(vals.len()).min(vals.len());
        m.insert(
            "eigenvalues".into(),
            vals[..k]
                .iter()
                .map(|&v| json_num(v))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    for (k, v) in [
        ("sigma2", q.sigma2),
        ("gamma", q.gamma),
        ("min_eigenvalue", q.min_eigenvalue),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json_num(v));
        }
    }
    m.insert(
        "stationary_l1_residual".into(),
        json_num(q.stationary_l1_residual),
    );
    m
}

/// Audits a model and kernel exactly: builds the operator from the kernel's own rows, runs every
/// implemented exact check, the step-consistency G-test and A1.
pub fn audit_kernel(
    model: &dyn Model,
    kernel: &Kernel,
    opts: &AuditOptions,
) -> Result<AuditReport> {
    let f0 = model.fingerprint();
    let chain = ExactChain::from_kernel(model, kernel)?;
    let f1 = model.fingerprint();
    let flip = flip_blocking(&chain, Some(model.n_spins()));
    let plan = SpectrumPlan {
        flip,
        vectors: opts.spectral.is_some(),
    };
    let (mut verdicts, mut q) = exact::run_all(&chain, &opts.tolerances, &plan);
    let f2 = model.fingerprint();
    verdicts.push(step::check_step_consistency(
        kernel,
        &chain,
        model.n_spins(),
        opts.seed,
        &opts.tolerances,
    ));
    let f3 = model.fingerprint();
    let mut quantities = exact_quantities(&q, opts.eigenvalues);
    if let Some(ss) = &opts.spectral {
        let obs = Observables::for_model(model, ss.set);
        let job = SpectralJob {
            chain: &chain,
            obs: &obs,
            model: Some(model),
            settings: ss,
            flip,
            spectrum: q.spectrum.take(),
        };
        spectral_stage(job, &mut verdicts, &mut quantities, &opts.tolerances)?;
    }
    let f4 = model.fingerprint();
    verdicts.insert(0, exact::check_fixed_parameters(f0, &[f1, f2, f3, f4]));
    verdicts.extend(undefined_verdicts());
    let verdicts = select(verdicts, &opts.only);
    Ok(AuditReport {
        tool: "mcmc-audit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        spec: String::new(),
        subject: Subject {
            kind: "exact".into(),
            n_states: chain.n_states,
            model: model.describe(),
            kernel: kernel.name(),
        },
        summary: Summary::of(&verdicts),
        quantities,
        verdicts,
    })
}

/// Audits a chain read from a matrix (no kernel code, so no step-consistency check; A1 fingerprints
/// the matrix itself).
pub fn audit_chain(chain: &ExactChain, opts: &AuditOptions) -> Result<AuditReport> {
    audit_chain_with(chain, None, opts)
}

/// [`audit_chain`] with the observables of an `F.npy` (the spectral stage runs when they are given
/// and `opts.spectral` is set).
pub fn audit_chain_with(
    chain: &ExactChain,
    obs: Option<&Observables>,
    opts: &AuditOptions,
) -> Result<AuditReport> {
    let fp = |c: &ExactChain| {
        let mut f = crate::model::Fingerprint::default();
        c.p.iter().chain(&c.pi).for_each(|&x| f.f64(x));
        f.finish()
    };
    let f0 = fp(chain);
    // A matrix has no spin structure: no flip blocking.
    let plan = SpectrumPlan {
        flip: None,
        vectors: opts.spectral.is_some() && obs.is_some(),
    };
    let (mut verdicts, mut q) = exact::run_all(chain, &opts.tolerances, &plan);
    let mut quantities = exact_quantities(&q, opts.eigenvalues);
    if let (Some(ss), Some(obs)) = (&opts.spectral, obs) {
        let job = SpectralJob {
            chain,
            obs,
            model: None,
            settings: ss,
            flip: None,
            spectrum: q.spectrum.take(),
        };
        spectral_stage(job, &mut verdicts, &mut quantities, &opts.tolerances)?;
    }
    verdicts.insert(0, exact::check_fixed_parameters(f0, &[fp(chain)]));
    verdicts.extend(undefined_verdicts());
    let verdicts = select(verdicts, &opts.only);
    Ok(AuditReport {
        tool: "mcmc-audit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        spec: String::new(),
        subject: Subject {
            kind: "exact".into(),
            n_states: chain.n_states,
            model: chain.description.clone(),
            kernel: "matrix".into(),
        },
        summary: Summary::of(&verdicts),
        quantities,
        verdicts,
    })
}

fn need<T: Copy>(v: Option<T>, file: &str, field: &str, family: &str) -> Result<T> {
    v.ok_or_else(|| {
        Error::field(
            file,
            field,
            format!("is required for family = \"{family}\""),
        )
    })
}

/// Builds the model an audit spec describes (every family but `matrix`).
pub fn build_model(spec: &AuditSpec, file: &str) -> Result<Pairwise> {
    let m = &spec.model;
    let fam = m.family.as_str();
    let beta = m.beta.unwrap_or(1.0);
    let seed = m.seed.unwrap_or(0);
    let wrap = |e: Error| match e {
        Error::Invalid(msg) => Error::field(file, "model", msg),
        other => other,
    };
    let check_n = |n: usize| -> Result<usize> {
        if n > crate::model::enumerate::MAX_ENUM_SPINS {
            return Err(Error::field(
                file,
                "model.n",
                format!(
                    "{n} spins cannot be enumerated (limit {}): use [sampling] for large models",
                    crate::model::enumerate::MAX_ENUM_SPINS
                ),
            ));
        }
        Ok(n)
    };
    match fam {
        "curie-weiss" => {
            generators::curie_weiss(check_n(need(m.n, file, "model.n", fam)?)?, beta).map_err(wrap)
        }
        "sk" => {
            generators::sk(check_n(need(m.n, file, "model.n", fam)?)?, beta, seed).map_err(wrap)
        }
        "hopfield" => generators::hopfield(
            check_n(need(m.n, file, "model.n", fam)?)?,
            m.patterns.unwrap_or(1),
            beta,
            seed,
        )
        .map_err(wrap),
        "rbm" => {
            let (v, h) = match (m.visible, m.hidden, m.n) {
                (Some(v), Some(h), _) => (v, h),
                (None, None, Some(n)) if n % 2 == 0 => (n / 2, n / 2),
                (None, None, Some(n)) => {
                    return Err(Error::field(
                        file,
                        "model.n",
                        format!("{n} is odd: give visible and hidden"),
                    ));
                }
                _ => {
                    return Err(Error::field(
                        file,
                        "model",
                        "rbm needs n (even) or both visible and hidden",
                    ));
                }
            };
            check_n(v + h)?;
            generators::rbm(v, h, m.patterns.unwrap_or(1), beta, seed).map_err(wrap)
        }
        "ising" => {
            let n = check_n(need(m.n, file, "model.n", fam)?)?;
            let mut c = Vec::new();
            for (k, &(a, b, j)) in m.couplings.iter().flatten().enumerate() {
                let idx =
                    |v: f64| (v >= 0.0 && v.fract() == 0.0 && v < n as f64).then_some(v as usize);
                match (idx(a), idx(b)) {
                    (Some(i), Some(jj)) => c.push((i, jj, j)),
                    _ => {
                        return Err(Error::field(
                            file,
                            format!("model.couplings[{k}]"),
                            format!("sites [{a}, {b}] must be integers in 0..{n}"),
                        ));
                    }
                }
            }
            Pairwise::new(
                format!("ising(n={n}, beta={beta})"),
                n,
                beta,
                &c,
                m.fields.clone(),
            )
            .map_err(wrap)
        }
        "torus" => crate::model::torus::Torus::new(crate::model::torus::TorusParams {
            side: m.side.unwrap_or(60),
            degree: m.degree.unwrap_or(12),
            coupling: m.coupling.unwrap_or(0.5),
            patterns: m.patterns.unwrap_or(0),
            beta,
            seed,
        })
        .map(|t| t.model)
        .map_err(wrap),
        _ => Err(Error::field(
            file,
            "model.family",
            format!("`{fam}` does not describe a model"),
        )),
    }
}

/// Parses the `[kernel]` section.
pub fn kernel_choice(k: &KernelSpec) -> (Rule, Blocks, Scan) {
    let rule = if k.update == "metropolis" {
        Rule::Metropolis
    } else {
        Rule::Gibbs
    };
    let scan = match k.scan.as_str() {
        "systematic" => Scan::Systematic,
        "symmetrized" => Scan::Symmetrized,
        _ => Scan::Random,
    };
    let blocks = match &k.blocks {
        BlocksSpec::Named(s) if s == "bipartite" => Blocks::Bipartite,
        BlocksSpec::Named(s) if s == "coloring" => Blocks::Coloring,
        BlocksSpec::Named(_) => Blocks::Sites,
        BlocksSpec::Explicit(b) => Blocks::Explicit(b.clone()),
    };
    (rule, blocks, scan)
}

/// The spectral stage's settings from `[observables]`, `[estimator]`, `[gradient]` (validated by
/// [`AuditSpec::parse`]; defaults per CLI.md).
pub fn spectral_settings(spec: &AuditSpec) -> SpectralSettings {
    use crate::spec::audit::BurnIn as SpecBurnIn;
    let mut s = SpectralSettings::default();
    if let Some(o) = &spec.observables {
        s.set = ObservableSet::parse(&o.set).unwrap_or(ObservableSet::Pairs);
    }
    if let Some(e) = &spec.estimator {
        s.estimator_given = true;
        s.burn_in = match &e.burn_in {
            Some(SpecBurnIn::Steps(b)) => BurnIn::Steps(*b),
            _ => BurnIn::Auto,
        };
        s.window = e.window.unwrap_or(1000);
        s.init = match e.init.as_deref() {
            Some("stationary") => Init::Stationary,
            _ => Init::Uniform,
        };
    }
    if let Some(g) = &spec.gradient {
        s.gradient = match (&g.g, g.teacher_beta) {
            (Some(v), _) => Some(Gradient::Explicit(v.clone())),
            (None, Some(b)) => Some(Gradient::Teacher(b)),
            _ => None,
        };
    }
    s
}

fn check_gradient_len(file: &str, g: Option<&Vec<f64>>, k: usize) -> Result<()> {
    match g {
        Some(v) if v.len() != k => Err(Error::field(
            file,
            "gradient.g",
            format!(
                "has {} entries, but the observable set has {k} (one per observable, report order)",
                v.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// A size limit hit while auditing names the spec field the user set (`estimator.window`, …): report
/// it as that field of the spec file (exit 2). Other errors pass through.
fn input_error(file: &str, e: Error) -> Error {
    match e {
        Error::TooLarge {
            what,
            size,
            limit,
            why,
        } => Error::field(
            file,
            what,
            format!("{size} exceeds the limit {limit} ({why})"),
        ),
        e => e,
    }
}

/// Runs the audit a spec file describes.
pub fn run_spec(path: &Path, eigenvalues: Option<usize>) -> Result<AuditReport> {
    let spec = AuditSpec::load(path)?;
    let file = path.display().to_string();
    let opts = AuditOptions {
        tolerances: Tolerances {
            overrides: spec
                .checks
                .as_ref()
                .map(|c| c.tolerance.clone())
                .unwrap_or_default(),
        },
        only: spec.checks.as_ref().and_then(|c| c.only.clone()),
        seed: spec.sampling.as_ref().and_then(|s| s.seed).unwrap_or(0),
        eigenvalues,
        spectral: Some(spectral_settings(&spec)),
    };
    let mut report = if spec.model.family == "matrix" {
        let p = spec.model.matrix.as_ref().ok_or_else(|| {
            Error::field(&file, "model.matrix", "is required for family = \"matrix\"")
        })?;
        let pi = spec.model.pi.as_ref().map(|p| spec.resolve(path, p));
        let obs = spec
            .model
            .observables
            .as_ref()
            .map(|p| spec.resolve(path, p));
        let (chain, mobs) = matrix::load(&spec.resolve(path, p), pi.as_deref(), obs.as_deref())?;
        let obs = match &mobs {
            Some(m) => Some(Observables::from_matrix(m, chain.n_states)?),
            None => None,
        };
        if let Some(g) = spec.gradient.as_ref() {
            if g.teacher_beta.is_some() {
                return Err(Error::field(
                    &file,
                    "gradient.teacher_beta",
                    "needs a model family; a matrix has no temperature (give g)",
                ));
            }
            check_gradient_len(&file, g.g.as_ref(), obs.as_ref().map_or(0, |o| o.len()))?;
        }
        audit_chain_with(&chain, obs.as_ref(), &opts).map_err(|e| input_error(&file, e))?
    } else {
        if spec.sampling.is_some() {
            let mut r = sampled::run(&spec, path, &opts)?;
            r.spec = file;
            return Ok(r);
        }
        let model: Arc<dyn Model> = Arc::new(build_model(&spec, &file)?);
        if let Some(g) = spec.gradient.as_ref() {
            let set = spectral_settings(&spec).set;
            let k = Observables::for_model(model.as_ref(), set).len();
            check_gradient_len(&file, g.g.as_ref(), k)?;
        }
        let (rule, blocks, scan) = kernel_choice(&spec.kernel.clone().unwrap_or_default());
        let kernel = build_kernel(model.clone(), rule, &blocks, scan, &file)?;
        audit_kernel(model.as_ref(), &kernel, &opts).map_err(|e| input_error(&file, e))?
    };
    report.spec = file;
    Ok(report)
}
