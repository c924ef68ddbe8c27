//! `trace` statistics on 4 chains × 1,000,000 draws × 8 variables (issue #4, "Performance"): bulk
//! and tail ESS, R-hat, MCSE of mean and sd, and τ, per variable, variables in parallel.
//! The ArviZ/emcee side of the comparison is benches/peers/trace_arviz.py (run both in one session;
//! figures in benches/README.md).

use criterion::{Criterion, criterion_group, criterion_main};
use mcmc_audit::diagnostics::calibration::ar1;
use mcmc_audit::diagnostics::{Convention, Draws};
use mcmc_audit::pipeline::trace::headline_all;

fn data() -> Vec<Draws> {
    (0..8)
        .map(|v| ar1(0.1 * v as f64 + 0.1, 4, 1_000_000, v as u64))
        .collect()
}

fn bench(c: &mut Criterion) {
    let vars = data();
    let mut g = c.benchmark_group("trace");
    g.sample_size(10);
    g.bench_function("headline_4x1e6x8", |b| {
        b.iter(|| headline_all(&vars, Convention::Posterior))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
