//! The `claims` subcommand's contract (docs/cli.md): formats, `--id`, JSON field names, exit codes.

use std::process::Command;

fn claims(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .arg("claims")
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_has_the_contract_fields_and_exit_0_with_the_findings_recorded() {
    // The two inconsistencies of the published record are recorded findings: the gate passes while
    // they reproduce (issue 15 item 4).
    let (code, out, err) = claims(&["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = v["claims"].as_array().unwrap();
    assert!(list.len() >= 40);
    for c in list {
        for f in [
            "id",
            "tag",
            "kind",
            "status",
            "published",
            "recomputed",
            "tolerance",
            "source",
            "note",
        ] {
            assert!(c.get(f).is_some(), "{} lacks {f}", c["id"]);
        }
        assert!(["pass", "fail", "pending", "recorded"].contains(&c["status"].as_str().unwrap()));
        assert!(["recompute", "derive", "record"].contains(&c["kind"].as_str().unwrap()));
        assert_ne!(c["tag"], "validated");
    }
    for k in [
        "total",
        "pass",
        "fail",
        "pending",
        "recorded",
        "known_findings",
        "unexpected",
    ] {
        assert!(v["summary"][k].is_u64(), "summary.{k}");
    }
    assert_eq!(v["summary"]["known_findings"], 2);
    assert_eq!(v["summary"]["unexpected"], 0);
    let found: Vec<&str> = list
        .iter()
        .filter(|c| !c["finding"].is_null())
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["exp4.doubling-count", "exp18.cold-edge-swing"]);
}

#[test]
fn id_filter_selects_one_claim_and_sets_the_exit_code() {
    let (code, out, _) = claims(&["--id", "exp19.rung-count", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["claims"].as_array().unwrap().len(), 1);
    assert_eq!(v["claims"][0]["status"], "pass");
    assert_eq!(v["claims"][0]["recomputed"]["r_star"], 136.0);
    // A recorded finding alone: it reproduces, so the gate passes and the row says so.
    let (code, out, _) = claims(&["--id", "exp4.doubling-count"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("FINDING")
            && out.contains("exp4.doubling-count")
            && out.contains("reproduces"),
        "{out}"
    );
    // A record claim alone: nothing to fail.
    assert_eq!(claims(&["--id", "dtm.energy"]).0, 0);
}

#[test]
fn unknown_id_is_exit_2_naming_it() {
    let (code, out, err) = claims(&["--id", "exp77.none"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("exp77.none") && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = claims(&["--format", "xml"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn text_is_a_table_with_status_first() {
    let (_, out, _) = claims(&[]);
    let header = out.lines().find(|l| l.starts_with("STATUS")).unwrap();
    assert!(
        header
            .split_whitespace()
            .eq(["STATUS", "KIND", "ID", "TAG"])
    );
    assert!(out.contains("PASS      recompute rbm.qstruct-perp-tracks"));
    assert!(out.lines().last().unwrap().contains("pass") && out.contains("recorded"));
}

#[test]
fn help_is_pinned() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .args(["claims", "--help"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_claim_judged_by_a_frozen_rule_shows_the_rule_and_when_it_was_frozen() {
    // Issue 15 item 4: the tracking claims print the band they were judged by and when it was frozen.
    let reproduce: toml::Value =
        toml::from_str(mcmc_audit::pipeline::reproduce::REPRODUCE_TOML).unwrap();
    for grid in ["exp1", "rbm1"] {
        let t = &reproduce[grid]["tracking"];
        // The rules' words below say "1/2 <= Q_pred / Q_op <= 2": the frozen band must be that one.
        assert_eq!(t["low"].as_float(), Some(0.5), "{grid}");
        assert_eq!(t["high"].as_float(), Some(2.0), "{grid}");
    }
    for id in [
        "exact.single-relevant-gap-tracks",
        "exact.qstruct-perp-tracks",
        "rbm.qstruct-perp-tracks",
    ] {
        let (code, out, err) = claims(&["--id", id, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let j = &v["claims"][0]["judged_by"];
        assert!(
            j["rule"]
                .as_str()
                .unwrap()
                .contains("1/2 <= Q_pred / Q_op <= 2"),
            "{id}: {j}"
        );
        assert!(
            j["frozen"].as_str().unwrap().contains("2026-11-27"),
            "{id}: {j}"
        );
        let (_, text, _) = claims(&["--id", id]);
        assert!(
            text.contains("          rule:       ") && text.contains("          frozen:     "),
            "{text}"
        );
    }
}
