//! Closed-form spectra (issue #2) and an independent eigensolver cross-check.
//!
//! - At β = 0, random-scan single-site heat bath on N spins is `(1/N) Σ_i Π_i` with `Π_i` the
//!   projection that forgets spin i; on the parity basis `χ_S(x) = Π_{i∈S} x_i` it acts as
//!   `1 − |S|/N`, so eigenvalue `1 − k/N` has multiplicity `C(N, k)`.
//! - 1-D Glauber (random-scan heat bath on a field-free ring with coupling J): the heat-bath mean is
//!   `E[x_i' | x] = tanh(βJ(x_{i−1} + x_{i+1})) = (γ/2)(x_{i−1} + x_{i+1})` with `γ = tanh(2βJ)`, so the
//!   magnetization is an eigenfunction with eigenvalue `1 − (1 − γ)/N` (Glauber 1963).

use std::sync::Arc;

use mcmc_audit::exact::{ExactChain, spectrum};
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, Pairwise, generators, spin_of};
use mcmc_audit::numeric::tolerance::test::{CLOSED_FORM_EIGENVALUE, SOLVER_CROSS_CHECK};

fn gibbs_chain(model: Pairwise) -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(model);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    ExactChain::from_kernel(m.as_ref(), &k).unwrap()
}

fn binom(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

//= test:A3.spectral-gap
#[test]
fn beta_zero_gibbs_has_eigenvalues_one_minus_k_over_n() {
    for n in 2..=10 {
        let vals =
            spectrum::eigenvalues(&gibbs_chain(generators::curie_weiss(n, 0.0).unwrap()), None)
                .unwrap()
                .0;
        let mut expected = Vec::new();
        for k in 0..=n {
            expected.extend(std::iter::repeat_n(1.0 - k as f64 / n as f64, binom(n, k)));
        }
        assert_eq!(vals.len(), expected.len());
        for (i, (v, e)) in vals.iter().zip(&expected).enumerate() {
            assert!(
                CLOSED_FORM_EIGENVALUE.accepts(v - e, vals.len()),
                "N = {n}, eigenvalue {i}: {v} vs {e} (diff {:e})",
                v - e
            );
        }
    }
}

#[test]
fn glauber_ring_magnetization_mode() {
    for (n, beta, j) in [(6usize, 0.7, 1.0), (8, 0.3, -0.8), (10, 1.2, 0.5)] {
        let ring: Vec<(usize, usize, f64)> = (0..n)
            .map(|i| (i.min((i + 1) % n), i.max((i + 1) % n), j))
            .collect();
        let chain = gibbs_chain(Pairwise::new("ring", n, beta, &ring, None).unwrap());
        let lambda = 1.0 - (1.0 - (2.0 * beta * j).tanh()) / n as f64;
        // P M = λ M pointwise.
        let m: Vec<f64> = (0..chain.n_states)
            .map(|s| (0..n).map(|i| f64::from(spin_of(s, i))).sum())
            .collect();
        for x in 0..chain.n_states {
            let pm: f64 = chain.row(x).iter().zip(&m).map(|(p, v)| p * v).sum();
            assert!(
                CLOSED_FORM_EIGENVALUE.accepts(pm - lambda * m[x], chain.n_states),
                "x = {x}"
            );
        }
        // And λ is in the computed spectrum.
        let vals = spectrum::eigenvalues(&chain, None).unwrap().0;
        let nearest = vals
            .iter()
            .map(|v| (v - lambda).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            CLOSED_FORM_EIGENVALUE.accepts(nearest, chain.n_states),
            "n = {n}: nearest {nearest:e}"
        );
    }
}

#[test]
fn nalgebra_cross_checks_faer() {
    for (n, seed) in [(3usize, 1u64), (4, 2), (5, 3), (6, 4)] {
        let chain = gibbs_chain(generators::sk(n, 1.3, seed).unwrap());
        let faer_vals = spectrum::eigenvalues(&chain, None).unwrap().0;
        let s = spectrum::symmetric_part(&chain);
        let d = chain.n_states;
        let m = nalgebra::DMatrix::from_fn(d, d, |i, j| s[(i, j)]);
        let mut nal: Vec<f64> = nalgebra::SymmetricEigen::new(m)
            .eigenvalues
            .iter()
            .copied()
            .collect();
        nal.sort_by(|a, b| b.total_cmp(a));
        for (a, b) in faer_vals.iter().zip(&nal) {
            assert!(SOLVER_CROSS_CHECK.accepts(a - b, d), "{a} vs {b}");
        }
    }
}

#[test]
fn gth_matches_the_enumerated_law_even_at_low_temperature() {
    use mcmc_audit::numeric::tolerance::rel_diff;
    use mcmc_audit::numeric::tolerance::test::GTH_VS_ENUMERATION;
    for beta in [0.5, 2.0, 20.0] {
        let chain = gibbs_chain(generators::hopfield(7, 2, beta, 5).unwrap());
        let gth = mcmc_audit::exact::gth::stationary(&chain.p, chain.n_states).unwrap();
        let worst = gth
            .iter()
            .zip(&chain.pi)
            .map(|(a, b)| rel_diff(*a, *b))
            .fold(0.0, f64::max);
        let smallest = chain.pi.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            GTH_VS_ENUMERATION.accepts(worst, chain.n_states),
            "beta {beta}: worst rel {worst:e}, smallest pi {smallest:e}"
        );
    }
}
