//! Exact local checks without Z on the 3600-spin torus: 10^6 (state, site-update) pairs and block
//! pairs of the fast engine pass; an engine with a wrong neighbour or a wrong β in one block fails.

use std::sync::Arc;

use mcmc_audit::checks::Status;
use mcmc_audit::checks::Tolerances;
use mcmc_audit::checks::Verdict;
use mcmc_audit::checks::local::{judge, thresholds};
use mcmc_audit::exact::local::{LocalResiduals, local_residuals};
use mcmc_audit::kernel::Update;
use mcmc_audit::kernel::build::Scan;
use mcmc_audit::kernel::fast::FastGibbs;
use mcmc_audit::kernel::tempering::{Swap, product_model};
use mcmc_audit::kernel::updates::HeatBathSite;
use mcmc_audit::model::Model;

/// The local residual scan and its two verdicts (what a sampled audit runs).
fn run_local(
    model: &dyn Model,
    updates: &[Arc<dyn Update>],
    pairs: usize,
    seed: u64,
    tol: &Tolerances,
) -> mcmc_audit::Result<(Vec<Verdict>, LocalResiduals)> {
    let r = local_residuals(model, updates, pairs, seed, thresholds(tol))?;
    Ok((judge(&r, tol), r))
}
use mcmc_audit::model::torus::{Torus, TorusParams};

/// The DTM-like torus: 60×60, degree 12, ±0.5 couplings, β = 0.5 (so |2βh| ≤ 6 and a law stated as
/// `p_up` resolves both outcomes to far better than 1e-12 in log space).
fn dtm_like() -> Torus {
    Torus::new(TorusParams {
        side: 60,
        beta: 0.5,
        seed: 7,
        ..Default::default()
    })
    .unwrap()
}

fn statuses(v: &[mcmc_audit::checks::Verdict]) -> Vec<(String, Status)> {
    v.iter().map(|v| (v.id.clone(), v.status)).collect()
}

//= test:L.detailed-balance
//= test:L.conditional
#[test]
fn a_million_site_pairs_and_block_pairs_of_the_3600_spin_torus_pass() {
    let t = dtm_like();
    let e = Arc::new(FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized).unwrap());
    let tol = Tolerances::default();
    let (v, r) = run_local(&t.model, &e.site_updates(), 1_000_000, 1, &tol).unwrap();
    eprintln!(
        "site pairs: max |db| = {:e}, max |cond| = {:e}, energy spot max rel = {:e}",
        r.max_db, r.max_cond, r.max_energy_spot
    );
    assert_eq!(r.pairs, 1_000_000);
    assert_eq!(r.cond_pairs, 1_000_000);
    assert!(r.energy_spots > 1000);
    assert_eq!(
        statuses(&v),
        vec![
            ("L.detailed-balance".into(), Status::Pass),
            ("L.conditional".into(), Status::Pass)
        ],
        "max db {:e}, max cond {:e}",
        r.max_db,
        r.max_cond
    );
    // Whole 900-site blocks: each pair moves ~half a block.
    let (v, r) = run_local(&t.model, &e.block_updates(), 2_000, 2, &tol).unwrap();
    eprintln!(
        "block pairs: max |db| = {:e}, max |cond| = {:e}",
        r.max_db, r.max_cond
    );
    assert!(
        v.iter().all(|v| v.status == Status::Pass),
        "{:?} db {:e} cond {:e}",
        statuses(&v),
        r.max_db,
        r.max_cond
    );
}

//= test:L.detailed-balance
//= test:L.conditional
#[test]
fn an_engine_with_a_wrong_neighbour_fails() {
    let t = dtm_like();
    // Site 0's first neighbour (site 1) replaced by a site that is not a neighbour of 0.
    let far = 30 * 60 + 30;
    assert!(!t.model.neighbors(0).contains(&far));
    let e = Arc::new(
        FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized)
            .unwrap()
            .with_wrong_neighbor(0, 0, far),
    );
    let (v, r) = run_local(&t.model, &e.block_updates(), 400, 3, &Tolerances::default()).unwrap();
    assert_eq!(
        statuses(&v),
        vec![
            ("L.detailed-balance".into(), Status::Fail),
            ("L.conditional".into(), Status::Fail)
        ]
    );
    // The residual is a whole coupling's worth (2β|J| = 0.5 or 1.0 per wrong spin), not rounding.
    assert!(r.max_db >= 0.5 && r.max_cond >= 0.5, "{r:?}");
}

//= test:L.detailed-balance
//= test:L.conditional
#[test]
fn an_engine_with_a_wrong_beta_in_one_block_fails() {
    let t = dtm_like();
    let e = Arc::new(
        FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized)
            .unwrap()
            .with_block_beta(2, 0.5 * (1.0 + 1e-6)),
    );
    let (v, r) = run_local(&t.model, &e.block_updates(), 400, 4, &Tolerances::default()).unwrap();
    assert_eq!(
        statuses(&v),
        vec![
            ("L.detailed-balance".into(), Status::Fail),
            ("L.conditional".into(), Status::Fail)
        ],
        "{r:?}"
    );
    // Site updates of the same engine: only the 900 sites of block 2 are wrong, and they are found.
    let (v, _) = run_local(
        &t.model,
        &e.site_updates(),
        20_000,
        5,
        &Tolerances::default(),
    )
    .unwrap();
    assert!(v.iter().all(|v| v.status == Status::Fail));
}

/// The crate's reference heat bath passes too (a second, independent implementation of the law).
#[test]
fn reference_heat_bath_sites_pass() {
    let t = dtm_like();
    let m: Arc<dyn Model> = Arc::new(t.model.clone());
    let ups: Vec<Arc<dyn Update>> = (0..t.n_spins())
        .map(|i| {
            Arc::new(HeatBathSite {
                model: m.clone(),
                site: i,
            }) as Arc<dyn Update>
        })
        .collect();
    let (v, _) = run_local(&t.model, &ups, 20_000, 6, &Tolerances::default()).unwrap();
    assert!(v.iter().all(|v| v.status == Status::Pass));
}

/// A swap that always accepts (ignores the Metropolis ratio) breaks detailed balance on the product space.
struct AlwaysSwap(Swap);

impl Update for AlwaysSwap {
    fn name(&self) -> String {
        "always-swap".into()
    }
    fn law(&self, x: &[i8], law: &mut mcmc_audit::kernel::Law) {
        self.0.law(x, law);
        if let mcmc_audit::kernel::Law::Joint(j) = law {
            j.probs[0] = 0.0;
            j.probs[1] = 1.0;
        }
    }
}

//= test:L.detailed-balance
#[test]
fn swaps_of_parallel_tempering_pass_and_a_wrong_swap_fails() {
    let t = Torus::new(TorusParams {
        side: 6,
        beta: 0.4,
        seed: 2,
        ..Default::default()
    })
    .unwrap();
    let alphas = [0.5, 0.75, 1.0];
    let prod = product_model(&t.model, &alphas).unwrap();
    let base = Arc::new(t.model.clone());
    let swaps: Vec<Arc<dyn Update>> = (0..2)
        .map(|r| {
            Arc::new(Swap {
                base: base.clone(),
                alphas: alphas.to_vec(),
                r,
            }) as Arc<dyn Update>
        })
        .collect();
    let (v, r) = run_local(&prod, &swaps, 5_000, 8, &Tolerances::default()).unwrap();
    assert_eq!(v[0].status, Status::Pass, "{r:?}");
    // Joint laws: the conditional check does not apply.
    assert_eq!(r.cond_pairs, 0);
    assert_eq!(v[1].status, Status::NotApplicable);
    let wrong: Vec<Arc<dyn Update>> = vec![Arc::new(AlwaysSwap(Swap {
        base,
        alphas: alphas.to_vec(),
        r: 0,
    }))];
    let (v, _) = run_local(&prod, &wrong, 2_000, 9, &Tolerances::default()).unwrap();
    assert_eq!(v[0].status, Status::Fail);
}
