//! Timed sweeps of the fast engine on the DTM-like 60×60 degree-12 torus (β = 0.5, ±0.5 couplings,
//! the 4-colour blocks), for the thrml peer comparison (`peers/gibbs_thrml.py` runs it with the same
//! chains and sweeps): `cargo run --release --example torus_sweeps -- CHAINS SWEEPS [systematic|symmetrized]`.
//! Prints one JSON line: chains, sweeps, seconds, updates_per_second (spin updates over wall time of
//! the sweeps alone, chains in parallel over all cores; one warm-up sweep first).

use std::time::Instant;

use mcmc_audit::kernel::build::Scan;
use mcmc_audit::kernel::fast::{Chains, FastGibbs, Init};
use mcmc_audit::model::torus::{Torus, TorusParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let chains: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let sweeps: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let scan = match args.get(3).map(String::as_str) {
        Some("symmetrized") => Scan::Symmetrized,
        _ => Scan::Systematic,
    };
    let t = Torus::new(TorusParams {
        beta: 0.5,
        ..Default::default()
    })
    .expect("torus");
    let e = FastGibbs::new(&t.model, t.blocks4(), scan).expect("engine");
    let mut ch = Chains::new(t.n_spins(), chains, 1, &Init::Uniform).expect("chains");
    ch.run(&e, 1, 1.0);
    let t0 = Instant::now();
    ch.run(&e, sweeps, 1.0);
    let secs = t0.elapsed().as_secs_f64();
    let updates = (chains * t.n_spins()) as f64 * sweeps as f64;
    println!(
        "{{\"engine\": \"mcmc-audit fast engine, 4-block {}\", \"chains\": {chains}, \"sweeps\": {sweeps}, \"seconds\": {secs}, \"updates_per_second\": {}}}",
        scan.name(),
        updates / secs
    );
}
