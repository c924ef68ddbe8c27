//! Calibration harness: τ/ESS estimators on chains with known exact τ (AR(1); a small exact Gibbs
//! chain), bias and coverage measured over many replicates. The quick tests pin the coverage of the
//! Madras–Sokal error bar within a stated band; the ignored test prints the full table recorded in
//! src/diagnostics/calibration.rs (`cargo test --test sampled_calibration -- --ignored --nocapture`).

use std::sync::Arc;

use mcmc_audit::diagnostics::calibration::{
    Calibration, ar1, ar1_tau, calibrate, exact_tau_reversible, observe, simulate,
};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators::curie_weiss, spin_of};
use mcmc_audit::numeric::tolerance::test::{SOKAL_COVERAGE_BAND, SOKAL_REL_BIAS};

fn row(label: &str, c: &Calibration) -> String {
    format!(
        "{label:<34} tau={:>7.3} | sokal bias {:+.3} rmse {:.3} cover {:.2} | geyer bias {:+.3} rmse {:.3} | bm bias {:+.3} rmse {:.3}",
        c.truth,
        c.sokal.rel_bias,
        c.sokal.rel_rmse,
        c.sokal.coverage,
        c.geyer.rel_bias,
        c.geyer.rel_rmse,
        c.batch_means.rel_bias,
        c.batch_means.rel_rmse
    )
}

fn in_band(c: &Calibration) -> bool {
    let (lo, hi) = SOKAL_COVERAGE_BAND;
    c.sokal.coverage >= lo && c.sokal.coverage <= hi && c.sokal.rel_bias.abs() <= SOKAL_REL_BIAS
}

#[test]
fn sokal_error_bar_coverage_on_ar1_is_in_band() {
    let phi = 0.9;
    let c = calibrate(ar1_tau(phi), 200, 1, |s| ar1(phi, 1, 20_000, s));
    eprintln!("{}", row("AR(1) phi=0.9 n=20000", &c));
    assert!(in_band(&c), "{c:?}");
    assert_eq!(c.sokal.undefined, 0);
}

/// Curie–Weiss n = 5, β = 0.6, random-scan single-site Gibbs; observable: magnetization.
fn cw_gibbs() -> (Arc<dyn Model>, mcmc_audit::kernel::Kernel, Vec<f64>, f64) {
    let model: Arc<dyn Model> = Arc::new(curie_weiss(5, 0.6).unwrap());
    let k = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    let chain = ExactChain::from_kernel(model.as_ref(), &k).unwrap();
    let f: Vec<f64> = (0..32)
        .map(|s| (0..5).map(|i| f64::from(spin_of(s, i))).sum())
        .collect();
    let tau = exact_tau_reversible(&chain, &f).unwrap();
    (model, k, f, tau)
}

#[test]
fn sokal_error_bar_coverage_on_an_exact_gibbs_chain_is_in_band() {
    let (_, k, f, tau) = cw_gibbs();
    assert!(tau > 5.0, "{tau}");
    let c = calibrate(tau, 100, 2, |s| {
        observe(&simulate(&k, 5, 1, 20_000, 200, s), &f)
    });
    eprintln!("{}", row("CW n=5 b=0.6 random-scan, M", &c));
    assert!(in_band(&c), "{c:?}");
}

#[test]
fn a_wrong_truth_is_out_of_band() {
    // Teeth: the same runs judged against a truth off by 30 % leave the band.
    let phi = 0.9;
    let c = calibrate(1.3 * ar1_tau(phi), 200, 1, |s| ar1(phi, 1, 20_000, s));
    assert!(!in_band(&c), "{c:?}");
}

#[test]
#[ignore = "prints the calibration table (~1 min of CPU: cargo test --test sampled_calibration -- --ignored --nocapture)"]
fn calibration_table() {
    let mut rows = Vec::new();
    for &(phi, n, chains) in &[
        (0.5, 10_000usize, 1usize),
        (0.9, 10_000, 1),
        (0.9, 100_000, 1),
        (0.99, 100_000, 1),
        (0.99, 100_000, 4),
        (-0.5, 10_000, 1),
    ] {
        let c = calibrate(ar1_tau(phi), 400, 3, |s| ar1(phi, chains, n, s));
        rows.push(row(&format!("AR(1) phi={phi} n={n} m={chains}"), &c));
    }
    let (_, k, f, tau) = cw_gibbs();
    for &n in &[5_000usize, 20_000, 100_000] {
        let c = calibrate(tau, 400, 4, |s| observe(&simulate(&k, 5, 1, n, 200, s), &f));
        rows.push(row(&format!("CW5 b=0.6 random-scan M n={n}"), &c));
    }
    println!("{}", rows.join("\n"));
}
