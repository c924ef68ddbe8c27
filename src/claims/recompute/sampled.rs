//! Recompute check on sampled chains (docs/science.md §9 exp2 P1): Sokal's automatic-window τ
//! (N/ESS convention, emcee c = 5) of simulated chains against the exact τ of the same chain by the
//! Poisson route.

use serde_json::json;

use super::gibbs_kernel_and_chain;
use crate::claims::checks::Outcome;
use crate::claims::{Claim, Ledger};
use crate::diagnostics::Draws;
use crate::diagnostics::tau::{SOKAL_C, sokal_tau};
use crate::error::{Error, Result};
use crate::kernel::monte_carlo::{McPlan, run_chains};
use crate::model::{Model, Pairwise, encode, generators};
use crate::numeric::tolerance::Tolerance;
use crate::observables::Observables;
use crate::trainability::poisson;

#[derive(Clone, Debug, serde::Serialize)]
pub struct TauCase {
    pub description: String,
    pub exact_tau: f64,
    pub mc_tau: f64,
    pub rel_err: f64,
}

/// Exact τ (N/ESS, Poisson route) of the energy under random-scan Gibbs, and Sokal's τ of
/// `chains` simulated chains of the Monte Carlo runner (uniform random start, `burn_in` discarded
/// steps, then `draws` kept; chain c on stream c of `seed`).
///
/// # Errors
///
/// The errors of [`gibbs_kernel_and_chain`] and of the Poisson route; [`Error::Numerical`] when the
/// energy has no exact τ (zero variance) or Sokal's τ of the simulated chains is undefined.
pub fn tau_case(
    model: &Pairwise,
    chains: usize,
    draws: usize,
    burn_in: u64,
    seed: u64,
) -> Result<TauCase> {
    let (k, chain) = gibbs_kernel_and_chain(model)?;
    let obs = Observables::energy(model);
    let exact_tau = poisson::tau(&chain, &obs)?
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| {
            Error::Numerical(format!("exp2.p1: no exact tau on {}", chain.description))
        })?;
    let f = &obs.values[0];
    let plan = McPlan {
        chains,
        burn_in,
        draws: draws as u64,
        seed,
    };
    let series = run_chains(
        &k,
        model.n_spins(),
        plan,
        || Vec::with_capacity(draws),
        |out: &mut Vec<f64>, x| out.push(f[encode(x)]),
    );
    let d = Draws::new(chains, draws, series.concat())?;
    let mc_tau = sokal_tau(&d, SOKAL_C)
        .map_err(|e| Error::Numerical(format!("exp2.p1: Sokal tau undefined: {}", e.reason())))?
        .tau;
    Ok(TauCase {
        description: chain.description.clone(),
        exact_tau,
        mc_tau,
        rel_err: (mc_tau - exact_tau).abs() / exact_tau,
    })
}

/// The median of the relative errors against the bar (kind rel); `published` is the published median
/// and its number of cases (for the note).
pub fn tau_judge(cases: &[TauCase], tol: Tolerance, published: (f64, f64)) -> Outcome {
    let mut r: Vec<f64> = cases.iter().map(|c| c.rel_err).collect();
    r.sort_by(f64::total_cmp);
    let med = match r.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => r[n / 2],
        n => 0.5 * (r[n / 2 - 1] + r[n / 2]),
    };
    Outcome {
        pass: tol.accepts(med, 0),
        recomputed: json!({ "median_rel_err": med, "cases": cases.len(), "per_case": cases }),
        note: format!(
            "Our median |tau_MC - tau_exact| / tau_exact = {:.1} % over {} cases (published {:.1} % over \
             {}); pass iff the median <= the {} % bar.",
            100.0 * med,
            cases.len(),
            100.0 * published.0,
            published.1,
            100.0 * tol.value
        ),
    }
}

//= claim-check:exp2.p1
/// Sokal τ of simulated random-scan Gibbs chains against the exact τ on small planted RBMs.
///
/// # Errors
///
/// [`Error::Field`] for a missing or mistyped parameter, value or tolerance of the claim, and
/// the errors of the generator and of [`tau_case`].
pub fn mc_tau_vs_exact(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let hidden = c.param_usize("hidden")?;
    let patterns = c.param_usize("patterns")?;
    let chains = c.param_usize("chains")?;
    let draws = c.param_usize("draws")?;
    let burn_in = c.param_usize("burn_in")? as u64;
    let seeds = c.param_usize("seeds")? as u64;
    let mut cases = Vec::new();
    for m in c.param_usizes("visible")? {
        for b in c.param_usizes("beta_tenths")? {
            for s in 0..seeds {
                let model = generators::rbm(m, hidden, patterns, b as f64 / 10.0, s)?;
                cases.push(tau_case(&model, chains, draws, burn_in, 1000 * s + 17)?);
            }
        }
    }
    Ok(tau_judge(
        &cases,
        c.tol()?,
        (c.num("median_rel_err")?, c.num("cases")?),
    ))
}
