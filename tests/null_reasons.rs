//! Numerics never turn into a false verdict, and every `null` in a report says why (issue 14 items 4
//! and 8; docs/cli.md "JSON reports in general").
//!
//! The walker below is the contract: a verdict whose `measured` is `null` carries `detail.reason`
//! (a parent: `detail.sub_checks`); a `null` quantity has an entry in `quantities.undefined`; a
//! `null` trace statistic has one in its variable's `undefined`; a `null` inside a row of a table
//! (`tau_by_length`, `mixing_time`) has a `reason` (or `undefined_variables`) beside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use mcmc_audit::diagnostics::Draws;
use mcmc_audit::io::trace::Variable;
use mcmc_audit::pipeline::trace::{TraceOptions, trace_report};
use serde_json::Value;

mod common;

fn npy(shape: &[usize], values: &[f64]) -> Vec<u8> {
    common::npy(shape, values, "<f8")
}

/// A deterministic AR(1) with φ = 0.9 (an LCG's uniforms summed to near-normal noise), chain-major.
fn ar1(chains: usize, draws: usize) -> Vec<f64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::with_capacity(chains * draws);
    for _ in 0..chains {
        let mut x = 0.0;
        for _ in 0..draws {
            let noise: f64 = (0..12).map(|_| uniform()).sum::<f64>() - 6.0;
            x = 0.9 * x + noise;
            out.push(x);
        }
    }
    out
}

fn problems_of(tag: &str, report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let verdicts = |vs: &Value, out: &mut Vec<String>| {
        for v in vs.as_array().into_iter().flatten() {
            let d = &v["detail"];
            if v["measured"].is_null() && d.get("reason").is_none() && d.get("sub_checks").is_none()
            {
                out.push(format!(
                    "{tag}: verdict {} has measured null and no reason",
                    v["id"]
                ));
            }
        }
    };
    verdicts(&report["verdicts"], &mut out);
    let rows = |path: &str, arr: &Value, out: &mut Vec<String>| {
        for (i, row) in arr.as_array().into_iter().flatten().enumerate() {
            let Some(m) = row.as_object() else { continue };
            let explained = m.contains_key("reason") || m.contains_key("undefined_variables");
            for (k, x) in m {
                if x.is_null() && !explained {
                    out.push(format!("{tag}: {path}[{i}].{k} is null without a reason"));
                }
            }
        }
    };
    if let Some(q) = report["quantities"].as_object() {
        let undefined = q.get("undefined").and_then(Value::as_object);
        let explained = |k: &str| undefined.is_some_and(|u| u.contains_key(k));
        for (k, v) in q {
            match v {
                Value::Null if !explained(k) => {
                    out.push(format!("{tag}: quantities.{k} is null without a reason"))
                }
                Value::Object(m) if k != "undefined" => {
                    for (name, x) in m {
                        if x.is_null() && !explained(&format!("{k}.{name}")) {
                            out.push(format!(
                                "{tag}: quantities.{k}.{name} is null without a reason"
                            ));
                        }
                    }
                }
                Value::Array(_) => rows(&format!("quantities.{k}"), v, &mut out),
                _ => {}
            }
        }
    }
    for var in report["variables"].as_array().into_iter().flatten() {
        let undefined = var["undefined"].as_object();
        for (k, x) in var.as_object().into_iter().flatten() {
            if x.is_null() && !undefined.is_some_and(|u| u.contains_key(k)) {
                out.push(format!(
                    "{tag}: variable {}: {k} is null without a reason",
                    var["name"]
                ));
            }
        }
        rows("tau_by_length", &var["tau_by_length"], &mut out);
    }
    out
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcmc-audit-nulls-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json_of(args: &[&std::ffi::OsStr]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .arg("--format")
        .arg("json")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

//= test:A3.irreducible
#[test]
fn every_null_in_a_report_says_why() {
    let dir = scratch();
    let put = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let spec = |name: &str, text: &str| put(name, text.as_bytes().to_vec());
    // Audits: the examples, a reducible matrix with a transient state and observables, a sweep whose
    // probabilities underflow to exact zeros, a short sampled run and a single chain.
    put(
        "t.npy",
        npy(&[3, 3], &[0.5, 0.5, 0.0, 0.0, 0.6, 0.4, 0.0, 0.2, 0.8]),
    );
    put("F.npy", npy(&[3, 2], &[1.0, 5.0, 2.0, 5.0, 3.0, 5.0]));
    let mut audits: Vec<PathBuf> = ["curie-weiss", "rbm-symmetrized", "systematic-sk"]
        .iter()
        .map(|e| PathBuf::from(format!("examples/{e}.toml")))
        .collect();
    audits.push(spec(
        "transient.toml",
        "[model]\nfamily = \"matrix\"\nmatrix = \"t.npy\"\nobservables = \"F.npy\"\n[estimator]\nburn_in = 10\nwindow = 100\n",
    ));
    audits.push(spec(
        "frozen.toml",
        "[model]\nfamily = \"curie-weiss\"\nn = 6\nbeta = 2000\n[kernel]\nscan = \"systematic\"\n[observables]\nset = \"pairs\"\n",
    ));
    audits.push(spec(
        "constant-observable.toml",
        "[model]\nfamily = \"matrix\"\nmatrix = \"P.npy\"\nobservables = \"G.npy\"\n[estimator]\nburn_in = 5\nwindow = 50\n",
    ));
    put("P.npy", npy(&[2, 2], &[0.9, 0.1, 0.2, 0.8]));
    put("G.npy", npy(&[2, 2], &[1.0, 7.0, 2.0, 7.0]));
    audits.push(spec(
        "sampled.toml",
        "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 3\n[sampling]\nchains = 1\nsweeps = 200\n",
    ));
    let mut problems = Vec::new();
    for a in &audits {
        let r = json_of(&["audit".as_ref(), a.as_os_str()]);
        problems.extend(problems_of(&a.display().to_string(), &r));
    }
    // Traces: constant, NaN, too short, and an AR(1) at ordinary, huge and tiny scales.
    let x = ar1(2, 300);
    let mut with_nan = x.clone();
    with_nan[17] = f64::NAN;
    let traces = [
        ("const.npy", vec![1.0; 200]),
        ("nan.npy", with_nan),
        ("short.npy", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ("ar.npy", x.clone()),
        ("huge.npy", x.iter().map(|v| v * 2f64.powi(1000)).collect()),
        ("tiny.npy", x.iter().map(|v| v * 2f64.powi(-1040)).collect()),
    ];
    for (name, data) in traces {
        let draws = data.len() / 2;
        let p = put(name, npy(&[2, draws], &data));
        let r = json_of(&["trace".as_ref(), p.as_os_str()]);
        problems.extend(problems_of(name, &r));
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// ESS, R-hat, τ and the verdicts of `trace` do not change when the draws are multiplied by a power
/// of two that would overflow (or underflow) f64 moments; mean, sd and MCSE scale exactly (issue 14
/// item 4: overflow must not become a verdict). At 2^-1040 the draws themselves are subnormal and
/// lose low bits, so there the statistics agree to [`SCALE_INVARIANCE`] instead of bit for bit.
#[test]
fn trace_statistics_are_scale_invariant_past_the_f64_range() {
    use mcmc_audit::numeric::tolerance::rel_diff;
    use mcmc_audit::numeric::tolerance::test::SCALE_INVARIANCE;
    // x · 2^k in two exact steps: one power of two alone overflows past 2^±1023.
    let scale = |x: f64, k: i32| x * 2f64.powi(k / 2) * 2f64.powi(k - k / 2);
    let x = ar1(4, 2000);
    let report = |k: i32| {
        let data: Vec<f64> = x.iter().map(|&v| scale(v, k)).collect();
        let vars = [Variable {
            name: "x".into(),
            draws: Draws::new(4, 2000, data).unwrap(),
        }];
        trace_report("mem", &vars, &TraceOptions::default())
    };
    let base = report(0);
    let b = &base.variables[0];
    let st = |r: &mcmc_audit::pipeline::trace::TraceReport| {
        r.verdicts
            .iter()
            .map(|v| (v.id.clone(), v.status))
            .collect::<Vec<_>>()
    };
    for k in [1000, 600, -600, -1000, -1040] {
        let r = report(k);
        let v = &r.variables[0];
        let subnormal = k < -1000;
        let same = |got: Option<f64>, want: Option<f64>, what: &str| {
            let (Some(g), Some(w)) = (got, want) else {
                assert_eq!(got, want, "2^{k} {what}");
                return;
            };
            if subnormal {
                assert!(
                    SCALE_INVARIANCE.accepts(rel_diff(g, w), 1),
                    "2^{k} {what}: {g} vs {w}"
                );
            } else {
                assert_eq!(g, w, "2^{k} {what}");
            }
        };
        same(v.ess_bulk, b.ess_bulk, "ess_bulk");
        same(v.ess_tail, b.ess_tail, "ess_tail");
        same(v.ess_mean, b.ess_mean, "ess_mean");
        same(v.rhat, b.rhat, "rhat");
        same(v.tau, b.tau, "tau");
        same(v.tau_batch_means, b.tau_batch_means, "tau_batch_means");
        same(v.tau_resolved, b.tau_resolved, "tau_resolved");
        // Location and scale come back scaled by 2^k (compared on the unscaled side).
        same(v.mean.map(|m| scale(m, -k)), b.mean, "mean");
        same(v.sd.map(|m| scale(m, -k)), b.sd, "sd");
        same(v.mcse_mean.map(|m| scale(m, -k)), b.mcse_mean, "mcse_mean");
        assert_eq!(st(&r), st(&base), "2^{k}");
    }
}
