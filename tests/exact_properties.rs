//! Property tests of the exact checks (issue #2): reversible chains pass A2 with their residual
//! inside the derived rounding bound; systematic scan on frustrated models fails A2 yet keeps π
//! invariant; random scan and the symmetrized sweep pass both.

use std::sync::Arc;

mod common;

use common::exact::{
    detailed_balance as check_detailed_balance, invariance, self_adjoint as check_self_adjoint,
};
use mcmc_audit::checks::{Status, Tolerances};
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::Kernel;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::model::{Model, generators};
use mcmc_audit::numeric::gamma;
use mcmc_audit::numeric::tolerance::test::MUST_FAIL_DB;
use proptest::prelude::*;

/// Metropolis with a uniform proposal on `n` states and target `pi`:
/// `P_xy = min(1, π_y/π_x)/(n−1)` for `y ≠ x`. Each off-diagonal entry takes one division and one
/// multiplication, so its relative error is at most γ₂ — the bound the chain is given.
fn metropolis_chain(pi: &[f64]) -> ExactChain {
    let n = pi.len();
    let q = 1.0 / (n - 1) as f64;
    let mut p = vec![0.0; n * n];
    for x in 0..n {
        let mut stay = 1.0;
        for y in 0..n {
            if y != x {
                let v = q * (pi[y] / pi[x]).min(1.0);
                p[x * n + y] = v;
                stay -= v;
            }
        }
        p[x * n + x] = stay;
    }
    let mut c = ExactChain::from_matrix(p, n, Some(pi.to_vec()), "metropolis".into()).unwrap();
    c.p_rel_err = gamma(2);
    c
}

fn random_pi() -> impl Strategy<Value = Vec<f64>> {
    (2usize..=64)
        .prop_flat_map(|n| prop::collection::vec(-20.0f64..20.0, n))
        .prop_map(|logw| {
            let z = mcmc_audit::numeric::log_sum_exp(&logw);
            logw.iter().map(|l| (l - z).exp()).collect()
        })
}

fn kernel(model: &Arc<dyn Model>, scan: Scan) -> Kernel {
    build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, scan).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    //= test:A2.detailed-balance
    //= test:A2.self-adjoint
    //= test:A2.relative
    #[test]
    fn reversible_metropolis_passes_a2_within_rounding_bound(pi in random_pi()) {
        let c = metropolis_chain(&pi);
        let tol = Tolerances::default();
        let (db, rel) = check_detailed_balance(&c, &tol);
        prop_assert_eq!(db.status, Status::Pass);
        prop_assert!(db.measured.unwrap() <= db.bound.unwrap(), "{:?}", db);
        prop_assert_eq!(db.detail["pairs_above_rounding_bound"].as_u64(), Some(0));
        prop_assert_eq!(rel.status, Status::Pass);
        prop_assert_eq!(check_self_adjoint(&c, &tol).status, Status::Pass);
    }

    //= test:A2.detailed-balance
    //= test:K.invariance
    #[test]
    fn systematic_scan_on_frustrated_models_fails_a2_but_keeps_pi(n in 3usize..=7, beta in 0.5f64..2.0, seed in 0u64..1000) {
        let model: Arc<dyn Model> = Arc::new(generators::sk(n, beta, seed).unwrap());
        let c = ExactChain::from_kernel(model.as_ref(), &kernel(&model, Scan::Systematic)).unwrap();
        let tol = Tolerances::default();
        let (db, rel) = check_detailed_balance(&c, &tol);
        prop_assert_eq!(db.status, Status::Fail);
        prop_assert!(db.measured.unwrap() >= MUST_FAIL_DB, "{:?}", db.measured);
        prop_assert_eq!(rel.status, Status::Fail);
        prop_assert_eq!(invariance(&c, &tol).status, Status::Pass);
    }

    //= test:A2.detailed-balance
    //= test:K.invariance
    #[test]
    fn random_and_symmetrized_scans_pass_a2_and_invariance(n in 2usize..=7, beta in 0.1f64..2.0, seed in 0u64..1000, sym in any::<bool>()) {
        let model: Arc<dyn Model> = Arc::new(generators::sk(n, beta, seed).unwrap());
        let scan = if sym { Scan::Symmetrized } else { Scan::Random };
        let c = ExactChain::from_kernel(model.as_ref(), &kernel(&model, scan)).unwrap();
        let tol = Tolerances::default();
        let (db, rel) = check_detailed_balance(&c, &tol);
        prop_assert_eq!(db.status, Status::Pass);
        prop_assert!(db.measured.unwrap() <= db.bound.unwrap(), "{:?}", db);
        prop_assert_eq!(rel.status, Status::Pass);
        prop_assert!(rel.measured.unwrap() <= rel.bound.unwrap(), "{:?}", rel);
        prop_assert_eq!(invariance(&c, &tol).status, Status::Pass);
    }
}

/// A random composition tree of heat-bath site and block updates: every leaf preserves π, so every
/// mixture and sequence of them must too, and every row must remain stochastic.
fn random_tree(
    model: &Arc<dyn Model>,
    depth: u32,
    picks: &mut impl Iterator<Item = u64>,
) -> Kernel {
    use mcmc_audit::kernel::updates::{HeatBathBlock, HeatBathSite};
    let n = model.n_spins();
    let mut next = || picks.next().unwrap_or(0);
    let kind = if depth == 0 { next() % 2 } else { next() % 4 };
    match kind {
        0 => Kernel::update(HeatBathSite {
            model: model.clone(),
            site: (next() as usize) % n,
        }),
        1 => {
            let a = (next() as usize) % n;
            let b = (a + 1 + (next() as usize) % (n - 1)) % n;
            Kernel::update(HeatBathBlock::new(model.clone(), vec![a, b]))
        }
        2 => {
            let k = 2 + (next() % 3) as usize;
            let raw: Vec<f64> = (0..k).map(|_| 1.0 + (next() % 7) as f64).collect();
            let total: f64 = raw.iter().sum();
            let parts = raw
                .iter()
                .map(|w| (w / total, random_tree(model, depth - 1, picks)))
                .collect();
            Kernel::Mixture {
                name: "mix".into(),
                parts,
            }
        }
        _ => {
            let k = 2 + (next() % 3) as usize;
            Kernel::systematic(
                "seq",
                (0..k)
                    .map(|_| random_tree(model, depth - 1, picks))
                    .collect(),
            )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    //= test:K.stochastic
    //= test:K.invariance
    #[test]
    fn any_composition_of_heat_baths_is_stochastic_and_keeps_pi(n in 2usize..=5, seed in 0u64..500, picks in prop::collection::vec(any::<u64>(), 64)) {
        let model: Arc<dyn Model> = Arc::new(generators::sk(n, 1.5, seed).unwrap());
        let mut it = picks.into_iter();
        let k = random_tree(&model, 3, &mut it);
        let c = ExactChain::from_kernel(model.as_ref(), &k).unwrap();
        let tol = Tolerances::default();
        let s = common::exact::stochastic(&c, &tol);
        prop_assert_eq!(s.status, Status::Pass, "{:?}", s);
        let inv = invariance(&c, &tol);
        prop_assert_eq!(inv.status, Status::Pass, "{:?}", inv);
    }
}
