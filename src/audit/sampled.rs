//! Sampled audits (`[sampling]` in the audit spec): spec → pairwise model (any family; `torus` for the
//! DTM-like 3600-spin graph) → the fast block heat-bath engine → per-chain observable trajectories →
//! checks: exact local detailed balance and conditionals without Z (`L.*`), the doubling-stability probe
//! (`E.doubling`), the window rule (`A6.sampled`), the burn-in flag (`E.burn-in`), and `A1`.
//!
//! The doubling probe runs per observable over the prefixes `L, 2L, … ≤ sweeps` of every chain, τ by
//! Sokal's automatic window (c = 5, N/ESS convention, autocorrelations averaged over chains). The
//! reported verdict is the slowest observable's: unresolved if any observable is unresolved.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{AuditOptions, AuditReport, Subject};
use crate::checks::verdict::json_num;
use crate::checks::{Summary, exact::check_fixed_parameters, local};
use crate::error::{Error, Result};
use crate::kernel::Update;
use crate::kernel::build::{Blocks, Rule};
use crate::kernel::fast::{
    FastBlock, FastGibbs, FastSite, Observable, SampledRun, sample_trajectories, torus_observables,
};
use crate::model::torus::{Torus, TorusParams};
use crate::model::{Model, Pairwise, graph};
use crate::sampled::doubling::{
    Doubling, check_burn_in, check_doubling, check_window, doubling_probe,
};
use crate::sampled::mixing::{check_mixing, mixing_rhat};
use crate::sampled::{Convention, Draws};
use crate::spec::audit::AuditSpec;

/// Sampled (state, update) pairs drawn by the local checks of an audit: single-site moves are cheap;
/// a whole-block move of a 3600-spin torus touches ~900 sites, so fewer of them are drawn (the
/// ≥ 1e6-pair site-level run of issue #6 is `tests/large_local.rs`).
pub const LOCAL_SITE_PAIRS: usize = 100_000;
/// See [`LOCAL_SITE_PAIRS`].
pub const LOCAL_BLOCK_PAIRS: usize = 2_000;

/// Runs the sampled audit a spec with `[sampling]` describes.
pub fn run(spec: &AuditSpec, path: &Path, opts: &AuditOptions) -> Result<AuditReport> {
    let file = path.display().to_string();
    let sampling = spec
        .sampling
        .as_ref()
        .ok_or_else(|| Error::field(&file, "sampling", "is required"))?;
    let m = &spec.model;
    let (model, torus): (Pairwise, Option<Torus>) = if m.family == "torus" {
        let t = Torus::new(TorusParams {
            side: m.side.unwrap_or(60),
            degree: m.degree.unwrap_or(12),
            coupling: m.coupling.unwrap_or(0.5),
            patterns: m.patterns.unwrap_or(0),
            beta: m.beta.unwrap_or(1.0),
            seed: m.seed.unwrap_or(0),
        })
        .map_err(|e| Error::field(&file, "model", e.to_string()))?;
        (t.model.clone(), Some(t))
    } else if m.family == "matrix" {
        return Err(Error::field(
            &file,
            "sampling",
            "a matrix is audited exactly; [sampling] needs a model",
        ));
    } else {
        (super::build_model(spec, &file)?, None)
    };
    let (rule, blocks, scan) = super::kernel_choice(&spec.kernel.clone().unwrap_or_default());
    if rule != Rule::Gibbs {
        return Err(Error::field(
            &file,
            "kernel.update",
            "sampled audits run the heat-bath engine: use update = \"gibbs\"",
        ));
    }
    let engine = match &blocks {
        Blocks::Sites => FastGibbs::single_site(&model, scan)?,
        other => {
            let b = match (other, &torus) {
                (Blocks::Coloring, Some(t)) => t.blocks4(),
                (Blocks::Bipartite, Some(t)) => t.bipartition(),
                (Blocks::Coloring, None) => graph::greedy_coloring(&model),
                _ => crate::kernel::build::resolve_blocks(&model, other, &file)?,
            };
            if let Some(k) = b.iter().position(|blk| !graph::is_independent(&model, blk)) {
                return Err(Error::field(
                    &file,
                    format!("kernel.blocks[{k}]"),
                    "the fast engine needs blocks without internal edges",
                ));
            }
            FastGibbs::new(&model, b, scan)?
        }
    };
    let engine = Arc::new(engine);
    let run = SampledRun::from_spec(sampling, &file)?;
    let obs: Vec<Observable> = match &torus {
        Some(t) => torus_observables(t),
        None => {
            let mut o = vec![Observable::Magnetization, Observable::Energy];
            o.extend(
                model
                    .edges()
                    .iter()
                    .take(3)
                    .map(|&(i, j, _)| Observable::Pair(i, j)),
            );
            o
        }
    };
    let f0 = model.fingerprint();
    let site_level = matches!(blocks, Blocks::Sites);
    let updates: Vec<Arc<dyn Update>> = if site_level {
        (0..model.n_spins())
            .map(|site| {
                Arc::new(FastSite {
                    engine: engine.clone(),
                    site,
                }) as Arc<dyn Update>
            })
            .collect()
    } else {
        (0..engine.n_blocks())
            .map(|block| {
                Arc::new(FastBlock {
                    engine: engine.clone(),
                    block,
                }) as Arc<dyn Update>
            })
            .collect()
    };
    let (mut verdicts, _) = local::run_local(
        &model,
        &updates,
        if site_level {
            LOCAL_SITE_PAIRS
        } else {
            LOCAL_BLOCK_PAIRS
        },
        opts.seed,
        &opts.tolerances,
    )?;
    let f1 = model.fingerprint();
    let traj = sample_trajectories(&engine, &obs, &run)?;
    let f2 = model.fingerprint();

    let threshold = opts
        .tolerances
        .get("E.doubling")
        .map(|t| t.value)
        .unwrap_or(0.15);
    let draws: Vec<(String, Draws)> = traj
        .names
        .iter()
        .enumerate()
        .map(|(v, name)| {
            let data = (0..traj.n_chains)
                .flat_map(|c| traj.series(c, v, traj.n_draws))
                .collect();
            Ok((name.clone(), Draws::new(traj.n_chains, traj.n_draws, data)?))
        })
        .collect::<Result<_>>()?;
    let probes: Vec<(String, Doubling)> = draws
        .iter()
        .map(|(name, d)| (name.clone(), doubling_probe(d, &traj.lengths, threshold)))
        .collect();
    let rhats: Vec<(String, crate::sampled::Stat)> = draws
        .iter()
        .map(|(name, d)| (name.clone(), mixing_rhat(d, Convention::Posterior)))
        .collect();
    // The slowest observable: an unresolved one with the largest final τ/L, else the largest τ.
    let final_tau = |d: &Doubling| {
        d.tau_by_length
            .last()
            .and_then(|s| s.tau)
            .unwrap_or(f64::INFINITY)
    };
    let worst = probes
        .iter()
        .max_by(|a, b| {
            (a.1.tau.is_none(), final_tau(&a.1))
                .partial_cmp(&(b.1.tau.is_none(), final_tau(&b.1)))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .ok_or_else(|| Error::Invalid("sampling: no observables".into()))?;
    let unresolved: Vec<&str> = probes
        .iter()
        .filter(|p| p.1.tau.is_none())
        .map(|p| p.0.as_str())
        .collect();
    verdicts.push(
        check_doubling(&worst.0, &worst.1, &opts.tolerances)
            .detail("unresolved_variables", unresolved.clone()),
    );
    verdicts.push(check_window(
        &worst.0,
        &worst.1,
        traj.n_draws,
        &opts.tolerances,
    ));
    verdicts.push(check_burn_in(
        &worst.0,
        &worst.1,
        usize::try_from(traj.burn_in).ok(),
        &opts.tolerances,
    ));
    verdicts.push(check_mixing(&rhats, &opts.tolerances));
    verdicts.insert(0, check_fixed_parameters(f0, &[f1, f2]));
    verdicts.extend(super::undefined_verdicts());
    let verdicts = super::select(verdicts, &opts.only);

    let mut q = Map::new();
    let by_length: Vec<Value> = traj
        .lengths
        .iter()
        .enumerate()
        .map(|(k, &l)| {
            // τ_max over the observables whose τ is defined at this length (a constant or frozen
            // observable has none); the undefined ones are listed.
            let mut max = f64::NAN;
            let mut undefined = Vec::new();
            for (name, d) in &probes {
                match d.tau_by_length.get(k).and_then(|s| s.tau) {
                    Some(t) => max = if max.is_nan() { t } else { max.max(t) },
                    None => undefined.push(name.clone()),
                }
            }
            serde_json::json!({ "length": l, "tau": json_num(max), "tau_over_length": json_num(max / l as f64), "undefined_variables": undefined })
        })
        .collect();
    q.insert("tau_by_length".into(), by_length.into());
    let mut taus = Map::new();
    for (name, d) in &probes {
        taus.insert(name.clone(), json_num(final_tau(d)));
    }
    q.insert("tau".into(), taus.into());
    q.insert("tau_convention".into(), "N/ESS".into());
    q.insert(
        "updates_per_second".into(),
        json_num(traj.updates_per_second),
    );
    q.insert("chains".into(), traj.n_chains.into());
    q.insert("sweeps".into(), traj.n_draws.into());
    q.insert("burn_in".into(), traj.burn_in.into());
    Ok(AuditReport {
        tool: "mcmc-audit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        spec: file,
        subject: Subject {
            kind: "sampled".into(),
            n_states: 0,
            model: model.describe(),
            kernel: traj.kernel.clone(),
        },
        summary: Summary::of(&verdicts),
        quantities: q,
        verdicts,
    })
}
