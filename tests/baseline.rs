//! `audit --baseline OLD.json` (issue 12, docs/cli.md): an unchanged kernel passes, a lazier kernel
//! fails on τ, the gaps and t_mix with a before/after table, a baseline of another model or schema
//! is refused with exit 2, and the spec's `[baseline]` tolerances decide.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mcmc_audit::numeric::tolerance::rel_diff;
use mcmc_audit::numeric::tolerance::test::LAZY_CLOSED_FORM;
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
}

/// A scratch directory of its own for each test (tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcmc-audit-baseline-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn spec(dir: &Path, name: &str, seed: u64, kernel: &str, extra: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "[model]\nfamily = \"sk\"\nn = 6\nbeta = 1.0\nseed = {seed}\n\n[kernel]\n{kernel}\n\n\
             [estimator]\nwindow = 2000\n\n{extra}"
        ),
    )
    .unwrap();
    p
}

const RANDOM: &str = "update = \"gibbs\"\nscan = \"random\"";
const RANDOM_LAZY: &str = "update = \"gibbs\"\nscan = \"random\"\nlazy = true";
const SYSTEMATIC: &str = "update = \"gibbs\"\nscan = \"systematic\"\nblocks = \"sites\"";
const SYSTEMATIC_LAZY: &str =
    "update = \"gibbs\"\nscan = \"systematic\"\nblocks = \"sites\"\nlazy = true";

fn audit(args: &[&Path], extra: &[&str]) -> Output {
    let mut c = bin();
    c.arg("audit").arg(args[0]);
    if let Some(b) = args.get(1) {
        c.arg("--baseline").arg(b);
    }
    c.args(extra).output().unwrap()
}

/// Writes the JSON report of `spec` as a baseline.
fn write_baseline(spec: &Path, to: &Path) {
    let out = audit(
        &[spec],
        &["--format", "json", "--out", to.to_str().unwrap()],
    );
    assert!(out.status.code().is_some_and(|c| c != 2), "{out:?}");
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn row<'a>(b: &'a Value, quantity: &str) -> &'a Value {
    b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["quantity"] == quantity)
        .unwrap_or_else(|| panic!("no row {quantity}"))
}

#[test]
fn unchanged_kernel_passes_with_every_row_tracked() {
    let d = scratch("unchanged");
    let s = spec(&d, "rs.toml", 3, RANDOM, "");
    let base = d.join("base.json");
    write_baseline(&s, &base);
    let plain = audit(&[&s], &[]).status.code();
    let out = audit(&[&s, &base], &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        plain,
        "a clean baseline keeps the exit code"
    );
    let r = json(&out);
    let b = &r["baseline"];
    assert_eq!(b["regressions"], 0);
    assert_eq!(b["kernel_changed"], false);
    // 15 pair observables' τ, γ and γ_eff, and every required check that passed.
    let rows = b["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| r["quantity"].as_str().unwrap().starts_with("tau["))
            .count(),
        15
    );
    assert_eq!(row(b, "gamma")["regression"], 0.0);
    assert_eq!(row(b, "check A2")["status_after"], "pass");
    // The text report carries the table.
    let text = String::from_utf8(audit(&[&s, &base], &[]).stdout).unwrap();
    assert!(text.contains("kernel unchanged"), "{text}");
    assert!(text.contains("0 of "), "{text}");
}

#[test]
fn lazier_kernel_fails_on_tau_and_gap_with_the_table() {
    let d = scratch("lazy");
    let base = d.join("base.json");
    write_baseline(&spec(&d, "rs.toml", 3, RANDOM, ""), &base);
    let lazy = spec(&d, "lazy.toml", 3, RANDOM_LAZY, "");
    let out = audit(&[&lazy, &base], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let b = &r["baseline"];
    assert_eq!(b["kernel_changed"], true);
    // ½(I + P): every eigenvalue λ becomes (1 + λ)/2, so γ halves and τ' = 2τ + 1 exactly.
    let g = row(b, "gamma");
    let half = g["before"].as_f64().unwrap() / 2.0;
    assert!(LAZY_CLOSED_FORM.accepts(rel_diff(g["after"].as_f64().unwrap(), half), 0));
    assert!(g["regressed"].as_bool().unwrap());
    for t in b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["quantity"].as_str().unwrap().starts_with("tau["))
    {
        let (before, after) = (t["before"].as_f64().unwrap(), t["after"].as_f64().unwrap());
        assert!(
            LAZY_CLOSED_FORM.accepts(rel_diff(after, 2.0 * before + 1.0), 0),
            "{t}"
        );
        assert!(t["regressed"].as_bool().unwrap(), "{t}");
    }
    let text = String::from_utf8(audit(&[&lazy, &base], &[]).stdout).unwrap();
    assert!(text.contains("REGRESSED  tau[x0x1]"), "{text}");
    assert!(text.contains("kernel changed"), "{text}");
}

#[test]
fn spec_tolerances_decide() {
    let d = scratch("tolerance");
    let base = d.join("base.json");
    write_baseline(&spec(&d, "rs.toml", 3, RANDOM, ""), &base);
    // τ may double (+ 1), γ may halve: the lazy kernel then regresses on no number.
    let lenient = spec(
        &d,
        "lazy.toml",
        3,
        RANDOM_LAZY,
        "[baseline]\ntau = 1.2\ngap = 0.6\n",
    );
    let r = json(&audit(&[&lenient, &base], &["--format", "json"]));
    let b = &r["baseline"];
    for row in b["rows"].as_array().unwrap() {
        if row["before"].is_number() {
            assert_eq!(row["regressed"], false, "{row}");
        }
    }
    // One step short of the exact regression of γ (0.5) fails.
    let strict = spec(
        &d,
        "strict.toml",
        3,
        RANDOM_LAZY,
        "[baseline]\ntau = 1.2\ngap = 0.49\n",
    );
    let r = json(&audit(&[&strict, &base], &["--format", "json"]));
    assert_eq!(row(&r["baseline"], "gamma")["regressed"], true);
    // A faster kernel against a lazy baseline improves: no numeric regression.
    let lazy_base = d.join("lazy-base.json");
    write_baseline(&spec(&d, "lazy2.toml", 3, RANDOM_LAZY, ""), &lazy_base);
    let fast = spec(&d, "fast.toml", 3, RANDOM, "");
    let r = json(&audit(&[&fast, &lazy_base], &["--format", "json"]));
    assert_eq!(r["baseline"]["regressions"], 0, "{}", r["baseline"]);
}

#[test]
fn a_check_that_passed_and_now_fails_is_a_regression() {
    let d = scratch("check");
    let base = d.join("base.json");
    write_baseline(&spec(&d, "rs.toml", 3, RANDOM, ""), &base);
    // A systematic sweep of the same model: not reversible, so A2 stops passing.
    let sys = spec(&d, "sys.toml", 3, SYSTEMATIC, "");
    let out = audit(&[&sys, &base], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let a2 = row(&r["baseline"], "check A2");
    assert_eq!(a2["status_before"], "pass");
    assert_eq!(a2["status_after"], "fail");
    assert_eq!(a2["regressed"], true);
    // γ is undefined for a non-reversible kernel: a tracked value that vanished regresses.
    let g = row(&r["baseline"], "gamma");
    assert!(g["after"].is_null());
    assert_eq!(g["regressed"], true);
}

#[test]
fn systematic_sweep_tracks_pseudo_gap_and_mixing_time() {
    let d = scratch("systematic");
    let base = d.join("base.json");
    write_baseline(&spec(&d, "sys.toml", 3, SYSTEMATIC, ""), &base);
    let same = spec(&d, "sys.toml", 3, SYSTEMATIC, "");
    let r = json(&audit(&[&same, &base], &["--format", "json"]));
    let b = &r["baseline"];
    assert_eq!(b["regressions"], 0, "{b}");
    for q in [
        "pseudo_gap",
        "gap_multiplicative",
        "absolute_gap",
        "mixing_time[0.25].worst",
    ] {
        row(b, q);
    }
    let lazy = spec(&d, "lazy.toml", 3, SYSTEMATIC_LAZY, "");
    let out = audit(&[&lazy, &base], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    for q in ["pseudo_gap", "absolute_gap", "mixing_time[0.25].worst"] {
        assert_eq!(row(&r["baseline"], q)["regressed"], true, "{q}");
    }
}

fn refused(out: &Output, field: &str) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(field), "{err}");
    assert!(out.stdout.is_empty(), "no report on a refused baseline");
}

#[test]
fn baseline_of_another_model_or_schema_is_refused() {
    let d = scratch("refused");
    let base = d.join("base.json");
    write_baseline(&spec(&d, "rs.toml", 3, RANDOM, ""), &base);
    let other = spec(&d, "other.toml", 4, RANDOM, "");
    let out = audit(&[&other, &base], &[]);
    refused(
        &out,
        "base.json: field `subject.model_fingerprint`: the baseline is of another model",
    );

    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    v["schema_version"] = 99.into();
    let future = d.join("future.json");
    std::fs::write(&future, v.to_string()).unwrap();
    let same = spec(&d, "rs.toml", 3, RANDOM, "");
    refused(&audit(&[&same, &future], &[]), "field `schema_version`");

    // A schema-1 baseline still compares: it tracks quantities and statuses, which schema 2 kept.
    v["schema_version"] = 1.into();
    let schema1 = d.join("schema1.json");
    std::fs::write(&schema1, v.to_string()).unwrap();
    let out = audit(&[&same, &schema1], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    v["subject"]
        .as_object_mut()
        .unwrap()
        .remove("model_fingerprint");
    let old = d.join("old.json");
    std::fs::write(&old, v.to_string()).unwrap();
    refused(
        &audit(&[&same, &old], &[]),
        "field `subject.model_fingerprint`: absent",
    );

    let garbage = d.join("garbage.json");
    std::fs::write(&garbage, "{\"tool\": ").unwrap();
    refused(&audit(&[&same, &garbage], &[]), "not a JSON report");
    refused(
        &audit(&[&same, &d.join("missing.json")], &[]),
        "missing.json: cannot read",
    );

    let bad = spec(&d, "bad.toml", 3, RANDOM, "[baseline]\ntau = -1\n");
    refused(&audit(&[&bad, &base], &[]), "field `baseline.tau`");
    let unknown = spec(&d, "unknown.toml", 3, RANDOM, "[baseline]\ntaus = 1\n");
    refused(&audit(&[&unknown, &base], &[]), "taus");
}
