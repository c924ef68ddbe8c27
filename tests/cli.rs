//! The command-line contract (docs/cli.md), pinned: `--help` texts, the JSON report of every
//! built-in example (numbers rounded to 3 significant digits before snapshotting), exit codes, and
//! the JUnit rendering.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::round_json;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
}

#[test]
fn help_texts_are_stable() {
    for args in [
        vec!["--help"],
        vec!["audit", "--help"],
        vec!["compare", "--help"],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert!(out.status.success());
        insta::assert_snapshot!(
            format!("help_{}", args.join("_").replace("--", "")),
            String::from_utf8(out.stdout).unwrap()
        );
    }
}

#[test]
fn example_reports_are_stable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 3);
    for ex in examples {
        let out = bin()
            .current_dir(root)
            .args([
                "audit",
                ex.strip_prefix(root).unwrap().to_str().unwrap(),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        assert!(
            code == 0 || code == 1 || code == 3,
            "{}: exit {code}: {}",
            ex.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["summary"]["fail"].as_u64().unwrap() > 0,
            code == 1,
            "{}",
            ex.display()
        );
        round_json(&mut v, false);
        let name = ex.file_stem().unwrap().to_str().unwrap().to_string();
        insta::assert_json_snapshot!(format!("example_{name}"), v);
    }
}

#[test]
fn exit_codes_follow_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = |spec: &str| {
        bin()
            .current_dir(root)
            .args(["audit", spec])
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(code("examples/curie-weiss.toml"), 0);
    assert_eq!(code("examples/systematic-sk.toml"), 1);
    assert_eq!(code("no/such/spec.toml"), 2);
    let out = bin().args(["audit"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn junit_maps_checks_to_testcases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = bin()
        .current_dir(root)
        .args(["audit", "examples/systematic-sk.toml", "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(
        xml.contains("<testcase name=\"A2.detailed-balance\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure message=\"largest detailed-balance violation |pi_x P_xy - pi_y P_yx| = "
        ),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"F4\""));
}

#[test]
fn out_writes_the_report_to_a_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("mcmc-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.json");
    let st = bin()
        .current_dir(root)
        .args([
            "audit",
            "examples/curie-weiss.toml",
            "--format",
            "json",
            "--eigenvalues",
            "all",
            "--out",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        v["quantities"]["eigenvalues"].as_array().unwrap().len(),
        1024
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reports_are_bit_identical_at_any_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |threads: &str| {
        bin()
            .current_dir(root)
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "audit",
                "examples/curie-weiss.toml",
                "--format",
                "json",
                "--eigenvalues",
                "all",
            ])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}
