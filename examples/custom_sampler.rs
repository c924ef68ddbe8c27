//! A sampler crate gating its own update rule with mcmc-audit.
//!
//! `MyMetropolis` is "someone else's" single-site Metropolis update: it states its exact law (used to
//! build the exact operator) and keeps its own hand-written fast `sample`. In the sampler crate's own
//! test suite one line — `mcmc_audit::gate::assert_kernel_passes(&model, &kernel)` — fails the build
//! when the rule stops being reversible, π-invariant, ergodic, or when the fast path drifts from the law.
//! The rule is *lazy* (it proposes a flip with probability ½): plain single-site Metropolis has negative
//! eigenvalues, which A3 (non-negative spectrum) rejects — the gate said so on the first try.
//! The broken variant forgets the factor 2 in `ΔE = 2 x_i h_i`, so it samples the wrong temperature.
//!
//! Run: `cargo run --example custom_sampler`

use std::sync::Arc;

use mcmc_audit::gate::{check_kernel, failures};
use mcmc_audit::kernel::{Kernel, Law, Update};
use mcmc_audit::model::{Model, Pairwise, generators};
use mcmc_audit::numeric::unit_f64;
use rand::Rng;

/// Lazy single-site Metropolis flip with an optional bug: `delta_factor` should be 2.
pub struct MyMetropolis {
    pub model: Arc<Pairwise>,
    pub site: usize,
    pub delta_factor: f64,
}

impl MyMetropolis {
    fn accept(&self, x: &[i8]) -> f64 {
        let de = self.delta_factor * f64::from(x[self.site]) * self.model.local_field(x, self.site);
        0.5 * (-self.model.beta() * de).exp().min(1.0)
    }
}

impl Update for MyMetropolis {
    fn name(&self) -> String {
        format!("my-metropolis[{}]", self.site)
    }
    /// The exact law: flip with probability `acc`, stay otherwise.
    fn law(&self, x: &[i8], law: &mut Law) {
        let acc = self.accept(x);
        if x[self.site] < 0 {
            law.push_site(self.site, acc, 1.0 - acc)
        } else {
            law.push_site(self.site, 1.0 - acc, acc)
        }
    }
    /// The sampler's own fast path.
    fn sample(&self, x: &mut [i8], rng: &mut dyn Rng, _: &mut Law) {
        if unit_f64(rng.next_u64()) < self.accept(x) {
            x[self.site] = -x[self.site];
        }
    }
}

/// The sampler's kernel: random-scan over sites.
pub fn my_kernel(model: &Arc<Pairwise>, delta_factor: f64) -> Kernel {
    let parts = (0..model.n_spins())
        .map(|site| {
            Kernel::update(MyMetropolis {
                model: model.clone(),
                site,
                delta_factor,
            })
        })
        .collect();
    Kernel::random_scan(
        if delta_factor == 2.0 {
            "my-metropolis"
        } else {
            "my-metropolis-broken"
        },
        parts,
    )
}

/// A small frustrated test instance (with fields, so no symmetry hides anything).
pub fn test_model() -> Arc<Pairwise> {
    let sk = generators::sk(6, 0.8, 11).expect("valid model");
    let fields = vec![0.3, -0.2, 0.1, 0.0, -0.4, 0.25];
    Arc::new(Pairwise::new("sk+fields", 6, 0.8, sk.edges(), Some(fields)).expect("valid model"))
}

#[allow(dead_code)]
fn main() {
    let model = test_model();
    for factor in [2.0, 1.0] {
        let kernel = my_kernel(&model, factor);
        let report = check_kernel(model.as_ref(), &kernel).expect("small model");
        let f = failures(&report);
        if f.is_empty() {
            println!("{}: gate open (all required checks pass)", kernel.name());
        } else {
            println!("{}: gate CLOSED\n  {}", kernel.name(), f.join("\n  "));
        }
    }
}
