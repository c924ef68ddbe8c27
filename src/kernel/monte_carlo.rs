//! The one Monte Carlo runner for exact kernels: independent chains of a [`Kernel`]'s own sampling
//! step, each on its named stream ([`super::streams`](mod@super::streams)): chain `c` uses stream `c` of the seed, starts
//! from uniform random spins drawn from that stream, takes `burn_in` steps, then `draws` steps, and
//! hands the state after every draw to the caller's accumulator. Chains run in parallel and are
//! returned in chain order, so results are bit-identical at any thread count.
//!
//! The fast engine ([`super::fast`]) runs its own vectorised sweeps on the same stream convention.

use rayon::prelude::*;

use super::streams::{random_spins, streams};
use super::{Kernel, Law};

/// The schedule of a Monte Carlo run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct McPlan {
    pub chains: usize,
    pub burn_in: u64,
    pub draws: u64,
    pub seed: u64,
}

/// Runs the chains of `plan` on `n_spins` spins; `start()` makes each chain's accumulator and
/// `visit(acc, x)` sees the state after every recorded step. Returns the accumulators in chain order.
///
/// # Examples
///
/// Visit frequencies of four chains against the exact law of the same kernel.
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::kernel::monte_carlo::{McPlan, run_chains};
/// use mcmc_audit::model::encode;
/// use mcmc_audit::prelude::*;
///
/// let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(3, 1.0)?);
/// let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
/// let plan = McPlan { chains: 4, burn_in: 100, draws: 50_000, seed: 1 };
/// let count = |c: &mut Vec<u64>, x: &[i8]| c[encode(x)] += 1;
/// let counts = run_chains(&kernel, 3, plan, || vec![0u64; 8], count);
///
/// let exact = ExactChain::from_kernel(model.as_ref(), &kernel)?;
/// let total = (plan.chains as u64 * plan.draws) as f64;
/// for s in 0..8 {
///     let freq = counts.iter().map(|c| c[s]).sum::<u64>() as f64 / total;
///     assert!((freq - exact.pi[s]).abs() < 0.01);
/// }
/// // Same plan, same streams: the same numbers.
/// assert_eq!(counts, run_chains(&kernel, 3, plan, || vec![0u64; 8], count));
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn run_chains<A, S, V>(
    kernel: &Kernel,
    n_spins: usize,
    plan: McPlan,
    start: S,
    visit: V,
) -> Vec<A>
where
    A: Send,
    S: Fn() -> A + Sync,
    V: Fn(&mut A, &[i8]) + Sync,
{
    streams(plan.seed, plan.chains)
        .into_par_iter()
        .map(|mut rng| {
            let mut x = random_spins(n_spins, &mut rng);
            let mut scratch = Law::default();
            for _ in 0..plan.burn_in {
                kernel.step(&mut x, &mut rng, &mut scratch);
            }
            let mut acc = start();
            for _ in 0..plan.draws {
                kernel.step(&mut x, &mut rng, &mut scratch);
                visit(&mut acc, &x);
            }
            acc
        })
        .collect()
}
