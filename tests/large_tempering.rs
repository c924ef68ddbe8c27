//! Parallel tempering: exact self-adjointness of ½(LS + SL) on a small product space (and the LS
//! control failing), the fast PT engine against exact swap acceptances and energy variances, thread
//! independence, and the ladder math against closed forms.

mod common;

use common::exact::{invariance, self_adjoint as check_self_adjoint};
use mcmc_audit::checks::tempering::{check_round_trips, check_swap_acceptance};
use mcmc_audit::checks::{Status, Tolerances};
use mcmc_audit::exact::{ExactChain, residuals};
use mcmc_audit::kernel::build::Scan;
use mcmc_audit::kernel::fast::FastGibbs;
use mcmc_audit::kernel::tempering::{
    exact_pt_kernel, product_model, run_tempering, swap_acceptance,
};
use mcmc_audit::model::enumerate::enumerate;
use mcmc_audit::model::{Model, Pairwise, decode};
use mcmc_audit::numeric::tolerance::{rel_diff, test as tt};
use mcmc_audit::trainability::ladder::{
    cumulative_length, delta_star, equal_acceptance_ladder, r_star, specific_heat,
    thermodynamic_length,
};

fn two_spin() -> Pairwise {
    Pairwise::new("two", 2, 1.2, &[(0, 1, 0.8)], Some(vec![0.3, -0.5])).unwrap()
}

fn ring(n: usize, beta: f64) -> Pairwise {
    let c: Vec<(usize, usize, f64)> = (0..n)
        .map(|i| (i, (i + 1) % n, 0.6 + 0.05 * i as f64))
        .collect();
    let f: Vec<f64> = (0..n).map(|i| 0.1 * (i % 3) as f64 - 0.1).collect();
    Pairwise::new("ring", n, beta, &c, Some(f)).unwrap()
}

fn ring_blocks(n: usize) -> Vec<Vec<usize>> {
    vec![(0..n).step_by(2).collect(), (1..n).step_by(2).collect()]
}

//= test:A2.self-adjoint
#[test]
fn symmetrized_pt_kernel_is_exactly_self_adjoint_and_the_ls_control_is_not() {
    let base = two_spin();
    let alphas = [0.3, 0.6, 1.0];
    let blocks = vec![vec![0], vec![1]];
    let tol = Tolerances::default();
    let (prod, sym) = exact_pt_kernel(&base, &alphas, &blocks, true).unwrap();
    assert_eq!(prod.n_spins(), 6);
    let chain = ExactChain::from_kernel(prod.as_ref(), &sym).unwrap();
    assert_eq!(chain.n_states, 64);
    let r = residuals::self_adjointness(&chain);
    eprintln!("PT ½(LS+SL) self-adjointness residual {r:e}");
    assert!(tt::PT_SELF_ADJOINT.accepts(r, 64), "{r:e}");
    assert_eq!(check_self_adjoint(&chain, &tol).status, Status::Pass);
    assert_eq!(invariance(&chain, &tol).status, Status::Pass);

    let (_, ls) = exact_pt_kernel(&base, &alphas, &blocks, false).unwrap();
    let control = ExactChain::from_kernel(prod.as_ref(), &ls).unwrap();
    let rc = residuals::self_adjointness(&control);
    eprintln!("PT LS control self-adjointness residual {rc:e}");
    assert!(rc >= tt::MUST_FAIL_DB, "{rc:e}");
    assert_eq!(check_self_adjoint(&control, &tol).status, Status::Fail);
    // The control is still Π-invariant: only reversibility is lost.
    assert_eq!(invariance(&control, &tol).status, Status::Pass);
}

#[test]
fn product_law_is_the_product_of_replica_laws() {
    let base = two_spin();
    let alphas = [0.3, 0.6, 1.0];
    let prod = product_model(&base, &alphas).unwrap();
    let joint = enumerate(&prod).unwrap();
    let reps: Vec<_> = alphas
        .iter()
        .map(|&a| enumerate(&base.with_beta(base.beta() * a)).unwrap())
        .collect();
    for s in 0..64 {
        let p: f64 = (0..3).map(|r| reps[r].pi[(s >> (2 * r)) & 3]).product();
        assert!(tt::PRODUCT_LAW.accepts(rel_diff(joint.pi[s], p), 64));
    }
    assert!(product_model(&base, &[0.5, 0.4, 1.0]).is_err());
    assert!(product_model(&base, &[0.5, 0.9]).is_err());
    assert!(product_model(&base, &[1.0]).is_err());
}

/// Exact energy variance at `β α` by enumeration.
fn exact_var(m: &Pairwise, a: f64) -> f64 {
    let law = enumerate(&m.with_beta(m.beta() * a)).unwrap();
    let mut x = vec![0i8; m.n_spins()];
    let e: Vec<f64> = (0..law.pi.len())
        .map(|s| {
            decode(s, &mut x);
            m.energy(&x)
        })
        .collect();
    let mean: f64 = law.pi.iter().zip(&e).map(|(p, v)| p * v).sum();
    law.pi
        .iter()
        .zip(&e)
        .map(|(p, v)| p * (v - mean).powi(2))
        .sum()
}

/// Exact per-pair mean acceptance and per-rung energy variance of a small model, by enumeration.
fn exact_pt_stats(m: &Pairwise, alphas: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = m.n_spins();
    let ns = 1usize << n;
    let mut x = vec![0i8; n];
    let e: Vec<f64> = (0..ns)
        .map(|s| {
            decode(s, &mut x);
            m.energy(&x)
        })
        .collect();
    let laws: Vec<Vec<f64>> = alphas
        .iter()
        .map(|&a| enumerate(&m.with_beta(m.beta() * a)).unwrap().pi)
        .collect();
    let var = laws
        .iter()
        .map(|pi| {
            let mean: f64 = pi.iter().zip(&e).map(|(p, v)| p * v).sum();
            pi.iter().zip(&e).map(|(p, v)| p * (v - mean).powi(2)).sum()
        })
        .collect();
    let acc = (0..alphas.len() - 1)
        .map(|k| {
            let mut s = 0.0;
            for a in 0..ns {
                for b in 0..ns {
                    s += laws[k][a]
                        * laws[k + 1][b]
                        * swap_acceptance(m.beta(), alphas[k], alphas[k + 1], e[a], e[b]);
                }
            }
            s
        })
        .collect();
    (acc, var)
}

#[test]
#[allow(clippy::needless_range_loop)] // k and r index three parallel per-rung arrays
fn fast_pt_matches_exact_acceptance_and_specific_heat() {
    let m = ring(8, 1.0);
    let alphas = [0.35, 0.6, 1.0];
    let e = FastGibbs::new(&m, ring_blocks(8), Scan::Symmetrized).unwrap();
    let res = run_tempering(&e, &alphas, 500, 20_000, 12).unwrap();
    let (acc, var) = exact_pt_stats(&m, &alphas);
    for k in 0..2 {
        eprintln!(
            "pair {k}: sampled acceptance {:.4}, exact {:.4}",
            res.mean_acceptance[k], acc[k]
        );
        assert!(tt::PT_ACCEPTANCE_SAMPLED.accepts(res.mean_acceptance[k] - acc[k], 1));
        assert_eq!(res.attempts[k], 20_000);
    }
    for r in 0..3 {
        let c = specific_heat(&res.energies[r]);
        eprintln!("rung {r}: sampled C {c:.4}, exact {:.4}", var[r]);
        assert!(tt::PT_SPECIFIC_HEAT_SAMPLED.accepts(rel_diff(c, var[r]), 1));
    }
    assert!(res.total_round_trips() > 0);
}

#[test]
fn pt_runs_are_identical_at_any_thread_count() {
    let m = ring(10, 0.9);
    let e = FastGibbs::new(&m, ring_blocks(10), Scan::Symmetrized).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_tempering(&e, &[0.2, 0.5, 0.8, 1.0], 10, 300, 3).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.accepts, b.accepts);
    assert_eq!(a.round_trips, b.round_trips);
    for r in 0..4 {
        let bits = |v: &Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.energies[r]), bits(&b.energies[r]));
    }
}

//= test:PT.swap-acceptance
//= test:PT.round-trips
#[test]
fn an_equal_acceptance_ladder_lands_in_the_band_with_round_trips() {
    let m = ring(8, 1.0);
    // Exact C(α) on a grid, then rungs at equal thermodynamic length with predicted acceptance ≥ 0.3.
    let grid: Vec<f64> = (0..=200).map(|k| 0.1 + 0.9 * k as f64 / 200.0).collect();
    let c: Vec<f64> = grid.iter().map(|&a| exact_var(&m, a)).collect();
    let len = thermodynamic_length(&grid, &c, m.beta()).unwrap();
    let rungs = 1 + (len / (2.0 * statrs::function::erf::erfc_inv(0.3))).ceil() as usize;
    let rungs = rungs.max(2);
    let alphas = equal_acceptance_ladder(&grid, &c, m.beta(), rungs).unwrap();
    let e = FastGibbs::new(&m, ring_blocks(8), Scan::Symmetrized).unwrap();
    let res = run_tempering(&e, &alphas, 200, 5_000, 21).unwrap();
    eprintln!(
        "ladder {alphas:?}: length {len:.3}, acceptance {:?}, round trips {}",
        res.mean_acceptance,
        res.total_round_trips()
    );
    let tol = Tolerances::default();
    assert_eq!(
        check_swap_acceptance(&res.mean_acceptance, &tol).status,
        Status::Pass
    );
    assert_eq!(
        check_round_trips(res.total_round_trips(), &tol).status,
        Status::Pass
    );
    // Outside the band, or too few trips: fail.
    assert_eq!(
        check_swap_acceptance(&[0.3, 0.1, 0.5], &tol).status,
        Status::Fail
    );
    assert_eq!(
        check_swap_acceptance(&[0.3, 0.65], &tol).status,
        Status::Fail
    );
    assert_eq!(check_round_trips(4, &tol).status, Status::Fail);
    // A two-rung ladder over a long span accepts almost nothing on a strongly coupled model.
    let cold = ring(8, 4.0);
    let e = FastGibbs::new(&cold, ring_blocks(8), Scan::Symmetrized).unwrap();
    let res = run_tempering(&e, &[0.05, 1.0], 100, 2_000, 22).unwrap();
    assert_eq!(
        check_swap_acceptance(&res.mean_acceptance, &tol).status,
        Status::Fail
    );
}

/// Independent spins in a field h: `C(α) = N h² sech²(β α h)`, so
/// `Λ = β ∫ √C dα = √N (gd(β h) − gd(β α_top h))`, `gd(u) = 2 atan(tanh(u/2))`.
#[test]
fn thermodynamic_length_and_placement_match_the_closed_form() {
    let (n, h, beta, top) = (100.0f64, 0.7, 1.5, 0.02);
    let gd = |u: f64| 2.0 * (u / 2.0).tanh().atan();
    let exact_len = |a0: f64, a1: f64| n.sqrt() * (gd(beta * a1 * h) - gd(beta * a0 * h));
    let grid: Vec<f64> = (0..=2000)
        .map(|k| top + (1.0 - top) * k as f64 / 2000.0)
        .collect();
    let c: Vec<f64> = grid
        .iter()
        .map(|&a| n * h * h / (beta * a * h).cosh().powi(2))
        .collect();
    let len = thermodynamic_length(&grid, &c, beta).unwrap();
    assert!(tt::LADDER_TRAPEZOID.accepts(rel_diff(len, exact_len(top, 1.0)), 1));
    let cum = cumulative_length(&grid, &c, beta).unwrap();
    assert_eq!(cum[0], 0.0);
    assert_eq!(*cum.last().unwrap(), len);
    let rungs = 8;
    let lad = equal_acceptance_ladder(&grid, &c, beta, rungs).unwrap();
    assert_eq!(lad.len(), rungs);
    assert_eq!((lad[0], lad[rungs - 1]), (top, 1.0));
    let target = len / (rungs - 1) as f64;
    for w in lad.windows(2) {
        assert!(w[0] < w[1]);
        assert!(tt::LADDER_EQUAL_LENGTH.accepts(rel_diff(exact_len(w[0], w[1]), target), 1));
    }
    // R* for this span, and the predicted acceptance of its rungs brackets the target 0.234.
    let rs = r_star(len);
    assert_eq!(rs, 1 + (len / delta_star()).round() as usize);
    // Rounding Λ/δ* to the nearest integer keeps each rung within half a rung of δ*.
    let per_rung = len / (rs - 1) as f64;
    let ratio = per_rung / delta_star();
    let k = (rs - 1) as f64;
    assert!(ratio >= (k - 0.5) / k && ratio <= (k + 0.5) / k, "{ratio}");
    // Bad grids are errors, not panics.
    assert!(thermodynamic_length(&[0.5, 0.4], &[1.0, 1.0], 1.0).is_err());
    assert!(thermodynamic_length(&[0.5, 0.6], &[1.0, f64::NAN], 1.0).is_err());
    assert!(equal_acceptance_ladder(&grid, &c, beta, 1).is_err());
}

#[test]
fn specific_heat_of_fewer_than_two_samples_is_undefined() {
    assert!(specific_heat(&[1.0]).is_nan());
    assert_eq!(specific_heat(&[1.0, 3.0]), 2.0);
}
