//! Issue #2 benchmark: a full exact audit (build P from the kernel, every exact check, the full
//! spectrum, the step-consistency G-test) of random-scan Gibbs on Curie–Weiss N = 12 (4096 states).
//! Peer figure: `benches/peers/audit_vs_numpy.sh` (NumPy `eigh` on the same symmetrized matrix).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::pipeline::audit::{AuditOptions, audit_kernel};

fn full_audit(c: &mut Criterion) {
    let mut g = c.benchmark_group("exact-audit");
    g.sample_size(10);
    for n in [10usize, 12] {
        let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(n, 1.0).expect("model"));
        let k =
            build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).expect("kernel");
        g.bench_function(format!("curie-weiss-n{n}"), |b| {
            b.iter(|| audit_kernel(model.as_ref(), &k, &AuditOptions::default()).expect("audit"))
        });
    }
    g.finish();
}

criterion_group!(benches, full_audit);
criterion_main!(benches);
