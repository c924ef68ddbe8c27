//! Pipelines: each command's data flow from its input to one report, in one direction —
//! spec → model → kernel → chain → checks → verdicts → report.
//!
//! - [`audit`]: the exact audit of a model and kernel, or of a matrix;
//! - [`baseline`]: an audit against the committed report of an earlier kernel;
//! - [`compare`]: several kernels of one model side by side, cost-normalized;
//! - [`sampled`]: the sampled audit of a large model by the fast engine;
//! - [`trace`]: the diagnostics of trajectories from any sampler;
//! - [`reproduce`]: this project's frozen experiment grids.
//!
//! [`run_spec`] reads an audit spec and dispatches to the exact or sampled audit.

pub mod audit;
pub mod baseline;
pub mod budget;
pub mod compare;
pub mod figures;
pub mod matfree;
pub mod reproduce;
pub mod sampled;
pub mod trace;

use std::path::Path;
use std::sync::Arc;

use crate::spec::audit::Backend;
use audit::{AuditOptions, SpectralSettings, audit_chain_with, audit_kernel};

use crate::error::Result;
use crate::exact::matrix;
use crate::kernel::Kernel;
use crate::kernel::build::build_kernel;
use crate::model::Model;
use crate::report::AuditReport;
use crate::spec::{AuditSpec, KernelSpec, ModelSpec};

/// The audit options a spec describes (`eigenvalues`: how many to list, `None` = all).
pub fn options(spec: &AuditSpec, eigenvalues: Option<usize>) -> AuditOptions {
    AuditOptions {
        label: spec.file.clone(),
        tolerances: spec.tolerances.clone(),
        only: spec.only.clone(),
        seed: spec.seed,
        eigenvalues,
        mixing: spec.mixing.clone(),
        spectral: Some(SpectralSettings {
            observables: spec.observables,
            estimator: spec.estimator.clone(),
            gradient: spec.gradient.clone(),
        }),
        figures: false,
    }
}

/// Runs the audit a spec file describes: exact for a model or a matrix, sampled with `[sampling]`.
///
/// # Errors
///
/// Every input error (docs/cli.md: exit 2):
///
/// - [`Error::Io`](crate::Error::Io), [`Error::Spec`](crate::Error::Spec) and
///   [`Error::Field`](crate::Error::Field) from [`AuditSpec::load`];
/// - [`Error::Field`](crate::Error::Field) at the spec key for invalid model parameters, blocks,
///   update rule, gradient or `[sampling]` settings, and for sizes beyond the exact engines' limits
///   (`model.n`, `estimator.window`, `estimator.burn_in`);
/// - for a `matrix` family, the data-file errors of [`matrix::load`];
/// - [`Error::Numerical`](crate::Error::Numerical) when a model's `log Z` is not finite (a matrix
///   that is not irreducible is a subject: it fails `A3.irreducible`).
///
/// Failed checks are verdicts in the report, not errors.
///
/// # Examples
///
/// ```
/// use mcmc_audit::pipeline::run_spec;
/// use mcmc_audit::prelude::*;
///
/// let spec = r#"
/// [model]
/// family = "curie-weiss"
/// n = 4
/// beta = 0.5
///
/// [kernel]
/// update = "gibbs"
/// scan = "random"
/// "#;
/// let path = std::env::temp_dir().join("mcmc-audit-doctest-run-spec.toml");
/// std::fs::write(&path, spec).unwrap();
///
/// let report = run_spec(&path, None)?;
/// assert_eq!(report.subject.n_states, 16);
/// assert_eq!(report.verdict("A2").unwrap().status, Status::Pass);
/// assert_eq!(report.verdict("A9").unwrap().status, Status::Pass); // flip-symmetric
/// assert_eq!(report.exit_code(), 0);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn run_spec(path: &Path, eigenvalues: Option<usize>) -> Result<AuditReport> {
    let spec = AuditSpec::load(path)?;
    run(&spec, eigenvalues)
}

/// [`run_spec`], then the comparison with a baseline report (`audit --baseline`) under the spec's
/// `[baseline]` tolerances: a regression makes [`AuditReport::exit_code`] 1.
///
/// # Errors
///
/// Those of [`run_spec`], and of [`baseline::load`] for the baseline file (another model, another
/// schema, not a report).
pub fn run_spec_against(
    path: &Path,
    eigenvalues: Option<usize>,
    baseline_file: &Path,
) -> Result<AuditReport> {
    let spec = AuditSpec::load(path)?;
    let mut report = run(&spec, eigenvalues)?;
    baseline::apply(&mut report, baseline_file, &spec.baseline)?;
    Ok(report)
}

/// [`run_spec`] (with `--baseline` when `baseline` is given) gathering the figure data of an HTML
/// report (`report.figures`) when `figures`: the same verdicts and quantities, plus what the page draws.
///
/// # Errors
///
/// As [`run_spec_against`] with a baseline, else as [`run_spec`].
pub fn run_spec_with(
    path: &Path,
    eigenvalues: Option<usize>,
    baseline_file: Option<&Path>,
    figures: bool,
) -> Result<AuditReport> {
    let spec = AuditSpec::load(path)?;
    let mut report = run_with(&spec, eigenvalues, figures)?;
    if let Some(b) = baseline_file {
        baseline::apply(&mut report, b, &spec.baseline)?;
    }
    Ok(report)
}

/// Runs the audit of a parsed spec.
///
/// # Errors
///
/// As [`run_spec`], except the errors of reading and parsing the spec file.
pub fn run(spec: &AuditSpec, eigenvalues: Option<usize>) -> Result<AuditReport> {
    run_with(spec, eigenvalues, false)
}

/// [`run`], gathering the figure data of an HTML report when `figures`.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(
    spec: &AuditSpec,
    eigenvalues: Option<usize>,
    figures: bool,
) -> Result<AuditReport> {
    if !spec.kernels.is_empty() {
        return Err(crate::Error::field(
            &spec.file,
            "kernels",
            "a [[kernels]] list is compared by `mcmc-audit compare`; `audit` takes one [kernel]",
        ));
    }
    let opts = AuditOptions {
        figures,
        ..options(spec, eigenvalues)
    };
    let locate = |e| spec.locate(e);
    match &spec.model {
        ModelSpec::Matrix {
            matrix,
            pi,
            observables,
        } => {
            let (chain, obs, input) = matrix::load(matrix, pi.as_deref(), observables.as_deref())?;
            spec.check_gradient(obs.as_ref().map_or(0, |o| o.len()))?;
            let floor = input.tolerance_floor();
            let opts = AuditOptions {
                tolerances: opts.tolerances.clone().with_floor(floor, chain.n_states),
                ..opts
            };
            let mut report = audit_chain_with(&chain, obs.as_ref(), &opts).map_err(locate)?;
            if floor > 0.0 {
                let note = format!(
                    "P or pi is stored below float64 (unit roundoff {:e}): threshold at least {} roundings of it = {floor:e}",
                    input.unit_roundoff,
                    crate::numeric::tolerance::INPUT_ROUNDINGS
                );
                for v in report
                    .verdicts
                    .iter_mut()
                    .filter(|v| crate::checks::ROUNDING_LEVEL_CHECKS.contains(&v.id.as_str()))
                {
                    v.detail
                        .insert("input_precision".into(), note.clone().into());
                }
            }
            report.quantities.insert("input".into(), input.to_json());
            Ok(report)
        }
        _ if spec.sampling.is_some() => sampled::run(spec, &opts),
        _ => {
            let built = spec.build_model()?;
            let model: Arc<dyn Model> = Arc::new(built.pairwise().clone());
            spec.check_gradient(spec.observables.list(model.n_spins()).len())?;
            let kernel = kernel(model.clone(), &spec.kernel).map_err(locate)?;
            let matrix_free = match spec.exact.backend {
                Backend::Auto => model.n_spins() > crate::exact::MAX_DENSE_STATES.ilog2() as usize,
                Backend::Dense => false,
                Backend::MatrixFree => true,
            };
            if matrix_free {
                let solver = crate::exact::matfree::solve::Options {
                    k: spec.exact.eigenpairs,
                    memory_budget: spec.exact.memory_budget,
                    ..Default::default()
                };
                return matfree::audit_kernel_matrix_free(model.as_ref(), &kernel, &opts, &solver)
                    .map_err(locate);
            }
            budget::check_exact_kernel(&spec.file, &kernel, model.n_spins(), spec.kernel.long_run)?;
            audit_kernel(model.as_ref(), &kernel, &opts).map_err(locate)
        }
    }
}

/// The exact chain (P, π, log π) of a spec's model and `[kernel]`, as an audit of it builds it: for a
/// caller that wants the operator itself (the Python package's `exact_chain`, the thrml bridge's
/// sampler check). Matrix and sampled specs are refused: they have no enumerated kernel here.
///
/// # Errors
///
/// [`crate::Error::Field`] at `model.family` for a matrix spec and at `sampling` for a sampled one;
/// the errors of building the model and kernel (located at their keys), of the work limit
/// ([`budget::check_exact_kernel`]) and of [`ExactChain::from_kernel`](crate::exact::ExactChain::from_kernel).
pub fn exact_chain(spec: &AuditSpec) -> Result<crate::exact::ExactChain> {
    let (model, kernel) = enumerable(spec)?;
    // Located at its spec key (model.n past the dense limit), as the audit's own errors are.
    crate::exact::ExactChain::from_kernel(model.as_ref(), &kernel).map_err(|e| spec.locate(e))
}

/// The model and kernel of a spec whose exact operator can be built (no matrix, no `[sampling]`,
/// within the work limit).
fn enumerable(spec: &AuditSpec) -> Result<(Arc<dyn Model>, Kernel)> {
    if matches!(spec.model, ModelSpec::Matrix { .. }) {
        return Err(crate::Error::field(
            &spec.file,
            "model.family",
            "a matrix spec already is its chain: read P.npy directly",
        ));
    }
    if spec.sampling.is_some() {
        return Err(crate::Error::field(
            &spec.file,
            "sampling",
            "a sampled spec has no exact operator: remove [sampling] for a model that enumerates",
        ));
    }
    let built = spec.build_model()?;
    let model: Arc<dyn Model> = Arc::new(built.pairwise().clone());
    let kernel = kernel(model.clone(), &spec.kernel).map_err(|e| spec.locate(e))?;
    budget::check_exact_kernel(&spec.file, &kernel, model.n_spins(), spec.kernel.long_run)?;
    Ok((model, kernel))
}

/// Each distinct elementary update of a spec's kernel audited on its own against the model's π:
/// K.stochastic, K.invariance and A2 with its sub-checks ([`audit::reversibility_verdicts`], explained
/// as in a report), in the kernel's order. A sweep `P_1 ⋯ P_m` is in general not reversible even
/// when every `P_k` is; this says which of the two holds for each block (the thrml bridge's
/// per-block report). A single block's update is not ergodic, so A3 is not asked of it.
///
/// # Errors
///
/// As [`exact_chain`].
pub fn update_verdicts(spec: &AuditSpec) -> Result<Vec<(String, Vec<crate::checks::Verdict>)>> {
    let (model, kernel) = enumerable(spec)?;
    let tol = options(spec, None).tolerances;
    let mut out: Vec<(String, Vec<crate::checks::Verdict>)> = Vec::new();
    for u in kernel.updates() {
        let name = u.name();
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let chain = crate::exact::ExactChain::from_kernel(model.as_ref(), &Kernel::Update(u))
            .map_err(|e| spec.locate(e))?;
        let mut verdicts = audit::reversibility_verdicts(&chain, &tol);
        crate::checks::explain::explain_all(
            &mut verdicts,
            chain.n_states,
            crate::checks::explain::Source::Kernel(&name),
        );
        out.push((name, verdicts));
    }
    Ok(out)
}

/// A sampler from outside judged against a spec's exact chain (the thrml bridge's
/// `check_thrml_sampler`): `transitions` are `(start, end)` state pairs, each one step of the outside
/// sampler, judged by `S.kernel-gtest` against the exact rows; `draws` are independent states (one
/// per chain), judged by `S.stationary-gtest` against π, with `settled` the exact TV distance of
/// their law from π. Either list may be empty (its check is then not applicable). Explained as in a
/// report; states are indexed as everywhere (bit i set ⇔ spin i = +1).
///
/// # Errors
///
/// As [`exact_chain`].
pub fn sampler_verdicts(
    spec: &AuditSpec,
    transitions: &[(usize, usize)],
    draws: &[usize],
    settled: Option<f64>,
) -> Result<Vec<crate::checks::Verdict>> {
    use crate::checks::sampled::{check_stationary, check_transitions};
    use crate::diagnostics::gtest::{stationary_gtest, trajectory_gtest};
    let chain = exact_chain(spec)?;
    let tol = options(spec, None).tolerances;
    let n = chain.n_states;
    let none = |id: &str, what: &str| {
        crate::checks::Verdict::new(id, &tol).reason(format!("no {what} were given"))
    };
    let mut verdicts = vec![
        if transitions.is_empty() {
            none("S.kernel-gtest", "transitions")
        } else {
            let pairs: Vec<Vec<usize>> = transitions.iter().map(|&(a, b)| vec![a, b]).collect();
            check_transitions(&trajectory_gtest(&pairs, &chain), n, &tol)
        },
        if draws.is_empty() {
            none("S.stationary-gtest", "stationary draws")
        } else {
            check_stationary(&stationary_gtest(draws, &chain.pi), n, settled, &tol)
        },
    ];
    let name = chain.description.clone();
    crate::checks::explain::explain_all(
        &mut verdicts,
        n,
        crate::checks::explain::Source::Kernel(&name),
    );
    Ok(verdicts)
}

/// The kernel a `[kernel]` or `[[kernels]]` entry describes, on `model`.
///
/// # Errors
///
/// The [`Error::Kernel`](crate::Error::Kernel) of [`build_kernel`] (unlocated).
pub fn kernel(model: Arc<dyn Model>, k: &KernelSpec) -> Result<Kernel> {
    let kernel = build_kernel(model, k.update, &k.blocks, k.scan)?;
    Ok(if k.lazy { Kernel::lazy(kernel) } else { kernel })
}
