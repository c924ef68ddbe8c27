//! Checkers over a parallel-tempering run (docs/science.md §6): swap acceptance within the band and
//! enough round trips. The run and the ladder math are [`crate::kernel::tempering`] and
//! [`crate::trainability::ladder`].

use super::{Tolerances, Verdict};
use crate::checks::verdict::json_num;

//= spec:PT.swap-acceptance
/// Every adjacent pair's mean swap acceptance lies in the band `bounds.acceptance_low ..
/// bounds.acceptance_high` of the registry.
pub fn check_swap_acceptance(acceptance: &[f64], tol: &Tolerances) -> Verdict {
    let lo = tol.bound("PT.swap-acceptance", "acceptance_low");
    let hi = tol.bound("PT.swap-acceptance", "acceptance_high");
    let outside: Vec<usize> = acceptance
        .iter()
        .enumerate()
        .filter(|(_, a)| !(lo.accepts(**a, 1) && hi.accepts(**a, 1)))
        .map(|(k, _)| k)
        .collect();
    Verdict::new("PT.swap-acceptance", tol)
        .judge(outside.len() as f64, 1)
        .detail("band", vec![lo.value, hi.value])
        .detail(
            "acceptance",
            acceptance.iter().map(|&a| json_num(a)).collect::<Vec<_>>(),
        )
        .detail("pairs_outside", outside)
}

//= spec:PT.round-trips
/// At least the registry's number of round trips (cold → hot → cold, summed over walkers).
pub fn check_round_trips(round_trips: u64, tol: &Tolerances) -> Verdict {
    Verdict::new("PT.round-trips", tol)
        .judge(round_trips as f64, 1)
        .detail("round_trips", round_trips)
}
