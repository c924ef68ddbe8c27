//! Times the pieces of the full non-reversible report of a 4096-state systematic sweep (SK N = 12,
//! β = 1, seed 3, single-site heat bath in site order), and writes P, π and the 66 pair observables
//! for the NumPy peer (`peers/nonreversible_numpy.py`).
//! Usage: `cargo run --release --example nonreversible_report -- [OUT_DIR]`

use std::sync::Arc;
use std::time::Instant;

use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::observables::{ObservableSet, Observables};
use mcmc_audit::pipeline::audit::{AuditOptions, SpectralSettings, audit_kernel};
use mcmc_audit::trainability::mixing::{
    MixingSettings, complex_spectrum, mixing_profile, reversibilization_gaps,
};
use mcmc_audit::trainability::poisson;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    println!("{label:<40} {:>8.2} s", t.elapsed().as_secs_f64());
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).cloned();
    let model: Arc<dyn Model> = Arc::new(generators::sk(12, 1.0, 3).expect("model"));
    let kernel =
        build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Systematic).expect("kernel");
    let chain = time("chain (enumeration)", || {
        ExactChain::from_kernel(model.as_ref(), &kernel).expect("chain")
    });
    let obs = Observables::for_model(model.as_ref(), ObservableSet::Pairs);
    if let Some(dir) = &out {
        let n = chain.n_states;
        let p = ndarray::Array2::from_shape_fn((n, n), |(i, j)| chain.p(i, j));
        ndarray_npy::write_npy(format!("{dir}/P.npy"), &p).expect("write");
        ndarray_npy::write_npy(
            format!("{dir}/pi.npy"),
            &ndarray::Array1::from(chain.pi.clone()),
        )
        .expect("write");
        let f = ndarray::Array2::from_shape_fn((n, obs.len()), |(x, a)| obs.values[a][x]);
        ndarray_npy::write_npy(format!("{dir}/F.npy"), &f).expect("write");
    }
    let lump = time("identical rows (lumping)", || {
        mcmc_audit::exact::lumping::Lumping::of(&chain)
    });
    println!(
        "  distinct rows = {:?} of {}",
        lump.as_ref().map(|l| l.len()),
        chain.n_states
    );
    let spec = time("complex spectrum (eig, both vectors)", || {
        complex_spectrum(&chain).expect("evd")
    });
    println!("  |lambda_2| = {}", spec.lambda2_modulus);
    let ps = time("gamma(PP*), gamma_ps k <= 8", || {
        reversibilization_gaps(&chain, 8).expect("gaps")
    });
    println!("  gamma_ps = {} (k = {})", ps.pseudo_gap, ps.k);
    let uniform = vec![1.0 / chain.n_states as f64; chain.n_states];
    let mp = time("d(t), t_mix(1/4)", || {
        mixing_profile(&chain, &uniform, &[0.25])
    });
    println!(
        "  t_mix = {:?}, products = {}",
        mp.mixing_time[0].worst, mp.products
    );
    let tau = time("tau, 66 pairs (Poisson)", || {
        poisson::tau(&chain, &obs).expect("tau")
    });
    println!("  tau[0] = {:?}", tau[0]);
    let opts = AuditOptions {
        spectral: Some(SpectralSettings::default()),
        mixing: Some(MixingSettings::default()),
        ..AuditOptions::default()
    };
    time("full audit_kernel (chain included)", || {
        audit_kernel(model.as_ref(), &kernel, &opts).expect("audit")
    });
}
