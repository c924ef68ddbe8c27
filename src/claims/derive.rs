//! Derive checks: arithmetic that the published numbers must satisfy among themselves
//! (docs/science.md §5, §6, §9). Every check reads its inputs from the ledger, recomputes, and compares
//! with the tolerance stated in `specs/claims.toml`; a disagreement is reported as `fail`, i.e. an
//! inconsistency in the published record, never smoothed over.
//!
//! Formulas:
//! - doubling stability (§5 A6): `d_k = |τ(2L) − τ(L)| / τ(L)`, met when `d_k < 0.15`;
//! - self-consistent trajectory (§5 A6, Sokal c = 5): `L ≥ 5 τ(L)`;
//! - equal-acceptance rung count (§6): `R* = 1 + round(ℓ / δ*)`, ℓ the thermodynamic length;
//! - Gaussian-overlap spacing (§6, inferred): `δ* = 2 erfc⁻¹(a)` for target swap acceptance `a`;
//! - uniform ladder on `α ∈ [0.5, 1]` with R rungs (§9 exp18): `Δα = 0.5 / (R − 1)`.

use serde_json::{Value, json};
use statrs::function::erf::erfc_inv;

use super::checks::Outcome;
use super::{Claim, Ledger};
use crate::error::{Error, Result};
use crate::numeric::tolerance::{Direction, Kind as TolKind, Tolerance};

/// Half a unit in the last decimal of `x` as published (from its shortest round-trip decimal form).
pub fn half_unit_last_digit(x: f64) -> f64 {
    let s = format!("{x}");
    let decimals = s.split_once('.').map_or(0, |(_, f)| f.len());
    0.5 * 10f64.powi(-(decimals as i32))
}

fn accepts(t: Tolerance, measured: f64) -> bool {
    t.accepts(measured, 0)
}

/// A published decision rule (a bar, a gate, a budget) as a tolerance, so the re-derivation compares
/// the way every check does.
fn rule(threshold: f64, direction: Direction) -> Tolerance {
    Tolerance::floor(threshold).with_direction(direction)
}

fn exact_zero(c: &Claim) -> Result<Tolerance> {
    let t = c.tol()?;
    if t.kind != TolKind::Exact {
        return Err(Error::field(
            super::CLAIMS_FILE,
            format!("claim `{}`.tolerance", c.id),
            "this check counts mismatches and needs kind = \"exact\"",
        ));
    }
    Ok(t)
}

fn lengths_and_taus(ledger: &Ledger) -> Result<(Vec<f64>, Vec<f64>)> {
    let s = ledger.get("exp4.tau-series")?;
    let l = s.nums("length")?;
    let t = s.nums("tau_max")?;
    if l.len() != t.len() || l.is_empty() {
        return Err(Error::field(
            super::CLAIMS_FILE,
            "claim `exp4.tau-series`.value",
            format!("{} lengths but {} tau values", l.len(), t.len()),
        ));
    }
    Ok((l, t))
}

/// Indices `k` with `L_{k+1} = 2 L_k` (consecutive doublings).
fn doubling_pairs(l: &[f64]) -> Vec<usize> {
    (0..l.len().saturating_sub(1))
        .filter(|&k| l[k + 1] == 2.0 * l[k])
        .collect()
}

//= claim-check:exp4.tau-over-length
/// `τ/L` for each exp4 length against the published ≈ 0.16 (relative tolerance), plus `L ≥ 5τ`.
///
/// # Errors
///
/// [`Error::Field`] when `exp4.tau-series` is missing from the ledger, or a value it reads is
/// missing or mistyped (or its lists differ in length), or the claim has no tolerance.
pub fn tau_over_length(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (l, t) = lengths_and_taus(ledger)?;
    let target = c.value_num()?;
    let ratios: Vec<f64> = l.iter().zip(&t).map(|(l, t)| t / l).collect();
    let max_dev = ratios
        .iter()
        .map(|r| (r - target).abs() / target)
        .fold(0.0, f64::max);
    let rule = crate::checks::Tolerances::registry().bound("E.doubling", "self_consistent");
    let self_consistent: Vec<bool> = l
        .iter()
        .zip(&t)
        .map(|(l, t)| rule.scaled(*t).accepts(*l, 1))
        .collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &r| {
            (a.min(r), b.max(r))
        });
    Ok(Outcome {
        pass: accepts(c.tol()?, max_dev),
        recomputed: json!({
            "tau_over_length": ratios,
            "max_relative_deviation": max_dev,
            "length_ge_5_tau": self_consistent,
        }),
        note: format!(
            "tau/L ranges over [{lo:.4}, {hi:.4}]: tau grows in proportion to the window."
        ),
    })
}

//= claim-check:exp4.warmup-rule
/// Warm-up `k ≥ 1` against `5 τ(L_{k−1})`, allowing the rounding of the published τ.
///
/// # Errors
///
/// [`Error::Field`] when `exp4.tau-series` or `exp4.warmups` is missing from the ledger, or a value
/// it reads is missing or mistyped (or the lists differ in length), or the claim has no tolerance.
pub fn warmup_rule(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (_, t) = lengths_and_taus(ledger)?;
    let w = ledger.get("exp4.warmups")?.nums("warmup")?;
    let factor = c.value_num()?;
    if w.len() != t.len() {
        return Err(Error::field(
            super::CLAIMS_FILE,
            "claim `exp4.warmups`.value.warmup",
            format!("{} warm-ups for {} lengths", w.len(), t.len()),
        ));
    }
    let predicted: Vec<f64> = t[..t.len() - 1].iter().map(|x| factor * x).collect();
    let excess: Vec<f64> = (1..w.len())
        .map(|k| (w[k] - predicted[k - 1]).abs() - factor * half_unit_last_digit(t[k - 1]))
        .collect();
    let worst = excess.iter().copied().fold(0.0, f64::max);
    Ok(Outcome {
        pass: accepts(c.tol()?, worst),
        recomputed: json!({
            "predicted_warmup": predicted,
            "published_warmup": &w[1..],
            "excess_beyond_rounding": excess,
        }),
        note: "Warm-up k = 5 × tau_max at length k-1 (burn-in >= 5 tau); the first warm-up has no predecessor."
            .into(),
    })
}

//= claim-check:exp4.doubling-rule
/// Every consecutive doubling ratio; the number meeting `< threshold` against the published count.
///
/// # Errors
///
/// [`Error::Field`] when `exp4.tau-series` is missing from the ledger, or a value it reads is
/// missing or mistyped (or its lists differ in length), or the claim has no tolerance of kind
/// `exact`.
pub fn doubling_rule(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (l, t) = lengths_and_taus(ledger)?;
    let thr = c.num("threshold")?;
    let published = c.num("doublings_meeting_rule")?;
    let pairs = doubling_pairs(&l);
    let ratios: Vec<f64> = pairs
        .iter()
        .map(|&k| (t[k + 1] - t[k]).abs() / t[k])
        .collect();
    let met = ratios
        .iter()
        .filter(|&&d| rule(thr, Direction::Below).accepts(d, 0))
        .count();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, met as f64 - published),
        recomputed: json!({ "doubling_ratio": ratios, "doublings_meeting_rule": met, "min_ratio": min }),
        note: format!(
            "Smallest ratio {min:.4} >= {thr}: the rule is never met, so tau is never resolved (and Cal-STABLE, two consecutive doublings under {thr}, is unreachable)."
        ),
    })
}

//= claim-check:exp4.doubling-count
/// The number of consecutive doublings in the series against the published wording.
///
/// # Errors
///
/// [`Error::Field`] when `exp4.tau-series` is missing from the ledger, or a value it reads is
/// missing or mistyped (or its lists differ in length), or the claim has no tolerance of kind
/// `exact`.
pub fn doubling_count(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (l, _) = lengths_and_taus(ledger)?;
    let n = doubling_pairs(&l).len();
    let published = c.value_num()?;
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, n as f64 - published),
        recomputed: json!({ "lengths": l.len(), "doublings": n }),
        note: format!("{} published lengths give {n} doublings.", l.len()),
    })
}

//= claim-check:exp2.p1-verdict
/// The registered P1 rule (median relative error below the bar) against the published verdict.
///
/// # Errors
///
/// [`Error::Field`] when `exp2.p1` is missing from the ledger, or a value it reads is missing or
/// mistyped, or the claim has no tolerance of kind `exact`.
pub fn p1_verdict(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let p = ledger.get("exp2.p1")?;
    let (median, bar) = (p.num("median_rel_err")?, p.num("bar")?);
    let derived = if rule(bar, Direction::Below).accepts(median, 0) {
        "PASS"
    } else {
        "FAIL"
    };
    let mismatch = f64::from(u8::from(derived != c.value_str()?));
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, mismatch),
        recomputed: json!({ "verdict": derived, "median_over_bar": median / bar }),
        note: String::new(),
    })
}

//= claim-check:pt.delta-star
/// `δ* = 1.683` against `2·erfc⁻¹(0.234)`.
///
/// # Errors
///
/// [`Error::Field`] when `value.delta_star` or `value.target_acceptance` is missing or not a
/// number, or the claim has no tolerance.
pub fn delta_star(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let d = c.num("delta_star")?;
    let a = c.num("target_acceptance")?;
    let derived = 2.0 * erfc_inv(a);
    Ok(Outcome {
        pass: accepts(c.tol()?, d - derived),
        recomputed: json!({ "two_erfcinv": derived, "difference": d - derived }),
        note: String::new(),
    })
}

//= claim-check:exp15r.band
/// Ladder adequacy: best acceptance inside the band and enough round trips (a hypothesis verdict).
///
/// # Errors
///
/// [`Error::Field`] when `exp15r.max-acceptance` or `pt.swap-band` is missing from the ledger, or a
/// value it reads is missing or mistyped, or the claim has no tolerance of kind `exact`.
pub fn exp15r_band(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let r = ledger.get("exp15r.max-acceptance")?;
    let band = ledger.get("pt.swap-band")?;
    let acc = r.num("max_acceptance")?;
    let trips = r.num("round_trips")?;
    let (lo, need) = (band.num("band_low")?, band.num("round_trips")?);
    let adequate = rule(lo, Direction::AtLeast).accepts(acc, 0)
        && rule(need, Direction::AtLeast).accepts(trips, 0);
    let derived = if adequate { "adequate" } else { "inadequate" };
    let mismatch = f64::from(u8::from(derived != c.value_str()?));
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, mismatch),
        recomputed: json!({ "ladder": derived, "acceptance_over_floor": acc / lo, "round_trips": trips, "required_round_trips": need }),
        note: String::new(),
    })
}

//= claim-check:exp18.delta-alpha
/// Published spacings against `0.5/(R − 1)`.
///
/// # Errors
///
/// [`Error::Field`] when `exp18.acceptance-table` is missing from the ledger, or a value it reads
/// is missing or mistyped, or the claim has no tolerance.
pub fn delta_alpha(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let t = ledger.get("exp18.acceptance-table")?;
    let r = t.nums("rungs")?;
    let da = t.nums("delta_alpha")?;
    let derived: Vec<f64> = r.iter().map(|r| 0.5 / (r - 1.0)).collect();
    let worst = da
        .iter()
        .zip(&derived)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Ok(Outcome {
        pass: r.len() == da.len() && accepts(c.tol()?, worst),
        recomputed: json!({ "delta_alpha": derived, "max_abs_difference": worst }),
        note: "Uniform spacing over alpha in [0.5, 1], i.e. alpha_top = 0.5.".into(),
    })
}

//= claim-check:exp18.cold-edge-swing
/// The max/min ratio of the cold-edge acceptance over the exp18 ladders against the published ×33.
///
/// # Errors
///
/// [`Error::Field`] when `exp18.acceptance-table` is missing from the ledger, or a value it reads
/// is missing or mistyped, or the claim has no tolerance.
pub fn cold_edge_swing(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let t = ledger.get("exp18.acceptance-table")?;
    let cold = t.nums("cold_edge")?;
    let hot = t.nums("worst_hot_edge")?;
    let published = t.num("cold_edge_swing")?;
    let ratio = |v: &[f64]| {
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            / v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let (rc, rh) = (ratio(&cold), ratio(&hot));
    let rel = (rc - published).abs() / published;
    Ok(Outcome {
        pass: accepts(c.tol()?, rel),
        recomputed: json!({ "cold_edge_swing": rc, "relative_difference": rel, "worst_hot_edge_swing": rh }),
        note: format!(
            "The published cold edges swing by ×{rc:.2} (hot edges ×{rh:.1}); no pairing of the published entries we tried gives ×{published}."
        ),
    })
}

//= claim-check:exp19.alpha-top-target
/// Which α_top meet τ ≤ target, and whether the largest is the published span start.
///
/// # Errors
///
/// [`Error::Field`] when `exp19.tau-vs-alpha-top` or `exp19.rung-count` is missing from the ledger,
/// or a value it reads is missing or mistyped, or the claim has no tolerance of kind `exact`.
pub fn alpha_top_target(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let s = ledger.get("exp19.tau-vs-alpha-top")?;
    let a = s.nums("alpha_top")?;
    let t = s.nums("tau")?;
    let target = s.num("target_tau")?;
    let meets: Vec<f64> = a
        .iter()
        .zip(&t)
        .filter(|(_, t)| rule(target, Direction::AtMost).accepts(**t, 0))
        .map(|(a, _)| *a)
        .collect();
    let largest = meets.iter().copied().fold(f64::NAN, f64::max);
    let span = ledger.get("exp19.rung-count")?.num("span_low")?;
    let published = c.value_num()?;
    let diff = (largest - published).abs().max((span - published).abs());
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, diff),
        recomputed: json!({ "alpha_top_meeting_target": meets, "largest": if largest.is_nan() { Value::Null } else { json!(largest) } }),
        note: String::new(),
    })
}

//= claim-check:exp19.rung-count
/// `R* = 1 + round(ℓ/δ*)` against the published 136, and `R* > R_max` (the cost wall).
///
/// # Errors
///
/// [`Error::Field`] when a value it reads is missing or not a number, or the claim has no tolerance
/// of kind `exact`.
pub fn rung_count(_ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let (len, d, r_pub, r_max) = (
        c.num("thermodynamic_length")?,
        c.num("delta_star")?,
        c.num("r_star")?,
        c.num("r_max")?,
    );
    let r = 1.0 + (len / d).round();
    let over_budget = rule(r_max, Direction::Above).accepts(r, 0);
    let mismatches = f64::from(u8::from(r != r_pub)) + f64::from(u8::from(!over_budget));
    let r025 = c.num("r_star_025")?;
    // 1 + round(ℓ/δ*) = R  ⇔  ℓ ∈ [(R − 1.5) δ*, (R − 0.5) δ*).
    let implied = [(r025 - 1.5) * d, (r025 - 0.5) * d];
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, mismatches),
        recomputed: json!({
            "length_over_delta_star": len / d,
            "r_star": r,
            "exceeds_budget": over_budget,
            "implied_length_for_r_star_025": implied,
        }),
        note: String::new(),
    })
}

//= claim-check:exp11.eligibility
/// Verdict-eligible λ arms (guard ≥ 3/4) and their Leg-1 and Gγ results against the published ones.
///
/// # Errors
///
/// [`Error::Field`] when `exp11.lambda-sweep` is missing from the ledger, or a value it reads is
/// missing or mistyped (or its lists differ in length), or the claim has no tolerance of kind
/// `exact`.
pub fn exp11_eligibility(ledger: &Ledger, c: &Claim) -> Result<Outcome> {
    let s = ledger.get("exp11.lambda-sweep")?;
    let lambda = s.nums("lambda")?;
    let ratio = s.opt_nums("matched_crossing_ratio")?;
    let guard = s.nums("guard_pass")?;
    let (of, min) = (s.num("guard_of")?, s.num("eligibility_min")?);
    let (bar, gate, g_obs) = (
        s.num("leg1_bar")?,
        s.num("g_gamma_gate")?,
        s.num("g_gamma_observed_median")?,
    );
    if ratio.len() != lambda.len() || guard.len() != lambda.len() {
        return Err(Error::field(
            super::CLAIMS_FILE,
            "claim `exp11.lambda-sweep`.value",
            "lambda, matched_crossing_ratio and guard_pass differ in length",
        ));
    }
    let eligible: Vec<usize> = (0..lambda.len())
        .filter(|&k| rule(min / of, Direction::AtLeast).accepts(guard[k] / of, 0))
        .collect();
    let eligible_lambda: Vec<f64> = eligible.iter().map(|&k| lambda[k]).collect();
    let leg1 = eligible
        .iter()
        .all(|&k| ratio[k].is_some_and(|r| rule(bar, Direction::AtLeast).accepts(r, 0)))
        && !eligible.is_empty();
    let g_gamma = rule(gate, Direction::AtMost).accepts(g_obs, 0);
    let published = c.nums("eligible_lambda")?;
    let mismatches = f64::from(u8::from(published != eligible_lambda))
        + f64::from(u8::from(leg1 != c.flag("eligible_passes_leg1")?))
        + f64::from(u8::from(g_gamma != c.flag("eligible_passes_g_gamma")?));
    Ok(Outcome {
        pass: accepts(exact_zero(c)?, mismatches),
        recomputed: json!({
            "eligible_lambda": eligible_lambda,
            "guard_fraction": guard.iter().map(|g| g / of).collect::<Vec<_>>(),
            "eligible_passes_leg1": leg1,
            "eligible_passes_g_gamma": g_gamma,
            "steers": leg1 && g_gamma,
        }),
        note: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::half_unit_last_digit;

    #[test]
    fn half_units_follow_the_published_digits() {
        assert_eq!(half_unit_last_digit(1325.0), 0.5);
        assert!((half_unit_last_digit(166.7) - 0.05).abs() < 1e-15);
        assert!((half_unit_last_digit(0.0714) - 5e-5).abs() < 1e-18);
    }
}
