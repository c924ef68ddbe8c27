//! Sampled audits (`[sampling]` in the audit spec): spec → pairwise model (any family; `torus` for
//! the DTM-like 3600-spin graph) → the fast block heat-bath engine → exact local residuals and
//! per-chain observable trajectories → checks: `L.*` (no partition function needed), the doubling
//! probe (`E.doubling`), the window rule (`A6.sampled`), the burn-in flag (`E.burn-in`), between-chain
//! agreement (`E.mixing`), and A1.
//!
//! The doubling probe runs per observable over the prefixes `L, 2L, … ≤ sweeps` of every chain, τ by
//! Sokal's automatic window (c = 5, N/ESS convention, autocorrelations averaged over chains). The
//! reported verdict is the slowest observable's: unresolved if any observable is unresolved.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::audit::AuditOptions;
use crate::checks::exact::check_fixed_parameters;
use crate::checks::sampled::{
    check_burn_in, check_doubling, check_mixing, check_window, doubling_rule,
};
use crate::checks::verdict::json_num;
use crate::diagnostics::doubling::{Doubling, doubling_probe};
use crate::diagnostics::mixing::mixing_rhat;
use crate::diagnostics::{Convention, Draws, Stat};
use crate::error::{KernelError, Result, ShapeError};
use crate::exact::local::local_residuals;
use crate::kernel::Update;
use crate::kernel::build::{Blocks, Rule, resolve_blocks};
use crate::kernel::fast::{FastGibbs, sample_trajectories};
use crate::model::{Fingerprint, Model};
use crate::observables::sampled_defaults;
use crate::report::{AuditReport, Subject, hex};
use crate::spec::{AuditSpec, BuiltModel, ModelSpec};

/// Sampled (state, update) pairs drawn by the local checks of an audit: single-site moves are cheap;
/// a whole-block move of a 3600-spin torus touches ~900 sites, so fewer of them are drawn (the
/// ≥ 1e6-pair site-level run of issue #6 is `tests/large_local.rs`).
pub const LOCAL_SITE_PAIRS: usize = 100_000;
/// See [`LOCAL_SITE_PAIRS`].
pub const LOCAL_BLOCK_PAIRS: usize = 2_000;

/// Runs the sampled audit a spec with `[sampling]` describes.
///
/// # Errors
///
/// [`Error::Mismatch`](crate::Error::Mismatch) when the spec has no `[sampling]`; otherwise
/// [`Error::Field`](crate::Error::Field) at the spec key: the model's errors
/// ([`AuditSpec::build_model`]), `kernel.update` unless it is `gibbs`, `kernel.blocks` for blocks
/// that are not a partition or have an internal edge (the heat-bath engine needs independent
/// blocks), and invalid `[sampling]` settings.
pub fn run(spec: &AuditSpec, opts: &AuditOptions) -> Result<AuditReport> {
    let tol = &opts.tolerances;
    let locate = |e| spec.locate(e);
    let run = spec
        .sampling
        .as_ref()
        .ok_or(ShapeError::Empty("[sampling]"))?;
    // A torus is sized from its spec before it is built (building a 2048² torus alone takes
    // seconds and gigabytes); at least one observable is recorded.
    if let ModelSpec::Torus(p) = &spec.model {
        let n = p.side.saturating_mul(p.side);
        super::budget::check_sampled(&spec.file, run, n, 1, spec.long_run)?;
    }
    let built = spec.build_model()?;
    let model = built.pairwise();
    let torus = match &built {
        BuiltModel::Torus(t) => Some(t),
        BuiltModel::Pairwise(_) => None,
    };
    if spec.kernel.update != Rule::Gibbs {
        return Err(locate(KernelError::EngineNeedsGibbs.into()));
    }
    let scan = spec.kernel.scan;
    let site_level = matches!(spec.kernel.blocks, Blocks::Sites);
    let engine = match (&spec.kernel.blocks, torus) {
        (Blocks::Sites, _) => FastGibbs::single_site(model, scan),
        // The torus knows its own 4-colouring and bipartition.
        (Blocks::Coloring, Some(t)) => FastGibbs::new(model, t.blocks4(), scan),
        (Blocks::Bipartite, Some(t)) => FastGibbs::new(model, t.bipartition(), scan),
        (other, _) => resolve_blocks(model, other).and_then(|b| FastGibbs::new(model, b, scan)),
    }
    .map_err(locate)?;
    let engine = Arc::new(engine);
    let patterns = torus.map_or(&[][..], |t| &t.patterns[..]);
    let obs = sampled_defaults(model.edges(), patterns);
    super::budget::check_sampled(&spec.file, run, model.n_spins(), obs.len(), spec.long_run)?;
    let f0 = model.fingerprint();
    let updates: Vec<Arc<dyn Update>> = if site_level {
        engine.site_updates()
    } else {
        engine.block_updates()
    };
    let pairs = if site_level {
        LOCAL_SITE_PAIRS
    } else {
        LOCAL_BLOCK_PAIRS
    };
    let thresholds = crate::checks::local::thresholds(tol);
    let residuals = local_residuals(model, &updates, pairs, opts.seed, thresholds)?;
    let mut verdicts = crate::checks::local::judge(&residuals, tol);
    let f1 = model.fingerprint();
    let traj = sample_trajectories(&engine, &obs, run).map_err(locate)?;
    let f2 = model.fingerprint();

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
    let rule = doubling_rule(tol);
    let probes: Vec<(String, Doubling)> = draws
        .iter()
        .map(|(name, d)| (name.clone(), doubling_probe(d, &traj.lengths, &rule)))
        .collect();
    let rhats: Vec<(String, Stat)> = draws
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
        .ok_or(ShapeError::Empty("sampled observables"))?;
    let unresolved: Vec<&str> = probes
        .iter()
        .filter(|p| p.1.tau.is_none())
        .map(|p| p.0.as_str())
        .collect();
    verdicts.push(
        check_doubling(&worst.0, &worst.1, tol).detail("unresolved_variables", unresolved.clone()),
    );
    verdicts.push(check_window(&worst.0, &worst.1, traj.n_draws, tol));
    verdicts.push(check_burn_in(
        &worst.0,
        &worst.1,
        usize::try_from(traj.burn_in).ok(),
        tol,
    ));
    verdicts.push(check_mixing(&rhats, traj.n_chains, tol));
    verdicts.insert(0, check_fixed_parameters(f0, &[f1, f2], tol));

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
    let mut kf = Fingerprint::default();
    traj.kernel.bytes().for_each(|b| kf.word(u64::from(b)));
    for block in engine.blocks() {
        kf.word(block.len() as u64);
        block.iter().for_each(|&i| kf.word(u64::from(i)));
    }
    let subject = Subject {
        kind: "sampled".into(),
        n_states: 0,
        model: model.describe(),
        kernel: traj.kernel.clone(),
        model_fingerprint: hex(f0),
        kernel_fingerprint: hex(kf.finish()),
    };
    let mut report = opts.report(subject, verdicts, q);
    if opts.figures {
        let list: Vec<(&str, &Draws, &Doubling, Option<f64>)> = draws
            .iter()
            .zip(&probes)
            .zip(&rhats)
            .map(|(((name, d), (_, p)), (_, r))| (name.as_str(), d, p, r.as_ref().ok().copied()))
            .collect();
        report.figures = Some(crate::report::figures::Figures {
            estimator: None,
            variables: crate::pipeline::figures::variables(&list),
        });
    }
    Ok(report)
}
