//! The audit report gains the spectral verdicts and the CLI.md quantities; the CLI's `reproduce`
//! rejects unknown experiments with exit 2.

use std::path::PathBuf;
use std::process::Command;

use mcmc_audit::audit::run_spec;
use mcmc_audit::checks::Status;

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
