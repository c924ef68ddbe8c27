//! The ledger as a whole: its snapshot (every id, tag, kind, published value and status), parsing
//! errors that name the file and field, the tag discipline, and traceability of every check.

use mcmc_audit::claims::checks::{Check, lookup};
use mcmc_audit::claims::{
    CLAIMS_TOML, ClaimStatus, ClaimsReport, Kind, Ledger, OutcomeToken, Tag, evaluate,
};
use serde_json::Value;

fn builtin_report() -> ClaimsReport {
    evaluate(&Ledger::builtin().expect("ledger parses"), None).expect("ledger evaluates")
}

fn parse_edited(from: &str, to: &str) -> mcmc_audit::Result<Ledger> {
    assert!(CLAIMS_TOML.contains(from), "edit anchor not found: {from}");
    Ledger::parse(&CLAIMS_TOML.replacen(from, to, 1), "edited.toml")
}

fn err_of(from: &str, to: &str) -> String {
    parse_edited(from, to)
        .expect_err("edited ledger must be rejected")
        .to_string()
}

/// Rounds every float to 6 significant digits (the snapshot's declared precision).
fn rounded(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let r: f64 = format!("{x:.5e}").parse().unwrap_or(x);
            serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number)
        }
        Value::Array(a) => Value::Array(a.iter().map(rounded).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), rounded(v))).collect()),
        other => other.clone(),
    }
}

/// The whole ledger table: any change to an id, tag, kind, published value or status is a reviewed
/// diff. Recomputed values are included for derive claims only (pure arithmetic on published numbers;
/// the exact-engine residuals are pinned by their own tests with tolerances instead).
#[test]
fn ledger_table_snapshot() {
    let r = builtin_report();
    let mut out = String::new();
    for c in &r.claims {
        out += &format!(
            "{} | {} | {} | {} | outcome={} | published={}",
            c.id,
            c.tag.as_str(),
            c.kind.as_str(),
            c.status.as_str(),
            c.outcome.as_deref().unwrap_or("-"),
            serde_json::to_string(&c.published).unwrap_or_default()
        );
        if c.kind == Kind::Derive {
            out += &format!(
                " | recomputed={}",
                serde_json::to_string(&rounded(&c.recomputed)).unwrap_or_default()
            );
        }
        out += "\n";
    }
    out += &format!("summary: {:?}\n", r.summary);
    insta::assert_snapshot!(out);
}

#[test]
fn summary_counts_and_exit_code() {
    let r = builtin_report();
    let s = &r.summary;
    assert_eq!(s.total, r.claims.len());
    assert_eq!(s.pass + s.fail + s.pending + s.recorded, s.total);
    assert_eq!(s.recompute + s.derive + s.record, s.total);
    // The published record has two inconsistencies (exp4.doubling-count, exp18.cold-edge-swing),
    // recorded as findings: the gate passes while they reproduce.
    assert_eq!(r.exit_code(), 0);
    assert_eq!((s.known_findings, s.unexpected), (2, 0));
    let failing: Vec<&str> = r
        .claims
        .iter()
        .filter(|c| c.status == ClaimStatus::Fail)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(failing, ["exp4.doubling-count", "exp18.cold-edge-swing"]);
}

#[test]
fn record_claims_never_get_a_verdict() {
    for c in builtin_report()
        .claims
        .iter()
        .filter(|c| c.kind == Kind::Record)
    {
        assert_eq!(c.status, ClaimStatus::Recorded, "{}", c.id);
        assert!(c.recomputed.is_null(), "{}", c.id);
    }
}

#[test]
fn every_checked_claim_has_a_registered_check_of_its_kind() {
    let ledger = Ledger::builtin().unwrap();
    for c in &ledger.claims {
        match (c.kind, lookup(&c.id)) {
            (Kind::Record, None) => {}
            (Kind::Record, Some(_)) => panic!("{}: record claim with a check", c.id),
            (Kind::Derive, Some(Check::Derive(_))) => assert!(c.tolerance.is_some(), "{}", c.id),
            (Kind::Recompute, Some(Check::Recompute(_))) => {
                assert!(
                    c.tolerance.is_some(),
                    "{}: implemented check without tolerance",
                    c.id
                )
            }
            (Kind::Recompute, Some(Check::Pending(why))) => assert!(!why.is_empty()),
            (k, _) => panic!("{}: {} claim without a matching check", c.id, k.as_str()),
        }
    }
}

#[test]
fn pending_checks_are_never_faked() {
    for c in builtin_report()
        .claims
        .iter()
        .filter(|c| c.status == ClaimStatus::Pending)
    {
        assert!(c.recomputed.is_null(), "{}", c.id);
        assert!(
            c.note.starts_with("Pending: awaits"),
            "{}: {}",
            c.id,
            c.note
        );
    }
}

/// `validated` is unrepresentable: no tag renders as it, the parser and the token registry refuse it.
#[test]
fn validated_can_never_be_assigned() {
    for t in Tag::FIXED.iter() {
        assert!(!t.as_str().eq_ignore_ascii_case("validated"));
    }
    assert!(OutcomeToken::new("validated").is_err());
    assert!(OutcomeToken::new("Outcome VALIDATED").is_err());
    let e = err_of(
        "tag = \"proven-here\"\npublished_status = \"proven-here (the L²(π) correction)\"",
        "tag = \"validated\"\npublished_status = \"proven-here (the L²(π) correction)\"",
    );
    assert!(
        e.contains("edited.toml") && e.contains("exact.z2-overlap") && e.contains("validated"),
        "{e}"
    );
    let e = err_of("token = \"Outcome 3\"", "token = \"validated\"");
    assert!(
        e.contains("outcome_token") && e.contains("validated"),
        "{e}"
    );
    let json = mcmc_audit::report::claims::json(&builtin_report());
    assert!(!json.contains("\"tag\": \"validated\""));
    assert!(!json.to_ascii_lowercase().contains("validated\""));
}

#[test]
fn malformed_ledgers_are_rejected_naming_file_and_field() {
    let cases: [(&str, &str, &str); 8] = [
        ("tag = \"proven-here\"", "tag = \"proven\"", "unknown tag"),
        (
            "outcome = \"Outcome 2\"",
            "outcome = \"Outcome 9\"",
            "not a registered outcome token",
        ),
        (
            "superseded_by = \"qstruct-perp.factorization\"\n",
            "",
            "must name the claim that replaces it",
        ),
        (
            "superseded_by = \"qstruct-perp.factorization\"",
            "superseded_by = \"nope\"",
            "no claim `nope`",
        ),
        (
            "id = \"exp4.warmups\"",
            "id = \"exp4.tau-series\"",
            "duplicate id",
        ),
        (
            "tolerance = { kind = \"rel\", value = 0.1, direction = \"at-most\" }\nnote = \"Pass when every",
            "note = \"Pass when every",
            "must state its tolerance",
        ),
        (
            "inputs = [\"exp4.tau-series\", \"exp4.warmups\"]",
            "inputs = [\"exp4.nope\"]",
            "no other claim",
        ),
        (
            "scope = \"consistency\"\ntolerance = { kind = \"bound\", value = 1.0, scale",
            "tolerance = { kind = \"bound\", value = 1.0, scale",
            "needs scope",
        ),
    ];
    for (from, to, want) in cases {
        let e = err_of(from, to);
        assert!(e.contains("edited.toml") && e.contains(want), "{to:?}: {e}");
    }
    let unknown_key = Ledger::parse(
        &CLAIMS_TOML.replacen("unit = \"formula\"", "unit = \"formula\"\ncolour = 1", 1),
        "x.toml",
    );
    assert!(unknown_key.unwrap_err().to_string().contains("colour"));
}

#[test]
fn unknown_id_is_an_error_naming_it() {
    let e = evaluate(&Ledger::builtin().unwrap(), Some("exp99.nothing"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("exp99.nothing") && e.contains("specs/claims.toml"),
        "{e}"
    );
}

#[test]
fn id_filter_keeps_one_claim_but_reads_inputs_from_the_whole_ledger() {
    let r = evaluate(&Ledger::builtin().unwrap(), Some("exp19.alpha-top-target")).unwrap();
    assert_eq!(r.claims.len(), 1);
    assert_eq!(r.claims[0].status, ClaimStatus::Pass);
}

/// MEASURE-ONLY: a hypothesis-scope check is computed and shown but yields no pass/fail, whatever it
/// computes; the same check on an untagged claim does yield a verdict (so the rule is what withholds it).
#[test]
fn measure_only_never_yields_a_hypothesis_verdict() {
    let r = builtin_report();
    let c = r.claim("exp15r.band").unwrap();
    assert_eq!(c.tag, Tag::MeasureOnly);
    assert_eq!(c.status, ClaimStatus::Recorded);
    assert_eq!(c.recomputed["ladder"], "inadequate");
    assert!(c.note.starts_with("MEASURE-ONLY"));
    // Make the published numbers contradict the published reading: still no verdict.
    let edited = parse_edited("max_acceptance = 0.0099", "max_acceptance = 0.3").unwrap();
    let e = evaluate(&edited, Some("exp15r.band")).unwrap();
    assert_eq!(e.claims[0].status, ClaimStatus::Recorded);
    assert_eq!(e.claims[0].recomputed["ladder"], "inadequate");
    // Untagged, the same check issues its verdict.
    let anchor = "tag = \"MEASURE-ONLY\"\noutcome = \"LADDER-INADEQUATE-TRAINED\"\npublished_status = \"LADDER-INADEQUATE-TRAINED, MEASURE-ONLY\"\ninputs";
    let untagged = parse_edited(anchor, "tag = \"untagged\"\ninputs").unwrap();
    assert_eq!(
        evaluate(&untagged, Some("exp15r.band")).unwrap().claims[0].status,
        ClaimStatus::Pass
    );
    // A consistency check on a MEASURE-ONLY claim keeps its verdict (it judges arithmetic, not the
    // hypothesis), and switching its scope to hypothesis withdraws the verdict.
    assert_eq!(
        r.claim("exp19.rung-count").unwrap().status,
        ClaimStatus::Pass
    );
    let hyp = parse_edited(
        "scope = \"consistency\"\ntolerance = { kind = \"exact\", value = 0, direction = \"equal\" }\nnote = \"Checks R*",
        "scope = \"hypothesis\"\ntolerance = { kind = \"exact\", value = 0, direction = \"equal\" }\nnote = \"Checks R*",
    )
    .unwrap();
    assert_eq!(
        evaluate(&hyp, Some("exp19.rung-count")).unwrap().claims[0].status,
        ClaimStatus::Recorded
    );
}

/// Withdrawn claims stay, marked, with what still stands, and get no verdict; superseded claims stay
/// with the id that replaces them.
#[test]
fn withdrawn_and_superseded_claims_stay_marked() {
    let anchor = "outcome = \"HOT-TOP-DECORRELATES-COSTWALL\"\npublished_status = \"HOT-TOP-DECORRELATES-COSTWALL, MEASURE-ONLY\"\ninputs = []";
    let withdrawn = parse_edited(
        &format!("tag = \"MEASURE-ONLY\"\n{anchor}"),
        "tag = \"withdrawn\"\nstill_stands = \"the rung formula\"\ninputs = []",
    )
    .unwrap();
    let r = evaluate(&withdrawn, None).unwrap();
    let c = r.claim("exp19.rung-count").unwrap();
    assert_eq!(c.status, ClaimStatus::Recorded);
    assert!(
        c.note.contains("Withdrawn") && c.note.contains("the rung formula"),
        "{}",
        c.note
    );
    assert_eq!(
        r.claims.len(),
        builtin_report().claims.len(),
        "withdrawn claims stay in the ledger"
    );
    // A withdrawn claim without `still_stands` is refused.
    let no_stand = err_of(
        &format!("tag = \"MEASURE-ONLY\"\n{anchor}"),
        "tag = \"withdrawn\"\ninputs = []",
    );
    assert!(no_stand.contains("still_stands"), "{no_stand}");
    let b = builtin_report();
    let s = b.claim("single-gap.predictor").unwrap();
    assert_eq!(s.tag, Tag::Superseded);
    assert_eq!(
        s.superseded_by.as_deref(),
        Some("qstruct-perp.factorization")
    );
    assert!(
        s.note
            .contains("Superseded by `qstruct-perp.factorization`")
    );
}

/// Traceability: every implemented check cites its claim id (`//= claim-check:ID`) and has a test
/// citing it (`//= claim-test:ID`); every cited id exists.
#[test]
fn every_implemented_check_is_cited_and_tested() {
    let root = env!("CARGO_MANIFEST_DIR");
    fn read_dir(d: &std::path::Path, prefix: &str, s: &mut String) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                read_dir(&p, prefix, s);
            } else if name.starts_with(prefix) && name.ends_with(".rs") {
                *s += &std::fs::read_to_string(&p).unwrap();
            }
        }
    }
    let collect = |d: &str, prefix: &str| {
        let mut s = String::new();
        read_dir(std::path::Path::new(&format!("{root}/{d}")), prefix, &mut s);
        s
    };
    let src = collect("src/claims", "");
    let tests = collect("tests", "claims_");
    let ids = |text: &str, marker: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(marker).map(|s| s.trim().to_string()))
            .collect()
    };
    let ledger = Ledger::builtin().unwrap();
    let cited = ids(&src, "//= claim-check:");
    let tested = ids(&tests, "//= claim-test:");
    for id in cited.iter().chain(&tested) {
        assert!(ledger.get(id).is_ok(), "marker cites unknown claim {id}");
    }
    for c in &ledger.claims {
        if matches!(
            lookup(&c.id),
            Some(Check::Derive(_)) | Some(Check::Recompute(_))
        ) {
            assert!(cited.contains(&c.id), "{}: no //= claim-check marker", c.id);
            assert!(tested.contains(&c.id), "{}: no //= claim-test marker", c.id);
        }
    }
}

proptest::proptest! {
    /// No string parses into a tag or registers as an outcome token that reads `validated`.
    #[test]
    fn no_string_becomes_a_validated_tag(word in "[A-Za-z -]{0,14}", pad in "(validated|VALIDATED|Validated|)") {
        let w = format!("{word}{pad}");
        if let Ok(t) = Tag::parse(&w, None) {
            proptest::prop_assert!(!t.as_str().to_ascii_lowercase().contains("validated"));
        }
        if let Ok(tok) = OutcomeToken::new(&w) {
            proptest::prop_assert!(!tok.as_str().to_ascii_lowercase().contains("validated"));
            let t = Tag::parse("outcome", Some(&tok)).unwrap();
            proptest::prop_assert!(!t.as_str().to_ascii_lowercase().contains("validated"));
        }
    }
}

/// `claims` is a CI gate (issue 15 item 4): a failing check without a recorded finding fails the
/// run, and so does a recorded finding whose check passes again.
#[test]
fn the_gate_fails_on_a_new_failure_and_on_a_finding_that_stops_reproducing() {
    use mcmc_audit::claims::{Ledger, evaluate};
    let text = mcmc_audit::claims::CLAIMS_TOML;
    // Without the findings the two inconsistencies are new failures.
    let cut = text
        .find("\n[[finding]]\n")
        .expect("the ledger records findings");
    let bare = Ledger::parse(&text[..cut], "claims.toml").unwrap();
    let r = evaluate(&bare, None).unwrap();
    assert_eq!(r.exit_code(), 1);
    assert_eq!(r.summary.unexpected, 2);
    // A finding on a claim that passes no longer reproduces.
    let stale = format!(
        "{text}\n[[finding]]\nclaim = \"exp19.rung-count\"\nname = \"stale\"\nrecorded = \"2026-12-02\"\nanalysis = \"a test\"\n"
    );
    let r = evaluate(&Ledger::parse(&stale, "claims.toml").unwrap(), None).unwrap();
    assert_eq!(r.exit_code(), 1);
    let c = r.claim("exp19.rung-count").unwrap();
    assert!(!c.finding.as_ref().unwrap().reproduces && c.unexpected());
    // Findings are validated like claims.
    for (bad, field) in [
        (
            "claim = \"no.such\"\nname = \"x\"\nrecorded = \"d\"\nanalysis = \"a\"",
            "finding[2].claim",
        ),
        (
            "claim = \"dtm.energy\"\nname = \"x\"\nrecorded = \"d\"\nanalysis = \"a\"",
            "finding[2].claim",
        ),
        (
            "claim = \"exp19.rung-count\"\nname = \"x\"\nrecorded = \"d\"\nanalysis = \" \"",
            "finding[2].analysis",
        ),
        (
            "claim = \"exp4.doubling-count\"\nname = \"x\"\nrecorded = \"d\"\nanalysis = \"a\"",
            "finding[2].name",
        ),
    ] {
        let e = Ledger::parse(&format!("{text}\n[[finding]]\n{bad}\n"), "claims.toml").unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
}
