//! rand-style value stability: a fixed seed gives these exact trajectories, in every release. If this
//! snapshot changes, recorded numbers change: say so in the changelog and the issue.

use std::sync::Arc;

use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::kernel::{ChainRng, Law};
use mcmc_audit::model::{Model, encode, generators};
use rand::SeedableRng;

#[test]
fn kernel_trajectories_are_value_stable() {
    let mut out = String::new();
    for (scan, blocks, rule) in [
        (Scan::Random, Blocks::Sites, Rule::Gibbs),
        (Scan::Systematic, Blocks::Sites, Rule::Metropolis),
        (Scan::Symmetrized, Blocks::Bipartite, Rule::Gibbs),
    ] {
        let model: Arc<dyn Model> = Arc::new(generators::rbm(3, 3, 2, 1.3, 9).unwrap());
        let k = build_kernel(model.clone(), rule, &blocks, scan).unwrap();
        let mut rng = ChainRng::seed_from_u64(42);
        let mut x = vec![1i8; 6];
        let mut law = Law::default();
        let states: Vec<String> = (0..24)
            .map(|_| {
                k.step(&mut x, &mut rng, &mut law);
                encode(&x).to_string()
            })
            .collect();
        out += &format!("{}: {}\n", k.name(), states.join(" "));
    }
    insta::assert_snapshot!(out);
}
