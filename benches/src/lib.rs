//! Fixtures shared by the criterion benches and the timing examples (one definition of each
//! benchmarked computation, so a criterion figure and a peer-interleaved figure time the same code).

use std::sync::Arc;

use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::spectrum::Spectrum;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::observables::Observables;
use mcmc_audit::trainability::predictors::{cluster, q_struct_perp};
use mcmc_audit::trainability::projection::Projected;

/// The issue #3 benchmark: Curie–Weiss N = 12 (4096 states), β = 1, ε = 1e-10, K = 1000.
pub mod spectral {
    use super::*;

    pub const N: usize = 12;
    pub const BETA: f64 = 1.0;
    pub const EPSILON: f64 = 1e-10;
    pub const WINDOW: u64 = 1000;

    /// Random-scan single-site heat bath on Curie–Weiss (N, β) and its exact chain.
    pub fn cw_chain(n: usize, beta: f64) -> ExactChain {
        let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(n, beta).expect("model"));
        let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).expect("kernel");
        ExactChain::from_kernel(m.as_ref(), &k).expect("chain")
    }

    /// T_O, Q_struct⊥ per unit signal (‖g‖² = 1) and |C*| for the pair observables, from one
    /// decomposition (`flip = Some(N)`: flip-blocked; `None`: one full EVD).
    pub fn t_o(chain: &ExactChain, obs: &Observables, flip: Option<usize>) -> (f64, f64, usize) {
        let s = Spectrum::new(chain, flip).expect("eigendecomposition");
        let p = Projected::new(&s, &chain.pi, obs);
        let c = cluster(&s, &p, EPSILON);
        (c.t_o, q_struct_perp(1.0, WINDOW, c.t_o), c.cluster_size)
    }
}
