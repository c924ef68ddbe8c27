//! The sampled reversibility test (S.reversibility) and the trajectory G-test against exact kernel
//! rows (S.kernel-gtest), on a frustrated model where systematic scan is not reversible.

use std::sync::Arc;

use mcmc_audit::checks::sampled::{check_reversibility, check_stationary, check_transitions};
use mcmc_audit::checks::{Status, Tolerances};
use mcmc_audit::diagnostics::Draws;
use mcmc_audit::diagnostics::calibration::{observe, simulate};
use mcmc_audit::diagnostics::gtest::{stationary_gtest, trajectory_gtest};
use mcmc_audit::diagnostics::reversibility::reversibility_test;
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::Kernel;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, Pairwise, spin_of};

const N: usize = 4;

/// A frustrated 4-spin model: an antiferromagnetic triangle (0, 1, 2) plus a pendant spin, with fields.
fn frustrated(beta: f64) -> Arc<dyn Model> {
    let c = [(0, 1, -1.0), (1, 2, -1.0), (0, 2, -1.0), (2, 3, 0.7)];
    Arc::new(Pairwise::new("frustrated", N, beta, &c, Some(vec![0.3, -0.2, 0.1, 0.0])).unwrap())
}

fn kernel(beta: f64, scan: Scan) -> Kernel {
    build_kernel(frustrated(beta), Rule::Gibbs, &Blocks::Sites, scan).unwrap()
}

fn spins(states: &[Vec<usize>]) -> (Vec<String>, Vec<Draws>) {
    let names = (0..N).map(|i| format!("x{i}")).collect();
    let vars = (0..N)
        .map(|i| {
            let f: Vec<f64> = (0..1 << N).map(|s| f64::from(spin_of(s, i))).collect();
            observe(states, &f)
        })
        .collect();
    (names, vars)
}

/// Largest exact lag-one asymmetry `|E[x_a(0) x_b(1)] − E[x_b(0) x_a(1)]|` over spin pairs.
fn exact_asymmetry(chain: &ExactChain) -> f64 {
    let n = chain.n_states;
    let mut worst = 0.0f64;
    for a in 0..N {
        for b in a + 1..N {
            let mut d = 0.0;
            for x in 0..n {
                for y in 0..n {
                    let w = chain.pi[x] * chain.p(x, y);
                    let (ax, bx) = (f64::from(spin_of(x, a)), f64::from(spin_of(x, b)));
                    let (ay, by) = (f64::from(spin_of(y, a)), f64::from(spin_of(y, b)));
                    d += w * (ax * by - bx * ay);
                }
            }
            worst = worst.max(d.abs());
        }
    }
    worst
}

//= test:S.reversibility
#[test]
fn systematic_scan_is_flagged_and_random_scan_passes() {
    let model = frustrated(1.0);
    let sys = kernel(1.0, Scan::Systematic);
    let rnd = kernel(1.0, Scan::Random);
    // The exact chains confirm the ground truth the sampled test must find.
    let sys_exact = ExactChain::from_kernel(model.as_ref(), &sys).unwrap();
    let rnd_exact = ExactChain::from_kernel(model.as_ref(), &rnd).unwrap();
    assert!(exact_asymmetry(&sys_exact) > 1e-2);
    assert!(exact_asymmetry(&rnd_exact) < 1e-14);

    let tol = Tolerances::default();
    let states = simulate(&sys, N, 4, 40_000, 100, 1);
    let (names, vars) = spins(&states);
    let refs: Vec<&Draws> = vars.iter().collect();
    let v = check_reversibility(&names, reversibility_test(&refs).as_ref(), &tol);
    assert_eq!(v.status, Status::Fail, "{v:?}");

    let states = simulate(&rnd, N, 4, 40_000, 100, 2);
    let (names, vars) = spins(&states);
    let refs: Vec<&Draws> = vars.iter().collect();
    let v = check_reversibility(&names, reversibility_test(&refs).as_ref(), &tol);
    assert_eq!(v.status, Status::Pass, "{v:?}");
}

//= test:S.kernel-gtest
#[test]
fn trajectory_transitions_match_their_own_kernel_and_not_another() {
    let tol = Tolerances::default();
    let sys = kernel(1.0, Scan::Systematic);
    let states = simulate(&sys, N, 4, 20_000, 10, 3);
    let exact = ExactChain::from_kernel(frustrated(1.0).as_ref(), &sys).unwrap();
    let v = check_transitions(&trajectory_gtest(&states, &exact), exact.n_states, &tol);
    assert_eq!(v.status, Status::Pass, "{v:?}");
    // The same trajectories against the kernel at another temperature.
    let other = kernel(0.7, Scan::Systematic);
    let exact_other = ExactChain::from_kernel(frustrated(0.7).as_ref(), &other).unwrap();
    let v = check_transitions(
        &trajectory_gtest(&states, &exact_other),
        exact_other.n_states,
        &tol,
    );
    assert_eq!(v.status, Status::Fail, "{v:?}");
    // A systematic sweep can change several spins per step; random-scan single-site Gibbs never
    // changes two, so against its rows those transitions are impossible and fail outright.
    let rnd = kernel(1.0, Scan::Random);
    let rnd_exact = ExactChain::from_kernel(frustrated(1.0).as_ref(), &rnd).unwrap();
    let v = check_transitions(
        &trajectory_gtest(&states, &rnd_exact),
        rnd_exact.n_states,
        &tol,
    );
    assert_eq!(v.status, Status::Fail);
    assert!(
        v.detail["reason"]
            .as_str()
            .unwrap()
            .contains("probability 0"),
        "{v:?}"
    );
}

/// The final state of each of `chains` independent chains of `kernel` after `burn_in` steps.
fn final_states(kernel: &Kernel, chains: usize, burn_in: usize, seed: u64) -> Vec<usize> {
    simulate(kernel, N, chains, 1, burn_in, seed)
        .into_iter()
        .map(|t| t[0])
        .collect()
}

//= test:S.stationary-gtest
#[test]
fn stationary_draws_match_their_own_pi_and_not_another() {
    let tol = Tolerances::default();
    let sys = kernel(1.0, Scan::Systematic);
    let exact = ExactChain::from_kernel(frustrated(1.0).as_ref(), &sys).unwrap();
    // 200 sweeps from uniform random starts: the exact law is then far within the test's resolution
    // of π (the sweep's |λ₂| is below 0.5 on this model).
    let draws = final_states(&sys, 20_000, 200, 5);
    let v = check_stationary(
        &stationary_gtest(&draws, &exact.pi),
        exact.n_states,
        None,
        &tol,
    );
    assert_eq!(v.status, Status::Pass, "{v:?}");
    assert_eq!(v.detail["draws"], 20_000);
    // The same draws against the law at another temperature (TV distance about 0.1): rejected.
    let other =
        ExactChain::from_kernel(frustrated(0.7).as_ref(), &kernel(0.7, Scan::Systematic)).unwrap();
    let v = check_stationary(
        &stationary_gtest(&draws, &other.pi),
        other.n_states,
        None,
        &tol,
    );
    assert_eq!(v.status, Status::Fail, "{v:?}");
    // Draws taken before the chain settles (one sweep from a uniform start): rejected.
    let early = final_states(&sys, 20_000, 0, 6);
    let v = check_stationary(
        &stationary_gtest(&early, &exact.pi),
        exact.n_states,
        None,
        &tol,
    );
    assert_eq!(v.status, Status::Fail, "{v:?}");
    // A state outside the chain, and a state of probability zero, fail with their reason.
    let v = check_stationary(&stationary_gtest(&[0, 16], &exact.pi), 16, None, &tol);
    assert_eq!(v.status, Status::Fail);
    let mut pi0 = exact.pi.clone();
    pi0[draws[0]] = 0.0;
    let v = check_stationary(&stationary_gtest(&draws, &pi0), 16, Some(0.0), &tol);
    assert_eq!(v.status, Status::Fail);
    assert!(
        v.detail["reason"]
            .as_str()
            .unwrap()
            .contains("probability 0"),
        "{v:?}"
    );
    assert_eq!(v.detail["tv_from_pi_at_draw"], 0.0);
}

#[test]
fn stationary_gtest_false_alarm_rate_is_at_most_nominal() {
    use mcmc_audit::diagnostics::calibration::replicate_seed;
    use mcmc_audit::numeric::tolerance::test::STATIONARY_FALSE_ALARM;
    // Independent chains run 200 sweeps from uniform starts draw from π to far within the test's
    // resolution, so every rejection at level 0.05 is a false alarm; 200 replicates.
    let sys = kernel(1.0, Scan::Systematic);
    let exact = ExactChain::from_kernel(frustrated(1.0).as_ref(), &sys).unwrap();
    let (reps, level) = (200u64, 0.05);
    let rejections = (0..reps)
        .filter(|&r| {
            let draws = final_states(&sys, 500, 200, replicate_seed(23, r));
            stationary_gtest(&draws, &exact.pi).unwrap().p_value < level
        })
        .count();
    let rate = rejections as f64 / reps as f64;
    assert!(
        rate <= STATIONARY_FALSE_ALARM,
        "false alarms {rejections}/{reps}"
    );
}

#[test]
fn false_alarm_rate_is_at_most_nominal_on_reversible_chains() {
    use mcmc_audit::diagnostics::calibration::{ar1, replicate_seed};
    use mcmc_audit::diagnostics::reversibility::reversibility_test;
    use mcmc_audit::numeric::tolerance::test::REVERSIBILITY_FALSE_ALARM;
    // Functions of three independent AR(1) chains (a reversible joint chain), correlated with each
    // other: time-symmetric cross moments, so every rejection is a false alarm.
    let (reps, level) = (200u64, 0.05);
    let mut rejections = 0;
    for r in 0..reps {
        let s = replicate_seed(17, r);
        let (a, b, c) = (
            ar1(0.5, 4, 2000, s),
            ar1(0.7, 4, 2000, s + 1),
            ar1(0.3, 4, 2000, s + 2),
        );
        let mk =
            |f: &dyn Fn(usize) -> f64| Draws::new(4, 2000, (0..8000).map(f).collect()).unwrap();
        let y1 = mk(&|i| a.data[i] + b.data[i]);
        let y2 = mk(&|i| b.data[i] - c.data[i]);
        let y3 = mk(&|i| a.data[i] * c.data[i]);
        let t = reversibility_test(&[&y1, &y2, &y3]).unwrap();
        if t.p_value < level {
            rejections += 1;
        }
    }
    let rate = rejections as f64 / reps as f64;
    eprintln!("false-alarm rate at level {level}: {rate}");
    assert!(rate <= REVERSIBILITY_FALSE_ALARM, "{rate}");
}

/// Numerics never turn into a false verdict (issue 14 item 4): scaling both observables by 1e160
/// (products 1e320 overflow) or 1e-160 (products underflow) leaves S.reversibility's t and p as they
/// are unscaled — the statistic is scale-invariant and is computed so. The pair is two independent
/// AR(1) chains, which are reversible.
#[test]
fn the_reversibility_test_is_scale_invariant() {
    use mcmc_audit::diagnostics::calibration::ar1;
    use mcmc_audit::numeric::tolerance::rel_diff;
    use mcmc_audit::numeric::tolerance::test::SCALE_INVARIANCE;
    let (a, b) = (ar1(0.6, 2, 4000, 11), ar1(0.3, 2, 4000, 12));
    let scaled = |d: &Draws, c: f64| Draws {
        data: d.data.iter().map(|x| x * c).collect(),
        ..d.clone()
    };
    let names = vec!["a".to_string(), "b".to_string()];
    let tol = Tolerances::registry();
    let base = reversibility_test(&[&a, &b]).unwrap();
    assert!(check_reversibility(&names, Some(&base), &tol).status == Status::Pass);
    // Powers of two scale exactly: t and p are bit-identical.
    let two =
        reversibility_test(&[&scaled(&a, 2f64.powi(500)), &scaled(&b, 2f64.powi(520))]).unwrap();
    assert_eq!(two.pairs[0].t, base.pairs[0].t);
    assert_eq!(two.p_value, base.p_value);
    for c in [1e160, 1e-160] {
        let (sa, sb) = (scaled(&a, c), scaled(&b, c));
        let r = reversibility_test(&[&sa, &sb]).unwrap();
        let t = r.pairs[0].t;
        assert!(t.is_finite(), "scale {c}: t = {t}");
        assert!(
            SCALE_INVARIANCE.accepts(rel_diff(t, base.pairs[0].t), 1),
            "scale {c}: t = {t} vs {}",
            base.pairs[0].t
        );
        let v = check_reversibility(&names, Some(&r), &tol);
        assert_eq!(v.status, Status::Pass, "scale {c}: {v:?}");
    }
}
