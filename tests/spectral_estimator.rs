//! The exact window estimator: recursion vs brute-force matrix powers, vs the stationary spectral
//! formula, vs Monte Carlo runs of the kernel itself; spectral burn-in vs explicit steps.

use std::sync::Arc;

use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::spectrum::Spectrum;
use mcmc_audit::kernel::Kernel;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::kernel::monte_carlo::McPlan;
use mcmc_audit::model::{Model, Pairwise, generators};
use mcmc_audit::numeric::tolerance::{rel_diff, test as tt};
use mcmc_audit::observables::Observables;
use mcmc_audit::trainability::estimator::{
    Columns, Init, brute_force_window_stats, burned_in_law, exact_window_stats, finite_k_weight,
    monte_carlo_mse, stationary_window_variance,
};
use mcmc_audit::trainability::projection::Projected;
use mcmc_audit::trainability::{auto_burn_in, exact_mse};

fn build(m: Pairwise, scan: Scan) -> (ExactChain, Kernel) {
    let m: Arc<dyn Model> = Arc::new(m);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, scan).unwrap();
    (ExactChain::from_kernel(m.as_ref(), &k).unwrap(), k)
}

/// 2-block Gibbs on a small planted RBM (visible | hidden layers): a sweep's rows are dense, so the
/// window recursion takes its dense (GEMM) route.
fn rbm_two_block(scan: Scan, patterns: usize, beta: f64, seed: u64) -> (ExactChain, Kernel) {
    let m: Arc<dyn Model> = Arc::new(generators::rbm(2, 2, patterns, beta, seed).unwrap());
    let layers = Blocks::Explicit(vec![vec![0, 1], vec![2, 3]]);
    let k = build_kernel(m.clone(), Rule::Gibbs, &layers, scan).unwrap();
    (ExactChain::from_kernel(m.as_ref(), &k).unwrap(), k)
}

/// The exact window MSE after burn-in `b` agrees with 400 Monte Carlo runs of the kernel's own
/// `sample` from the uniform start, within `MC_STANDARD_ERRORS` standard errors.
fn assert_exact_matches_monte_carlo(
    label: &str,
    kernel: &Kernel,
    c: &ExactChain,
    obs: &Observables,
    s: &Spectrum,
    b: u64,
    k: u64,
) {
    let ex = exact_window_stats(c, Some(s), obs, &Init::Uniform, b, &[k]).unwrap();
    let mc = monte_carlo_mse(
        kernel,
        c.n_states.ilog2() as usize,
        &c.pi,
        obs,
        McPlan {
            chains: 400,
            burn_in: b,
            draws: k,
            seed: 0x5eed,
        },
    );
    let diff = (ex[0].total_mse() - mc.mean).abs();
    eprintln!(
        "MC check ({label}): exact {:.6e}, MC {:.6e} ± {:.2e} (rel diff {:.2}%, {:.2} SE)",
        ex[0].total_mse(),
        mc.mean,
        mc.standard_error,
        100.0 * diff / ex[0].total_mse(),
        diff / mc.standard_error
    );
    assert!(
        diff <= tt::MC_STANDARD_ERRORS * mc.standard_error,
        "{label}: exact {} vs MC {} ± {}",
        ex[0].total_mse(),
        mc.mean,
        mc.standard_error
    );
}

fn with_fields() -> Pairwise {
    let sk = generators::sk(4, 1.4, 5).unwrap();
    Pairwise::new("sk+h", 4, 1.4, sk.edges(), Some(vec![0.5, -0.3, 0.2, 0.1])).unwrap()
}

#[test]
fn exact_mse_matches_brute_force_matrix_powers() {
    let cases = [
        (
            build(generators::curie_weiss(4, 1.0).unwrap(), Scan::Random),
            true,
        ),
        (build(with_fields(), Scan::Random), true),
        (
            build(generators::sk(4, 1.0, 2).unwrap(), Scan::Systematic),
            false,
        ),
        // Dense P (dense recursion route): a reversible symmetrized sweep, a non-reversible sweep.
        (rbm_two_block(Scan::Symmetrized, 1, 1.3, 0), true),
        (rbm_two_block(Scan::Systematic, 2, 1.0, 1), false),
    ];
    for ((c, _), _) in &cases[3..] {
        assert_eq!(Columns::new(c).nnz(), c.n_states * c.n_states);
    }
    for ((c, _), reversible) in &cases {
        for obs in [Observables::pairs(4), Observables::fields(4)] {
            for (init, b, k) in [
                (Init::Uniform, 3u64, 20u64),
                (Init::Uniform, 0, 7),
                (Init::Stationary, 0, 15),
            ] {
                let mu0 = init.law(c);
                let bf = brute_force_window_stats(c, &obs, &mu0, b, k);
                let ex = exact_mse(c, &obs, &init, b, k, *reversible).unwrap();
                for a in 0..obs.len() {
                    assert!(
                        tt::EXACT_MSE_VS_BRUTE_FORCE.accepts(rel_diff(ex.mse[a], bf.mse[a]), 1),
                        "mse {} vs {}",
                        ex.mse[a],
                        bf.mse[a]
                    );
                    assert!(
                        tt::EXACT_MSE_VS_BRUTE_FORCE
                            .accepts((ex.bias[a] - bf.bias[a]).abs() / bf.mse[a].sqrt(), 1)
                    );
                    assert!(
                        tt::EXACT_MSE_VS_BRUTE_FORCE
                            .accepts(rel_diff(ex.variance[a], bf.variance[a]), 1)
                    );
                }
            }
        }
    }
}

#[test]
fn stationary_start_matches_the_finite_k_spectral_formula() {
    let (c, _) = build(generators::sk(6, 1.2, 1).unwrap(), Scan::Random);
    let obs = Observables::pairs(6);
    let s = Spectrum::new(&c, Some(6)).unwrap();
    let p = Projected::new(&s, &c.pi, &obs);
    let stats =
        exact_window_stats(&c, Some(&s), &obs, &Init::Stationary, 0, &[1, 10, 200]).unwrap();
    for st in &stats {
        let v = stationary_window_variance(&s, &p.overlap, st.window);
        for ((mse, bias), va) in st.mse.iter().zip(&st.bias).zip(&v) {
            assert!(tt::STATIONARY_WINDOW_VARIANCE.accepts(rel_diff(*mse, *va), 1));
            assert!(tt::STATIONARY_START_BIAS.accepts(*bias, 1));
        }
    }
    // K = 1: the window variance is Var_π f.
    for (mse, var) in stats[0].mse.iter().zip(&p.var) {
        assert!(tt::WINDOW_OF_ONE_IS_VARIANCE.accepts(rel_diff(*mse, *var), 1));
    }
}

#[test]
fn finite_k_weight_closed_form_agrees_with_the_direct_sum() {
    for &s in &[0.0f64, 0.3, 0.9, 0.999, 0.99999] {
        for &k in &[1u64, 2, 50, 3000] {
            let direct: f64 = (0..k)
                .flat_map(|a| {
                    (0..k).map(move |b| s.powi((a as i64 - b as i64).unsigned_abs() as i32))
                })
                .sum();
            assert!(
                rel_diff(finite_k_weight(s, k), direct) < 1e-9,
                "σ={s} K={k}"
            );
        }
    }
}

#[test]
fn spectral_burn_in_law_matches_explicit_steps() {
    let (c, _) = build(generators::hopfield(6, 2, 1.5, 0).unwrap(), Scan::Random);
    let s = Spectrum::new(&c, Some(6)).unwrap();
    let mu0 = Init::Uniform.law(&c);
    for b in [1u64, 17, 300] {
        let spectral = burned_in_law(&c, Some(&s), &mu0, b).unwrap();
        let steps = burned_in_law(&c, None, &mu0, b).unwrap();
        for (x, y) in spectral.iter().zip(&steps) {
            assert!(tt::BURN_IN_LAW.accepts(x - y, 1), "B={b}: {x} vs {y}");
        }
    }
}

/// The programme's validation: exact bias+window MSE against a genuinely non-stationary Monte Carlo
/// chain of the kernel itself (uniform start, 400 seeds), within 3 standard errors.
#[test]
fn exact_mse_agrees_with_monte_carlo_runs_of_the_kernel() {
    for (m, k) in [
        (generators::curie_weiss(6, 1.0).unwrap(), 60u64),
        (generators::sk(6, 1.5, 0).unwrap(), 40),
        (with_fields(), 30),
    ] {
        let n = m.n_spins();
        let (c, kernel) = build(m, Scan::Random);
        let obs = Observables::pairs(n);
        let s = Spectrum::new(&c, None).unwrap();
        let b = auto_burn_in(1.0 - s.sigma[1]).min(2000);
        assert_exact_matches_monte_carlo(&c.description, &kernel, &c, &obs, &s, b, k);
    }
}

/// Teeth for the Monte Carlo comparison: a wrong burn-in (the exact MSE at B = 0 against a run that
/// burns in) is detected.
#[test]
fn monte_carlo_comparison_detects_a_wrong_exact_value() {
    let m = generators::curie_weiss(6, 1.5).unwrap();
    let (c, kernel) = build(m, Scan::Random);
    let obs = Observables::magnetization(6);
    let ex_no_burn = exact_mse(&c, &obs, &Init::Uniform, 0, 5, true).unwrap();
    let mc = monte_carlo_mse(
        &kernel,
        6,
        &c.pi,
        &obs,
        McPlan {
            chains: 400,
            burn_in: 400,
            draws: 5,
            seed: 1,
        },
    );
    assert!((ex_no_burn.total_mse() - mc.mean).abs() > tt::MC_STANDARD_ERRORS * mc.standard_error);
}

#[test]
fn monte_carlo_is_deterministic() {
    let (c, kernel) = build(generators::curie_weiss(5, 1.0).unwrap(), Scan::Random);
    let obs = Observables::pairs(5);
    let a = monte_carlo_mse(
        &kernel,
        5,
        &c.pi,
        &obs,
        McPlan {
            chains: 32,
            burn_in: 10,
            draws: 10,
            seed: 7,
        },
    );
    let b = monte_carlo_mse(
        &kernel,
        5,
        &c.pi,
        &obs,
        McPlan {
            chains: 32,
            burn_in: 10,
            draws: 10,
            seed: 7,
        },
    );
    assert_eq!(a.mean.to_bits(), b.mean.to_bits());
}

#[test]
fn an_impossible_window_is_refused_not_run() {
    let (c, _) = build(generators::curie_weiss(4, 1.0).unwrap(), Scan::Random);
    let obs = Observables::pairs(4);
    let e = exact_window_stats(&c, None, &obs, &Init::Stationary, 0, &[u64::MAX / 4]).unwrap_err();
    // Typed below the spec layer; the spec layer names the key (`estimator.window`, tests/bad_input.rs).
    assert!(
        matches!(
            e,
            mcmc_audit::Error::TooLarge {
                limit: mcmc_audit::error::Limit::WindowWork,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn folded_dense_recursion_matches_brute_force() {
    // A flip-symmetric RBM under the symmetrized 2-block sweep: P is dense, the spectrum is blocked by
    // the flip, the uniform start and the pair observables are even, so the recursion runs folded
    // onto the even sector; fields (odd observables) take the unfolded route on the same chain.
    let (c, _) = rbm_two_block(Scan::Symmetrized, 2, 1.6, 3);
    let spec = Spectrum::new(&c, Some(4)).unwrap();
    assert_eq!(spec.flip_spins(), Some(4));
    for obs in [Observables::pairs(4), Observables::fields(4)] {
        let (b, k) = (4u64, 25u64);
        let ex = exact_window_stats(&c, Some(&spec), &obs, &Init::Uniform, b, &[k])
            .unwrap()
            .remove(0);
        let bf = brute_force_window_stats(&c, &obs, &Init::Uniform.law(&c), b, k);
        for a in 0..obs.len() {
            assert!(
                tt::EXACT_MSE_VS_BRUTE_FORCE.accepts(rel_diff(ex.mse[a], bf.mse[a]), 1),
                "{}: mse {} vs {}",
                obs.names[a],
                ex.mse[a],
                bf.mse[a]
            );
            assert!(
                tt::EXACT_MSE_VS_BRUTE_FORCE.accepts(rel_diff(ex.variance[a], bf.variance[a]), 1)
            );
        }
    }
}

#[test]
fn folded_dense_mse_agrees_with_monte_carlo_runs_of_a_block_sweep() {
    // The dense, flip-folded route against 400 runs of the symmetrized 2-block sweep itself (planted
    // RBM, 3 + 3 units): the kernel's own `sample`, not its law, produces the runs.
    let m: Arc<dyn Model> = Arc::new(generators::rbm(3, 3, 2, 1.2, 4).unwrap());
    let layers = Blocks::Explicit(vec![vec![0, 1, 2], vec![3, 4, 5]]);
    let kernel = build_kernel(m.clone(), Rule::Gibbs, &layers, Scan::Symmetrized).unwrap();
    let c = ExactChain::from_kernel(m.as_ref(), &kernel).unwrap();
    assert_eq!(Columns::new(&c).nnz(), c.n_states * c.n_states);
    let obs = Observables::pairs(6);
    let s = Spectrum::new(&c, Some(6)).unwrap();
    assert_eq!(s.flip_spins(), Some(6));
    let b = auto_burn_in(1.0 - s.sigma[1]).min(2000);
    assert_exact_matches_monte_carlo("block sweep", &kernel, &c, &obs, &s, b, 40);
}
