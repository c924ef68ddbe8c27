//! The exact audit: model + kernel (or a matrix) → exact chain → residuals, structure, spectrum and
//! the step test → their checks → the spectral stage (analysis → evidence → checks) → one report.
//! Library users call [`audit_kernel`] (or [`crate::gate`]) with their own model and kernel.

use serde_json::{Map, Value};

use crate::checks::exact::{
    ExactEvidence, SpectrumOutcome, check_fixed_parameters, check_parallel_blocks,
    check_step_consistency, judge_a2, judge_a3,
};
use crate::checks::spectral::{SpectralEvidence, check_a4, flip_blocking};
use crate::checks::verdict::json_num;
use crate::checks::{Status, Tolerances, Verdict};
use crate::diagnostics::gtest::step_gtest;
use crate::error::{Error, Result, ShapeError};
use crate::exact::lumping::Lumping;
use crate::exact::spectrum::flip::FlipResiduals;
use crate::exact::spectrum::{Spectrum, eigenvalues};
use crate::exact::structure::Structure;
use crate::exact::{ExactChain, PiSource, residuals};
use crate::kernel::Kernel;
use crate::model::{Fingerprint, Model};
use crate::observables::{L2Defects, ObservableSet, Observables};
use crate::report::figures::{EstimatorCurves, Figures};
use crate::report::{AuditReport, Subject, hex};
use crate::trainability::analysis::{Analysis, AnalysisConfig, Gradient, analyze_with};
use crate::trainability::estimator::{BurnIn, Estimator, Init};
use crate::trainability::mixing::{
    MixingSettings, complex_spectrum_with, mixing_profile_with, reversibilization_gaps_with,
    reversible_gaps,
};
use crate::trainability::projection::{cluster_projection_residuals, conditioning_flows};
use crate::trainability::teacher_gradient;

/// Options of an exact audit.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// What the report names as its spec (the spec file, or empty for a library call).
    pub label: String,
    pub tolerances: Tolerances,
    /// `[checks] only`: ids (a parent id selects its sub-checks too).
    pub only: Option<Vec<String>>,
    /// Seed of the audit's own random tests (the step-consistency G-test, the local checks).
    pub seed: u64,
    /// How many eigenvalues to list (`None` = all).
    pub eigenvalues: Option<usize>,
    /// Gather the figure data of an HTML report (`report.figures`; never in the JSON).
    pub figures: bool,
    /// The spectral stage (A4–A9, O1); `None` skips it.
    pub spectral: Option<SpectralSettings>,
    /// `[mixing]`: mixing measures for a reversible kernel too (a non-reversible kernel always gets
    /// them, with the defaults when this is `None`).
    pub mixing: Option<MixingSettings>,
}

impl AuditOptions {
    /// The report of an audit run with these options.
    pub fn report(
        &self,
        subject: Subject,
        verdicts: Vec<Verdict>,
        mut quantities: Map<String, Value>,
    ) -> AuditReport {
        explain_nulls(&mut quantities);
        AuditReport::assemble(
            &self.label,
            subject,
            verdicts,
            quantities,
            self.only.as_deref(),
        )
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            label: String::new(),
            tolerances: Tolerances::registry(),
            only: None,
            seed: 0,
            eigenvalues: Some(32),
            spectral: None,
            mixing: None,
            figures: false,
        }
    }
}

/// Settings of the spectral stage, from `[observables]`, `[estimator]` and `[gradient]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpectralSettings {
    pub observables: ObservableSet,
    /// The estimator; `Some` when `[estimator]` was given (A5 and A6 are judged only then).
    pub estimator: Option<Estimator>,
    pub gradient: Option<Gradient>,
}

/// What the exact checks computed and hand on: the verdicts and quantities, and the decomposition the
/// spectral stage reuses (so an audit runs one dense eigendecomposition).
struct ExactStage {
    verdicts: Vec<Verdict>,
    quantities: Map<String, Value>,
    spectrum: Option<Spectrum>,
    /// Every eigenvalue of the symmetrized operator, descending (when A2 passes).
    eigenvalues: Option<Vec<f64>>,
    structure: Structure,
}

/// What the exact checks established about a chain, for the stages after them.
#[derive(Clone, Copy)]
struct ChainFacts<'a> {
    reversible: bool,
    irreducible: bool,
    eigenvalues: Option<&'a [f64]>,
}

impl ExactStage {
    fn passed(&self, id: &str) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.id == id && v.status == Status::Pass)
    }

    fn facts(&self) -> ChainFacts<'_> {
        ChainFacts {
            reversible: self.passed("A2"),
            irreducible: self.passed("A3.irreducible"),
            eigenvalues: self.eigenvalues.as_deref(),
        }
    }
}

/// The exact measurements the structural checks judge (K.stochastic, K.invariance, A2, A3's
/// structure), taken once per chain.
struct Measured {
    stochasticity: residuals::Stochasticity,
    invariance_l1: f64,
    detailed_balance: residuals::DetailedBalance,
    self_asymmetry: f64,
    structure: Structure,
    /// Why A2 cannot be judged: π computed on a closed class is 0 on the transient states.
    zero_pi: Option<String>,
}

impl Measured {
    fn of(chain: &ExactChain) -> Self {
        Measured {
            stochasticity: residuals::stochasticity(chain),
            invariance_l1: residuals::invariance_l1(chain),
            detailed_balance: residuals::detailed_balance(chain),
            self_asymmetry: residuals::self_adjointness(chain),
            structure: Structure::of(chain),
            zero_pi: chain.pi_classes.as_ref().and_then(|c| c.zero_pi_reason()),
        }
    }

    fn evidence<'a>(&'a self, chain: &'a ExactChain) -> ExactEvidence<'a> {
        ExactEvidence {
            n_states: chain.n_states,
            stochasticity: &self.stochasticity,
            row_sum_bound: chain.row_sum_bound(),
            invariance_l1: self.invariance_l1,
            invariance_bound: chain.invariance_bound(),
            pi_source: chain.pi_source,
            detailed_balance: &self.detailed_balance,
            flow_rel_bound: chain.flow_rel_bound(),
            self_asymmetry: self.self_asymmetry,
            structure: &self.structure,
            zero_pi: self.zero_pi.as_deref(),
            pi_classes: chain.pi_classes.as_ref(),
        }
    }
}

/// K.stochastic, K.invariance and A2 with its sub-checks of a chain, in report order — the first
/// verdicts of its audit, without the spectral work (for grids that only need A2's status).
pub fn reversibility_verdicts(chain: &ExactChain, tol: &Tolerances) -> Vec<Verdict> {
    judge_a2(&Measured::of(chain).evidence(chain), tol)
}

/// Every exact check of a chain, in report order (sub-checks before their parents). `flip` blocks the
/// spectrum by parity; `vectors` keeps the eigenvectors for the spectral stage.
fn exact_stage(
    chain: &ExactChain,
    flip: Option<usize>,
    vectors: bool,
    tol: &Tolerances,
    eigenvalue_limit: Option<usize>,
) -> ExactStage {
    let measured = Measured::of(chain);
    let l1 = measured.invariance_l1;
    let structure = measured.structure.clone();
    let evidence = measured.evidence(chain);
    let mut verdicts = judge_a2(&evidence, tol);
    let reversible = verdicts
        .iter()
        .any(|v| v.id == "A2" && v.status == Status::Pass);

    let mut quantities = Map::new();
    let mut spectrum = None;
    let computed = if !reversible {
        None
    } else if vectors {
        Some(Spectrum::new(chain, flip).map(|s| {
            let v = s.sigma.clone();
            spectrum = Some(s);
            v
        }))
    } else {
        Some(eigenvalues(chain, flip).map(|(v, _)| v))
    };
    let failure;
    let outcome = match &computed {
        None => match evidence.zero_pi {
            Some(why) => SpectrumOutcome::NotApplicable(why),
            None => SpectrumOutcome::NotReversible,
        },
        Some(Err(e)) => {
            failure = e.to_string();
            SpectrumOutcome::Failed(&failure)
        }
        Some(Ok(v)) => SpectrumOutcome::Eigenvalues(v),
    };
    verdicts.extend(judge_a3(&evidence, outcome, tol));
    if let Some(Ok(vals)) = &computed {
        let k = eigenvalue_limit.unwrap_or(vals.len()).min(vals.len());
        quantities.insert(
            "eigenvalues".into(),
            vals[..k]
                .iter()
                .map(|&v| json_num(v))
                .collect::<Vec<_>>()
                .into(),
        );
        let s2 = vals.get(1).copied().unwrap_or(f64::NAN);
        let smin = *vals.last().unwrap_or(&f64::NAN);
        quantities.insert("sigma2".into(), json_num(s2));
        quantities.insert("gamma".into(), json_num(1.0 - s2));
        quantities.insert("min_eigenvalue".into(), json_num(smin));
    }
    quantities.insert("stationary_l1_residual".into(), json_num(l1));
    ExactStage {
        verdicts,
        quantities,
        spectrum,
        eigenvalues: computed.and_then(|r| r.ok()),
        structure,
    }
}

/// The mixing measures of an irreducible chain ([`crate::trainability::mixing`]), as quantities, and
/// the pseudo-spectral gap (the non-reversible replacement of γ_eff for `burn_in = "auto"`). A
/// reversible chain takes its gaps from the real spectrum; a non-reversible one from the general
/// eigendecomposition and the powers of S. On a non-reversible chain the report also says which
/// theorem objects are undefined.
fn mixing_stage(
    chain: &ExactChain,
    facts: ChainFacts,
    settings: &MixingSettings,
    start: &Init,
    eigenvalue_limit: Option<usize>,
) -> Result<(Map<String, Value>, Option<f64>)> {
    let mut q = Map::new();
    if !facts.irreducible {
        q.insert(
            "mixing_route".into(),
            "none: A3.irreducible fails, so pi is not the limit of every state".into(),
        );
        return Ok((q, None));
    }
    let reversible = facts.reversible;
    let lump = Lumping::of(chain);
    let distances = match &lump {
        None => "distances by dense powers of P".to_string(),
        Some(l) => format!(
            "distances by powers of M and the {} distinct rows of P^t",
            l.len()
        ),
    };
    let gaps = match (facts.eigenvalues, reversible) {
        (Some(sigma), true) => {
            q.insert(
                "mixing_route".into(),
                format!("real spectrum of the self-adjoint P; {distances}").into(),
            );
            let m = sigma.iter().skip(1).map(|s| s.abs()).fold(0.0, f64::max);
            q.insert("lambda2_modulus".into(), json_num(m));
            q.insert("absolute_gap".into(), json_num(1.0 - m));
            reversible_gaps(sigma, settings.pseudo_gap_max_k)
        }
        _ => {
            let route = match &lump {
                None => "general eigendecomposition of P; reversibilization gaps from the powers of S = D^1/2 P D^-1/2".to_string(),
                Some(l) => format!(
                    "P = B R has {m} distinct rows: general eigendecomposition of the lumped M = R B ({m} x {m}) and {z} structural zero eigenvalues; reversibilization gaps from the powers of M_s and R_s",
                    m = l.len(),
                    z = chain.n_states - l.len()
                ),
            };
            q.insert(
                "mixing_route".into(),
                format!("{route}; {distances}").into(),
            );
            let cs = complex_spectrum_with(chain, lump.as_ref())?;
            let k = eigenvalue_limit
                .unwrap_or(cs.values.len())
                .min(cs.values.len());
            q.insert(
                "spectrum_complex".into(),
                serde_json::to_value(&cs.values[..k]).unwrap_or(Value::Null),
            );
            q.insert("lambda2_modulus".into(), json_num(cs.lambda2_modulus));
            q.insert("absolute_gap".into(), json_num(cs.absolute_gap));
            reversibilization_gaps_with(chain, settings.pseudo_gap_max_k, lump.as_ref())?
        }
    };
    q.insert(
        "gap_multiplicative".into(),
        json_num(gaps.gap_multiplicative),
    );
    q.insert("pseudo_gap".into(), json_num(gaps.pseudo_gap));
    q.insert("pseudo_gap_k".into(), gaps.k.into());
    q.insert(
        "pseudo_gap_by_k".into(),
        gaps.gap_by_k
            .iter()
            .map(|&g| json_num(g))
            .collect::<Vec<_>>()
            .into(),
    );
    let profile = mixing_profile_with(
        chain,
        &start.law(chain),
        &settings.epsilons(),
        lump.as_ref(),
    );
    q.insert("mixing_start".into(), start.label().into());
    q.insert(
        "distance_to_stationarity".into(),
        serde_json::to_value(&profile.distance).unwrap_or(Value::Null),
    );
    q.insert(
        "mixing_time".into(),
        serde_json::to_value(&profile.mixing_time).unwrap_or(Value::Null),
    );
    if !reversible {
        let why = "needs a self-adjoint P (A2 fails); see the mixing measures instead";
        let undefined: Map<String, Value> = [
            "cluster",
            "gamma_eff",
            "gamma_bulk",
            "q_struct_perp",
            "q_single_gap",
            "q_single_relevant_gap",
            "eigenvalues",
        ]
        .iter()
        .map(|k| (k.to_string(), Value::from(why)))
        .collect();
        q.insert("undefined".into(), Value::Object(undefined));
    }
    Ok((q, Some(gaps.pseudo_gap)))
}

/// Runs the mixing stage when the kernel is non-reversible or `[mixing]` asks for it; merges its
/// quantities and returns the pseudo-spectral gap.
fn mixing_into(
    chain: &ExactChain,
    facts: ChainFacts,
    opts: &AuditOptions,
    quantities: &mut Map<String, Value>,
) -> Result<Option<f64>> {
    if facts.reversible && opts.mixing.is_none() {
        return Ok(None);
    }
    let settings = opts.mixing.clone().unwrap_or_default();
    let start = opts
        .spectral
        .as_ref()
        .and_then(|s| s.estimator.as_ref())
        .map_or(Init::Uniform, |e| e.init.clone());
    let (q, gap) = mixing_stage(chain, facts, &settings, &start, opts.eigenvalues)?;
    quantities.extend(q);
    Ok(gap)
}

/// What the spectral stage works on.
struct SpectralJob<'a> {
    chain: &'a ExactChain,
    obs: &'a Observables,
    /// The model (absent for a matrix: no temperature, no spin structure).
    model: Option<&'a dyn Model>,
    settings: &'a SpectralSettings,
    /// The flip residuals, measured once per audit, and the blocking decision made from them.
    flip_residuals: Option<&'a FlipResiduals>,
    flip: Option<usize>,
    spectrum: Option<Spectrum>,
    structure: &'a Structure,
    /// The pseudo-spectral gap, for `burn_in = "auto"` on a non-reversible kernel.
    pseudo_gap: Option<f64>,
    /// Gather the estimator curves of an HTML report.
    figures: bool,
}

/// Runs the spectral stage and merges its verdicts and quantities. An estimator size beyond what the
/// exact recursion can run is bad input (the caller locates it at its spec key); any other failure
/// makes every spectral check inconclusive, with the failure as the reason.
fn spectral_stage(
    job: SpectralJob,
    verdicts: &mut Vec<Verdict>,
    quantities: &mut Map<String, Value>,
    tol: &Tolerances,
) -> Result<Option<EstimatorCurves>> {
    match spectral_stage_inner(job, verdicts, tol) {
        Ok((q, curves)) => {
            quantities.extend(q);
            Ok(curves)
        }
        Err(e @ Error::TooLarge { .. }) => Err(e),
        Err(e) => {
            verdicts.extend(crate::checks::spectral::inconclusive(&e.to_string(), tol));
            Ok(None)
        }
    }
}

fn spectral_stage_inner(
    job: SpectralJob,
    verdicts: &mut Vec<Verdict>,
    tol: &Tolerances,
) -> Result<(Map<String, Value>, Option<EstimatorCurves>)> {
    let SpectralJob {
        chain,
        obs,
        model,
        settings,
        flip_residuals,
        flip,
        spectrum,
        structure,
        pseudo_gap,
        figures,
    } = job;
    let n = chain.n_states;
    let passed = |id: &str| {
        verdicts
            .iter()
            .any(|v| v.id == id && v.status == Status::Pass)
    };
    let (reversible, irreducible) = (passed("A2"), passed("A3.irreducible"));
    let gradient = match (&settings.gradient, model) {
        (None, _) => None,
        (Some(Gradient::Explicit(g)), _) => Some(g.clone()),
        (Some(Gradient::Teacher(b)), Some(m)) => Some(teacher_gradient(m, obs, &chain.pi, *b)?),
        (Some(Gradient::Teacher(_)), None) => {
            return Err(ShapeError::NoSpins("gradient.teacher_beta").into());
        }
    };
    let cfg = AnalysisConfig {
        estimator: settings.estimator.clone().unwrap_or_default(),
        estimate: settings.estimator.is_some() || gradient.is_some(),
        gradient,
        nonreversible_gap: pseudo_gap,
        ..AnalysisConfig::default()
    };
    let a4 = L2Defects::of(obs, &chain.pi);
    let a4_ok = check_a4(&a4, n, tol).status == Status::Pass;
    let analysis = if irreducible && a4_ok {
        Some(analyze_with(chain, obs, spectrum, flip, reversible, &cfg)?)
    } else {
        None
    };
    let modes = analysis
        .as_ref()
        .and_then(|a| a.spectrum.as_ref().zip(a.cluster.as_ref()));
    let evidence = SpectralEvidence {
        n_states: n,
        names: &obs.names,
        a4,
        flip: flip_residuals.map(|r| (r.clone(), r.observables_abs(obs))),
        irreducible,
        judge_estimator: settings.estimator.is_some(),
        analysis: analysis.as_ref(),
        projection: modes.map(|(s, c)| cluster_projection_residuals(s, c, obs, &chain.pi)),
        components: structure.components,
        flows: conditioning_flows(chain, modes, model.is_some()),
    };
    verdicts.extend(crate::checks::spectral::judge(&evidence, tol));
    let curves = match (&analysis, figures) {
        (Some(a), true) => a.burn_in.map(|b| EstimatorCurves {
            configured: settings.estimator.is_some(),
            ..crate::pipeline::figures::estimator_curves(
                chain,
                a.spectrum.as_ref(),
                obs,
                &cfg.estimator.init,
                b,
                a.window,
            )
        }),
        _ => None,
    };
    let q = analysis
        .as_ref()
        .map(|a| spectral_quantities(a, obs, &cfg))
        .unwrap_or_default();
    Ok((q, curves))
}

/// Why a quantity of the spectral stage can be `null` (docs/cli.md: every null says why).
fn null_reason(key: &str) -> &'static str {
    match key {
        "gamma_eff" => "C*(O) is empty: no mode carries observable weight above epsilon",
        "gamma_bulk" => {
            "no mode outside C*(O) carries observable weight above the resolution floor"
        }
        "ordering_gap" => "needs a mode in C*(O) and one outside it (gamma_eff and gamma_bulk)",
        "tau" | "asymptotic_variance" | "window_bias" | "window_variance" | "window_mse" => {
            "the observable is constant under pi (Var_pi f = 0), so the ratio is 0/0"
        }
        "tau_error_bound" => {
            "a non-reversible kernel's Poisson equation is not symmetric: no variational bound (see tau_relative_residual)"
        }
        "q_single_gap" | "q_single_gap_is_lower_bound" => {
            "the single-gap predictor needs a gradient with weight on a resolved slow mode"
        }
        _ => "not defined for this chain and these observables",
    }
}

/// Records in `quantities.undefined` a reason for every `null` quantity, at top level and inside the
/// per-observable maps (keys `tau.NAME`), keeping reasons already there.
fn explain_nulls(q: &mut Map<String, Value>) {
    let mut found: Vec<(String, &'static str)> = Vec::new();
    for (k, v) in q.iter() {
        match v {
            Value::Null => found.push((k.clone(), null_reason(k))),
            Value::Object(m) if k != "undefined" => {
                for (name, x) in m {
                    if x.is_null() {
                        found.push((format!("{k}.{name}"), null_reason(k)));
                    }
                }
            }
            _ => {}
        }
    }
    if found.is_empty() {
        return;
    }
    let entry = q
        .entry("undefined")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(m) = entry {
        for (k, why) in found {
            m.entry(k).or_insert_with(|| why.into());
        }
    }
}

/// The spectral stage's quantities (docs/cli.md names).
fn spectral_quantities(
    a: &Analysis,
    obs: &Observables,
    cfg: &AnalysisConfig,
) -> Map<String, Value> {
    let mut q = Map::new();
    let opt = |x: Option<f64>| x.map_or(Value::Null, json_num);
    if let Some(c) = &a.cluster {
        q.insert("gamma_eff".into(), opt(c.gamma_eff));
        q.insert("gamma_bulk".into(), opt(c.gamma_bulk));
        q.insert("cluster_size".into(), c.cluster_size.into());
        q.insert("ordering_gap".into(), opt(c.ordering_gap));
        q.insert("t_o".into(), json_num(c.t_o));
        q.insert("epsilon".into(), json_num(c.epsilon));
    }
    let tau: Map<String, Value> = obs
        .names
        .iter()
        .zip(&a.tau)
        .map(|(nm, t)| (nm.clone(), opt(*t)))
        .collect();
    q.insert("tau".into(), Value::Object(tau));
    q.insert("tau_convention".into(), "N/ESS".into());
    q.insert("tau_route".into(), a.tau_route.into());
    let per_observable = |v: &[f64]| -> Value {
        Value::Object(
            obs.names
                .iter()
                .zip(v)
                .map(|(nm, &x)| (nm.clone(), json_num(x)))
                .collect(),
        )
    };
    q.insert(
        "asymptotic_variance".into(),
        per_observable(&a.asymptotic_variance),
    );
    if let Some(st) = &a.stats {
        if cfg.estimator.burn_in == BurnIn::Auto {
            let rule = if a.tau_route == "poisson" {
                "ceil(5 / pseudo_gap) (non-reversible: gamma_eff is undefined)"
            } else {
                "ceil(5 / gamma_eff)"
            };
            q.insert("burn_in_rule".into(), rule.into());
        }
        q.insert("burn_in".into(), st.burn_in.into());
        q.insert("window".into(), st.window.into());
        q.insert("init".into(), cfg.estimator.init.label().into());
        q.insert("exact_mse".into(), json_num(st.total_mse()));
        q.insert("window_bias".into(), per_observable(&st.bias));
        q.insert("window_variance".into(), per_observable(&st.variance));
        q.insert("window_mse".into(), per_observable(&st.mse));
        q.insert(
            "window_route".into(),
            if a.spectrum.is_some() {
                "forward recursion of the law and the sum-weighted measure with P; burn-in law by the spectral identity"
            } else {
                "forward recursion of the law and the sum-weighted measure with P; burn-in law by B steps of P"
            }
            .into(),
        );
    }
    if cfg.gradient.is_some() {
        q.insert("q_op".into(), opt(a.q_op));
        q.insert("q_struct_perp".into(), opt(a.q_struct_perp));
        q.insert(
            "q_single_gap".into(),
            opt(a.single_gap.as_ref().map(|s| s.q)),
        );
        q.insert(
            "q_single_gap_is_lower_bound".into(),
            a.single_gap
                .as_ref()
                .map_or(Value::Null, |s| s.lower_bound.into()),
        );
        q.insert("q_single_relevant_gap".into(), opt(a.q_single_relevant_gap));
        if let Some(tf) = &a.three_factor {
            q.insert(
                "three_factor".into(),
                serde_json::to_value(tf).unwrap_or(Value::Null),
            );
        }
    }
    q
}

/// Audits a model and kernel exactly: builds the operator from the kernel's own rows, runs every
/// exact check, the step-consistency G-test, A1 and (when `opts.spectral` is set) the spectral stage.
///
/// # Errors
///
/// [`Error::TooLarge`] for a model of more than 13 spins
/// ([`Limit::DenseStates`](crate::error::Limit::DenseStates)) or, with `opts.spectral`, an
/// estimator window or burn-in beyond the exact recursion
/// ([`Limit::WindowWork`](crate::error::Limit::WindowWork),
/// [`Limit::BurnInWork`](crate::error::Limit::BurnInWork)); [`Error::Numerical`] when the model's
/// `log Z` is not finite. Failed checks are verdicts, and other failures of the spectral stage make
/// its checks inconclusive.
///
/// # Examples
///
/// Random-scan Gibbs is reversible; a systematic sweep keeps π invariant but fails A2.
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::prelude::*;
///
/// let model: Arc<dyn Model> = Arc::new(generators::sk(4, 1.0, 0)?);
/// let opts = AuditOptions::default();
///
/// let random = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
/// let report = audit_kernel(model.as_ref(), &random, &opts)?;
/// assert_eq!(report.verdict("A2").unwrap().status, Status::Pass);
/// assert_eq!(report.verdict("K.step-consistency").unwrap().status, Status::Pass);
/// assert_eq!(report.exit_code(), 0);
///
/// let sweep = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Systematic)?;
/// let report = audit_kernel(model.as_ref(), &sweep, &opts)?;
/// assert_eq!(report.verdict("K.invariance").unwrap().status, Status::Pass);
/// assert_eq!(report.verdict("A2").unwrap().status, Status::Fail);
/// assert_eq!(report.exit_code(), 1);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn audit_kernel(
    model: &dyn Model,
    kernel: &Kernel,
    opts: &AuditOptions,
) -> Result<AuditReport> {
    let tol = &opts.tolerances;
    let shown = crate::progress::task("exact audit", None);
    shown.message(|| format!("building P: {} rows", 1u64 << model.n_spins().min(63)));
    let f0 = model.fingerprint();
    let chain = ExactChain::from_kernel(model, kernel)?;
    let f1 = model.fingerprint();
    shown.message(|| format!("spectrum of {} states", chain.n_states));
    let flip_residuals = FlipResiduals::measure(&chain);
    let flip = flip_blocking(flip_residuals.as_ref(), chain.n_states);
    let st = exact_stage(&chain, flip, opts.spectral.is_some(), tol, opts.eigenvalues);
    let mut quantities = st.quantities.clone();
    shown.message(|| "mixing measures".into());
    let pseudo_gap = mixing_into(&chain, st.facts(), opts, &mut quantities)?;
    let ExactStage {
        mut verdicts,
        spectrum,
        structure,
        ..
    } = st;
    let f2 = model.fingerprint();
    shown.message(|| "step consistency (G-test of the sampler's own draws)".into());
    let step = step_gtest(kernel, &chain, model.n_spins(), opts.seed);
    verdicts.push(check_step_consistency(&step, chain.n_states, tol));
    verdicts.push(check_parallel_blocks(&parallel_blocks(model, kernel), tol));
    let f3 = model.fingerprint();
    let mut curves = None;
    if let Some(ss) = &opts.spectral {
        let obs = Observables::for_model(model, ss.observables);
        let job = SpectralJob {
            chain: &chain,
            obs: &obs,
            model: Some(model),
            settings: ss,
            flip_residuals: flip_residuals.as_ref(),
            flip,
            spectrum,
            structure: &structure,
            pseudo_gap,
            figures: opts.figures,
        };
        shown.message(|| "spectral stage: tau, window estimator, Q".into());
        curves = spectral_stage(job, &mut verdicts, &mut quantities, tol)?;
    }
    drop(shown);
    let f4 = model.fingerprint();
    verdicts.insert(0, check_fixed_parameters(f0, &[f1, f2, f3, f4], tol));
    let subject = exact_subject(&chain, model.describe(), kernel.name(), f0);
    quantities.insert("backend".into(), dense_backend());
    let mut report = opts.report(subject, verdicts, quantities);
    if opts.figures {
        report.figures = Some(Figures {
            estimator: curves,
            variables: Vec::new(),
        });
    }
    Ok(report)
}

/// Every update of `kernel` that draws a block in parallel, with the interacting site pairs inside
/// its block (the model's neighbour lists), once per distinct update.
pub(crate) fn parallel_blocks(
    model: &dyn Model,
    kernel: &Kernel,
) -> Vec<(String, Vec<(usize, usize)>)> {
    let mut out: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
    for u in kernel.updates() {
        let Some(block) = u.parallel_block() else {
            continue;
        };
        let name = u.name();
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut pairs = Vec::new();
        for (a, &i) in block.iter().enumerate() {
            for &j in &block[a + 1..] {
                if model.neighbors(i).contains(&j) {
                    pairs.push((i.min(j), i.max(j)));
                }
            }
        }
        out.push((name, pairs));
    }
    out
}

/// Audits a chain read from a matrix (no kernel code, so no step-consistency check; A1 fingerprints
/// the matrix itself).
///
/// # Errors
///
/// None in practice: the only error of [`audit_chain_with`] comes from the spectral stage, which
/// needs observables, and this function passes none.
///
/// # Examples
///
/// A two-state chain `P = [[1 − a, a], [b, 1 − b]]` is reversible with `σ_2 = 1 − a − b`.
///
/// ```
/// use mcmc_audit::prelude::*;
///
/// let (a, b) = (0.3, 0.1);
/// let chain = ExactChain::from_matrix(vec![1.0 - a, a, b, 1.0 - b], 2, None, "two-state".into())?;
/// let report = audit_chain(&chain, &AuditOptions::default())?;
/// assert_eq!(report.verdict("A2").unwrap().status, Status::Pass);
/// assert_eq!(report.verdict("A3").unwrap().status, Status::Pass);
/// let sigma2 = report.quantities["sigma2"].as_f64().unwrap();
/// assert!((sigma2 - (1.0 - a - b)).abs() < 1e-12);
/// assert_eq!(report.exit_code(), 0);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn audit_chain(chain: &ExactChain, opts: &AuditOptions) -> Result<AuditReport> {
    audit_chain_with(chain, None, opts)
}

/// [`audit_chain`] with the observables of an `F.npy` (the spectral stage runs when they are given
/// and `opts.spectral` is set).
///
/// # Errors
///
/// [`Error::TooLarge`] when, with observables and `opts.spectral`, the estimator's window or
/// burn-in is beyond what the exact recursion can run
/// ([`Limit::WindowWork`](crate::error::Limit::WindowWork),
/// [`Limit::BurnInWork`](crate::error::Limit::BurnInWork)).
pub fn audit_chain_with(
    chain: &ExactChain,
    obs: Option<&Observables>,
    opts: &AuditOptions,
) -> Result<AuditReport> {
    let tol = &opts.tolerances;
    let shown = crate::progress::task("exact audit", None);
    shown.message(|| format!("spectrum of {} states", chain.n_states));
    let fp = |c: &ExactChain| {
        let mut f = Fingerprint::default();
        c.p.iter().chain(&c.pi).for_each(|&x| f.f64(x));
        f.finish()
    };
    let f0 = fp(chain);
    // A matrix has no spin structure: no flip blocking.
    let st = exact_stage(
        chain,
        None,
        opts.spectral.is_some() && obs.is_some(),
        tol,
        opts.eigenvalues,
    );
    let mut quantities = st.quantities.clone();
    let pseudo_gap = mixing_into(chain, st.facts(), opts, &mut quantities)?;
    let ExactStage {
        mut verdicts,
        spectrum,
        structure,
        ..
    } = st;
    let mut curves = None;
    if let (Some(ss), Some(obs)) = (&opts.spectral, obs) {
        let job = SpectralJob {
            chain,
            obs,
            model: None,
            settings: ss,
            flip_residuals: None,
            flip: None,
            spectrum,
            structure: &structure,
            pseudo_gap,
            figures: opts.figures,
        };
        shown.message(|| "spectral stage: tau, window estimator, Q".into());
        curves = spectral_stage(job, &mut verdicts, &mut quantities, tol)?;
    }
    drop(shown);
    verdicts.insert(0, check_fixed_parameters(f0, &[fp(chain)], tol));
    // The "model" of a matrix is its target law when the user gave one; a π that GTH computed from
    // P changes in its last bits with the kernel, so then only the state count identifies the model.
    let mut mf = Fingerprint::default();
    mf.word(chain.n_states as u64);
    if chain.pi_source == PiSource::File {
        chain.pi.iter().for_each(|&x| mf.f64(x));
    }
    let subject = exact_subject(
        chain,
        chain.description.clone(),
        "matrix".into(),
        mf.finish(),
    );
    quantities.insert("backend".into(), dense_backend());
    let mut report = opts.report(subject, verdicts, quantities);
    if opts.figures {
        report.figures = Some(Figures {
            estimator: curves,
            variables: Vec::new(),
        });
    }
    Ok(report)
}

/// `quantities.backend` of a dense audit (the matrix-free one names itself and its solver,
/// [`crate::pipeline::matfree`]).
fn dense_backend() -> Value {
    serde_json::json!({ "name": "dense" })
}

/// The subject of an exact audit; the kernel's fingerprint is that of its operator.
fn exact_subject(chain: &ExactChain, model: String, kernel: String, model_fp: u64) -> Subject {
    let mut f = Fingerprint::default();
    chain.p.iter().for_each(|&x| f.f64(x));
    Subject {
        kind: "exact".into(),
        n_states: chain.n_states,
        model,
        kernel,
        model_fingerprint: hex(model_fp),
        kernel_fingerprint: hex(f.finish()),
    }
}
