//! T_O and Q_struct⊥ for all 66 pair observables of a 4096-state chain (Curie–Weiss, N = 12,
//! β = 1, random-scan single-site heat bath) from one dense eigendecomposition: the flip-blocked
//! route (two 2048² EVDs, the audit's default on symmetric chains) and the unblocked route (one
//! 4096² EVD). Chain construction is outside the timed region. Peer:
//! `benches/peers/spectral_numpy.py` computes the same with NumPy/SciPy (same chain, same formulas).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::trainability::observables::Observables;
use mcmc_audit::trainability::predictors::{cluster, q_struct_perp};
use mcmc_audit::trainability::spectral::{Projected, Spectrum};

const N: usize = 12;
const BETA: f64 = 1.0;
const EPSILON: f64 = 1e-10;
const WINDOW: u64 = 1000;

fn t_o(chain: &ExactChain, obs: &Observables, flip: Option<usize>) -> (f64, f64, usize) {
    let s = Spectrum::new(chain, flip).expect("eigendecomposition");
    let p = Projected::new(&s, &chain.pi, obs);
    let c = cluster(&s, &p, EPSILON);
    // ‖g‖² = 1: Q_struct⊥ per unit signal.
    (c.t_o, q_struct_perp(1.0, WINDOW, c.t_o), c.cluster_size)
}

fn bench(c: &mut Criterion) {
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(N, BETA).expect("model"));
    let k = build_kernel(
        m.clone(),
        Rule::Gibbs,
        &Blocks::Sites,
        Scan::Random,
        "bench",
    )
    .expect("kernel");
    let chain = ExactChain::from_kernel(m.as_ref(), &k).expect("chain");
    let obs = Observables::pairs(N);
    assert_eq!(obs.len(), 66);
    let (tb, qb, cb) = t_o(&chain, &obs, Some(N));
    let (tf, qf, cf) = t_o(&chain, &obs, None);
    eprintln!(
        "T_O blocked = {tb:.15e} (|C*| = {cb}), unblocked = {tf:.15e} (|C*| = {cf}); Q_struct_perp/|g|^2 (K = {WINDOW}) = {qb:.10e} / {qf:.10e}"
    );
    let mut g = c.benchmark_group("spectral_t_o_4096");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("flip_blocked", |b| {
        b.iter(|| black_box(t_o(&chain, &obs, Some(N))))
    });
    g.bench_function("unblocked", |b| {
        b.iter(|| black_box(t_o(&chain, &obs, None)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
