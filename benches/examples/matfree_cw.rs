//! The matrix-free exact backend on Curie–Weiss, random-scan heat bath (issue 13 Performance):
//! time per product with S, then σ₂ and σ_min (Lanczos) and exact τ of the magnetization, the
//! energy and 10 pair observables (Poisson equation by CG), each with its residual bound.
//!
//! Run: cd benches && cargo run --release --example matfree_cw -- N [beta] [max_dim] [magnetization]
//! (the last argument keeps only the magnetization: the N = 24 benchmark)
use std::sync::Arc;
use std::time::Instant;

use mcmc_audit::exact::matfree::MatrixFree;
use mcmc_audit::exact::matfree::solve::{Options, extremes, poisson_tau};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::observables::{Observable, Observables};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(16, |a| a.parse().expect("N"));
    let beta: f64 = args.get(2).map_or(0.5, |a| a.parse().expect("beta"));
    let max_dim: usize = args
        .get(3)
        .map_or(Options::default().max_dim, |a| a.parse().expect("max_dim"));
    let opts = Options {
        max_dim,
        ..Options::default()
    };
    let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(n, beta).expect("model"));
    let kernel =
        build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).expect("kernel");
    let t0 = Instant::now();
    let op = MatrixFree::new(model.as_ref(), &kernel).expect("operator");
    println!(
        "N = {n}, beta = {beta}: {} states; enumeration {:.2} s",
        op.n_states,
        t0.elapsed().as_secs_f64()
    );
    let v: Vec<f64> = (0..op.n_states).map(|i| (i % 7) as f64).collect();
    let mut out = vec![0.0; op.n_states];
    let t = Instant::now();
    let reps = 3;
    for _ in 0..reps {
        op.apply(&v, &mut out);
    }
    println!(
        "one product with S: {:.3} s",
        t.elapsed().as_secs_f64() / reps as f64
    );
    let t = Instant::now();
    let ex = extremes(&op, &opts).expect("extremes");
    println!(
        "sigma_2 = {:.15} (residual {:.1e}), sigma_min = {:.15} (residual {:.1e}): {:.2} s, {} products ({} for sigma_2)",
        ex.top[0],
        ex.top_residual[0],
        ex.sigma_min,
        ex.sigma_min_residual,
        t.elapsed().as_secs_f64(),
        ex.matvecs,
        ex.top_matvecs
    );
    let only_magnetization = args.get(4).is_some_and(|a| a == "magnetization");
    let mut list = vec![Observable::Magnetization];
    if !only_magnetization {
        list.push(Observable::Energy);
        list.extend((1..=10).map(|j| Observable::Pair(0, j % n)));
    }
    let obs = Observables::tabulate(model.as_ref(), &list);
    let t = Instant::now();
    let taus = poisson_tau(&op, &obs.values, ex.gap_lower_bound(), &opts).expect("tau");
    for (o, r) in list.iter().zip(&taus) {
        println!(
            "  tau({}) = {:.12} (bound {:.1e}, {} CG iterations)",
            o.name(),
            r.tau.unwrap_or(f64::NAN),
            r.tau_error_bound,
            r.iterations
        );
    }
    println!(
        "tau of {} observables: {:.2} s; total {:.2} s",
        list.len(),
        t.elapsed().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}
