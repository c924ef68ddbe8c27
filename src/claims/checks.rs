//! The registry tying each recompute/derive claim id to its check, and the tag discipline that turns
//! a check's outcome into a claim status.
//!
//! Wiring a pending check later is one change: replace its `Check::Pending(..)` entry in [`lookup`]
//! by `Check::Recompute(function)`.

use serde_json::Value;

use super::report::{ClaimResult, ClaimStatus};
use super::{Claim, Kind, Ledger, Scope, Tag, derive, recompute};
use crate::error::Result;

/// What a check computed and whether it agrees with the published value.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub recomputed: Value,
    pub pass: bool,
    pub note: String,
}

/// A check function: reads the claim (and, for derive, its inputs from the ledger).
pub type CheckFn = fn(&Ledger, &Claim) -> Result<Outcome>;

/// How a claim id is checked.
#[derive(Clone, Copy)]
pub enum Check {
    Derive(CheckFn),
    Recompute(CheckFn),
    /// Awaits code not yet in the crate; the string says what.
    Pending(&'static str),
}

/// The check for a claim id (`None`: no check is registered, which the tests forbid for
/// recompute/derive claims).
pub fn lookup(id: &str) -> Option<Check> {
    use Check::*;
    Some(match id {
        // recompute: exact engine
        "exact.z2-overlap" => Recompute(recompute::z2_overlap),
        "exact.db-residual" => Recompute(recompute::db_residual),
        "exact.stationarity-residual" => Recompute(recompute::stationarity_residual),
        "exact.sigma1" => Recompute(recompute::sigma1),
        "weak-coupling.degeneracy" => Recompute(recompute::weak_coupling_degeneracy),
        "exp4.self-adjointness" => Recompute(recompute::symmetrized_self_adjoint),
        "exp3.det-kernel-nonselfadjoint" => Recompute(recompute::deterministic_scan_asymmetry),
        // recompute: spectral engine, sampled diagnostics, tempering kernel
        "exact.single-gap-overprediction" => Recompute(recompute::single_gap_overprediction),
        "exact.mse-vs-mc" => Recompute(recompute::mse_vs_mc),
        "exact.single-relevant-gap-tracks" => Recompute(recompute::single_relevant_gap_tracks),
        "exact.qstruct-perp-tracks" => Recompute(recompute::qstruct_perp_tracks),
        "rbm.qstruct-perp-tracks" => Recompute(recompute::rbm_qstruct_perp_tracks),
        "exp2.p1" => Recompute(recompute::mc_tau_vs_exact),
        "exp12.pt-selfadjoint" => Recompute(recompute::pt_selfadjoint),
        "exp12.swap-formula" => Recompute(recompute::swap_formula),
        // derive
        "exp4.tau-over-length" => Derive(derive::tau_over_length),
        "exp4.warmup-rule" => Derive(derive::warmup_rule),
        "exp4.doubling-rule" => Derive(derive::doubling_rule),
        "exp4.doubling-count" => Derive(derive::doubling_count),
        "exp2.p1-verdict" => Derive(derive::p1_verdict),
        "pt.delta-star" => Derive(derive::delta_star),
        "exp15r.band" => Derive(derive::exp15r_band),
        "exp18.delta-alpha" => Derive(derive::delta_alpha),
        "exp18.cold-edge-swing" => Derive(derive::cold_edge_swing),
        "exp19.alpha-top-target" => Derive(derive::alpha_top_target),
        "exp19.rung-count" => Derive(derive::rung_count),
        "exp11.eligibility" => Derive(derive::exp11_eligibility),
        _ => return None,
    })
}

fn skeleton(c: &Claim, status: ClaimStatus, recomputed: Value, note: String) -> ClaimResult {
    ClaimResult {
        id: c.id.clone(),
        tag: c.tag.clone(),
        kind: c.kind,
        status,
        published: c.value.clone(),
        recomputed,
        tolerance: c.tolerance,
        source: c.source.clone(),
        note,
        statement: c.statement.clone(),
        unit: c.unit.clone(),
        outcome: c.outcome.as_ref().map(|t| t.as_str().to_string()),
        published_status: c.published_status.clone(),
        scope: c.scope,
        tag_inferred: c.tag_inferred,
        inferred: c.inferred,
        superseded_by: c.superseded_by.clone(),
        still_stands: c.still_stands.clone(),
        judged_by: c.judged_by.clone(),
        finding: None,
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a} {b}"),
    }
}

/// The status a check outcome may produce under the claim's tag (docs/science.md §8):
/// withdrawn claims and hypothesis checks on MEASURE-ONLY claims never get pass/fail.
pub fn disciplined(c: &Claim, pass: bool) -> (ClaimStatus, Option<String>) {
    if c.tag == Tag::Withdrawn {
        return (
            ClaimStatus::Recorded,
            Some(format!(
                "Withdrawn: kept and marked, no verdict. Still stands: {}.",
                c.still_stands.as_deref().unwrap_or("(nothing listed)")
            )),
        );
    }
    if c.tag == Tag::MeasureOnly && c.scope == Some(Scope::Hypothesis) {
        return (
            ClaimStatus::Recorded,
            Some(
                "MEASURE-ONLY: computed and shown, no verdict on the programme's hypothesis."
                    .into(),
            ),
        );
    }
    (
        if pass {
            ClaimStatus::Pass
        } else {
            ClaimStatus::Fail
        },
        None,
    )
}

/// Evaluates one claim under the tag discipline.
///
/// # Errors
///
/// The errors of the claim's check function: [`Error::Field`](crate::Error::Field) for a field of
/// the claim or of its ledger inputs that is missing or mistyped, and the engines' errors of a
/// recomputation. Record and pending claims never fail.
pub fn evaluate_claim(ledger: &Ledger, c: &Claim) -> Result<ClaimResult> {
    let base_note = c.note.clone().unwrap_or_default();
    let marked = match (&c.tag, &c.superseded_by) {
        (Tag::Superseded, Some(s)) => join(&base_note, &format!("Superseded by `{s}`.")),
        _ => base_note,
    };
    if c.kind == Kind::Record {
        let note = if c.tag == Tag::Withdrawn {
            join(&marked, &disciplined(c, false).1.unwrap_or_default())
        } else {
            marked
        };
        return Ok(skeleton(c, ClaimStatus::Recorded, Value::Null, note));
    }
    let check = lookup(&c.id);
    let f = match (check, c.kind) {
        (Some(Check::Derive(f)), Kind::Derive) | (Some(Check::Recompute(f)), Kind::Recompute) => f,
        (Some(Check::Pending(awaits)), _) => {
            return Ok(skeleton(
                c,
                ClaimStatus::Pending,
                Value::Null,
                join(&format!("Pending: {awaits}."), &marked),
            ));
        }
        _ => {
            return Ok(skeleton(
                c,
                ClaimStatus::Pending,
                Value::Null,
                join(
                    &format!(
                        "Pending: no {} check is registered for this id.",
                        c.kind.as_str()
                    ),
                    &marked,
                ),
            ));
        }
    };
    let o = f(ledger, c)?;
    let (status, why) = disciplined(c, o.pass);
    let mut note = join(&o.note, &marked);
    if let Some(w) = why {
        note = join(&w, &note);
    }
    Ok(skeleton(c, status, o.recomputed, note))
}
