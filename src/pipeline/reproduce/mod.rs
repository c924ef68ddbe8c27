//! `mcmc-audit reproduce exp1|rbm1|a2a6` (a2a6 in [`a2a6`]): this project's exact-diagonalization grids for the programme's
//! tracking statistics (docs/science.md §3, §4, §7, §9): exp1 (Curie–Weiss, SK, planted Hopfield under
//! random-scan single-site Gibbs) and rbm1 (planted bipartite RBMs under reversible 2-block Gibbs).
//! The grids, the signal, the burn-in rule and the tracking criterion are frozen in
//! `specs/reproduce.toml` (compiled in); per cell the table gives φ_2's parity, `max_a |c_a2|`, the
//! single-gap over-prediction `Q_single / Q_op`, `Q_op`, `Q_struct⊥`, the single-relevant-gap
//! prediction and whether each predictor tracks `Q_op`.

pub mod a2a6;
pub mod scaling;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::checks::spectral::flip_blocking;
use crate::checks::verdict::json_num;
use crate::claims::Ledger;
use crate::error::{Error, Result};
use crate::exact::ExactChain;
use crate::exact::spectrum::Spectrum;
use crate::exact::spectrum::flip::FlipResiduals;
use crate::kernel::Kernel;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::model::generators::{self, Family};
use crate::model::{Model, Pairwise};
use crate::numeric::tolerance::{
    Direction, Kind, PHI2_SYMMETRY_ZERO, SINGLE_GAP_OVERPREDICTION_FLOOR, Tolerance,
};
use crate::observables::Observables;
use crate::trainability::estimator::{Init, auto_burn_in, exact_window_stats, q_op};
use crate::trainability::predictors::{
    cluster, norm2, q_struct_perp, single_gap, single_relevant_gap,
};
use crate::trainability::projection::Projected;
use crate::trainability::{teacher_gradient, z2_overlap};

/// The text of `specs/reproduce.toml` as compiled in.
pub const REPRODUCE_TOML: &str = include_str!("../../../specs/reproduce.toml");
/// The name errors use for the compiled-in grids.
pub const REPRODUCE_FILE: &str = "specs/reproduce.toml";

/// The frozen exp1 configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exp1Spec {
    pub families: Vec<Family>,
    pub hopfield_patterns: usize,
    pub seed: u64,
    pub n: Vec<usize>,
    pub beta: Vec<f64>,
    pub window: Vec<u64>,
    pub kernel: String,
    pub init: String,
    pub burn_in: String,
    pub observables: String,
    pub teacher_beta_factor: f64,
    pub epsilon: f64,
    pub tracking: Tracking,
    pub snapshot: Snapshot,
}

/// The frozen tracking rule: `low ≤ Q_pred / Q_op ≤ high`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    pub kind: String,
    pub low: f64,
    pub high: f64,
    pub predictors: Vec<String>,
}

impl Tracking {
    /// Whether `predicted / q_op` lies in the frozen band.
    pub fn tracks(&self, predicted: Option<f64>, q_op: f64) -> bool {
        let low = Tolerance::floor(self.low);
        let high = Tolerance::floor(self.high).with_direction(Direction::AtMost);
        predicted.is_some_and(|p| {
            let r = p / q_op;
            low.accepts(r, 1) && high.accepts(r, 1)
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub significant_digits: u32,
}

/// The frozen rbm1 configuration (planted RBMs, reversible 2-block Gibbs).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rbm1Spec {
    /// Visible = hidden units per layer (N = 2m).
    pub m: Vec<usize>,
    pub patterns: Vec<usize>,
    pub seed: u64,
    pub beta: Vec<f64>,
    pub kernels: Vec<String>,
    pub window: Vec<u64>,
    pub init: String,
    pub burn_in: String,
    pub observables: String,
    pub teacher_beta_factor: f64,
    pub epsilon: f64,
    pub tracking: Tracking,
    pub claim: BinomialRule,
    pub snapshot: Snapshot,
}

/// How the ledger judges a published tracking rate on an own grid: pass iff an exact one-sided
/// binomial test does not reject `p ≥ published_low` at level `alpha`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinomialRule {
    pub published_low: f64,
    pub alpha: f64,
    /// `claims` runs only the cells with `m ≤ max_m`.
    pub max_m: usize,
}

impl BinomialRule {
    /// `P(X ≤ tracked | Binomial(cells, published_low))` and whether it is at least `alpha`.
    pub fn judge(&self, tracked: usize, cells: usize) -> (f64, bool) {
        let p = crate::numeric::binomial_cdf(tracked, cells, self.published_low);
        (p, self.tolerance().accepts(p, cells))
    }

    /// The rule's false-alarm rate as a tolerance (a floor on the p-value).
    pub fn tolerance(&self) -> Tolerance {
        Tolerance {
            kind: Kind::Alpha,
            value: self.alpha,
            scale: None,
            direction: Direction::AtLeast,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    exp1: Exp1Spec,
    rbm1: Rbm1Spec,
    a2a6: a2a6::A2a6Spec,
    scaling: scaling::ScalingSpec,
}

fn spec_file() -> Result<File> {
    toml::from_str(REPRODUCE_TOML).map_err(|e| Error::Spec {
        path: REPRODUCE_FILE.into(),
        message: e.to_string(),
    })
}

/// Parses the compiled-in `specs/reproduce.toml` (exp1).
///
/// # Errors
///
/// [`Error::Spec`] when the compiled-in file does not parse (the crate's tests rule this out).
pub fn exp1_spec() -> Result<Exp1Spec> {
    Ok(spec_file()?.exp1)
}

/// Parses the compiled-in `specs/reproduce.toml` (rbm1).
///
/// # Errors
///
/// [`Error::Spec`] when the compiled-in file does not parse (the crate's tests rule this out).
pub fn rbm1_spec() -> Result<Rbm1Spec> {
    Ok(spec_file()?.rbm1)
}

/// One row of the exp1 table.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub family: String,
    /// Planted patterns (rbm1 only; exp1's Hopfield count is in its grid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns: Option<usize>,
    /// The kernel (rbm1 only; every exp1 cell is random-scan single-site Gibbs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    pub n: usize,
    pub beta: f64,
    pub window: u64,
    pub burn_in: u64,
    pub gamma: f64,
    pub gamma_eff: Option<f64>,
    pub cluster_size: usize,
    pub phi2_parity: String,
    pub max_overlap_phi2: f64,
    pub single_gap_overprediction: f64,
    /// Whether the over-prediction is a lower bound (every φ_2 overlap below the EVD resolution).
    pub single_gap_overprediction_is_lower_bound: bool,
    pub q_op: f64,
    pub q_struct_perp: f64,
    pub q_single_relevant_gap: Option<f64>,
    pub tracks_struct_perp: bool,
    pub tracks_single_relevant_gap: bool,
}

/// The frozen grid an experiment ran on.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Grid {
    Exp1(Exp1Spec),
    Rbm1(Rbm1Spec),
}

impl Grid {
    /// Significant digits of floats in the committed snapshots.
    pub fn significant_digits(&self) -> u32 {
        match self {
            Grid::Exp1(s) => s.snapshot.significant_digits,
            Grid::Rbm1(s) => s.snapshot.significant_digits,
        }
    }
}

/// The whole experiment in docs/cli.md's `reproduce` JSON shape.
#[derive(Clone, Debug, Serialize)]
pub struct ReproduceReport {
    pub schema_version: u32,
    pub experiment: String,
    pub criterion: Tracking,
    pub grid: Grid,
    pub cells: Vec<Cell>,
    pub summary: Value,
}

/// The exp1 report (the same shape serves every experiment).
pub type Exp1Report = ReproduceReport;

/// What labels one physical cell (a model and a kernel) and how its windows are judged.
struct CellSetup<'a> {
    family: &'a str,
    patterns: Option<usize>,
    kernel: Option<&'a str>,
    n: usize,
    beta: f64,
    epsilon: f64,
    teacher_beta_factor: f64,
    windows: &'a [u64],
    tracking: &'a Tracking,
}

/// Every window's row for one model and kernel: one exact chain, one spectrum (flip-blocked when
/// the chain is flip-symmetric), one exact window recursion serving all windows.
fn chain_cells(model: &Arc<Pairwise>, kernel: &Kernel, c: &CellSetup) -> Result<Vec<Cell>> {
    let n = c.n;
    let chain = ExactChain::from_kernel(model.as_ref(), kernel)?;
    let obs = Observables::pairs(n);
    let flip = FlipResiduals::measure(&chain);
    let s = Spectrum::new(&chain, flip_blocking(flip.as_ref(), chain.n_states))?;
    let proj = Projected::new(&s, &chain.pi, &obs);
    let cl = cluster(&s, &proj, c.epsilon);
    let gamma = 1.0 - s.sigma[1];
    let b = auto_burn_in(gamma);
    let g = teacher_gradient(
        model.as_ref() as &dyn Model,
        &obs,
        &chain.pi,
        c.teacher_beta_factor * c.beta,
    )?;
    let g2 = norm2(&g);
    let stats = exact_window_stats(&chain, Some(&s), &obs, &Init::Uniform, b, c.windows)?;
    let z2 = z2_overlap(&s, &proj);
    Ok(stats
        .iter()
        .map(|st| {
            let k = st.window;
            let q = q_op(&g, st);
            let qs = q_struct_perp(g2, k, cl.t_o);
            let sg = single_gap(&s, &proj, g2, k);
            let srg = single_relevant_gap(&s, &proj, &cl, g2, k);
            Cell {
                family: c.family.into(),
                patterns: c.patterns,
                kernel: c.kernel.map(String::from),
                n,
                beta: c.beta,
                window: k,
                burn_in: b,
                gamma,
                gamma_eff: cl.gamma_eff,
                cluster_size: cl.cluster_size,
                phi2_parity: z2.parity.map_or("none", |p| p.as_str()).into(),
                max_overlap_phi2: z2.max_overlap,
                single_gap_overprediction: sg.q / q,
                single_gap_overprediction_is_lower_bound: sg.lower_bound,
                q_op: q,
                q_struct_perp: qs,
                q_single_relevant_gap: srg,
                tracks_struct_perp: c.tracking.tracks(Some(qs), q),
                tracks_single_relevant_gap: c.tracking.tracks(srg, q),
            }
        })
        .collect())
}

/// The summary counts shared by every experiment, with the published figures beside them.
fn summary(cells: &[Cell], published: Value) -> Value {
    let count = |f: &dyn Fn(&Cell) -> bool| cells.iter().filter(|c| f(c)).count();
    serde_json::json!({
        "cells": cells.len(),
        "struct_perp_tracks": count(&|c| c.tracks_struct_perp),
        "single_relevant_gap_tracks": count(&|c| c.tracks_single_relevant_gap),
        "phi2_odd": count(&|c| c.phi2_parity == "odd"),
        "phi2_overlap_at_most_1e-15": count(&|c| PHI2_SYMMETRY_ZERO.accepts(c.max_overlap_phi2, 1)),
        "single_gap_overprediction_at_least_1e20":
            count(&|c| SINGLE_GAP_OVERPREDICTION_FLOOR.accepts(c.single_gap_overprediction, 1)),
        "min_single_gap_overprediction": json_num(
            cells.iter().map(|c| c.single_gap_overprediction).fold(f64::INFINITY, f64::min)),
        "max_overlap_phi2": json_num(
            cells.iter().map(|c| c.max_overlap_phi2).fold(0.0, f64::max)),
        "published": published,
    })
}

/// Runs every cell of a (possibly reduced) exp1 grid.
///
/// # Errors
///
/// Each cell's model
/// and engine errors ([`Error::Model`], [`Error::TooLarge`] above 13 spins or for windows beyond
/// the exact recursion, [`Error::Numerical`]); and the errors of reading the published counts from
/// the compiled-in ledger.
pub fn run_exp1_with(spec: &Exp1Spec) -> Result<ReproduceReport> {
    let mut cells = Vec::new();
    let total = spec.families.len() * spec.n.len() * spec.beta.len();
    let task = crate::progress::task("reproduce exp1", Some(total as u64));
    for fam in &spec.families {
        for &n in &spec.n {
            for &beta in &spec.beta {
                task.message(|| format!("{} N = {n}, beta = {beta}", fam.name()));
                let model = Arc::new(fam.build(n, beta, spec.hopfield_patterns, spec.seed)?);
                let kernel =
                    build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
                let setup = CellSetup {
                    family: fam.name(),
                    patterns: None,
                    kernel: None,
                    n,
                    beta,
                    epsilon: spec.epsilon,
                    teacher_beta_factor: spec.teacher_beta_factor,
                    windows: &spec.window,
                    tracking: &spec.tracking,
                };
                cells.extend(chain_cells(&model, &kernel, &setup)?);
                task.inc(1);
            }
        }
    }
    drop(task);
    let ledger = Ledger::builtin()?;
    let counts = |id: &str| -> Result<Value> {
        let c = ledger.get(id)?;
        Ok(format!("{}/{}", c.num("tracked")?, c.num("cells")?).into())
    };
    let summary = summary(
        &cells,
        serde_json::json!({
            "struct_perp_tracks": counts("exact.qstruct-perp-tracks")?,
            "single_relevant_gap_tracks": counts("exact.single-relevant-gap-tracks")?,
        }),
    );
    Ok(ReproduceReport {
        schema_version: crate::report::SCHEMA_VERSION,
        experiment: "exp1".into(),
        criterion: spec.tracking.clone(),
        grid: Grid::Exp1(spec.clone()),
        cells,
        summary,
    })
}

/// The scan of an rbm1 kernel name (both are reversible 2-block Gibbs).
fn rbm1_scan(name: &str) -> Result<Scan> {
    match name {
        "random-scan 2-block Gibbs" => Ok(Scan::Random),
        "symmetrized 2-block sweep" => Ok(Scan::Symmetrized),
        other => Err(Error::field(
            REPRODUCE_FILE,
            "rbm1.kernels",
            format!("unknown kernel `{other}`"),
        )),
    }
}

/// Runs every cell of a (possibly reduced) rbm1 grid.
///
/// # Errors
///
/// [`Error::Field`] for an unknown kernel name; each cell's model and engine errors
/// ([`Error::Model`], [`Error::TooLarge`] above 13 spins or for windows beyond the exact recursion,
/// [`Error::Numerical`]); and the errors of reading the published rate from the compiled-in ledger.
pub fn run_rbm1_with(spec: &Rbm1Spec) -> Result<ReproduceReport> {
    let mut cells = Vec::new();
    let total = spec.m.len() * spec.patterns.len() * spec.beta.len() * spec.kernels.len();
    let task = crate::progress::task("reproduce rbm1", Some(total as u64));
    for &m in &spec.m {
        for &patterns in &spec.patterns {
            for &beta in &spec.beta {
                let model = Arc::new(generators::rbm(m, m, patterns, beta, spec.seed)?);
                // The two physical layers, not a colouring found by search (a unit whose weights
                // all cancel would be isolated, and any colouring would then be arbitrary).
                let layers = Blocks::Explicit(vec![(0..m).collect(), (m..2 * m).collect()]);
                for kname in &spec.kernels {
                    task.message(|| {
                        format!("{m}+{m} units, {patterns} patterns, beta = {beta}, {kname}")
                    });
                    let kernel =
                        build_kernel(model.clone(), Rule::Gibbs, &layers, rbm1_scan(kname)?)?;
                    let setup = CellSetup {
                        family: "rbm",
                        patterns: Some(patterns),
                        kernel: Some(kname),
                        n: 2 * m,
                        beta,
                        epsilon: spec.epsilon,
                        teacher_beta_factor: spec.teacher_beta_factor,
                        windows: &spec.window,
                        tracking: &spec.tracking,
                    };
                    cells.extend(chain_cells(&model, &kernel, &setup)?);
                    task.inc(1);
                }
            }
        }
    }
    drop(task);
    let rate = Ledger::builtin()?.get("rbm.qstruct-perp-tracks")?.clone();
    let summary = summary(
        &cells,
        // The same keys as exp1 (docs/cli.md's `reproduce` shape); no single-gap figure was published
        // for RBMs.
        serde_json::json!({
            "struct_perp_tracks": format!(
                "{}-{} % of RBM cases",
                rate.num("low_percent")?,
                rate.num("high_percent")?
            ),
            "single_relevant_gap_tracks": null,
        }),
    );
    Ok(ReproduceReport {
        schema_version: crate::report::SCHEMA_VERSION,
        experiment: "rbm1".into(),
        criterion: spec.tracking.clone(),
        grid: Grid::Rbm1(spec.clone()),
        cells,
        summary,
    })
}

/// Runs the frozen rbm1 grid.
///
/// # Errors
///
/// As [`rbm1_spec`] and [`run_rbm1_with`].
pub fn run_rbm1() -> Result<ReproduceReport> {
    run_rbm1_with(&rbm1_spec()?)
}

/// Runs the frozen exp1 grid.
///
/// # Errors
///
/// As [`exp1_spec`] and [`run_exp1_with`].
pub fn run_exp1() -> Result<ReproduceReport> {
    run_exp1_with(&exp1_spec()?)
}

/// A finished experiment: a tracking table (exp1, rbm1) or the A2 ↔ A6 comparison (a2a6).
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Reproduction {
    Tracking(ReproduceReport),
    A2a6(a2a6::A2a6Report),
    Scaling(scaling::ScalingReport),
}

/// Runs a named experiment (`exp1`, `rbm1`, `a2a6`, `scaling`); any other name is an error (CLI exit 2).
///
/// # Errors
///
/// [`Error::Field`] for an unknown experiment, and the errors of [`run_exp1`], [`run_rbm1`] or
/// [`a2a6::run_a2a6`] or [`scaling::run_scaling`].
pub fn run(experiment: &str) -> Result<Reproduction> {
    match experiment {
        "exp1" => run_exp1().map(Reproduction::Tracking),
        "rbm1" => run_rbm1().map(Reproduction::Tracking),
        "a2a6" => a2a6::run_a2a6().map(Reproduction::A2a6),
        "scaling" => scaling::run_scaling().map(Reproduction::Scaling),
        other => Err(Error::field(
            "command line",
            "EXPERIMENT",
            format!("unknown experiment `{other}` (available: exp1, rbm1, a2a6, scaling)"),
        )),
    }
}
