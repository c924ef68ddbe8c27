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
