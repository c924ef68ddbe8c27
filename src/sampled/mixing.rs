//! `E.mixing`: the chains agree with one another. The programme's estimator rules (doubling-stable τ,
//! `K ≥ 50τ`) look at each chain's own autocorrelation, so chains that never leave the mode they
//! started in — the planted multimodality these models are built to have — can each look resolved
//! while together they estimate nothing. Between-chain disagreement is what R-hat measures.
//!
//! Statistic: the rank-normalised split R-hat of every variable, `max(R̂(z(split x)),
//! R̂(z(split |x − med|)))` with `R̂ = √((B/W + n′ − 1)/n′)` (Vehtari, Gelman, Simpson, Carpenter and
//! Bürkner 2021, *Bayesian Analysis* 16(2), §4; PEERS.md §4.4), and the threshold R̂ < 1.01 those
//! authors recommend. Chains each frozen at a different value have `W = 0 < B`, so `R̂ = ∞`: a fail.

use super::diagnostics::Prepared;
use super::{Convention, Draws, Stat};
use crate::checks::verdict::json_num;
use crate::checks::{Status, Tolerances, Verdict};

/// The R-hat `E.mixing` judges for one variable: the rank-normalised split R-hat, or, where that is
/// undefined because a transformed copy of the draws is constant, the plain split R-hat. (Chains frozen
/// at two values ±a have a constant fold `|x − med|`, so posterior's rank R-hat is NA although the
/// chains plainly disagree; the split R-hat is then `∞`.) Undefined when both are.
pub fn mixing_rhat(d: &Draws, conv: Convention) -> Stat {
    let p = Prepared::new(d, conv);
    p.rhat().or_else(|e| p.rhat_split().map_err(|_| e))
}

//= spec:E.mixing
/// `E.mixing` over the variables' R-hats: measured `max_v (R̂_v − 1)` over the defined ones; a
/// variable whose R-hat is undefined (constant draws, non-finite values, too few draws) is listed
/// and skipped; inconclusive when none is defined.
pub fn check_mixing(rhats: &[(String, Stat)], tol: &Tolerances) -> Verdict {
    let v = Verdict::new("E.mixing", tol.get("E.mixing"));
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
            let v = v.judge(r - 1.0, 1);
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
