//! The estimator rules on trajectories: doubling stability (E.doubling), the window gate
//! (A6.sampled) and the burn-in flag (E.burn-in).

use mcmc_audit::checks::sampled::{check_burn_in, check_doubling, check_window, doubling_rule};
use mcmc_audit::checks::{Status, Tolerances};
use mcmc_audit::diagnostics::Draws;
use mcmc_audit::diagnostics::calibration::ar1;
use mcmc_audit::diagnostics::doubling::{default_lengths, doubling_probe, lengths_from};

/// A two-mode chain whose mode crossings are slower than the trajectory: `tanh(3 y/σ)` of an AR(1)
/// `y` with `τ ≈ 2^18`, observed for `2^15` draws (the marginal piles up near ±1).
fn slow_two_mode(chains: usize, n: usize, seed: u64) -> Draws {
    let phi = 1.0 - 2f64.powi(-17);
    let y = ar1(phi, chains, n, seed);
    Draws::new(chains, n, y.data.iter().map(|v| (3.0 * v).tanh()).collect()).unwrap()
}

//= test:E.doubling
#[test]
fn a_chain_slower_than_its_trajectory_never_resolves() {
    let d = slow_two_mode(4, 1 << 15, 7);
    let p = doubling_probe(
        &d,
        &default_lengths(d.draws),
        &doubling_rule(&Tolerances::default()),
    );
    assert_eq!(p.tau_by_length.len(), 7);
    assert!(p.resolved_length.is_none(), "{p:?}");
    let ratios: Vec<f64> = p
        .tau_by_length
        .iter()
        .map(|s| s.tau_over_length.unwrap())
        .collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    // τ grows with L: τ/L stays within a factor 3 over six doublings (exp4's signature).
    assert!(hi / lo < 3.0, "tau/L {ratios:?}");
    let v = check_doubling("x", &p, &Tolerances::default());
    assert_eq!(v.status, Status::Inconclusive);
    let w = check_window("x", &p, d.draws, &Tolerances::default());
    assert_eq!(w.status, Status::Inconclusive);
}

//= test:E.doubling
#[test]
fn a_fast_chain_resolves() {
    let d = ar1(0.5, 4, 1 << 14, 8);
    let p = doubling_probe(
        &d,
        &default_lengths(d.draws),
        &doubling_rule(&Tolerances::default()),
    );
    let v = check_doubling("x", &p, &Tolerances::default());
    assert_eq!(v.status, Status::Pass, "{p:?}");
    let tau = p.tau.unwrap();
    assert!((tau - 3.0).abs() < 0.5, "{tau}");
    assert!(p.stable);
}

//= test:A6.sampled
#[test]
fn window_gate_passes_long_windows_and_fails_short_ones() {
    let tol = Tolerances::default();
    let long = ar1(0.5, 4, 1 << 14, 9);
    let p = doubling_probe(
        &long,
        &default_lengths(long.draws),
        &doubling_rule(&Tolerances::default()),
    );
    assert_eq!(check_window("x", &p, long.draws, &tol).status, Status::Pass);
    // The resolving pair itself needs 2L ≳ 67 τ (Sokal's bias is ≈ −10τ/L at c = 5), so the gate
    // fails when the estimator's window K is shorter than the trajectory: τ ≈ 3, K = 100 < 50 τ.
    assert_eq!(
        check_window("x", &p, 100, &tol).status,
        Status::Fail,
        "{p:?}"
    );
    assert_eq!(check_window("x", &p, 200, &tol).status, Status::Pass);
    let short = ar1(0.5, 64, 128, 10);
    let p = doubling_probe(
        &short,
        &lengths_from(16, 128),
        &doubling_rule(&Tolerances::default()),
    );
    assert!(p.tau.is_none(), "{p:?}");
}

//= test:E.burn-in
#[test]
fn burn_in_flag() {
    let tol = Tolerances::default();
    let d = ar1(0.5, 4, 1 << 14, 12);
    let p = doubling_probe(
        &d,
        &default_lengths(d.draws),
        &doubling_rule(&Tolerances::default()),
    );
    assert_eq!(check_burn_in("x", &p, Some(100), &tol).status, Status::Pass);
    assert_eq!(check_burn_in("x", &p, Some(10), &tol).status, Status::Fail);
    assert_eq!(check_burn_in("x", &p, Some(0), &tol).status, Status::Fail);
    assert_eq!(
        check_burn_in("x", &p, None, &tol).status,
        Status::NotApplicable
    );
}
