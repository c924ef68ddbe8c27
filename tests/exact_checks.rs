//! Each exact checker passes on a kernel that satisfies it and fails on one that does not.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mcmc_audit::checks::Status;
use mcmc_audit::exact::ExactChain;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::kernel::updates::HeatBathSite;
use mcmc_audit::kernel::{Kernel, Law, Update};
use mcmc_audit::model::{Model, Pairwise, Spins, generators};
use mcmc_audit::numeric::{logistic_neg, unit_f64};
use mcmc_audit::pipeline::audit::{AuditOptions, audit_chain, audit_kernel};

fn status(r: &mcmc_audit::report::AuditReport, id: &str) -> Status {
    r.verdict(id)
        .unwrap_or_else(|| panic!("no verdict {id}"))
        .status
}

fn matrix_audit(p: Vec<f64>, n: usize, pi: Option<Vec<f64>>) -> mcmc_audit::report::AuditReport {
    let c = ExactChain::from_matrix(p, n, pi, "test matrix".into()).unwrap();
    audit_chain(&c, &AuditOptions::default()).unwrap()
}

fn gibbs(model: Pairwise, scan: Scan) -> mcmc_audit::report::AuditReport {
    let m: Arc<dyn Model> = Arc::new(model);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, scan).unwrap();
    audit_kernel(m.as_ref(), &k, &AuditOptions::default()).unwrap()
}

//= test:K.stochastic
//= test:A2
//= test:A3
//= test:A3.irreducible
//= test:A3.aperiodic
//= test:A3.spectral-gap
//= test:A3.nonnegative
//= test:K.step-consistency
//= test:A1
#[test]
fn reference_kernel_passes_everything() {
    let r = gibbs(generators::curie_weiss(6, 1.2).unwrap(), Scan::Random);
    for v in &r.verdicts {
        // No update of this kernel draws a block in parallel: that check does not apply.
        let applies = v.id != "K.parallel-blocks";
        assert!(
            matches!(v.status, Status::Pass | Status::Undefined)
                || (!applies && v.status == Status::NotApplicable),
            "{} is {:?}",
            v.id,
            v.status
        );
    }
    assert_eq!(r.exit_code(), 0);
}

//= test:K.stochastic
#[test]
fn row_sum_off_by_1e10_fails_stochasticity() {
    let eps = 1e-10;
    let r = matrix_audit(vec![0.5, 0.5 + eps, 0.5, 0.5], 2, Some(vec![0.5, 0.5]));
    assert_eq!(status(&r, "K.stochastic"), Status::Fail);
    let neg = matrix_audit(vec![1.1, -0.1, 0.5, 0.5], 2, Some(vec![0.5, 0.5]));
    assert_eq!(status(&neg, "K.stochastic"), Status::Fail);
}

//= test:K.invariance
#[test]
fn wrong_pi_fails_invariance() {
    let r = matrix_audit(vec![0.9, 0.1, 0.2, 0.8], 2, Some(vec![0.5, 0.5]));
    assert_eq!(status(&r, "K.invariance"), Status::Fail);
    // With pi from GTH it passes.
    let ok = matrix_audit(vec![0.9, 0.1, 0.2, 0.8], 2, None);
    assert_eq!(status(&ok, "K.invariance"), Status::Pass);
    assert_eq!(status(&ok, "A2"), Status::Pass);
}

//= test:A2
//= test:A2.self-adjoint
#[test]
fn systematic_scan_fails_a2() {
    let r = gibbs(generators::sk(5, 1.0, 7).unwrap(), Scan::Systematic);
    assert_eq!(status(&r, "A2.self-adjoint"), Status::Fail);
    assert_eq!(status(&r, "A2"), Status::Fail);
    assert_eq!(status(&r, "K.invariance"), Status::Pass);
    assert_eq!(r.exit_code(), 1);
}

//= test:A3.irreducible
//= test:A3.spectral-gap
#[test]
fn reducible_chain_fails_irreducibility_and_gap() {
    // Two disconnected two-state blocks, with pi from a file and computed from P (issue 14 item 5:
    // a reducible chain is a subject, not an input error; GTH runs on each closed class).
    let p = vec![
        0.5, 0.5, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.7, 0.3, 0.0, 0.0, 0.3, 0.7,
    ];
    for pi in [Some(vec![0.25; 4]), None] {
        let r = matrix_audit(p.clone(), 4, pi);
        assert_eq!(status(&r, "A3.irreducible"), Status::Fail);
        assert_eq!(r.verdict("A3.irreducible").unwrap().measured, Some(2.0));
        assert_eq!(status(&r, "A3.spectral-gap"), Status::Fail);
        assert_eq!(status(&r, "A3"), Status::Fail);
        // Each block is symmetric, so P is reversible for every mixture of the blocks' laws.
        assert_eq!(status(&r, "A2"), Status::Pass);
        assert_eq!(status(&r, "K.invariance"), Status::Pass);
        assert_eq!(r.exit_code(), 1);
    }
    let c = ExactChain::from_matrix(p, 4, None, "two blocks".into()).unwrap();
    assert_eq!(c.pi, vec![0.25; 4]);
    let classes = c.pi_classes.unwrap();
    assert_eq!(classes.closed, vec![2, 2]);
    assert!(classes.describe().contains("not unique (2 closed classes)"));
}

/// A chain with transient states and one closed class is audited the same way under every
/// numbering of its states (issue 14 item 5: GTH on the whole matrix used to fail or not depending
/// on where the transient states sat in its elimination order). π is the closed class's law and 0
/// on the transient states; A3.irreducible fails with the classes in its reason, A2 and A3's
/// spectral sub-checks are not applicable and say why.
//= test:A3.irreducible
#[test]
fn transient_states_are_a_verdict_under_every_state_order() {
    // States 0..2 transient (0 → 1 → 2 → class), class {3, 4} with law (1/3, 2/3).
    let base = [
        [0.5, 0.5, 0.0, 0.0, 0.0],
        [0.0, 0.2, 0.8, 0.0, 0.0],
        [0.1, 0.0, 0.3, 0.6, 0.0],
        [0.0, 0.0, 0.0, 0.6, 0.4],
        [0.0, 0.0, 0.0, 0.2, 0.8],
    ];
    let n = 5;
    let mut perms = vec![vec![0usize, 1, 2, 3, 4]];
    // All 120 orders (Heap's algorithm).
    let mut a = perms[0].clone();
    let mut c = vec![0usize; n];
    let mut i = 0;
    while i < n {
        if c[i] < i {
            if i % 2 == 0 {
                a.swap(0, i);
            } else {
                a.swap(c[i], i);
            }
            perms.push(a.clone());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    assert_eq!(perms.len(), 120);
    let mut first: Option<Vec<(String, Status)>> = None;
    for perm in &perms {
        // perm[old] = new label.
        let mut p = vec![0.0; n * n];
        for x in 0..n {
            for y in 0..n {
                p[perm[x] * n + perm[y]] = base[x][y];
            }
        }
        let chain = ExactChain::from_matrix(p.clone(), n, None, "transient".into())
            .unwrap_or_else(|e| panic!("order {perm:?}: {e}"));
        for t in 0..3 {
            assert_eq!(chain.pi[perm[t]], 0.0, "{perm:?}");
        }
        assert!((chain.pi[perm[3]] - 1.0 / 3.0).abs() < 1e-15, "{perm:?}");
        assert!((chain.pi[perm[4]] - 2.0 / 3.0).abs() < 1e-15, "{perm:?}");
        let r = audit_chain(&chain, &AuditOptions::default()).unwrap();
        let irr = r.verdict("A3.irreducible").unwrap();
        assert_eq!(irr.status, Status::Fail);
        let why = irr.detail["reason"].as_str().unwrap();
        assert!(
            why.contains("1 closed class(es) and 3 transient state(s)"),
            "{why}"
        );
        for id in [
            "A2.detailed-balance",
            "A2.relative",
            "A2.self-adjoint",
            "A3.spectral-gap",
            "A3.nonnegative",
        ] {
            let v = r.verdict(id).unwrap();
            assert_eq!(v.status, Status::NotApplicable, "{id}");
            assert!(
                v.detail["reason"]
                    .as_str()
                    .unwrap()
                    .contains("3 transient state(s)"),
                "{id}"
            );
        }
        assert_eq!(status(&r, "K.invariance"), Status::Pass);
        assert_eq!(r.exit_code(), 1);
        let statuses: Vec<_> = r
            .verdicts
            .iter()
            .map(|v| (v.id.clone(), v.status))
            .collect();
        match &first {
            None => first = Some(statuses),
            Some(f) => assert_eq!(f, &statuses, "order {perm:?}"),
        }
    }
}

//= test:A3.aperiodic
//= test:A3.nonnegative
#[test]
fn periodic_chain_fails_aperiodicity_and_nonnegativity() {
    // A 4-cycle walk x → x ± 1 mod 4: period 2, eigenvalue −1.
    let mut p = vec![0.0; 16];
    for x in 0..4 {
        p[x * 4 + (x + 1) % 4] = 0.5;
        p[x * 4 + (x + 3) % 4] = 0.5;
    }
    let r = matrix_audit(p, 4, None);
    assert_eq!(status(&r, "A3.aperiodic"), Status::Fail);
    assert_eq!(r.verdict("A3.aperiodic").unwrap().measured, Some(2.0));
    assert_eq!(status(&r, "A3.nonnegative"), Status::Fail);
    assert_eq!(status(&r, "A2"), Status::Pass);
}

//= test:A3.nonnegative
#[test]
fn metropolis_can_fail_nonnegativity() {
    // Single-site Metropolis at beta = 0 flips with probability 1: the chain has eigenvalue −1.
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(3, 0.0).unwrap());
    let k = build_kernel(m.clone(), Rule::Metropolis, &Blocks::Sites, Scan::Random).unwrap();
    let r = audit_kernel(m.as_ref(), &k, &AuditOptions::default()).unwrap();
    assert_eq!(status(&r, "A3.nonnegative"), Status::Fail);
    assert_eq!(status(&r, "A2"), Status::Pass);
}

/// A heat bath whose exact law is right but whose hand-written fast `sample` uses 2β instead of β.
struct FastButWrong(HeatBathSite);

impl Update for FastButWrong {
    fn name(&self) -> String {
        "fast-but-wrong".into()
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        self.0.law(x, law)
    }
    fn sample(&self, x: &mut [i8], rng: &mut dyn rand::Rng, _: &mut Law) {
        let h = self.0.model.local_field(x, self.0.site);
        let p = logistic_neg(-4.0 * self.0.model.beta() * h);
        x[self.0.site] = if unit_f64(rng.next_u64()) < p { 1 } else { -1 };
    }
}

//= test:K.step-consistency
#[test]
fn a_fast_path_that_disagrees_with_its_law_fails_step_consistency() {
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(5, 1.0).unwrap());
    let parts = (0..5)
        .map(|i| {
            Kernel::update(FastButWrong(HeatBathSite {
                model: m.clone(),
                site: i,
            }))
        })
        .collect();
    let k = Kernel::random_scan("wrong", parts);
    let r = audit_kernel(m.as_ref(), &k, &AuditOptions::default()).unwrap();
    assert_eq!(status(&r, "K.step-consistency"), Status::Fail);
    // Its exact operator is the correct heat bath, so A2 still passes: only the G-test sees it.
    assert_eq!(status(&r, "A2"), Status::Pass);
}

/// A model whose coupling drifts every time its energy is evaluated (parameters not frozen).
struct Drifting {
    inner: Pairwise,
    calls: AtomicU64,
}

impl Model for Drifting {
    fn n_spins(&self) -> usize {
        self.inner.n_spins()
    }
    fn beta(&self) -> f64 {
        self.inner.beta()
    }
    fn energy(&self, x: &Spins) -> f64 {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.energy(x)
    }
    fn local_field(&self, x: &Spins, i: usize) -> f64 {
        self.inner.local_field(x, i)
    }
    fn neighbors(&self, i: usize) -> Vec<usize> {
        self.inner.neighbors(i)
    }
    fn energy_abs_scale(&self) -> f64 {
        self.inner.energy_abs_scale()
    }
    fn max_local_field(&self) -> f64 {
        self.inner.max_local_field()
    }
    fn fingerprint(&self) -> u64 {
        self.inner.fingerprint() ^ self.calls.load(Ordering::Relaxed)
    }
    fn describe(&self) -> String {
        "drifting".into()
    }
}

//= test:A1
#[test]
fn drifting_parameters_fail_a1() {
    let m: Arc<dyn Model> = Arc::new(Drifting {
        inner: generators::curie_weiss(4, 1.0).unwrap(),
        calls: AtomicU64::new(0),
    });
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    let r = audit_kernel(m.as_ref(), &k, &AuditOptions::default()).unwrap();
    assert_eq!(status(&r, "A1"), Status::Fail);
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn only_selects_a_parent_and_its_sub_checks() {
    let m: Arc<dyn Model> = Arc::new(generators::curie_weiss(4, 1.0).unwrap());
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    let opts = AuditOptions {
        only: Some(vec!["A2".into()]),
        ..Default::default()
    };
    let r = audit_kernel(m.as_ref(), &k, &opts).unwrap();
    let ids: Vec<&str> = r.verdicts.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "A2.detailed-balance",
            "A2.relative",
            "A2.self-adjoint",
            "A2"
        ]
    );
}

/// The heat bath written the naive way: only `p_up`, so the down-probability is `1 − p_up`, which
/// rounds to 0 when `p_up ≈ 1` — a rare state then has no inflow at all.
struct NaiveHeatBath(HeatBathSite);

impl Update for NaiveHeatBath {
    fn name(&self) -> String {
        "naive-heat-bath".into()
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let h = self.0.model.local_field(x, self.0.site);
        law.push_site_up(self.0.site, logistic_neg(-2.0 * self.0.model.beta() * h));
    }
}

//= test:A2.relative
#[test]
fn one_minus_p_heat_bath_fails_relative_detailed_balance_at_low_temperature() {
    let m: Arc<dyn Model> = Arc::new(generators::hopfield(7, 2, 20.0, 5).unwrap());
    let parts = (0..7)
        .map(|i| {
            Kernel::update(NaiveHeatBath(HeatBathSite {
                model: m.clone(),
                site: i,
            }))
        })
        .collect();
    let r = audit_kernel(
        m.as_ref(),
        &Kernel::random_scan("naive", parts),
        &AuditOptions::default(),
    )
    .unwrap();
    // The absolute residual is tiny (the lost flows are ~1e-21) ...
    assert_eq!(status(&r, "A2.detailed-balance"), Status::Pass);
    // ... but relative to the flows involved it is total.
    assert_eq!(status(&r, "A2.relative"), Status::Fail);
    assert_eq!(status(&r, "A2"), Status::Fail);
    // The accurate heat bath on the same model passes.
    let ok = gibbs(generators::hopfield(7, 2, 20.0, 5).unwrap(), Scan::Random);
    assert_eq!(status(&ok, "A2.relative"), Status::Pass);
}
