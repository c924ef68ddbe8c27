//! Derive checks: each passes (or, for a real inconsistency of the published record, fails) on the
//! published numbers, and flips when one published input is perturbed — checkers have teeth.

use mcmc_audit::claims::{CLAIMS_TOML, ClaimResult, ClaimStatus, Ledger, evaluate};

fn status_of(toml: &str, id: &str) -> ClaimResult {
    let l = Ledger::parse(toml, "edited.toml").expect("ledger parses");
    evaluate(&l, Some(id)).expect("evaluates").claims.remove(0)
}

fn published(id: &str) -> ClaimResult {
    status_of(CLAIMS_TOML, id)
}

fn edited(id: &str, from: &str, to: &str) -> ClaimResult {
    assert!(CLAIMS_TOML.contains(from), "anchor not found: {from}");
    status_of(&CLAIMS_TOML.replacen(from, to, 1), id)
}

const TAU_SERIES: &str = "tau_max = [166.7, 333.2, 662.6, 1325, 2431, 5280]";

//= claim-test:exp4.tau-over-length
#[test]
fn tau_over_length_is_about_one_sixth_and_catches_a_resolved_tau() {
    let c = published("exp4.tau-over-length");
    assert_eq!(c.status, ClaimStatus::Pass, "{}", c.note);
    let r: Vec<f64> = serde_json::from_value(c.recomputed["tau_over_length"].clone()).unwrap();
    assert!(r.iter().all(|x| (0.15..0.17).contains(x)), "{r:?}");
    assert!(
        c.recomputed["length_ge_5_tau"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b == true)
    );
    // A tau that stopped growing (resolved) at the last length breaks proportionality.
    let f = edited(
        "exp4.tau-over-length",
        TAU_SERIES,
        "tau_max = [166.7, 333.2, 662.6, 1325, 2431, 2500]",
    );
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp4.warmup-rule
#[test]
fn warmups_are_five_previous_taus() {
    assert_eq!(published("exp4.warmup-rule").status, ClaimStatus::Pass);
    let f = edited("exp4.warmup-rule", "3313, 6627", "3313, 6700");
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp4.doubling-rule
#[test]
fn doubling_rule_is_never_met_and_a_stable_doubling_is_caught() {
    let c = published("exp4.doubling-rule");
    assert_eq!(c.status, ClaimStatus::Pass);
    let d: Vec<f64> = serde_json::from_value(c.recomputed["doubling_ratio"].clone()).unwrap();
    assert_eq!(d.len(), 5);
    assert!(d.iter().all(|&x| x >= 0.15), "{d:?}");
    // One doubling under 0.15 contradicts the published "never met".
    let f = edited(
        "exp4.doubling-rule",
        TAU_SERIES,
        "tau_max = [166.7, 333.2, 662.6, 1325, 2431, 2500]",
    );
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp4.doubling-count
#[test]
fn six_lengths_are_five_doublings_not_six() {
    let c = published("exp4.doubling-count");
    assert_eq!(
        c.status,
        ClaimStatus::Fail,
        "the published wording is inconsistent"
    );
    assert_eq!(c.recomputed["doublings"], 5);
    // With a seventh length the wording would hold.
    let seven = CLAIMS_TOML
        .replacen("16000, 32000]", "16000, 32000, 64000]", 1)
        .replacen(
            TAU_SERIES,
            "tau_max = [166.7, 333.2, 662.6, 1325, 2431, 5280, 10000]",
            1,
        );
    assert_eq!(
        status_of(&seven, "exp4.doubling-count").status,
        ClaimStatus::Pass
    );
}

//= claim-test:exp2.p1-verdict
#[test]
fn p1_verdict_follows_from_median_and_bar() {
    assert_eq!(published("exp2.p1-verdict").status, ClaimStatus::Pass);
    let f = edited(
        "exp2.p1-verdict",
        "median_rel_err = 0.022",
        "median_rel_err = 0.3",
    );
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:pt.delta-star
#[test]
fn delta_star_is_two_erfcinv_of_0_234() {
    let c = published("pt.delta-star");
    assert_eq!(c.status, ClaimStatus::Pass);
    let v = c.recomputed["two_erfcinv"].as_f64().unwrap();
    assert!((v - 1.683).abs() < 5e-4, "{v}");
    let f = edited(
        "pt.delta-star",
        "delta_star = 1.683, target",
        "delta_star = 1.69, target",
    );
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp15r.band
#[test]
fn exp15r_ladder_is_computed_inadequate_but_not_judged() {
    let c = published("exp15r.band");
    assert_eq!(c.status, ClaimStatus::Recorded);
    assert_eq!(c.recomputed["ladder"], "inadequate");
    let untag = |t: &str| {
        t.replacen(
            "tag = \"MEASURE-ONLY\"\noutcome = \"LADDER-INADEQUATE-TRAINED\"\npublished_status = \"LADDER-INADEQUATE-TRAINED, MEASURE-ONLY\"\ninputs",
            "tag = \"untagged\"\ninputs",
            1,
        )
    };
    assert_eq!(
        status_of(&untag(CLAIMS_TOML), "exp15r.band").status,
        ClaimStatus::Pass
    );
    let adequate = untag(CLAIMS_TOML)
        .replacen("max_acceptance = 0.0099", "max_acceptance = 0.3", 1)
        .replacen(
            "band_floor = 0.15, round_trips = 0",
            "band_floor = 0.15, round_trips = 6",
            1,
        );
    assert_eq!(
        status_of(&adequate, "exp15r.band").status,
        ClaimStatus::Fail
    );
}

//= claim-test:exp18.delta-alpha
#[test]
fn exp18_spacing_is_half_over_r_minus_one() {
    assert_eq!(published("exp18.delta-alpha").status, ClaimStatus::Pass);
    let f = edited("exp18.delta-alpha", "0.1, 0.0714,", "0.1, 0.0741,");
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp18.cold-edge-swing
#[test]
fn exp18_cold_edge_swing_is_24_not_33() {
    let c = published("exp18.cold-edge-swing");
    assert_eq!(
        c.status,
        ClaimStatus::Fail,
        "the published ×33 is not reproduced"
    );
    let r = c.recomputed["cold_edge_swing"].as_f64().unwrap();
    assert!((r - 0.4359 / 0.0182).abs() < 1e-12, "{r}");
    let ok = edited(
        "exp18.cold-edge-swing",
        "cold_edge_swing = 33",
        "cold_edge_swing = 24",
    );
    assert_eq!(ok.status, ClaimStatus::Pass);
}

//= claim-test:exp19.alpha-top-target
#[test]
fn exp19_only_the_two_hottest_tops_meet_the_target() {
    let c = published("exp19.alpha-top-target");
    assert_eq!(c.status, ClaimStatus::Pass);
    assert_eq!(
        c.recomputed["alpha_top_meeting_target"],
        serde_json::json!([0.02, 0.01])
    );
    let f = edited("exp19.alpha-top-target", "250.3, 79.3,", "250.3, 20.0,");
    assert_eq!(f.status, ClaimStatus::Fail);
}

//= claim-test:exp19.rung-count
#[test]
fn rung_count_is_136_above_the_budget() {
    let c = published("exp19.rung-count");
    assert_eq!(c.status, ClaimStatus::Pass);
    assert_eq!(c.recomputed["r_star"], 136.0);
    assert_eq!(
        edited("exp19.rung-count", "r_star = 136", "r_star = 135").status,
        ClaimStatus::Fail
    );
    assert_eq!(
        edited("exp19.rung-count", "r_max = 96", "r_max = 140").status,
        ClaimStatus::Fail
    );
}

//= claim-test:exp11.eligibility
#[test]
fn exp11_only_lambda_0_1_is_eligible_and_it_fails_both_gates() {
    let c = published("exp11.eligibility");
    assert_eq!(c.status, ClaimStatus::Pass);
    assert_eq!(c.recomputed["eligible_lambda"], serde_json::json!([0.1]));
    assert_eq!(c.recomputed["steers"], false);
    // A second eligible arm contradicts the published eligibility.
    let f = edited(
        "exp11.eligibility",
        "guard_pass = [4, 2, 1, 0]",
        "guard_pass = [4, 3, 1, 0]",
    );
    assert_eq!(f.status, ClaimStatus::Fail);
    // A λ = 0.1 ratio above the bar contradicts "fails Leg 1".
    let g = edited("exp11.eligibility", "[1.125, 2.74,", "[1.6, 2.74,");
    assert_eq!(g.status, ClaimStatus::Fail);
}
