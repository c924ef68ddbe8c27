//! `mcmc-audit trace`: the CLI contract (docs/cli.md) — JSON field names, formats,
//! conventions, exit codes, and one-line errors naming the file and the field for bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::round_json;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/trace")
        .join(name)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().expect("run mcmc-audit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_has_the_contract_fields() {
    let f = data("small_3x200x2_f32.npy");
    let (code, out, err) = run(&["trace", f.to_str().unwrap(), "--format", "json"]);
    assert!([0, 1, 3].contains(&code), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["convention"], "posterior");
    let vars = v["variables"].as_array().unwrap();
    assert_eq!(vars.len(), 2);
    for var in vars {
        for k in [
            "name",
            "n_chains",
            "n_draws",
            "mean",
            "sd",
            "ess_bulk",
            "ess_tail",
            "ess_mean",
            "rhat",
            "mcse_mean",
            "mcse_sd",
            "tau",
            "tau_convention",
            "tau_window",
        ] {
            assert!(var.get(k).is_some(), "missing {k}");
        }
        assert_eq!(var["tau_convention"], "N/ESS");
        assert_eq!(var["n_chains"], 3);
        assert_eq!(var["n_draws"], 200);
        assert!(var["ess_bulk"].is_number());
    }
    let (_, out, _) = run(&[
        "trace",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--convention",
        "arviz",
    ]);
    let w: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(w["convention"], "arviz");
    // The conventions share ESS bulk here (even draw count, 3 chains) but not ess_sd.
    assert_eq!(v["variables"][0]["ess_bulk"], w["variables"][0]["ess_bulk"]);
    assert_ne!(v["variables"][0]["ess_sd"], w["variables"][0]["ess_sd"]);
}

#[test]
fn csv_report_snapshot() {
    let f = data("small_2x60.csv");
    let (code, out, err) = run(&[
        "trace",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--burn-in",
        "50",
    ]);
    // 60 draws per chain: the doubling probe cannot resolve tau (inconclusive → 3).
    assert_eq!(code, 3, "{err}");
    let mut v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["variables"][1]["name"], "sigma");
    round_json(&mut v, true);
    insta::assert_json_snapshot!(v);
    let (code, text, _) = run(&["trace", f.to_str().unwrap(), "--report-only"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("VARIABLE") && text.contains("sigma"),
        "{text}"
    );
}

#[test]
fn help_snapshot() {
    let (code, out, _) = run(&["trace", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn exit_codes_follow_the_verdicts_unless_report_only() {
    // 60 draws per chain: tau cannot be resolved by doubling (inconclusive → 3, docs/cli.md's table).
    let f = data("small_2x60.csv");
    let (code, _, _) = run(&["trace", f.to_str().unwrap()]);
    assert_eq!(code, 3);
    // The deprecated --strict (the old opt-in) still parses and changes nothing.
    let (code, _, _) = run(&["trace", f.to_str().unwrap(), "--strict"]);
    assert_eq!(code, 3);
    let (code, _, _) = run(&["trace", f.to_str().unwrap(), "--report-only"]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["trace", f.to_str().unwrap(), "--report-only", "--strict"]);
    assert_eq!(code, 2);
}

#[test]
fn bad_input_exits_2_naming_file_and_field() {
    let cases: &[(&str, &[&str])] = &[
        ("bad_vector.npy", &["bad_vector.npy", "shape [10]"]),
        ("bad_member_3d.npz", &["bad_member_3d.npz", "`bad`"]),
        ("bad_cell.csv", &["bad_cell.csv", "line 3", "`mu`", "abc"]),
        ("ragged_chains.csv", &["ragged_chains.csv", "chain `2`"]),
        ("does_not_exist.npy", &["does_not_exist.npy"]),
        (
            "expected_arviz.json",
            &["expected_arviz.json", "unknown trajectory format"],
        ),
    ];
    for (file, needles) in cases {
        let f = data(file);
        let (code, out, err) = run(&["trace", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{file}: one line: {err}");
        for n in *needles {
            assert!(err.contains(n), "{file}: `{n}` not in {err}");
        }
    }
    let (code, _, err) = run(&["trace", "x.npy", "--convention", "stan"]);
    assert_eq!(code, 2, "{err}");
    let f = data("small_2x60.csv");
    let (code, _, err) = run(&["trace", f.to_str().unwrap(), "--window", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--window"), "{err}");
}

/// `--doubling-from` beyond the draws is refused like `sampling.doubling_from` beyond the sweeps of a
/// sampled audit (issue 14 item 6: trace reported, audit rejected; now both reject), and at the draw
/// count it is accepted.
#[test]
fn doubling_from_beyond_the_draws_is_an_error() {
    let f = data("small_3x200x2_f32.npy");
    let (code, _, err) = run(&["trace", f.to_str().unwrap(), "--doubling-from", "201"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--doubling-from")
            && err.contains("200 draws")
            && err.contains("small_3x200x2_f32.npy"),
        "{err}"
    );
    let (code, _, err) = run(&["trace", f.to_str().unwrap(), "--doubling-from", "200"]);
    assert_ne!(code, 2, "{err}");
}

/// A repeated `.npz` member name (`x.npy` twice: the zip index keeps one, so a variable was silently
/// dropped) and two members naming one variable (`x.npy` and `x`: two variables called `x`) are
/// errors naming the file (issue 14 item 6). The archives were written by Python's `zipfile`, which
/// allows duplicate names (`writestr` twice), from a (2, 100) float64 `.npy`.
#[test]
fn repeated_npz_member_names_are_errors() {
    for (name, expect) in [
        ("dup_member.npz", "repeated"),
        ("dup_stem.npz", "already given"),
    ] {
        let f = data(name);
        let (code, out, err) = run(&["trace", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(name) && err.contains(expect), "{err}");
    }
}

/// An `.npz` member is read within what it declares (issue 14 items 1–2): a member declaring 2 GiB
/// from 1.6 KB (a zip bomb) is refused before anything is inflated, and a member that inflates past
/// its declared size is an error, not an allocation. Both archives hold a (2, 100) float64 `.npy`
/// written by Python's `zipfile` (deflate), with the uncompressed-size fields of the local header and
/// the central directory patched to 2^31 − 1 and to 1000 bytes.
#[test]
fn npz_members_are_read_within_their_declared_sizes() {
    for (name, expect) in [
        ("bomb_declared.npz", "zip bomb"),
        ("lying_size.npz", "inflates past its declared size"),
    ] {
        let f = data(name);
        let t = std::time::Instant::now();
        let (code, out, err) = run(&["trace", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(name) && err.contains(expect), "{err}");
        assert!(t.elapsed().as_secs_f64() < 5.0);
    }
}
