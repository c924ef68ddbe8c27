//! Checkers over sampled trajectories: the programme's estimator rules (`E.doubling`, `A6.sampled`,
//! `E.burn-in`; docs/science.md §5 A5, A6), between-chain agreement (`E.mixing`), and the sampled
//! reversibility and transition tests (`S.reversibility`, `S.kernel-gtest`). The statistics they judge
//! are [`crate::diagnostics`].

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::diagnostics::Stat;
use crate::diagnostics::doubling::{Doubling, DoublingRule};
use crate::diagnostics::gtest::GTest;
use crate::diagnostics::reversibility::Reversibility;

fn steps_json(d: &Doubling) -> serde_json::Value {
    serde_json::to_value(&d.tau_by_length).unwrap_or(serde_json::Value::Null)
}

/// The doubling rule in force: `E.doubling`'s tolerance (possibly overridden) and its
/// self-consistency bound.
pub fn doubling_rule(tol: &Tolerances) -> DoublingRule {
    DoublingRule {
        stability: tol
            .get("E.doubling")
            .unwrap_or_else(|| tol.bound("E.doubling", "self_consistent")),
        self_consistent: tol.bound("E.doubling", "self_consistent"),
    }
}

//= spec:E.doubling
/// `E.doubling`: pass when the probe resolves τ, inconclusive otherwise (never fail).
pub fn check_doubling(variable: &str, d: &Doubling, tol: &Tolerances) -> Verdict {
    let mut v = Verdict::new("E.doubling", tol).detail("variable", variable);
    if let Some(t) = v.tolerance {
        v = v.detail("threshold", json_num(t.value));
    }
    let mut v = v
        .detail("tau_by_length", steps_json(d))
        .detail("stable", d.stable);
    v.measured = d.rel_change;
    match (d.resolved_length, d.tau) {
        (Some(l), Some(tau)) => {
            v = v
                .detail("resolved_length", l)
                .detail("tau", json_num(tau))
                .with_status(Status::Pass);
        }
        _ => {
            v = v.with_status(Status::Inconclusive).reason(
                "tau not resolved: the final doubling (L to 2L = all draws) is not self-consistent (L >= 5 tau) or changes tau by the threshold or more",
            );
        }
    }
    v
}

//= spec:A6.sampled
/// `A6.sampled`: `K/τ ≥ 50` with the resolved τ and `K` draws per chain (the rule's own direction,
/// as `A6` states it for exact chains).
pub fn check_window(variable: &str, d: &Doubling, k: usize, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("A6.sampled", tol)
        .detail("variable", variable)
        .detail("window", k);
    match d.tau {
        Some(tau) => v.detail("tau", json_num(tau)).judge(k as f64 / tau, 1),
        None => v
            .with_status(Status::Inconclusive)
            .reason("tau is not resolved by doubling, so K/tau is not known"),
    }
}

//= spec:E.burn-in
/// `E.burn-in`: `B/τ ≥ 5` for a burn-in of `B` draws (not applicable when `B` is unknown); no
/// burn-in at all measures 0 and fails.
pub fn check_burn_in(
    variable: &str,
    d: &Doubling,
    burn_in: Option<usize>,
    tol: &Tolerances,
) -> Verdict {
    let v = Verdict::new("E.burn-in", tol).detail("variable", variable);
    match (burn_in, d.tau) {
        (None, _) => v
            .with_status(Status::NotApplicable)
            .reason("the burn-in discarded before the trajectory is not known (pass --burn-in)"),
        (Some(b), Some(tau)) => {
            let v = v.detail("burn_in", b).detail("tau", json_num(tau));
            let v = v.judge(b as f64 / tau, 1);
            if b == 0 {
                v.reason("no burn-in was discarded")
            } else {
                v
            }
        }
        (Some(b), None) => v
            .detail("burn_in", b)
            .with_status(Status::Inconclusive)
            .reason("tau is not resolved by doubling"),
    }
}

//= spec:E.mixing
/// `E.mixing` over the variables' R-hats: measured `max_v R̂_v` over the defined ones; a
/// variable whose R-hat is undefined (constant draws, non-finite values, too few draws) is listed
/// and skipped; inconclusive when none is defined, and inconclusive with fewer than two chains:
/// the split R-hat of one chain only compares its two halves, so it cannot see chains stuck in
/// different modes (issue 15 item 5; the halves' value is kept in `detail`).
pub fn check_mixing(rhats: &[(String, Stat)], chains: usize, tol: &Tolerances) -> Verdict {
    let v = check_mixing_of(rhats, tol);
    if chains >= 2 {
        return v;
    }
    let halves = v.measured;
    let mut v = v
        .with_status(Status::Inconclusive)
        .detail("chains", chains)
        .reason(
            "one chain cannot test between-chain mixing: run at least 2 chains from dispersed starts (the split R-hat of one chain only compares its halves)",
        );
    v.measured = None;
    if let Some(h) = halves {
        v = v.detail("split_rhat_of_halves", json_num(h));
    }
    v
}

fn check_mixing_of(rhats: &[(String, Stat)], tol: &Tolerances) -> Verdict {
    let v = Verdict::new("E.mixing", tol);
    let undefined: Vec<String> = rhats
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {}", e.reason())))
        .collect();
    let worst = rhats
        .iter()
        .filter_map(|(name, r)| r.as_ref().ok().map(|&r| (name, r)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let v = v.detail("undefined", undefined);
    match worst {
        None => v
            .with_status(Status::Inconclusive)
            .reason("no variable has a defined R-hat"),
        Some((name, r)) => {
            let v = v
                .detail("variable", name.as_str())
                .detail("rhat", json_num(r));
            let v = v.judge(r, 1);
            if r.is_infinite() {
                v.reason(
                    "within-chain variance 0 with different chain values: the chains never met",
                )
            } else if v.status == Status::Fail {
                v.reason(format!(
                    "{name}: the chains disagree (R-hat {r:.4}); per-chain tau cannot see this"
                ))
            } else {
                v
            }
        }
    }
}

//= spec:S.reversibility
/// `S.reversibility`: fail when the combined p-value is below the tolerance `alpha`.
pub fn check_reversibility(
    names: &[String],
    test: Option<&Reversibility>,
    tol: &Tolerances,
) -> Verdict {
    let v = Verdict::new("S.reversibility", tol);
    let Some(r) = test else {
        return v.with_status(Status::NotApplicable).reason(
            "needs 2 to 64 finite observables of equal shape and at least 2 lags per batch (20 batches per chain)",
        );
    };
    let worst = r
        .pairs
        .iter()
        .min_by(|x, y| x.p_value.total_cmp(&y.p_value));
    let mut v = v
        .detail("pairs", r.pairs.len())
        .detail("batches", r.batches)
        .detail("batch_size", r.batch_size);
    if let Some(w) = worst {
        let nm = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("{i}"));
        v = v
            .detail("worst_pair", format!("{} / {}", nm(w.a), nm(w.b)))
            .detail("worst_asymmetry", json_num(w.asymmetry))
            .detail("worst_t", json_num(w.t));
    }
    v.judge(r.p_value, 1)
}

//= spec:S.kernel-gtest
/// `S.kernel-gtest`: the G-test of the transitions in state trajectories against the exact rows
/// ([`crate::diagnostics::gtest::trajectory_gtest`]; `Err(state)` names a state outside the chain).
pub fn check_transitions(t: &Result<GTest, usize>, n: usize, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("S.kernel-gtest", tol);
    let t = match t {
        Ok(t) => t,
        Err(s) => {
            return v
                .with_status(Status::Fail)
                .reason(format!("state {s} outside 0..{n}"));
        }
    };
    if let Some((a, b)) = t.impossible {
        let mut v = v
            .detail("transitions", t.transitions)
            .with_status(Status::Fail)
            .reason(format!(
                "observed {a} → {b}, a transition of exact probability 0"
            ));
        v.measured = Some(0.0);
        return v;
    }
    v.detail("transitions", t.transitions)
        .detail("rows_visited", t.rows)
        .detail("g_statistic", json_num(t.g))
        .detail("dof", t.dof)
        .judge(t.p_value, n)
}

//= spec:S.stationary-gtest
/// `S.stationary-gtest`: the G-test of independent draws of states against the exact π
/// ([`crate::diagnostics::gtest::stationary_gtest`]; `Err(state)` names a state outside the chain).
/// `settled` is the exact total-variation distance of the draws' own law from π (the burn-in's
/// residue), recorded so the reader sees what the test assumes away.
pub fn check_stationary(
    t: &Result<GTest, usize>,
    n: usize,
    settled: Option<f64>,
    tol: &Tolerances,
) -> Verdict {
    let mut v = Verdict::new("S.stationary-gtest", tol);
    if let Some(d) = settled {
        v = v.detail("tv_from_pi_at_draw", json_num(d));
    }
    let t = match t {
        Ok(t) => t,
        Err(s) => {
            return v
                .with_status(Status::Fail)
                .reason(format!("state {s} outside 0..{n}"));
        }
    };
    let v = v
        .detail("draws", t.transitions)
        .detail("g_statistic", json_num(t.g))
        .detail("dof", t.dof);
    if let Some((_, s)) = t.impossible {
        let mut v = v
            .with_status(Status::Fail)
            .reason(format!("drew state {s}, which has exact probability 0"));
        v.measured = Some(0.0);
        return v;
    }
    v.judge(t.p_value, n)
}
