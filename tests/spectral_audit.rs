//! The audit report gains the spectral verdicts and the docs/cli.md quantities; the CLI's `reproduce`
//! rejects unknown experiments with exit 2.

use std::path::PathBuf;
use std::process::Command;

use mcmc_audit::checks::Status;
use mcmc_audit::pipeline::run_spec;

fn spec_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcmc-audit-spectral-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn audit_json_has_the_spectral_quantities() {
    let p = spec_file(
        "cw.toml",
        r#"
[model]
family = "curie-weiss"
n = 6
beta = 1.2
[observables]
set = "pairs"
[estimator]
burn_in = "auto"
window = 5000
init = "uniform"
[gradient]
teacher_beta = 1.5
"#,
    );
    let r = run_spec(&p, Some(8)).unwrap();
    for k in [
        "gamma_eff",
        "gamma_bulk",
        "cluster_size",
        "tau",
        "tau_convention",
        "q_op",
        "q_struct_perp",
        "q_single_gap",
    ] {
        assert!(r.quantities.contains_key(k), "missing {k}");
    }
    assert_eq!(r.quantities["tau_convention"], "N/ESS");
    assert_eq!(r.quantities["tau"].as_object().unwrap().len(), 15);
    assert!(r.quantities["q_op"].as_f64().unwrap() > 0.0);
    for id in [
        "A4",
        "A5",
        "A5.burn-in",
        "A5.bias",
        "A6",
        "A7",
        "A8",
        "A9",
        "O1.a",
        "O1.b",
    ] {
        assert_eq!(r.verdict(id).unwrap().status, Status::Pass, "{id}");
    }
    assert_eq!(r.verdict("F4").unwrap().status, Status::Undefined);
}

#[test]
fn audit_rejects_a_gradient_of_the_wrong_length() {
    let p = spec_file(
        "bad-g.toml",
        "[model]\nfamily = \"curie-weiss\"\nn = 4\nbeta = 1.0\n[gradient]\ng = [0.1, 0.2]\n",
    );
    let e = run_spec(&p, None).unwrap_err().to_string();
    assert!(e.contains("gradient.g") && e.contains("6"), "{e}");
}

#[test]
fn fields_fail_a9_in_an_audit() {
    let p = spec_file(
        "fields.toml",
        "[model]\nfamily = \"sk\"\nn = 5\nbeta = 1.0\n[observables]\nset = \"fields\"\n",
    );
    let r = run_spec(&p, None).unwrap();
    assert_eq!(r.verdict("A9.observables").unwrap().status, Status::Fail);
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn reproduce_unknown_experiment_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .args(["reproduce", "exp99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exp99") && err.lines().count() == 1, "{err}");
}

fn gibbs_chain(m: mcmc_audit::model::Pairwise) -> mcmc_audit::exact::ExactChain {
    use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
    use mcmc_audit::model::Model;
    let m: std::sync::Arc<dyn Model> = std::sync::Arc::new(m);
    let k = build_kernel(m.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
    mcmc_audit::exact::ExactChain::from_kernel(m.as_ref(), &k).unwrap()
}

fn listed_eigenvalues(r: &mcmc_audit::report::AuditReport) -> Vec<f64> {
    r.quantities["eigenvalues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[test]
fn audit_takes_a3_and_the_spectral_stage_from_one_flip_blocked_decomposition() {
    use mcmc_audit::checks::spectral::flip_blocking;
    use mcmc_audit::exact::spectrum;
    use mcmc_audit::exact::spectrum::Spectrum;
    use mcmc_audit::exact::spectrum::flip::FlipResiduals;
    use mcmc_audit::model::generators;
    use mcmc_audit::numeric::tolerance::test as tt;
    let p = spec_file(
        "cw8.toml",
        "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 1.3\n",
    );
    let r = run_spec(&p, None).unwrap();
    let listed = listed_eigenvalues(&r);
    let chain = gibbs_chain(generators::curie_weiss(8, 1.3).unwrap());
    assert_eq!(
        flip_blocking(FlipResiduals::measure(&chain).as_ref(), chain.n_states),
        Some(8)
    );
    // The listed (A3) eigenvalues are those of the spectral stage's blocked EVD, bit for bit ...
    let blocked = Spectrum::new(&chain, Some(8)).unwrap();
    assert_eq!(listed, blocked.sigma);
    assert_eq!(r.verdict("A3").unwrap().status, Status::Pass);
    // ... and agree with an independent unblocked eigenvalue solve to the solver bound.
    let full = spectrum::eigenvalues(&chain, None).unwrap().0;
    for (a, b) in full.iter().zip(&listed) {
        assert!(tt::FLIP_BLOCKED_EIGENVALUE.accepts(a - b, chain.n_states));
    }
}

#[test]
fn a_loosened_a9_tolerance_never_switches_on_flip_blocking() {
    use mcmc_audit::checks::spectral::flip_blocking;
    use mcmc_audit::exact::spectrum::Spectrum;
    use mcmc_audit::exact::spectrum::flip::FlipResiduals;
    use mcmc_audit::model::Pairwise;
    // A field breaks π's flip invariance by far more than the registry's A9.pi tolerance.
    let couplings: Vec<(usize, usize, f64)> = (0..5)
        .flat_map(|i| ((i + 1)..5).map(move |j| (i, j, 0.2)))
        .collect();
    let fields = vec![0.3, 0.0, 0.0, 0.0, 0.0];
    let toml_couplings: Vec<String> = couplings
        .iter()
        .map(|&(i, j, v)| format!("[{i}, {j}, {v:?}]"))
        .collect();
    let spec = format!(
        "[model]\nfamily = \"ising\"\nn = 5\nbeta = 1.0\ncouplings = [{}]\nfields = {fields:?}\n\
         [checks.tolerance]\n\"A9.pi\" = 10.0\n\"A9.kernel\" = 10.0\n",
        toml_couplings.join(", ")
    );
    let p = spec_file("field.toml", &spec);
    let r = run_spec(&p, None).unwrap();
    // The loosened tolerance passes the verdict ...
    assert_eq!(r.verdict("A9.pi").unwrap().status, Status::Pass, "{spec}");
    // ... but the decomposition stays unblocked.
    let chain = gibbs_chain(Pairwise::new("ising", 5, 1.0, &couplings, Some(fields)).unwrap());
    assert_eq!(
        flip_blocking(FlipResiduals::measure(&chain).as_ref(), chain.n_states),
        None
    );
    let unblocked = Spectrum::new(&chain, None).unwrap();
    assert_eq!(listed_eigenvalues(&r), unblocked.sigma);
}

//= test:A1
#[test]
fn a1_honours_a_tolerance_override_like_every_check() {
    let p = spec_file(
        "a1.toml",
        "[model]\nfamily = \"curie-weiss\"\nn = 4\n[checks.tolerance]\nA1 = 2.0\n",
    );
    let r = run_spec(&p, None).unwrap();
    let a1 = r.verdict("A1").unwrap();
    assert_eq!(a1.tolerance.unwrap().value, 2.0);
    // An exact tolerance of 2 changes demands exactly two fingerprint changes: the frozen model fails.
    assert_eq!(a1.status, Status::Fail);
}

#[test]
fn every_named_bound_the_checks_use_is_in_the_registry() {
    use mcmc_audit::numeric::tolerance::Direction;
    use mcmc_audit::spec::requirements::bound;
    for (id, name, direction) in [
        ("E.doubling", "self_consistent", Direction::AtLeast),
        ("A8", "sweep_decades", Direction::AtLeast),
        ("PT.swap-acceptance", "acceptance_low", Direction::AtLeast),
        ("PT.swap-acceptance", "acceptance_high", Direction::AtMost),
    ] {
        let b = bound(id, name);
        assert_eq!(b.direction, direction, "{id}.{name}");
        assert!(b.is_consistent());
    }
    for r in mcmc_audit::spec::requirements::all() {
        if let Some(t) = r.tolerance {
            assert!(t.is_consistent(), "{}: {t:?}", r.id);
        }
    }
}
