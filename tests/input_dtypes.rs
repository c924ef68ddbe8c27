//! Matrices and trajectories as NumPy, JAX and pandas users have them (issue 15 item 5): float32,
//! float16, integer and bool `.npy` files are audited, converted exactly to float64 with the
//! conversion stated in `quantities.input`, and a float32/float16 `P` or `pi` floors the
//! rounding-level thresholds at `INPUT_ROUNDINGS` roundings of its format (never below the registry's).

use std::path::{Path, PathBuf};
use std::process::Command;

use mcmc_audit::checks::ROUNDING_LEVEL_CHECKS;
use mcmc_audit::numeric::tolerance::test::FLOORED_THRESHOLD;
use mcmc_audit::numeric::tolerance::{INPUT_ROUNDINGS, rel_diff};
use serde_json::Value;

mod common;
use common::{npy, verdict_status};

/// A reversible Metropolis chain on `n` states with uneven energies: `P_xy = min(1, e^{E_x − E_y})/(n − 1)`.
fn metropolis(n: usize) -> Vec<f64> {
    let e: Vec<f64> = (0..n).map(|x| 3.0 * (1.7 * x as f64).sin()).collect();
    let mut p = vec![0.0; n * n];
    for x in 0..n {
        let mut stay = 1.0;
        for y in (0..n).filter(|&y| y != x) {
            let v = (e[x] - e[y]).min(0.0).exp() / (n - 1) as f64;
            p[x * n + y] = v;
            stay -= v;
        }
        p[x * n + x] = stay;
    }
    p
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcmc-audit-dtypes-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Audits `P.npy` written with `descr` (and `pi.npy` when given); returns (exit code, JSON report).
fn audit(tag: &str, n: usize, p: &[f64], descr: &str, pi: Option<(&[f64], &str)>) -> (i32, Value) {
    let d = scratch(tag);
    std::fs::write(d.join("P.npy"), npy(&[n, n], p, descr)).unwrap();
    let mut spec = "[model]\nfamily = \"matrix\"\nmatrix = \"P.npy\"\n".to_string();
    if let Some((v, t)) = pi {
        std::fs::write(d.join("pi.npy"), npy(&[n], v, t)).unwrap();
        spec.push_str("pi = \"pi.npy\"\n");
    }
    std::fs::write(d.join("spec.toml"), spec).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .args(["audit", "--format", "json"])
        .arg(d.join("spec.toml"))
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        matches!(code, 0 | 1),
        "{tag}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn verdict<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no verdict {id}"))
}

//= test:K.stochastic
//= test:A2.relative
#[test]
fn float32_matrix_of_a_reversible_chain_is_audited_at_its_own_precision() {
    let n = 64;
    let p = metropolis(n);
    let (code, r) = audit("f4", n, &p, "<f4", None);
    let u = f64::from(f32::EPSILON) / 2.0;
    let input = &r["quantities"]["input"];
    assert_eq!(input["files"]["matrix"]["dtype"], "<f4");
    assert!(
        input["files"]["matrix"]["conversion"]
            .as_str()
            .unwrap()
            .contains("widened exactly")
    );
    assert_eq!(input["unit_roundoff"].as_f64().unwrap(), u);
    for id in ROUNDING_LEVEL_CHECKS {
        let v = verdict(&r, id);
        assert_eq!(v["status"], "pass", "{id}: {v}");
        let t = &v["tolerance"];
        let value = t["value"].as_f64().unwrap();
        // Bound tolerances scale with n·u: the floor is on the threshold.
        let threshold = if t["kind"] == "bound" {
            value * n as f64 * f64::EPSILON / 2.0
        } else {
            value
        };
        let floor = INPUT_ROUNDINGS * u;
        assert!(
            FLOORED_THRESHOLD.accepts(rel_diff(threshold, floor), n),
            "{id}: {t}"
        );
        assert!(v["detail"]["input_precision"].is_string(), "{id}");
    }
    assert_eq!(verdict_status(&r, "A2"), "pass");
    // Uniform-proposal Metropolis has a negative eigenvalue here (in float64 too): a real finding.
    assert_eq!(verdict_status(&r, "A3.nonnegative"), "fail");
    assert_eq!(code, 1);

    // The same chain in float64 keeps the registry's thresholds and has no floor.
    let (_, r64) = audit("f8", n, &p, "<f8", None);
    assert_eq!(verdict_status(&r64, "A3.nonnegative"), "fail");
    assert!(r64["quantities"]["input"]["unit_roundoff"].is_null());
    for id in ROUNDING_LEVEL_CHECKS {
        let v = verdict(&r64, id);
        assert_eq!(v["status"], "pass", "{id}");
        assert!(v["detail"]["input_precision"].is_null(), "{id}");
    }
}

/// Teeth: the floor is the format's rounding, not a blanket pass. Moving 1e-4 of probability from one
/// transition to the diagonal breaks detailed balance by far more than 64 float32 roundings.
//= test:A2.relative
//= test:A2.detailed-balance
#[test]
fn float32_matrix_of_an_irreversible_chain_still_fails_a2() {
    let n = 64;
    let mut p = metropolis(n);
    p[1] -= 1e-4;
    p[0] += 1e-4;
    let (code, r) = audit("f4-bad", n, &p, "<f4", None);
    assert_eq!(verdict_status(&r, "A2.relative"), "fail");
    assert_eq!(verdict_status(&r, "A2"), "fail");
    assert_eq!(verdict_status(&r, "K.stochastic"), "pass");
    assert_eq!(code, 1);
}

//= test:K.invariance
#[test]
fn float16_matrix_and_float32_pi_are_read_and_stated() {
    let n = 2;
    let p = [0.75, 0.25, 0.5, 0.5];
    let pi = [2.0 / 3.0, 1.0 / 3.0];
    let (_, r) = audit("f2", n, &p, "<f2", Some((&pi, "<f4")));
    let input = &r["quantities"]["input"];
    assert_eq!(input["files"]["matrix"]["dtype"], "<f2");
    assert_eq!(input["files"]["pi"]["dtype"], "<f4");
    // The coarser format sets the floor.
    assert_eq!(input["unit_roundoff"].as_f64().unwrap(), 2f64.powi(-11));
    assert_eq!(verdict_status(&r, "K.invariance"), "pass");
    assert_eq!(verdict_status(&r, "A2"), "pass");
}

#[test]
fn integer_and_bool_matrices_are_exact() {
    // A 3-cycle: irreducible, periodic, exactly stochastic in every integer format.
    let p = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
    for (tag, descr) in [("i8", "<i8"), ("u1", "|u1"), ("b1", "|b1")] {
        let (_, r) = audit(tag, 3, &p, descr, None);
        let input = &r["quantities"]["input"];
        assert_eq!(input["files"]["matrix"]["dtype"], descr, "{tag}");
        assert!(
            input["unit_roundoff"].is_null(),
            "{tag}: integers are exact"
        );
        assert!(
            input["files"]["matrix"]["conversion"]
                .as_str()
                .unwrap()
                .contains("exactly")
        );
        let k = verdict(&r, "K.stochastic");
        assert_eq!(k["status"], "pass", "{tag}");
        assert_eq!(k["measured"].as_f64().unwrap(), 0.0, "{tag}");
        assert_eq!(verdict_status(&r, "A3.irreducible"), "pass", "{tag}");
    }
}

/// `trace` reads float16 draws as their exact float64 values: the report equals that of the same
/// values written as float64.
#[test]
fn float16_trace_equals_its_float64_widening() {
    let d = scratch("trace");
    let draws: Vec<f64> = (0..4 * 400)
        .map(|i| half::f16::from_f64((0.37 * i as f64).sin() * 3.0 + (i / 400) as f64).to_f64())
        .collect();
    std::fs::write(d.join("h.npy"), npy(&[4, 400], &draws, "<f2")).unwrap();
    std::fs::write(d.join("w.npy"), npy(&[4, 400], &draws, "<f8")).unwrap();
    let run = |f: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
            .args(["trace", "--format", "json"])
            .arg(f)
            .output()
            .unwrap();
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["file"] = Value::Null;
        v
    };
    assert_eq!(run(&d.join("h.npy")), run(&d.join("w.npy")));
}

fn trace(f: &Path, format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .args(["trace", "--format", format])
        .arg(f)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// One NaN: its position is reported once per variable (JSON and the single text line), and the
/// variable's inconclusive verdicts say that NaN is the reason.
#[test]
fn a_nan_draw_is_located() {
    let d = scratch("nan");
    let (chains, draws, vars) = (3, 200, 2);
    let mut data: Vec<f64> = (0..chains * draws * vars)
        .map(|i| (0.7 * i as f64).sin())
        .collect();
    // Variable x1, chain 2, draw 17 (row-major (chains, draws, variables)).
    data[(2 * draws + 17) * vars + 1] = f64::NAN;
    data[(2 * draws + 50) * vars + 1] = f64::INFINITY;
    std::fs::write(d.join("t.npy"), npy(&[chains, draws, vars], &data, "<f8")).unwrap();
    let (_, json) = trace(&d.join("t.npy"), "json");
    let r: Value = serde_json::from_str(&json).unwrap();
    let x1 = &r["variables"][1];
    assert_eq!(x1["non_finite"]["count"], 2);
    assert_eq!(x1["non_finite"]["first_chain"], 2);
    assert_eq!(x1["non_finite"]["first_draw"], 17);
    assert_eq!(x1["non_finite"]["first_value"], "NaN");
    assert!(r["variables"][0]["non_finite"].is_null());
    for (field, why) in x1["undefined"].as_object().unwrap() {
        assert!(
            why.as_str().unwrap().contains("chain 2, draw 17"),
            "{field}: {why}"
        );
    }
    for v in r["verdicts"].as_array().unwrap() {
        if v["detail"]["variable"] == "x1" && v["status"] == "inconclusive" {
            assert!(
                v["detail"]["reason"].as_str().unwrap().contains("NaN"),
                "{v}"
            );
        }
    }
    let (_, text) = trace(&d.join("t.npy"), "text");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("x1: ")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("2 of 600, the first (NaN) at chain 2, draw 17"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_transposed_chain_axis_is_flagged() {
    let d = scratch("transposed");
    let data: Vec<f64> = (0..1000 * 4).map(|i| (1.3 * i as f64).sin()).collect();
    std::fs::write(d.join("t.npy"), npy(&[1000, 4], &data, "<f8")).unwrap();
    let (_, json) = trace(&d.join("t.npy"), "json");
    let r: Value = serde_json::from_str(&json).unwrap();
    let w = r["warnings"][0].as_str().unwrap();
    assert!(
        w.contains("1000 chains of only 4 draws") && w.contains("transposed"),
        "{w}"
    );
    let (_, text) = trace(&d.join("t.npy"), "text");
    assert!(
        text.lines().nth(2).unwrap().starts_with("warning: "),
        "{text}"
    );
    // The right way round: no warning.
    std::fs::write(d.join("u.npy"), npy(&[4, 1000], &data, "<f8")).unwrap();
    let (_, json) = trace(&d.join("u.npy"), "json");
    let r: Value = serde_json::from_str(&json).unwrap();
    assert!(r.get("warnings").is_none());
}

#[test]
fn csv_index_columns_are_labels() {
    let d = scratch("csv");
    let mut rows = vec!["iteration,chain,a".to_string()];
    let mut indexed = vec![",chain,draw,a".to_string()];
    let mut plain = vec!["chain,a".to_string()];
    for c in 0..2 {
        for i in 0..300 {
            let a = (0.9 * (i + 300 * c) as f64).sin();
            rows.push(format!("{i},{c},{a}"));
            indexed.push(format!("{},{c},{i},{a}", i + 300 * c));
            plain.push(format!("{c},{a}"));
        }
    }
    for (name, body) in [
        ("it.csv", &rows),
        ("ix.csv", &indexed),
        ("plain.csv", &plain),
    ] {
        std::fs::write(d.join(name), body.join("\n")).unwrap();
    }
    let var = |f: &str| {
        let (_, json) = trace(&d.join(f), "json");
        let mut r: Value = serde_json::from_str(&json).unwrap();
        r["file"] = Value::Null;
        r
    };
    let p = var("plain.csv");
    assert_eq!(p["variables"].as_array().unwrap().len(), 1);
    assert_eq!(var("it.csv"), p);
    assert_eq!(var("ix.csv"), p);
}
