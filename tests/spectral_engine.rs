//! The spectral engine: flip blocking, exact τ (closed forms, conventions), spectral vs Poisson
//! routes, Parseval.

use std::sync::Arc;

use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::spectrum::{Parity, Spectrum};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, Pairwise, generators};
use mcmc_audit::numeric::tolerance::{rel_diff, test as tt};
use mcmc_audit::observables::Observables;
use mcmc_audit::trainability::poisson;
use mcmc_audit::trainability::projection::{Projected, TauConvention};
use mcmc_audit::trainability::z2_overlap;

fn chain(m: Pairwise, scan: Scan) -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(m);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, scan).unwrap();
    ExactChain::from_kernel(m.as_ref(), &k).unwrap()
}

#[test]
fn flip_blocked_matches_full_decomposition() {
    let c = chain(generators::sk(7, 1.3, 1).unwrap(), Scan::Random);
    let obs = Observables::pairs(7);
    let full = Spectrum::new(&c, None).unwrap();
    let blk = Spectrum::new(&c, Some(7)).unwrap();
    assert!(blk.is_flip_blocked() && !full.is_flip_blocked());
    for (a, b) in full.sigma.iter().zip(&blk.sigma) {
        assert!(tt::FLIP_BLOCKED_EIGENVALUE.accepts(a - b, c.n_states));
    }
    let pf = Projected::new(&full, &c.pi, &obs);
    let pb = Projected::new(&blk, &c.pi, &obs);
    let tf = pf.tau(&full, TauConvention::NOverEss);
    let tb = pb.tau(&blk, TauConvention::NOverEss);
    for (a, b) in tf.iter().zip(&tb) {
        assert!(tt::FLIP_BLOCKED_TAU.accepts(rel_diff(a.unwrap(), b.unwrap()), 1));
    }
    // Every odd mode is orthogonal to every (even) pair observable.
    let par = blk.parity.as_ref().unwrap();
    for c in &pb.overlap {
        for (j, p) in par.iter().enumerate() {
            if *p == Parity::Odd {
                assert!(tt::Z2_OVERLAP.accepts(c[j], 1), "odd mode {j}: {}", c[j]);
            }
        }
    }
    // Parity vectors really are even/odd under the flip.
    let n = c.n_states;
    for g in [1usize, 2, 3] {
        let u = blk.vector(g);
        let s = if par[g] == Parity::Even { 1.0 } else { -1.0 };
        for x in 0..n {
            // Exact by construction: u(Fx) and u(x) come from the same sector coefficient.
            assert_eq!(u[x ^ (n - 1)], s * u[x], "mode {g}, state {x}");
        }
    }
}

#[test]
fn flip_blocked_spectrum_is_bit_identical_at_any_thread_count() {
    // 2048 states: both 1024² sector solves are big enough for faer to split its work, and the two
    // run concurrently; neither may let the thread count reach the bits.
    let c = chain(generators::curie_weiss(11, 1.0).unwrap(), Scan::Random);
    let obs = Observables::pairs(11);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let s = Spectrum::new(&c, Some(11)).unwrap();
            let p = Projected::new(&s, &c.pi, &obs);
            let odd = (1..s.n)
                .find(|&g| s.parity.as_ref().unwrap()[g] == Parity::Odd)
                .unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            (
                bits(&s.sigma),
                bits(&p.overlap.concat()),
                bits(&s.vector(odd)),
            )
        })
    };
    let one = run(1);
    assert!(one == run(2), "1 vs 2 threads");
    assert!(one == run(3), "1 vs 3 threads");
}

#[test]
fn tau_matches_closed_forms_at_infinite_temperature() {
    // β = 0 random-scan heat bath: each step refreshes one uniformly chosen spin, so
    // ρ_{x_i x_j}(t) = (1 − 2/N)^t ⇒ τ = N − 1, and ρ_{x_i}(t) = (1 − 1/N)^t ⇒ τ = 2N − 1 (N/ESS).
    let n = 6;
    let c = chain(generators::curie_weiss(n, 0.0).unwrap(), Scan::Random);
    let s = Spectrum::new(&c, Some(n)).unwrap();
    for (obs, want) in [
        (Observables::pairs(n), n as f64 - 1.0),
        (Observables::fields(n), 2.0 * n as f64 - 1.0),
    ] {
        let p = Projected::new(&s, &c.pi, &obs);
        for (t, h) in p
            .tau(&s, TauConvention::NOverEss)
            .iter()
            .zip(p.tau(&s, TauConvention::Sokal))
        {
            assert!(tt::TAU_CLOSED_FORM.accepts(rel_diff(t.unwrap(), want), 1));
            assert!(tt::TAU_CLOSED_FORM.accepts(rel_diff(h.unwrap(), want / 2.0), 1));
        }
        for r in &p.parseval_rel {
            assert!(*r < 1e-12);
        }
    }
}

#[test]
fn spectral_and_poisson_routes_agree_on_reversible_kernels() {
    let fields = Some(vec![0.3, -0.2, 0.1, 0.0, 0.25, -0.4]);
    let sk = generators::sk(6, 1.5, 2).unwrap();
    let with_fields = Pairwise::new("sk+h", 6, 1.5, sk.edges(), fields).unwrap();
    for (m, flip) in [
        (generators::curie_weiss(6, 1.2).unwrap(), Some(6)),
        (with_fields, None),
    ] {
        let c = chain(m, Scan::Random);
        for obs in [
            Observables::pairs(6),
            Observables::fields(6),
            Observables::magnetization(6),
        ] {
            let s = Spectrum::new(&c, flip).unwrap();
            let p = Projected::new(&s, &c.pi, &obs);
            let spectral = p.asymptotic_variance(&s);
            let pois = poisson::asymptotic_variance(&c, &obs).unwrap();
            for (a, b) in spectral.iter().zip(&pois) {
                assert!(
                    tt::SPECTRAL_VS_POISSON.accepts(rel_diff(*a, *b), 1),
                    "spectral {a} vs Poisson {b}"
                );
            }
        }
    }
}

#[test]
fn poisson_route_runs_on_non_reversible_kernels() {
    // Systematic scan: not reversible; the Poisson route still gives τ ≥ 0 for every observable.
    let c = chain(generators::sk(5, 1.0, 3).unwrap(), Scan::Systematic);
    let t = poisson::tau(&c, &Observables::pairs(5)).unwrap();
    assert!(t.iter().all(|t| t.unwrap() > 0.0));
}

#[test]
fn phi2_is_odd_and_blind_to_pair_observables() {
    let c = chain(generators::hopfield(8, 2, 2.0, 0).unwrap(), Scan::Random);
    let s = Spectrum::new(&c, Some(8)).unwrap();
    let p = Projected::new(&s, &c.pi, &Observables::pairs(8));
    let z = z2_overlap(&s, &p);
    assert_eq!(z.parity, Some(Parity::Odd));
    assert!(tt::Z2_OVERLAP.accepts(z.max_overlap, 1));
    // With fields as observables, φ_2 is visible.
    let pf = Projected::new(&s, &c.pi, &Observables::fields(8));
    assert!(z2_overlap(&s, &pf).max_overlap > 1e-3);
}

#[test]
fn code_parameters_match_specs_trainability_toml() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/trainability.toml"
    ))
    .unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let defs = v["definition"].as_array().unwrap();
    let get = |id: &str| defs.iter().find(|d| d["id"].as_str() == Some(id)).unwrap();
    let c = get("cluster");
    assert_eq!(
        c["epsilon"].as_float(),
        Some(mcmc_audit::trainability::DEFAULT_EPSILON)
    );
    let sweep = mcmc_audit::trainability::default_sweep();
    let lo = sweep.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = sweep.iter().copied().fold(0.0, f64::max);
    assert!(rel_diff(c["sweep_min"].as_float().unwrap(), lo) < 1e-15);
    assert!(rel_diff(c["sweep_max"].as_float().unwrap(), hi) < 1e-15);
    assert_eq!(
        get("auto-burn-in")["c"].as_float(),
        Some(mcmc_audit::trainability::estimator::AUTO_BURN_IN_C)
    );
    for id in [
        "cluster",
        "t-o",
        "gamma-eff",
        "gamma-bulk",
        "auto-burn-in-nonreversible",
    ] {
        assert_eq!(get(id)["inferred"].as_bool(), Some(true), "{id}");
    }
    use mcmc_audit::trainability::mixing::{DEFAULT_MAX_K, QUARTER};
    assert_eq!(
        get("pseudo-gap")["max_k"].as_integer(),
        Some(DEFAULT_MAX_K as i64)
    );
    assert_eq!(get("mixing-time")["epsilon"].as_float(), Some(QUARTER));
    assert_eq!(
        get("auto-burn-in-nonreversible")["c"].as_float(),
        Some(mcmc_audit::trainability::estimator::AUTO_BURN_IN_C)
    );
}
