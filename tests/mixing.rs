//! Exact mixing of non-reversible kernels (issue 12 item 1): the complex spectrum with its residual
//! bounds, the reversibilization gaps γ(PP*) and γ_ps, the distance to stationarity and t_mix — each
//! against brute force (explicit P*, explicit powers, an independent eigensolver) or a closed form, on
//! a systematic sweep of a frustrated model, a drifting ring, and reversible chains.

use std::sync::Arc;

use mcmc_audit::checks::Status;
use mcmc_audit::exact::ExactChain;
use mcmc_audit::exact::lumping::Lumping;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::numeric::tolerance::rel_diff;
use mcmc_audit::numeric::tolerance::test::{
    CLOSED_FORM_EIGENVALUE, SOLVER_CROSS_CHECK, SPECTRAL_VS_POISSON, TV_VS_BRUTE_FORCE,
};
use mcmc_audit::observables::Observables;
use mcmc_audit::pipeline::audit::{AuditOptions, SpectralSettings, audit_chain, audit_kernel};
use mcmc_audit::trainability::mixing::{
    Eigenvalue, complex_spectrum, complex_spectrum_with, mixing_profile, mixing_profile_with,
    reversibilization_gaps, reversibilization_gaps_with, reversible_gaps,
};
use mcmc_audit::trainability::{AnalysisConfig, analyze, poisson};
use nalgebra::DMatrix;

fn chain_of(model: &Arc<dyn Model>, blocks: Blocks, scan: Scan) -> ExactChain {
    let k = build_kernel(model.clone(), Rule::Gibbs, &blocks, scan).unwrap();
    ExactChain::from_kernel(model.as_ref(), &k).unwrap()
}

/// A systematic sweep of two interacting blocks (each a joint heat bath) on a frustrated SK model.
fn frustrated_sweep(scan: Scan) -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(generators::sk(6, 1.2, 4).unwrap());
    chain_of(
        &m,
        Blocks::Explicit(vec![vec![0, 1, 2], vec![3, 4, 5]]),
        scan,
    )
}

fn dense(c: &ExactChain) -> DMatrix<f64> {
    DMatrix::from_fn(c.n_states, c.n_states, |x, y| c.p(x, y))
}

/// `D^{1/2} M D^{−1/2}` symmetrized, for an M self-adjoint in L²(π).
fn sym_in_pi(m: &DMatrix<f64>, pi: &[f64]) -> DMatrix<f64> {
    let n = pi.len();
    let s = DMatrix::from_fn(n, n, |x, y| m[(x, y)] * (pi[x] / pi[y]).sqrt());
    (&s + s.transpose()) * 0.5
}

fn second_eigenvalue(m: DMatrix<f64>) -> f64 {
    let mut v: Vec<f64> = m.symmetric_eigen().eigenvalues.iter().copied().collect();
    v.sort_by(|a, b| b.total_cmp(a));
    v[1]
}

/// The time reversal `P* = D⁻¹ Pᵀ D`, explicitly.
fn reversal(p: &DMatrix<f64>, pi: &[f64]) -> DMatrix<f64> {
    let n = pi.len();
    DMatrix::from_fn(n, n, |x, y| pi[y] * p[(y, x)] / pi[x])
}

fn brute_tv(pt: &DMatrix<f64>, pi: &[f64]) -> f64 {
    (0..pi.len())
        .map(|x| {
            0.5 * (0..pi.len())
                .map(|y| (pt[(x, y)] - pi[y]).abs())
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

#[test]
fn systematic_sweep_reversibilization_gaps_match_explicit_p_star() {
    let c = frustrated_sweep(Scan::Systematic);
    let p = dense(&c);
    let ps = reversal(&p, &c.pi);
    let g = reversibilization_gaps(&c, 8).unwrap();
    // γ(PP*) from the explicit product.
    let brute = 1.0 - second_eigenvalue(sym_in_pi(&(&p * &ps), &c.pi));
    assert!(
        CLOSED_FORM_EIGENVALUE.accepts(g.gap_multiplicative - brute, c.n_states),
        "{} vs {brute}",
        g.gap_multiplicative
    );
    // γ_ps from the explicit (P*)^k P^k.
    let (mut pk, mut psk) = (p.clone(), ps.clone());
    let mut best = (0usize, f64::NEG_INFINITY);
    for k in 1..=8 {
        if k > 1 {
            pk = &pk * &p;
            psk = &psk * &ps;
        }
        let gk = 1.0 - second_eigenvalue(sym_in_pi(&(&psk * &pk), &c.pi));
        assert!(
            CLOSED_FORM_EIGENVALUE.accepts(g.gap_by_k[k - 1] - gk, c.n_states),
            "k = {k}: {} vs {gk}",
            g.gap_by_k[k - 1]
        );
        if gk / k as f64 > best.1 {
            best = (k, gk / k as f64);
        }
    }
    assert_eq!(g.k, best.0);
    assert!(CLOSED_FORM_EIGENVALUE.accepts(g.pseudo_gap - best.1, c.n_states));
}

#[test]
fn distance_to_stationarity_and_mixing_time_match_explicit_powers() {
    let c = frustrated_sweep(Scan::Systematic);
    let p = dense(&c);
    let uniform = vec![1.0 / c.n_states as f64; c.n_states];
    let prof = mixing_profile(&c, &uniform, &[0.25, 0.01]);
    // d(t) and d_μ(t) at t = 1, 2, 4, … against explicit powers.
    let mut pt = p.clone();
    let mut t = 1u64;
    let mut by_t = vec![(1u64, brute_tv(&p, &c.pi))];
    let mut powers = vec![p.clone()];
    while t < 4096 {
        pt = &pt * &p;
        t += 1;
        powers.push(pt.clone());
        by_t.push((t, brute_tv(&pt, &c.pi)));
    }
    for d in &prof.distance {
        let brute = by_t[(d.t - 1) as usize].1;
        assert!(TV_VS_BRUTE_FORCE.accepts(d.worst - brute, 1), "t = {}", d.t);
        let mu: f64 = 0.5
            * (0..c.n_states)
                .map(|y| {
                    let m: f64 = (0..c.n_states)
                        .map(|x| uniform[x] * powers[(d.t - 1) as usize][(x, y)])
                        .sum();
                    (m - c.pi[y]).abs()
                })
                .sum::<f64>();
        assert!(
            TV_VS_BRUTE_FORCE.accepts(d.from_start - mu, 1),
            "t = {}",
            d.t
        );
    }
    // t_mix(ε) is the first t with d(t) ≤ ε, found without stepping t one by one.
    for m in &prof.mixing_time {
        let first = by_t.iter().find(|(_, d)| *d <= m.epsilon).map(|(t, _)| *t);
        assert_eq!(m.worst, first, "epsilon {}", m.epsilon);
        assert!(m.worst.unwrap() > 1, "the test needs a t_mix above 1");
    }
    // O(log t_mix) products, far fewer than t_mix.
    let t_mix = prof.mixing_time.last().unwrap().worst.unwrap();
    assert!((prof.products as u64) < t_mix, "{} products", prof.products);
}

#[test]
fn complex_spectrum_agrees_with_an_independent_solver_and_bounds_its_error() {
    let c = frustrated_sweep(Scan::Systematic);
    let cs = complex_spectrum(&c).unwrap();
    let mut nal: Vec<(f64, f64)> = dense(&c)
        .complex_eigenvalues()
        .iter()
        .map(|z| (z.re, z.im))
        .collect();
    nal.sort_by(|a, b| b.0.hypot(b.1).total_cmp(&a.0.hypot(a.1)));
    assert!(SOLVER_CROSS_CHECK.accepts(cs.values[0].re - 1.0, c.n_states));
    for (v, (re, im)) in cs.values.iter().zip(&nal) {
        assert!(
            SOLVER_CROSS_CHECK.accepts(v.modulus - re.hypot(*im), c.n_states),
            "{v:?} vs {re} {im}"
        );
        // Each eigenvalue's residual is at rounding level and its forward bound covers the
        // distance to the other solver's eigenvalue of the same modulus.
        assert!(
            CLOSED_FORM_EIGENVALUE.accepts(v.residual, c.n_states),
            "{v:?}"
        );
        if !v.structural {
            assert!(v.condition >= 1.0 - 1e-12, "{v:?}");
        }
    }
    assert!(rel_diff(cs.absolute_gap, 1.0 - cs.lambda2_modulus) == 0.0);
    // The first block is resampled without being read: 8 states share each row, so 56 of the 64
    // eigenvalues are structural zeros.
    let lump = Lumping::of(&c).unwrap();
    assert_eq!(lump.len(), 8);
    assert_eq!(cs.values.iter().filter(|v| v.structural).count(), 56);
}

/// A single-site systematic sweep (heat bath) of SK N = 8: the first site is resampled without
/// being read, so the 256 rows come in 128 identical pairs.
fn site_sweep() -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(generators::sk(8, 1.0, 3).unwrap());
    chain_of(&m, Blocks::Sites, Scan::Systematic)
}

/// Greedy nearest matching of two eigenvalue lists (complex distance), returning each pair.
fn matched<'a>(a: &'a [Eigenvalue], b: &'a [Eigenvalue]) -> Vec<(&'a Eigenvalue, &'a Eigenvalue)> {
    let mut free: Vec<&Eigenvalue> = b.iter().collect();
    a.iter()
        .map(|x| {
            let (i, _) = free
                .iter()
                .enumerate()
                .map(|(i, y)| (i, (x.re - y.re).hypot(x.im - y.im)))
                .min_by(|p, q| p.1.total_cmp(&q.1))
                .unwrap();
            (x, free.swap_remove(i))
        })
        .collect()
}

#[test]
fn identical_rows_factor_p_exactly_and_only_when_they_exist() {
    let c = site_sweep();
    let l = Lumping::of(&c).unwrap();
    assert_eq!(l.len(), c.n_states / 2);
    // P = B R, bit for bit, and M = R B has stochastic rows.
    let r = l.rows(&c);
    for x in 0..c.n_states {
        for y in 0..c.n_states {
            assert_eq!(c.p(x, y), r[(l.class_of[x], y)]);
        }
    }
    let m = l.lumped(&c);
    for i in 0..l.len() {
        let row: f64 = (0..l.len()).map(|j| m[(i, j)]).sum();
        assert!(SOLVER_CROSS_CHECK.accepts(row - 1.0, l.len()));
    }
    // A random scan (lazy in the resampled site) and the symmetrized sweep have distinct rows.
    let model: Arc<dyn Model> = Arc::new(generators::sk(8, 1.0, 3).unwrap());
    assert!(Lumping::of(&chain_of(&model, Blocks::Sites, Scan::Random)).is_none());
}

#[test]
fn the_lumped_route_agrees_with_the_dense_route() {
    for c in [site_sweep(), frustrated_sweep(Scan::Systematic)] {
        let n = c.n_states;
        let l = Lumping::of(&c).unwrap();
        // Spectrum: the m eigenvalues of M match m of P's within both routes' forward bounds, and
        // the n − m structural zeros match P's remaining (numerically tiny) eigenvalues.
        let lumped = complex_spectrum_with(&c, Some(&l)).unwrap();
        let dense = complex_spectrum_with(&c, None).unwrap();
        assert_eq!(lumped.values.len(), n);
        assert_eq!(
            lumped.values.iter().filter(|v| v.structural).count(),
            n - l.len()
        );
        for (a, b) in matched(&lumped.values, &dense.values) {
            let d = (a.re - b.re).hypot(a.im - b.im);
            assert!(
                SOLVER_CROSS_CHECK.accepts((d - a.error_bound - b.error_bound).max(0.0), n),
                "{a:?} vs {b:?}"
            );
            // Away from the (defective) cluster at 0, whose computed members carry residuals of
            // order √ε and say so in their bounds, each eigenvalue of M is exact to rounding.
            if !a.structural && a.modulus > 1e-6 {
                assert!(CLOSED_FORM_EIGENVALUE.accepts(a.residual, n), "{a:?}");
            }
        }
        assert!(SOLVER_CROSS_CHECK.accepts(lumped.lambda2_modulus - dense.lambda2_modulus, n));
        // Reversibilization gaps for every k.
        let gl = reversibilization_gaps_with(&c, 8, Some(&l)).unwrap();
        let gd = reversibilization_gaps_with(&c, 8, None).unwrap();
        assert_eq!(gl.k, gd.k);
        for (a, b) in gl.gap_by_k.iter().zip(&gd.gap_by_k) {
            assert!(SOLVER_CROSS_CHECK.accepts(a - b, n), "{a} vs {b}");
        }
        // Distances along the squaring ladder and every mixing time.
        let start = vec![1.0 / n as f64; n];
        let eps = [0.25, 1e-3];
        let pl = mixing_profile_with(&c, &start, &eps, Some(&l));
        let pd = mixing_profile_with(&c, &start, &eps, None);
        assert_eq!(pl.distance.len(), pd.distance.len());
        for (a, b) in pl.distance.iter().zip(&pd.distance) {
            assert_eq!(a.t, b.t);
            assert!(TV_VS_BRUTE_FORCE.accepts(a.worst - b.worst, 1));
            assert!(TV_VS_BRUTE_FORCE.accepts(a.from_start - b.from_start, 1));
        }
        assert_eq!(pl.mixing_time, pd.mixing_time);
    }
}

/// A drifting walk on a ring of m states: P(x, x+1) = a, P(x, x−1) = b, P(x, x) = 1 − a − b. It is
/// doubly stochastic (π uniform) and circulant, so λ_k = (1 − a − b) + a ω^k + b ω^{−k},
/// ω = e^{2πi/m}: a complex spectrum whose second modulus differs from its real part.
fn drifting_ring(m: usize, a: f64, b: f64) -> ExactChain {
    let mut p = vec![0.0; m * m];
    for x in 0..m {
        p[x * m + (x + 1) % m] += a;
        p[x * m + (x + m - 1) % m] += b;
        p[x * m + x] += 1.0 - a - b;
    }
    ExactChain::from_matrix(p, m, Some(vec![1.0 / m as f64; m]), "ring".into()).unwrap()
}

#[test]
fn a_drifting_ring_reports_the_modulus_of_its_complex_second_eigenvalue() {
    let (m, a, b) = (7usize, 0.75, 0.05);
    let c = drifting_ring(m, a, b);
    let w = 2.0 * std::f64::consts::PI / m as f64;
    let lam = |k: usize| {
        let re = (1.0 - a - b) + (a + b) * (w * k as f64).cos();
        let im = (a - b) * (w * k as f64).sin();
        (re, im)
    };
    let (re2, im2) = lam(1);
    let closed = re2.hypot(im2);
    let cs = complex_spectrum(&c).unwrap();
    assert!(CLOSED_FORM_EIGENVALUE.accepts(cs.lambda2_modulus - closed, m));
    assert!((cs.values[1].im.abs() - im2.abs()).abs() < 1e-12);
    assert!((closed - re2.abs()) > 0.1, "the test needs |λ₂| ≠ |Re λ₂|");
    // The audit reports the modulus, not the real part, and labels the kernel non-reversible.
    let r = audit_chain(&c, &AuditOptions::default()).unwrap();
    assert_eq!(r.verdict("A2").unwrap().status, Status::Fail);
    let q = &r.quantities;
    let reported = q["lambda2_modulus"].as_f64().unwrap();
    assert!(CLOSED_FORM_EIGENVALUE.accepts(reported - closed, m));
    assert!(q["spectrum_complex"][1]["im"].as_f64().unwrap().abs() > 0.1);
    assert!(
        q["undefined"]["q_struct_perp"]
            .as_str()
            .unwrap()
            .contains("self-adjoint")
    );
}

#[test]
fn on_reversible_chains_the_general_route_equals_the_closed_forms() {
    let m: Arc<dyn Model> = Arc::new(generators::hopfield(6, 2, 1.3, 2).unwrap());
    for (blocks, scan) in [
        (Blocks::Sites, Scan::Random),
        (
            Blocks::Explicit(vec![vec![0, 1, 2], vec![3, 4, 5]]),
            Scan::Symmetrized,
        ),
    ] {
        let c = chain_of(&m, blocks, scan);
        let sigma = mcmc_audit::exact::spectrum::eigenvalues(&c, None)
            .unwrap()
            .0;
        let closed = reversible_gaps(&sigma, 8);
        let general = reversibilization_gaps(&c, 8).unwrap();
        for (a, b) in general.gap_by_k.iter().zip(&closed.gap_by_k) {
            assert!(
                CLOSED_FORM_EIGENVALUE.accepts(a - b, c.n_states),
                "{a} vs {b}"
            );
        }
        // γ(PP*) = 1 − σ*² with σ* the largest non-unit modulus.
        let star = sigma.iter().skip(1).map(|s| s.abs()).fold(0.0, f64::max);
        assert!(
            CLOSED_FORM_EIGENVALUE
                .accepts(general.gap_multiplicative - (1.0 - star * star), c.n_states)
        );
        assert!(CLOSED_FORM_EIGENVALUE.accepts(general.pseudo_gap - closed.pseudo_gap, c.n_states));
        assert_eq!(general.k, closed.k);
        let cs = complex_spectrum(&c).unwrap();
        assert!(CLOSED_FORM_EIGENVALUE.accepts(cs.lambda2_modulus - star, c.n_states));
    }
}

#[test]
fn systematic_sweep_fails_a2_and_reports_every_replacement_and_tau() {
    let m: Arc<dyn Model> = Arc::new(generators::sk(6, 1.2, 4).unwrap());
    let k = build_kernel(
        m.clone(),
        Rule::Gibbs,
        &Blocks::Explicit(vec![vec![0, 1, 2], vec![3, 4, 5]]),
        Scan::Systematic,
    )
    .unwrap();
    let opts = AuditOptions {
        spectral: Some(SpectralSettings {
            estimator: Some(Default::default()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = audit_kernel(m.as_ref(), &k, &opts).unwrap();
    assert_eq!(r.verdict("A2").unwrap().status, Status::Fail);
    let q = &r.quantities;
    for key in [
        "spectrum_complex",
        "lambda2_modulus",
        "absolute_gap",
        "gap_multiplicative",
        "pseudo_gap",
        "pseudo_gap_k",
        "mixing_time",
        "distance_to_stationarity",
        "tau",
        "asymptotic_variance",
        "exact_mse",
        "window_bias",
        "window_variance",
        "window_mse",
    ] {
        assert!(!q[key].is_null(), "{key} missing: {q:?}");
    }
    assert_eq!(q["tau_route"], "poisson");
    assert!(q["window_route"].as_str().unwrap().contains("B steps of P"));
    // Per observable: MSE = variance + bias², and the reported total is their sum.
    let names: Vec<String> = q["window_mse"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut total = 0.0;
    for nm in &names {
        let (b, v, m) = (
            q["window_bias"][nm].as_f64().unwrap(),
            q["window_variance"][nm].as_f64().unwrap(),
            q["window_mse"][nm].as_f64().unwrap(),
        );
        assert!(
            SPECTRAL_VS_POISSON.accepts(rel_diff(m, v + b * b), 1),
            "{nm}"
        );
        total += m;
    }
    assert!(SPECTRAL_VS_POISSON.accepts(rel_diff(total, q["exact_mse"].as_f64().unwrap()), 1));
    // burn_in = "auto" on a non-reversible kernel: ⌈5/γ_ps⌉.
    let gps = q["pseudo_gap"].as_f64().unwrap();
    assert_eq!(q["burn_in"].as_u64().unwrap(), (5.0 / gps).ceil() as u64);
    // Every τ matches the truncated autocorrelation sum of the exact chain.
    let c = frustrated_sweep(Scan::Systematic);
    let obs = Observables::pairs(6);
    let p = dense(&c);
    for (a, f) in obs.values.iter().enumerate() {
        let mean: f64 = c.pi.iter().zip(f).map(|(p, v)| p * v).sum();
        let fb: Vec<f64> = f.iter().map(|v| v - mean).collect();
        let var: f64 = c.pi.iter().zip(&fb).map(|(p, v)| p * v * v).sum();
        let mut g = nalgebra::DVector::from_vec(fb.clone());
        let mut tau = 1.0;
        for _ in 0..20_000 {
            g = &p * &g;
            let rho: f64 = (0..c.n_states).map(|x| c.pi[x] * fb[x] * g[x]).sum::<f64>() / var;
            tau += 2.0 * rho;
            if rho.abs() < 1e-18 {
                break;
            }
        }
        let exact = q["tau"][&obs.names[a]].as_f64().unwrap();
        assert!(
            SPECTRAL_VS_POISSON.accepts(rel_diff(exact, tau), 1),
            "{exact} vs {tau}"
        );
    }
}

#[test]
fn the_symmetrized_sweep_passes_a2_and_its_two_tau_routes_agree() {
    let c = frustrated_sweep(Scan::Symmetrized);
    let obs = Observables::pairs(6);
    let spectral = analyze(&c, &obs, None, true, &AnalysisConfig::default()).unwrap();
    let pois = poisson::tau(&c, &obs).unwrap();
    for (a, b) in spectral.tau.iter().zip(&pois) {
        assert!(SPECTRAL_VS_POISSON.accepts(rel_diff(a.unwrap(), b.unwrap()), 1));
    }
    let m: Arc<dyn Model> = Arc::new(generators::sk(6, 1.2, 4).unwrap());
    let k = build_kernel(
        m.clone(),
        Rule::Gibbs,
        &Blocks::Explicit(vec![vec![0, 1, 2], vec![3, 4, 5]]),
        Scan::Symmetrized,
    )
    .unwrap();
    let r = audit_kernel(m.as_ref(), &k, &AuditOptions::default()).unwrap();
    assert_eq!(r.verdict("A2").unwrap().status, Status::Pass);
    // A reversible kernel without [mixing] spends nothing on the mixing measures.
    assert!(r.quantities.get("pseudo_gap").is_none());
}
