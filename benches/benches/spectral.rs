//! T_O and Q_struct⊥ for all 66 pair observables of a 4096-state chain (Curie–Weiss, N = 12,
//! β = 1, random-scan single-site heat bath) from one dense eigendecomposition: the flip-blocked
//! route (two 2048² blocks, the audit's default on symmetric chains) and the unblocked route (one
//! 4096² EVD). Chain construction is outside the timed region. Peer:
//! `benches/peers/spectral_numpy.py` computes the same with NumPy/SciPy (same chain, same formulas);
//! `benches/peers/spectral_vs_numpy.sh` interleaves the two in one run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mcmc_audit::observables::Observables;
use mcmc_audit_benches::spectral::{BETA, N, WINDOW, cw_chain, t_o};

fn bench(c: &mut Criterion) {
    let chain = cw_chain(N, BETA);
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
