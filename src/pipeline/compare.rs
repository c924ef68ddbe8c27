//! `compare`: one model, several kernels (`[[kernels]]`), one table. Each kernel gets a whole exact
//! audit with the mixing stage on ([`crate::trainability::mixing`]); its row puts side by side what
//! decides between kernels: whether it is reversible (A2), its cost per step in site updates, the
//! pseudo-spectral gap (defined for every kernel) and the spectral gap (reversible ones),
//! `t_mix(1/4)`, and the exact τ of every observable per step, per sweep and per site update.
//!
//! Cost normalization. With `c` the expected site updates of one step ([`Kernel::site_updates`]) and
//! `n` spins, a step is `c / n` sweeps, so τ in sweeps is `τ_step · c / n` and in site updates
//! `τ_step · c`; `t_mix` and the relaxation time `1/γ_ps` scale the same way. A kernel that is slow per
//! step but cheap (random scan: `c = 1`) is then not penalized against a sweep (`c = n`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::audit::{AuditOptions, audit_kernel};
use super::baseline;
use crate::checks::baseline::{BaselineComparison, BaselineTolerances, compare as compare_one};
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::model::Model;
use crate::report::{AuditReport, SCHEMA_VERSION, TOOL, VERSION};
use crate::spec::{AuditSpec, ModelSpec};
use crate::trainability::mixing::{MixingSettings, QUARTER};

/// τ of one observable in the three units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TauCost {
    /// In steps of the kernel (what `audit` reports as `tau`).
    pub per_step: f64,
    /// In sweeps of n site updates: `per_step · c / n`.
    pub per_sweep: f64,
    /// In site updates: `per_step · c`.
    pub per_site_update: f64,
}

/// One kernel's row.
#[derive(Clone, Debug, Serialize)]
pub struct KernelRow {
    /// The `[[kernels]]` name, else the kernel's description.
    pub name: String,
    pub kernel: String,
    /// Status of A2 (`pass`: reversible).
    pub a2: String,
    /// Expected site updates per step, `c`.
    pub site_updates_per_step: f64,
    /// The pseudo-spectral gap γ_ps per step (every kernel), with its maximizing k.
    pub pseudo_gap: Option<f64>,
    pub pseudo_gap_k: Option<u64>,
    /// The relaxation time `c / γ_ps` in site updates.
    pub relaxation_site_updates: Option<f64>,
    /// The spectral gap γ = 1 − λ₂ per step (reversible kernels only; else `null`).
    pub spectral_gap: Option<f64>,
    /// The absolute gap `1 − |λ₂|` per step.
    pub absolute_gap: Option<f64>,
    /// `t_mix(1/4)` from the worst state, in steps and in site updates (`null`: not reached).
    pub t_mix: Option<u64>,
    pub t_mix_site_updates: Option<f64>,
    /// τ per observable, in report order.
    pub tau: BTreeMap<String, TauCost>,
    /// The observable with the largest τ (the same in every unit).
    pub slowest: Option<String>,
    /// The kernel's whole audit (what `audit` would print for it; baselines compare these).
    pub report: AuditReport,
}

/// A baseline comparison of a `compare`, kernel by kernel (matched by name).
#[derive(Clone, Debug, Serialize)]
pub struct CompareBaseline {
    pub file: String,
    /// One comparison per kernel present in both.
    pub kernels: Vec<KernelBaseline>,
    /// Kernels of the baseline absent now (each one a regression), and new kernels (none).
    pub missing: Vec<String>,
    pub added: Vec<String>,
    pub regressions: usize,
}

/// One kernel's comparison with its namesake in the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct KernelBaseline {
    pub name: String,
    #[serde(flatten)]
    pub comparison: BaselineComparison,
}

/// The whole `compare` report.
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub spec: String,
    pub command: String,
    pub model: String,
    pub model_fingerprint: String,
    pub n_spins: usize,
    pub n_states: usize,
    pub observables: Vec<String>,
    pub kernels: Vec<KernelRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<CompareBaseline>,
}

impl CompareReport {
    /// docs/cli.md: 0 when the comparison ran (A2 failing is a column, not a verdict), 1 on a
    /// regression against `--baseline`.
    pub fn exit_code(&self) -> i32 {
        match &self.baseline {
            Some(b) if b.regressions > 0 => 1,
            _ => 0,
        }
    }

    /// The row of kernel `name`.
    pub fn kernel(&self, name: &str) -> Option<&KernelRow> {
        self.kernels.iter().find(|k| k.name == name)
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// The row of one audited kernel with cost `c` on `n` spins.
fn row(name: String, report: AuditReport, c: f64, n: usize) -> KernelRow {
    let q = &report.quantities;
    let cost = |t: f64| TauCost {
        per_step: t,
        per_sweep: t * c / n as f64,
        per_site_update: t * c,
    };
    let tau: BTreeMap<String, TauCost> = q
        .get("tau")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_f64().map(|t| (k.clone(), cost(t))))
        .collect();
    let slowest = tau
        .iter()
        .max_by(|a, b| a.1.per_step.total_cmp(&b.1.per_step))
        .map(|(k, _)| k.clone());
    let a2 = report
        .verdict("A2")
        .map_or("absent".into(), |v| v.status.as_str().to_string());
    let t_mix = q
        .get("mixing_time")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|x| x["epsilon"].as_f64() == Some(QUARTER)))
        .and_then(|x| x["worst"].as_u64());
    let pseudo_gap = num(q.get("pseudo_gap"));
    KernelRow {
        name,
        kernel: report.subject.kernel.clone(),
        a2,
        site_updates_per_step: c,
        pseudo_gap,
        pseudo_gap_k: q.get("pseudo_gap_k").and_then(Value::as_u64),
        relaxation_site_updates: pseudo_gap.filter(|g| *g > 0.0).map(|g| c / g),
        spectral_gap: num(q.get("gamma")),
        absolute_gap: num(q.get("absolute_gap")),
        t_mix,
        t_mix_site_updates: t_mix.map(|t| t as f64 * c),
        tau,
        slowest,
        report,
    }
}

/// Compares kernels of one model (the library entry of `compare`): each is audited with `opts`,
/// the mixing stage forced on (`opts.mixing`, else its defaults). `kernels` pairs a row name with
/// the kernel.
///
/// # Errors
///
/// Those of [`audit_kernel`] for any kernel.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
/// use mcmc_audit::pipeline::compare::compare_kernels;
/// use mcmc_audit::pipeline::audit::{AuditOptions, SpectralSettings};
/// use mcmc_audit::prelude::*;
///
/// let model: Arc<dyn Model> = Arc::new(generators::sk(4, 1.0, 0)?);
/// let k = |scan| build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, scan);
/// let report = compare_kernels(
///     model.as_ref(),
///     &[("random".into(), k(Scan::Random)?), ("sweep".into(), k(Scan::Systematic)?)],
///     &AuditOptions { spectral: Some(SpectralSettings::default()), ..AuditOptions::default() },
/// )?;
/// let (random, sweep) = (report.kernel("random").unwrap(), report.kernel("sweep").unwrap());
/// assert_eq!((random.a2.as_str(), sweep.a2.as_str()), ("pass", "fail"));
/// assert_eq!((random.site_updates_per_step, sweep.site_updates_per_step), (1.0, 4.0));
/// assert!(random.spectral_gap.is_some() && sweep.spectral_gap.is_none());
/// // τ of the 6 pair observables, per step and per site update (× c).
/// let t = &sweep.tau["x0x1"];
/// assert_eq!(t.per_site_update, 4.0 * t.per_step);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn compare_kernels(
    model: &dyn Model,
    kernels: &[(String, Kernel)],
    opts: &AuditOptions,
) -> Result<CompareReport> {
    let mut opts = opts.clone();
    opts.mixing.get_or_insert_with(MixingSettings::default);
    let n = model.n_spins();
    let mut rows = Vec::with_capacity(kernels.len());
    let shown = crate::progress::task("compare", Some(kernels.len() as u64));
    for (name, kernel) in kernels {
        shown.message(|| name.clone());
        let report = audit_kernel(model, kernel, &opts)?;
        rows.push(row(name.clone(), report, kernel.site_updates(n), n));
        shown.inc(1);
    }
    drop(shown);
    let first = rows.first().map(|r| &r.report.subject);
    Ok(CompareReport {
        schema_version: SCHEMA_VERSION,
        tool: TOOL.into(),
        version: VERSION.into(),
        spec: opts.label.clone(),
        command: "compare".into(),
        model: model.describe(),
        model_fingerprint: first.map_or(String::new(), |s| s.model_fingerprint.clone()),
        n_spins: n,
        n_states: first.map_or(0, |s| s.n_states),
        observables: rows
            .first()
            .map(|r| r.tau.keys().cloned().collect())
            .unwrap_or_default(),
        kernels: rows,
        baseline: None,
    })
}

/// Runs the `compare` a parsed spec describes.
///
/// # Errors
///
/// [`Error::Field`] at `kernels` when the spec has no `[[kernels]]` list or a matrix model;
/// `kernels[i].…` for a kernel that cannot be built; the model and size errors of
/// [`super::run`].
pub fn run(spec: &AuditSpec, eigenvalues: Option<usize>) -> Result<CompareReport> {
    if spec.kernels.is_empty() {
        return Err(Error::field(
            &spec.file,
            "kernels",
            "compare needs a [[kernels]] list (one [[kernels]] table per kernel; docs/spec.md §4a)",
        ));
    }
    if matches!(spec.model, ModelSpec::Matrix { .. }) {
        return Err(Error::field(
            &spec.file,
            "model.family",
            "compare builds kernels of a model; a matrix is one kernel (use audit)",
        ));
    }
    let built = spec.build_model()?;
    let model: Arc<dyn Model> = Arc::new(built.pairwise().clone());
    spec.check_gradient(spec.observables.list(model.n_spins()).len())?;
    let opts = super::options(spec, eigenvalues);
    let mut kernels = Vec::with_capacity(spec.kernels.len());
    for (i, nk) in spec.kernels.iter().enumerate() {
        let kernel = super::kernel(model.clone(), &nk.kernel).map_err(|e| relocate(spec, e, i))?;
        super::budget::check_exact_kernel(&spec.file, &kernel, model.n_spins(), nk.kernel.long_run)
            .map_err(|e| match e {
                Error::Field { file, message, .. } => Error::Field {
                    file,
                    field: format!("kernels[{i}].blocks"),
                    message,
                },
                e => e,
            })?;
        let name = nk.name.clone().unwrap_or_else(|| kernel.name());
        if kernels.iter().any(|(n, _): &(String, Kernel)| *n == name) {
            return Err(Error::field(
                &spec.file,
                format!("kernels[{i}]"),
                format!("a second kernel named `{name}`: give the entries distinct `name`s"),
            ));
        }
        kernels.push((name, kernel));
    }
    compare_kernels(model.as_ref(), &kernels, &opts).map_err(|e| spec.locate(e))
}

/// A kernel error located at `kernels[i]` instead of `kernel`.
fn relocate(spec: &AuditSpec, e: Error, i: usize) -> Error {
    match spec.locate(e) {
        Error::Field {
            file,
            field,
            message,
        } if field.starts_with("kernel") => Error::Field {
            file,
            field: field.replacen("kernel", &format!("kernels[{i}]"), 1),
            message,
        },
        other => other,
    }
}

/// Reads and runs a `compare` spec, against a baseline `compare` report when one is given.
///
/// # Errors
///
/// Those of [`AuditSpec::load`], [`run`], and for the baseline of [`baseline::read`] and
/// [`baseline::check_subject`] (another model, another schema, an `audit` report).
pub fn run_spec(
    path: &Path,
    eigenvalues: Option<usize>,
    baseline_file: Option<&Path>,
) -> Result<CompareReport> {
    let spec = AuditSpec::load(path)?;
    let mut report = run(&spec, eigenvalues)?;
    if let Some(b) = baseline_file {
        report.baseline = Some(against(&report, b, &spec.baseline)?);
    }
    Ok(report)
}

/// The kernel-by-kernel baseline comparison of a `compare` report.
fn against(
    report: &CompareReport,
    path: &Path,
    tol: &BaselineTolerances,
) -> Result<CompareBaseline> {
    let before = baseline::read(path)?;
    let file = path.display().to_string();
    let Some(old) = before["kernels"].as_array() else {
        return Err(Error::field(
            &file,
            "kernels",
            "absent: not a compare report (write one with `compare --format json`)",
        ));
    };
    if before["model_fingerprint"].as_str() != Some(report.model_fingerprint.as_str()) {
        return Err(Error::field(
            &file,
            "model_fingerprint",
            format!(
                "the baseline is of another model ({} {}; this compare: {} {}): a baseline compares kernels of one model",
                before["model"].as_str().unwrap_or("?"),
                before["model_fingerprint"].as_str().unwrap_or("absent"),
                report.model,
                report.model_fingerprint
            ),
        ));
    }
    let mut kernels = Vec::new();
    let mut missing = Vec::new();
    for (i, k) in old.iter().enumerate() {
        let name = k["name"].as_str().unwrap_or("");
        match report.kernel(name) {
            None => missing.push(name.to_string()),
            Some(now) => {
                baseline::check_subject(
                    &file,
                    &format!("kernels[{i}].report."),
                    &k["report"],
                    &now.report,
                )?;
                kernels.push(KernelBaseline {
                    name: name.to_string(),
                    comparison: compare_one(&now.report, &k["report"], &file, tol),
                });
            }
        }
    }
    let added: Vec<String> = report
        .kernels
        .iter()
        .filter(|k| {
            !old.iter()
                .any(|o| o["name"].as_str() == Some(k.name.as_str()))
        })
        .map(|k| k.name.clone())
        .collect();
    let regressions = kernels
        .iter()
        .map(|k| k.comparison.regressions)
        .sum::<usize>()
        + missing.len();
    Ok(CompareBaseline {
        file,
        kernels,
        missing,
        added,
        regressions,
    })
}
