//! `mcmc-audit reproduce exp1`: this project's exact-diagonalization grid for the programme's exp1
//! statistics (Q-PROGRAM.md §3, §7, §9). The grid, the signal, the burn-in rule and the tracking
//! criterion are frozen in `specs/reproduce.toml` (compiled in); per cell the table gives φ_2's
//! parity, `max_a |c_a2|`, the single-gap over-prediction `Q_single / Q_op`, `Q_op`, `Q_struct⊥`,
//! the single-relevant-gap prediction and whether each predictor tracks `Q_op`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::estimator::{Init, exact_window_stats, q_op};
use super::observables::Observables;
use super::predictors::{cluster, norm2, q_struct_perp, single_gap, single_relevant_gap};
use super::spectral::{Projected, Spectrum};
use super::{auto_burn_in, teacher_gradient, z2_overlap};
use crate::checks::Tolerances;
use crate::checks::spectral::flip_symmetry;
use crate::error::{Error, Result};
use crate::exact::ExactChain;
use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
use crate::model::{Model, Pairwise, generators};

/// The text of `specs/reproduce.toml` as compiled in.
pub const REPRODUCE_TOML: &str = include_str!("../../specs/reproduce.toml");

/// The frozen exp1 configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exp1Spec {
    pub families: Vec<String>,
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
    pub fn tracks(&self, predicted: Option<f64>, q_op: f64) -> bool {
        predicted.is_some_and(|p| {
            let r = p / q_op;
            r >= self.low && r <= self.high
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub significant_digits: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    exp1: Exp1Spec,
}

/// Parses the compiled-in `specs/reproduce.toml`.
pub fn exp1_spec() -> Result<Exp1Spec> {
    let f: File = toml::from_str(REPRODUCE_TOML)
        .map_err(|e| Error::Invalid(format!("specs/reproduce.toml: {e}")))?;
    Ok(f.exp1)
}

/// One row of the exp1 table.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub family: String,
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

/// The whole experiment in CLI.md's `reproduce` JSON shape.
#[derive(Clone, Debug, Serialize)]
pub struct Exp1Report {
    pub experiment: String,
    pub criterion: Tracking,
    pub grid: Exp1Spec,
    pub cells: Vec<Cell>,
    pub summary: Value,
}

fn family_model(spec: &Exp1Spec, fam: &str, n: usize, beta: f64) -> Result<Pairwise> {
    match fam {
        "curie-weiss" => generators::curie_weiss(n, beta),
        "sk" => generators::sk(n, beta, spec.seed),
        "hopfield" => generators::hopfield(n, spec.hopfield_patterns, beta, spec.seed),
        other => Err(Error::Invalid(format!(
            "specs/reproduce.toml: unknown family `{other}`"
        ))),
    }
}

/// Runs every cell of a (possibly reduced) exp1 grid.
pub fn run_exp1_with(spec: &Exp1Spec) -> Result<Exp1Report> {
    let tol = Tolerances::default();
    let mut cells = Vec::new();
    for fam in &spec.families {
        for &n in &spec.n {
            for &beta in &spec.beta {
                let model = Arc::new(family_model(spec, fam, n, beta)?);
                let kernel = build_kernel(
                    model.clone(),
                    Rule::Gibbs,
                    &Blocks::Sites,
                    Scan::Random,
                    "specs/reproduce.toml",
                )?;
                let chain = ExactChain::from_kernel(model.as_ref(), &kernel)?;
                let obs = Observables::pairs(n);
                let fr = flip_symmetry(&chain, n, &obs);
                let flip_ok = tol
                    .get("A9.pi")
                    .is_some_and(|t| t.accepts(fr.pi_rel, chain.n_states))
                    && tol
                        .get("A9.kernel")
                        .is_some_and(|t| t.accepts(fr.kernel_abs, chain.n_states));
                let s = Spectrum::new(&chain, flip_ok.then_some(n))?;
                let proj = Projected::new(&s, &chain.pi, &obs);
                let cl = cluster(&s, &proj, spec.epsilon);
                let gamma = 1.0 - s.sigma[1];
                let b = auto_burn_in(gamma);
                let g = teacher_gradient(
                    model.as_ref() as &dyn Model,
                    &obs,
                    &chain.pi,
                    spec.teacher_beta_factor * beta,
                )?;
                let g2 = norm2(&g);
                let stats =
                    exact_window_stats(&chain, Some(&s), &obs, &Init::Uniform, b, &spec.window)?;
                let z2 = z2_overlap(&s, &proj);
                for st in &stats {
                    let k = st.window;
                    let q = q_op(&g, st);
                    let qs = q_struct_perp(g2, k, cl.t_o);
                    let sg = single_gap(&s, &proj, g2, k);
                    let srg = single_relevant_gap(&s, &proj, &cl, g2, k);
                    cells.push(Cell {
                        family: fam.clone(),
                        n,
                        beta,
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
                        tracks_struct_perp: spec.tracking.tracks(Some(qs), q),
                        tracks_single_relevant_gap: spec.tracking.tracks(srg, q),
                    });
                }
            }
        }
    }
    let total = cells.len();
    let count = |f: &dyn Fn(&Cell) -> bool| cells.iter().filter(|c| f(c)).count();
    let summary = serde_json::json!({
        "cells": total,
        "struct_perp_tracks": count(&|c| c.tracks_struct_perp),
        "single_relevant_gap_tracks": count(&|c| c.tracks_single_relevant_gap),
        "phi2_odd": count(&|c| c.phi2_parity == "odd"),
        "phi2_overlap_at_most_1e-15": count(&|c| c.max_overlap_phi2 <= 1e-15),
        "single_gap_overprediction_at_least_1e20": count(&|c| c.single_gap_overprediction >= 1e20),
        "min_single_gap_overprediction": crate::checks::verdict::json_num(
            cells.iter().map(|c| c.single_gap_overprediction).fold(f64::INFINITY, f64::min)),
        "max_overlap_phi2": crate::checks::verdict::json_num(
            cells.iter().map(|c| c.max_overlap_phi2).fold(0.0, f64::max)),
        "published": {"struct_perp_tracks": "45/48", "single_relevant_gap_tracks": "23/48"},
    });
    Ok(Exp1Report {
        experiment: "exp1".into(),
        criterion: spec.tracking.clone(),
        grid: spec.clone(),
        cells,
        summary,
    })
}

/// Runs the frozen exp1 grid.
pub fn run_exp1() -> Result<Exp1Report> {
    run_exp1_with(&exp1_spec()?)
}

/// Runs a named experiment (`exp1`); any other name is an error (CLI exit 2).
pub fn run(experiment: &str) -> Result<Exp1Report> {
    match experiment {
        "exp1" => run_exp1(),
        other => Err(Error::Invalid(format!(
            "reproduce: unknown experiment `{other}` (available: exp1)"
        ))),
    }
}

/// `x` rounded to `digits` significant digits (non-finite unchanged).
pub fn round_sig(x: f64, digits: u32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let s = format!("{:.*e}", digits.saturating_sub(1) as usize, x);
    s.parse().unwrap_or(x)
}

/// A JSON value with every float rounded to `digits` significant digits (for snapshots).
pub fn rounded(v: &Value, digits: u32) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .map(|x| crate::checks::verdict::json_num(round_sig(x, digits)))
            .unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a.iter().map(|x| rounded(x, digits)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), rounded(x, digits)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn fmt(x: f64) -> String {
    if x == 0.0 || (x.abs() >= 1e-2 && x.abs() < 1e5) {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

/// The human-readable table.
pub fn text(r: &Exp1Report) -> String {
    let mut out = format!(
        "mcmc-audit reproduce {} — tracking: {} <= Q_pred/Q_op <= {}\n\n",
        r.experiment, r.criterion.low, r.criterion.high
    );
    out += &format!(
        "{:<12} {:>3} {:>5} {:>5} {:>10} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n",
        "FAMILY",
        "N",
        "BETA",
        "K",
        "B",
        "PHI2",
        "MAX|c_a2|",
        "OVERPRED",
        "Q_OP",
        "Q_STRUCT",
        "Q_SRG",
        "T_SP",
        "T_SRG"
    );
    for c in &r.cells {
        out += &format!(
            "{:<12} {:>3} {:>5} {:>5} {:>10} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n",
            c.family,
            c.n,
            c.beta,
            c.window,
            c.burn_in,
            c.phi2_parity,
            fmt(c.max_overlap_phi2),
            format!(
                "{}{}",
                if c.single_gap_overprediction_is_lower_bound {
                    ">"
                } else {
                    ""
                },
                fmt(c.single_gap_overprediction)
            ),
            fmt(c.q_op),
            fmt(c.q_struct_perp),
            c.q_single_relevant_gap.map_or("null".into(), fmt),
            if c.tracks_struct_perp { "yes" } else { "no" },
            if c.tracks_single_relevant_gap {
                "yes"
            } else {
                "no"
            },
        );
    }
    out += &format!(
        "\nsummary: {}\n",
        serde_json::to_string(&r.summary).unwrap_or_default()
    );
    out
}

/// JSON (pretty).
pub fn json(r: &Exp1Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}
