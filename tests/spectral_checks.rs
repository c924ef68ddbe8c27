//! Every spectral checker with a case it passes and a case it must fail (checkers have teeth).

use std::sync::Arc;

use mcmc_audit::checks::spectral::{
    FlipEvidence, check_a4, check_a5, check_a6, check_a7, check_a8, check_a9, check_o1a, check_o1b,
};
use mcmc_audit::checks::{Status, Tolerances};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::spectrum::Spectrum;
use mcmc_audit::exact::spectrum::flip::FlipResiduals;
use mcmc_audit::exact::structure::{Structure, boundary_flow};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, Pairwise, generators};
use mcmc_audit::observables::L2Defects;
use mcmc_audit::observables::Observables;
use mcmc_audit::trainability::estimator::Estimator;
use mcmc_audit::trainability::estimator::Init;
use mcmc_audit::trainability::predictors::{cluster, threshold_sweep};
use mcmc_audit::trainability::projection::Projected;
use mcmc_audit::trainability::projection::{
    cluster_projection_residuals, conditioning_flows, projection_residuals,
};
use mcmc_audit::trainability::{AnalysisConfig, BurnIn, DEFAULT_EPSILON, analyze, default_sweep};

fn chain(m: Pairwise) -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(m);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    ExactChain::from_kernel(m.as_ref(), &k).unwrap()
}

fn tol() -> Tolerances {
    Tolerances::default()
}

fn status(v: &[mcmc_audit::checks::Verdict], id: &str) -> Status {
    v.iter().find(|x| x.id == id).unwrap().status
}

/// Curie–Weiss at β = 8 with a tiny uniform field h = 1e-3: the flip symmetry is broken just enough
/// that the nearly-odd slowest mode (γ ≈ 3e-10) picks up a relative pair weight ≈ 8e-10 — inside
/// the A8 sweep — while its factor (1+σ)/(1−σ) makes it a third of T_O.
fn weakly_broken() -> Pairwise {
    let cw = generators::curie_weiss(6, 8.0).unwrap();
    Pairwise::new("cw+h", 6, 8.0, cw.edges(), Some(vec![1e-3; 6])).unwrap()
}

//= test:A4
#[test]
fn a4_passes_finite_observables_and_fails_non_finite_ones() {
    let c = chain(generators::curie_weiss(4, 1.0).unwrap());
    assert_eq!(
        check_a4(
            &L2Defects::of(&Observables::pairs(4), &c.pi),
            c.n_states,
            &tol()
        )
        .status,
        Status::Pass
    );
    let mut bad = Observables::fields(4).values;
    bad[2][5] = f64::INFINITY;
    let obs = Observables::from_columns((0..4).map(|i| format!("f{i}")).collect(), bad).unwrap();
    let v = check_a4(&L2Defects::of(&obs, &c.pi), c.n_states, &tol());
    assert_eq!(v.status, Status::Fail);
    assert_eq!(v.measured, Some(1.0));
}

//= test:A5
//= test:A5.burn-in
//= test:A5.bias
#[test]
fn a5_passes_an_adequate_burn_in_and_fails_a_short_one() {
    let c = chain(generators::curie_weiss(6, 1.5).unwrap());
    let obs = Observables::magnetization(6);
    let run = |b: BurnIn, k: u64| {
        let cfg = AnalysisConfig {
            estimator: Estimator {
                init: Init::Uniform,
                burn_in: b,
                window: k,
                long_run: false,
            },
            ..AnalysisConfig::default()
        };
        let a = analyze(&c, &obs, Some(6), true, &cfg).unwrap();
        check_a5(
            a.burn_in.unwrap(),
            a.cluster.as_ref().unwrap().gamma_eff,
            a.stats.as_ref(),
            &obs.names,
            &tol(),
        )
    };
    let ok = run(BurnIn::Auto, 100);
    assert_eq!(status(&ok, "A5.burn-in"), Status::Pass);
    assert_eq!(status(&ok, "A5.bias"), Status::Pass);
    assert_eq!(status(&ok, "A5"), Status::Pass);
    // No burn-in, a short window: the all-up/all-down start is not forgotten.
    let bad = run(BurnIn::Steps(0), 5);
    assert_eq!(status(&bad, "A5.burn-in"), Status::Fail);
    assert_eq!(status(&bad, "A5"), Status::Fail);
    // Bias alone: magnetization from uniform start is unbiased (odd observable, even start), so
    // use the stationary-biased pairs.
    let obs2 = Observables::pairs(6);
    let cfg = AnalysisConfig {
        estimator: Estimator {
            burn_in: BurnIn::Steps(0),
            window: 3,
            ..Estimator::default()
        },
        ..AnalysisConfig::default()
    };
    let a = analyze(&c, &obs2, Some(6), true, &cfg).unwrap();
    let v = check_a5(0, Some(1.0), a.stats.as_ref(), &obs2.names, &tol());
    assert_eq!(status(&v, "A5.bias"), Status::Fail);
}

//= test:A6
#[test]
fn a6_passes_a_long_window_and_fails_a_short_one() {
    let c = chain(generators::curie_weiss(6, 1.0).unwrap());
    let obs = Observables::pairs(6);
    let s = Spectrum::new(&c, Some(6)).unwrap();
    let p = Projected::new(&s, &c.pi, &obs);
    let tau = p.tau(
        &s,
        mcmc_audit::trainability::projection::TauConvention::NOverEss,
    );
    let tmax = tau.iter().flatten().copied().fold(0.0, f64::max);
    let k_ok = (60.0 * tmax).ceil() as u64;
    let k_bad = (40.0 * tmax).floor() as u64;
    assert_eq!(
        check_a6(k_ok, &tau, &obs.names, "spectral", &tol()).status,
        Status::Pass
    );
    assert_eq!(
        check_a6(k_bad, &tau, &obs.names, "spectral", &tol()).status,
        Status::Fail
    );
}

//= test:A7
#[test]
fn a7_passes_a_fast_bulk_and_fails_a_slow_one() {
    let c = chain(weakly_broken());
    let obs = Observables::pairs(6);
    let s = Spectrum::new(&c, None).unwrap();
    let p = Projected::new(&s, &c.pi, &obs);
    // ε below the slow mode's weight: the slow mode is in the cluster and the bulk is fast.
    let inside = cluster(&s, &p, 1e-14);
    assert_eq!(check_a7(&inside, &tol()).status, Status::Pass);
    // ε above it: the slow mode carries weight but sits in the bulk — γ_bulk ≈ γ ≪ floor; the
    // ordering gap is reported (negative: cluster modes lie below the bulk mode).
    let outside = cluster(&s, &p, 1e-3);
    let v = check_a7(&outside, &tol());
    assert_eq!(v.status, Status::Fail);
    assert!(v.detail["ordering_gap"].as_f64().unwrap() < 0.0);
}

//= test:A8
#[test]
fn a8_passes_a_symmetric_model_and_fails_naming_the_epsilon_range() {
    for (m, flip, want) in [
        (
            generators::curie_weiss(6, 2.0).unwrap(),
            Some(6),
            Status::Pass,
        ),
        (weakly_broken(), None, Status::Fail),
    ] {
        let c = chain(m);
        let obs = Observables::pairs(6);
        let s = Spectrum::new(&c, flip).unwrap();
        let p = Projected::new(&s, &c.pi, &obs);
        let w = cluster(&s, &p, DEFAULT_EPSILON);
        let sweep = threshold_sweep(&s, &p, &default_sweep());
        let v = check_a8(&sweep, &w, &tol());
        assert_eq!(v.status, want, "{v:?}");
        if want == Status::Fail {
            let r = v.detail["moved_epsilon_range"].as_array().unwrap();
            assert!(r[0].as_f64().unwrap() <= r[1].as_f64().unwrap());
            assert!(v.detail["reason"].as_str().unwrap().contains("epsilon in"));
        }
    }
}

//= test:A9
//= test:A9.pi
//= test:A9.kernel
//= test:A9.observables
#[test]
fn a9_passes_field_free_pairs_and_fails_fields() {
    let c = chain(generators::sk(5, 1.0, 0).unwrap());
    let s = Spectrum::new(&c, Some(5)).unwrap();
    let flip = FlipResiduals::measure(&c).unwrap();
    let evidence = |obs: &Observables| FlipEvidence {
        residuals: &flip,
        observables_abs: flip.observables_abs(obs),
    };
    let v = check_a9(
        evidence(&Observables::pairs(5)),
        c.n_states,
        s.parity.as_deref(),
        &tol(),
    );
    assert!(v.iter().all(|x| x.status == Status::Pass));
    let a9 = v.iter().find(|x| x.id == "A9").unwrap();
    assert_eq!(a9.detail["parities"].as_str().unwrap().len(), 32);
    assert_eq!(a9.detail["even_modes"], 16);
    // Odd observables.
    let v = check_a9(
        evidence(&Observables::fields(5)),
        c.n_states,
        s.parity.as_deref(),
        &tol(),
    );
    assert_eq!(status(&v, "A9.observables"), Status::Fail);
    assert_eq!(status(&v, "A9"), Status::Fail);
    // A model with fields: π not invariant; a field-dependent kernel not equivariant.
    let sk = generators::sk(5, 1.0, 0).unwrap();
    let h = Pairwise::new("sk+h", 5, 1.0, sk.edges(), Some(vec![0.3; 5])).unwrap();
    let c = chain(h);
    let flip = FlipResiduals::measure(&c).unwrap();
    let pairs = Observables::pairs(5);
    let v = check_a9(
        FlipEvidence {
            residuals: &flip,
            observables_abs: flip.observables_abs(&pairs),
        },
        c.n_states,
        None,
        &tol(),
    );
    assert_eq!(status(&v, "A9.pi"), Status::Fail);
    assert_eq!(status(&v, "A9.kernel"), Status::Fail);
}

//= test:O1.a
#[test]
fn o1a_passes_the_eigenbasis_and_fails_a_skewed_basis() {
    let c = chain(generators::hopfield(6, 2, 1.0, 1).unwrap());
    let obs = Observables::pairs(6);
    let s = Spectrum::new(&c, Some(6)).unwrap();
    let p = Projected::new(&s, &c.pi, &obs);
    let cl = cluster(&s, &p, DEFAULT_EPSILON);
    let r = cluster_projection_residuals(&s, &cl, &obs, &c.pi);
    assert_eq!(check_o1a(&r, c.n_states, &tol()).status, Status::Pass);
    // A skewed (non-orthonormal) basis B = U (I + 0.1 T) with T strictly upper triangular:
    // B Bᵀ-type "projections" built from it are neither idempotent nor Parseval.
    let n = s.n;
    let skew = |c: &[Vec<f64>]| -> Vec<Vec<f64>> {
        c.iter()
            .map(|v| {
                (0..n)
                    .map(|j| v[j] + if j + 1 < n { 0.1 * v[j + 1] } else { 0.0 })
                    .collect()
            })
            .collect()
    };
    let analyze_bad = |w: &[Vec<f64>]| skew(&s.analyze(w));
    let synth_bad = |c: &[Vec<f64>]| s.synthesize(&skew(c));
    let mut in_c = vec![false; n];
    cl.members.iter().for_each(|&j| in_c[j] = true);
    let ws: Vec<Vec<f64>> = (0..3)
        .map(|k| (0..n).map(|x| ((x * 7 + k) % 5) as f64 - 2.0).collect())
        .collect();
    let r = projection_residuals(&analyze_bad, &synth_bad, &in_c, &ws);
    assert_eq!(check_o1a(&r, n, &tol()).status, Status::Fail);
}

//= test:O1.b
#[test]
fn o1b_passes_an_irreducible_chain_and_fails_an_invariant_set() {
    let c = chain(generators::curie_weiss(5, 1.5).unwrap());
    let obs = Observables::pairs(5);
    let s = Spectrum::new(&c, Some(5)).unwrap();
    let p = Projected::new(&s, &c.pi, &obs);
    let cl = cluster(&s, &p, DEFAULT_EPSILON);
    let flows = conditioning_flows(&c, Some((&s, &cl)), true);
    let v = check_o1b(Structure::of(&c).components, &flows, c.n_states, &tol());
    assert_eq!(v.status, Status::Pass, "{v:?}");
    // Two disconnected 2-state chains: {0,1} is P-invariant; its indicator commutes with P.
    let p4 = vec![
        0.5, 0.5, 0.0, 0.0, //
        0.5, 0.5, 0.0, 0.0, //
        0.0, 0.0, 0.3, 0.7, //
        0.0, 0.0, 0.7, 0.3,
    ];
    let r = ExactChain::from_matrix(p4, 4, Some(vec![0.25; 4]), "reducible".into()).unwrap();
    assert_eq!(boundary_flow(&r, &[true, true, false, false]), 0.0);
    let flows = conditioning_flows(&r, None, true);
    assert_eq!(
        check_o1b(Structure::of(&r).components, &flows, r.n_states, &tol()).status,
        Status::Fail
    );
}
