//! Checkers over the residuals of local exact identities without the partition function
//! (`L.detailed-balance`, `L.conditional`; the scan is [`crate::exact::local`]).

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::exact::local::{LocalResiduals, LocalThresholds};
use crate::numeric::tolerance::{ENERGY_SPOT, Tolerance};

/// The thresholds the residual scan records rounding bounds against: the tolerances in force.
pub fn thresholds(tol: &Tolerances) -> LocalThresholds {
    let get = |id: &str| tol.get(id).unwrap_or(Tolerance::abs(0.0));
    LocalThresholds {
        detailed_balance: get("L.detailed-balance"),
        conditional: get("L.conditional"),
    }
}

fn finish(mut v: Verdict, measured: f64, bound_at_excess: f64, r: &LocalResiduals) -> Verdict {
    v = v.judge(measured, 1);
    v.bound = Some(bound_at_excess);
    if v.status == Status::Fail && Tolerance::derived(bound_at_excess).accepts(measured, 1) {
        v = v.with_status(Status::Inconclusive).reason(
            "the residual is within the rounding bound of the law's representation (p_up near 1)",
        );
    }
    if !ENERGY_SPOT.accepts(r.max_energy_spot, 1) {
        v = v.with_status(Status::Fail).reason(format!(
            "the model's local fields disagree with its energy (relative {:e})",
            r.max_energy_spot
        ));
    }
    v.detail("pairs", r.pairs)
        .detail("energy_spot_checks", r.energy_spots)
        .detail("max_energy_spot_relative", json_num(r.max_energy_spot))
}

//= spec:L.detailed-balance
/// Local detailed balance in log space from energy differences, over sampled (state, update) pairs.
pub fn check_local_detailed_balance(r: &LocalResiduals, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("L.detailed-balance", tol)
        .detail("worst_update", r.worst_db.0)
        .detail("worst_pair", r.worst_db.1);
    finish(v, r.max_db, r.db_bound_at_excess, r)
}

//= spec:L.conditional
/// Heat-bath laws equal the Boltzmann conditional, over sampled (state, update) pairs.
pub fn check_local_conditional(r: &LocalResiduals, tol: &Tolerances) -> Verdict {
    let mut v = Verdict::new("L.conditional", tol)
        .detail("worst_update", r.worst_cond.0)
        .detail("worst_pair", r.worst_cond.1)
        .detail("conditional_pairs", r.cond_pairs);
    if r.cond_pairs == 0 {
        v.detail.insert(
            "reason".into(),
            "no update states an independent (heat-bath) law".into(),
        );
        return v;
    }
    v = finish(v, r.max_cond, r.cond_bound_at_excess, r);
    v
}

/// Both local verdicts from one residual scan.
pub fn judge(r: &LocalResiduals, tol: &Tolerances) -> Vec<Verdict> {
    vec![
        check_local_detailed_balance(r, tol),
        check_local_conditional(r, tol),
    ]
}
