//! Recompute checks on the crate's own exact chains (N ≤ 8): each passes on the documented models and
//! fails on a model or kernel where the published property does not hold — checkers have teeth.

use std::sync::Arc;

use mcmc_audit::claims::recompute::{
    block_updates, db_judge, degeneracy_judge, gibbs_chain, order_judge, self_adjoint_judge,
    sigma1_judge, stationarity_judge, z2_cell, z2_judge,
};
use mcmc_audit::claims::{ClaimStatus, Ledger, evaluate};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::Kernel;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, Pairwise, generators};
use mcmc_audit::numeric::tolerance::Tolerance;

fn run(id: &str) -> mcmc_audit::claims::ClaimResult {
    evaluate(&Ledger::builtin().unwrap(), Some(id))
        .unwrap()
        .claims
        .remove(0)
}

fn tol(id: &str) -> Tolerance {
    Ledger::builtin()
        .unwrap()
        .get(id)
        .unwrap()
        .tolerance
        .unwrap()
}

fn sk_with_fields() -> Pairwise {
    let m = generators::sk(8, 1.0, 0).unwrap();
    Pairwise::new("sk+fields", 8, 1.0, m.edges(), Some(vec![0.4; 8])).unwrap()
}

fn systematic_sites(m: &Pairwise) -> ExactChain {
    let a: Arc<dyn Model> = Arc::new(m.clone());
    let k = build_kernel(
        a.clone(),
        Rule::Gibbs,
        &Blocks::Sites,
        Scan::Systematic,
        "test",
    )
    .unwrap();
    ExactChain::from_kernel(a.as_ref(), &k).unwrap()
}

fn rbm_chain(beta: f64, blocks: &[Vec<usize>], symmetrized: bool) -> ExactChain {
    let m: Arc<dyn Model> = Arc::new(generators::rbm(4, 4, 2, beta, 0).unwrap());
    let parts = block_updates(&m, blocks);
    let k = if symmetrized {
        Kernel::symmetrized("sym", parts)
    } else {
        Kernel::systematic("det", parts)
    };
    ExactChain::from_kernel(m.as_ref(), &k).unwrap()
}

//= claim-test:exact.z2-overlap
#[test]
fn z2_overlap_vanishes_without_fields_and_not_with_them() {
    let c = run("exact.z2-overlap");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.recomputed);
    let cells = c.recomputed["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3);
    for cell in cells {
        // phi_2's eigenspace is odd (even part at rounding level).
        assert!(cell["even_part"].as_f64().unwrap() < 1e-10, "{cell}");
    }
    // Fields break the flip symmetry: phi_2 is no longer odd and the overlap is O(0.1).
    let cell = z2_cell(&gibbs_chain(&sk_with_fields()).unwrap(), 1e-9).unwrap();
    assert!(cell.max_overlap > 1e-3, "{cell:?}");
    assert!(!z2_judge(&[cell], tol("exact.z2-overlap")).unwrap().pass);
}

//= claim-test:exact.db-residual
#[test]
fn detailed_balance_at_rounding_level_and_systematic_scan_caught() {
    let c = run("exact.db-residual");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.note);
    assert!(c.recomputed["max_ratio_to_bound"].as_f64().unwrap() <= 1.0);
    let sys = systematic_sites(&generators::sk(6, 1.0, 0).unwrap());
    let f = db_judge(&[sys], tol("exact.db-residual"), 5e-18);
    assert!(
        !f.pass && f.recomputed["max_ratio_to_bound"].as_f64().unwrap() > 1e6,
        "{}",
        f.recomputed
    );
}

//= claim-test:exact.stationarity-residual
#[test]
fn stationarity_at_rounding_level_and_a_wrong_pi_caught() {
    let c = run("exact.stationarity-residual");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.note);
    let m = generators::curie_weiss(6, 1.0).unwrap();
    let mut chain = gibbs_chain(&m).unwrap();
    // Claim the law at another temperature: no longer stationary.
    chain.pi = gibbs_chain(&m.with_beta(1.2)).unwrap().pi;
    assert!(!stationarity_judge(&[chain], tol("exact.stationarity-residual"), 1e-16).pass);
}

//= claim-test:exact.sigma1
#[test]
fn leading_eigenvalue_is_one_and_a_leaky_kernel_caught() {
    assert_eq!(run("exact.sigma1").status, ClaimStatus::Pass);
    let mut chain = gibbs_chain(&generators::curie_weiss(6, 1.0).unwrap()).unwrap();
    chain.p.iter_mut().for_each(|p| *p *= 0.99);
    assert!(!sigma1_judge(&[chain], tol("exact.sigma1")).unwrap().pass);
}

//= claim-test:weak-coupling.degeneracy
#[test]
fn sigma_is_one_minus_one_over_n_at_beta_zero_only() {
    let c = run("weak-coupling.degeneracy");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.recomputed);
    let warm = [generators::curie_weiss(6, 0.5).unwrap()];
    assert!(
        !degeneracy_judge(&warm, tol("weak-coupling.degeneracy"))
            .unwrap()
            .pass
    );
}

//= claim-test:exp4.self-adjointness
#[test]
fn symmetrized_four_block_sweep_is_self_adjoint_and_forward_sweep_is_not() {
    let c = run("exp4.self-adjointness");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.recomputed);
    let four = [vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7]];
    let fwd = rbm_chain(1.0, &four, false);
    assert!(!self_adjoint_judge(&fwd, tol("exp4.self-adjointness")).pass);
    let sym = rbm_chain(1.0, &four, true);
    assert!(self_adjoint_judge(&sym, tol("exp4.self-adjointness")).pass);
}

//= claim-test:exp3.det-kernel-nonselfadjoint
#[test]
fn deterministic_scan_asymmetry_is_order_1e_minus_2() {
    let c = run("exp3.det-kernel-nonselfadjoint");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.recomputed);
    let r = c.recomputed["max_abs_s_minus_st"].as_f64().unwrap();
    assert!((3e-3..3e-2).contains(&r), "{r}");
    // The symmetrized version of the same scan is at rounding level: the order check must fail.
    let halves = [vec![0, 1, 2, 3], vec![4, 5, 6, 7]];
    let sym = rbm_chain(1.5, &halves, true);
    assert!(!order_judge(&sym, 1e-2, tol("exp3.det-kernel-nonselfadjoint")).pass);
}
