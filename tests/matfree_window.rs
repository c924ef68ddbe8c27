//! The matrix-free window-mean estimator (function-side recursion on S,
//! `exact::matfree::window`) against the dense measure-side recursion on P
//! (`trainability::estimator::exact_window_stats`): random scans and systematic sweeps (not
//! reversible), uniform, stationary and given starts, with and without burn-in; and its guards.

use std::sync::Arc;

use mcmc_audit::error::{Error, Limit, ShapeError};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::matfree::MatrixFree;
use mcmc_audit::exact::matfree::window::{SQRT_PI_UNDERFLOW, window_stats};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::numeric::tolerance::test::MATFREE_WINDOW;
use mcmc_audit::observables::{Observable, Observables};
use mcmc_audit::trainability::estimator::{Init, exact_window_stats};

fn observables(n: usize) -> Vec<Observable> {
    vec![
        Observable::Magnetization,
        Observable::Energy,
        Observable::Pair(0, 1),
        Observable::Pair(0, n - 1),
        Observable::Field(1),
    ]
}

/// A fixed, non-uniform start law (positive on every state).
fn given_law(n: usize) -> Vec<f64> {
    let w: Vec<f64> = (0..n).map(|x| 1.0 + ((x * 7919) % 13) as f64).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

/// Dense and matrix-free window statistics of one kernel for every start, burn-in and window;
/// returns the largest relative disagreement seen.
fn agree(model: Arc<dyn Model>, rule: Rule, blocks: Blocks, scan: Scan) -> f64 {
    let n = model.n_spins();
    let kernel = build_kernel(model.clone(), rule, &blocks, scan).unwrap();
    let chain = ExactChain::from_kernel(model.as_ref(), &kernel).unwrap();
    let obs = Observables::tabulate(model.as_ref(), &observables(n));
    let op = MatrixFree::new(model.as_ref(), &kernel).unwrap();
    let what = format!("{} | {:?}/{:?}", model.describe(), rule, scan);
    let windows = [1, 200];
    let mut worst = 0.0f64;
    for init in [
        Init::Uniform,
        Init::Stationary,
        Init::Law(given_law(chain.n_states)),
    ] {
        for burn_in in [0, 37] {
            let dense = exact_window_stats(&chain, None, &obs, &init, burn_in, &windows).unwrap();
            for d in &dense {
                let mf = window_stats(&op, &obs.values, &init, burn_in, d.window, false).unwrap();
                assert_eq!((mf.burn_in, mf.window), (d.burn_in, d.window));
                for a in 0..obs.len() {
                    let case = format!(
                        "{what}: {} start, B = {burn_in}, K = {}, {}",
                        init.label(),
                        d.window,
                        obs.names[a]
                    );
                    let rel = |x: f64, y: f64, scale: f64| {
                        if scale == 0.0 {
                            (x - y).abs()
                        } else {
                            (x - y).abs() / scale
                        }
                    };
                    let r_mse = rel(mf.mse[a], d.mse[a], d.mse[a].abs());
                    let r_var = rel(mf.variance[a], d.variance[a], d.variance[a].abs());
                    let r_bias = rel(mf.bias[a], d.bias[a], d.mse[a].sqrt());
                    for (name, r, x, y) in [
                        ("mse", r_mse, mf.mse[a], d.mse[a]),
                        ("variance", r_var, mf.variance[a], d.variance[a]),
                        ("bias", r_bias, mf.bias[a], d.bias[a]),
                    ] {
                        assert!(
                            MATFREE_WINDOW.accepts(r, 0),
                            "{case}: {name} {x:e} vs dense {y:e} (rel {r:e})"
                        );
                        worst = worst.max(r);
                    }
                }
            }
        }
    }
    eprintln!("{what}: max relative disagreement {worst:e}");
    worst
}

#[test]
fn agrees_with_dense_on_curie_weiss_random_scan_and_sweeps() {
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(8, 0.8).unwrap());
    agree(m.clone(), Rule::Gibbs, Blocks::Sites, Scan::Random);
    agree(m.clone(), Rule::Gibbs, Blocks::Sites, Scan::Systematic);
    agree(m, Rule::Metropolis, Blocks::Sites, Scan::Systematic);
}

#[test]
fn agrees_with_dense_on_sk_hopfield_rbm() {
    let sk: Arc<dyn Model> = Arc::new(generators::sk(7, 1.2, 4).unwrap());
    agree(sk.clone(), Rule::Metropolis, Blocks::Sites, Scan::Random);
    agree(sk, Rule::Gibbs, Blocks::Sites, Scan::Systematic);
    let hop: Arc<dyn Model> = Arc::new(generators::hopfield(9, 2, 1.5, 1).unwrap());
    agree(hop.clone(), Rule::Gibbs, Blocks::Sites, Scan::Random);
    agree(hop, Rule::Gibbs, Blocks::Sites, Scan::Symmetrized);
    let rbm: Arc<dyn Model> = Arc::new(generators::rbm(4, 3, 1, 1.0, 2).unwrap());
    agree(
        rbm.clone(),
        Rule::Gibbs,
        Blocks::Bipartite,
        Scan::Systematic,
    );
    agree(rbm, Rule::Gibbs, Blocks::Sites, Scan::Random);
}

#[test]
fn bit_identical_at_any_thread_count() {
    let m: Arc<dyn Model> = Arc::new(generators::sk(9, 1.0, 3).unwrap());
    let kernel = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Systematic).unwrap();
    let op = MatrixFree::new(m.as_ref(), &kernel).unwrap();
    let obs = Observables::tabulate(m.as_ref(), &observables(9));
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| window_stats(&op, &obs.values, &Init::Uniform, 5, 50, false).unwrap())
    };
    let (one, two) = (run(1), run(2));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one.mse), bits(&two.mse));
    assert_eq!(bits(&one.bias), bits(&two.bias));
    assert_eq!(bits(&one.variance), bits(&two.variance));
}

#[test]
fn guards_are_errors() {
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(6, 0.5).unwrap());
    let kernel = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    let op = MatrixFree::new(m.as_ref(), &kernel).unwrap();
    let obs = Observables::tabulate(m.as_ref(), &observables(6));
    // The work guard, before any work.
    let err = window_stats(&op, &obs.values, &Init::Uniform, 0, u64::MAX / 4, false).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                limit: Limit::WindowWork,
                ..
            }
        ),
        "{err}"
    );
    // A stationary start counts no burn-in, but a huge window still trips it.
    let err = window_stats(&op, &obs.values, &Init::Stationary, 0, 1 << 50, false).unwrap_err();
    assert!(matches!(
        err,
        Error::TooLarge {
            limit: Limit::WindowWork,
            ..
        }
    ));
    // Observables and a given law of the wrong length, and an empty window.
    let mut bad = obs.values.clone();
    bad[1].pop();
    let err = window_stats(&op, &bad, &Init::Uniform, 0, 10, false).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Mismatch(ShapeError::ObservableMatrix { n_states: 64, .. })
        ),
        "{err}"
    );
    let err = window_stats(
        &op,
        &obs.values,
        &Init::Law(vec![1.0 / 63.0; 63]),
        0,
        10,
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Mismatch(ShapeError::InitialLaw {
                got: 63,
                n_states: 64
            })
        ),
        "{err}"
    );
    let err = window_stats(&op, &obs.values, &Init::Uniform, 0, 0, false).unwrap_err();
    assert!(
        matches!(err, Error::Mismatch(ShapeError::Empty(_))),
        "{err}"
    );
}

#[test]
fn underflowing_sqrt_pi_is_refused_from_a_non_stationary_start() {
    // At β = 3000 the states far from the two ground states have log π ≈ −β·N/2, √π ≪ 1e-290.
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(6, 3000.0).unwrap());
    let kernel = build_kernel(m.clone(), Rule::Metropolis, &Blocks::Sites, Scan::Random).unwrap();
    let op = MatrixFree::new(m.as_ref(), &kernel).unwrap();
    assert!(op.sqrt_pi.iter().any(|&q| q < SQRT_PI_UNDERFLOW));
    let obs = Observables::tabulate(m.as_ref(), &observables(6));
    let err = window_stats(&op, &obs.values, &Init::Uniform, 3, 10, false).unwrap_err();
    assert!(
        matches!(&err, Error::Numerical(msg) if msg.contains("sqrt(pi) underflows")),
        "{err}"
    );
    // A stationary start weights those states by π: allowed, and finite.
    let s = window_stats(&op, &obs.values, &Init::Stationary, 3, 10, false).unwrap();
    assert!(s.mse.iter().all(|v| v.is_finite()), "{:?}", s.mse);
}

/// The measurement behind `MAX_MATFREE_WINDOW_WORK`: state × column updates per second of the
/// recursion on Curie–Weiss N = 16 (5 observables, 10 columns), random scan and systematic sweep.
/// `cargo test --release --test matfree_window -- --ignored --nocapture window_rate`.
#[test]
#[ignore]
fn window_rate_curie_weiss_16() {
    let n = 16;
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(n, 0.8).unwrap());
    let obs = Observables::tabulate(m.as_ref(), &observables(n));
    for (scan, steps) in [(Scan::Random, 200u64), (Scan::Systematic, 20)] {
        let kernel = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, scan).unwrap();
        let op = MatrixFree::new(m.as_ref(), &kernel).unwrap();
        let t = std::time::Instant::now();
        let s = window_stats(&op, &obs.values, &Init::Uniform, 0, steps, true).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let updates = steps as f64 * (2 * obs.len()) as f64 * op.n_states as f64;
        eprintln!(
            "{scan:?}: {steps} steps in {secs:.2} s: {:.3e} state x column updates/s, {:.3e} work units/s \
             (x (N+1)); mse[0] = {:e}",
            updates / secs,
            updates * (n + 1) as f64 / secs,
            s.mse[0]
        );
    }
}
