//! Block heat bath on the DTM-like 60×60 degree-12 torus (3600 spins): spin updates per second of
//! the fast engine, many chains over all cores and one chain on one core.
//! Run: `cd benches && cargo bench --bench gibbs`; the NumPy peer: `python3 peers/gibbs_numpy.py`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mcmc_audit::kernel::build::Scan;
use mcmc_audit::kernel::fast::{Chains, FastGibbs, Init};
use mcmc_audit::model::torus::{Torus, TorusParams};

fn bench(c: &mut Criterion) {
    let t = Torus::new(TorusParams {
        beta: 0.5,
        ..Default::default()
    })
    .expect("torus");
    let n = t.n_spins();
    let mut g = c.benchmark_group("gibbs-torus-60x60-deg12");
    g.sample_size(20);
    for (name, scan) in [
        ("4-block symmetrized", Scan::Symmetrized),
        ("4-block systematic", Scan::Systematic),
    ] {
        let e = FastGibbs::new(&t.model, t.blocks4(), scan).expect("engine");
        let (chains, sweeps) = (8usize, 20u64);
        let mut ch = Chains::new(n, chains, 1, &Init::Uniform).expect("chains");
        g.throughput(Throughput::Elements((chains * n) as u64 * sweeps));
        g.bench_function(format!("{name}, {chains} chains (all cores)"), |b| {
            b.iter(|| ch.run(black_box(&e), sweeps, 1.0))
        });
    }
    let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized).expect("engine");
    let mut ch = Chains::new(n, 1, 1, &Init::Uniform).expect("chains");
    let mut rng = ch.rngs[0].clone();
    g.throughput(Throughput::Elements(n as u64 * 20));
    g.bench_function("4-block symmetrized, 1 chain (1 core)", |b| {
        b.iter(|| {
            for _ in 0..20 {
                e.sweep(black_box(&mut ch.states), &mut rng, 1.0);
            }
        })
    });
    let s = FastGibbs::single_site(&t.model, Scan::Random).expect("engine");
    let mut ch = Chains::new(n, 8, 1, &Init::Uniform).expect("chains");
    g.throughput(Throughput::Elements((8 * n) as u64 * 20));
    g.bench_function("single-site random scan, 8 chains (all cores)", |b| {
        b.iter(|| ch.run(black_box(&s), 20, 1.0))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
