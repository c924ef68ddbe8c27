//! The R-hat `E.mixing` judges ([`crate::checks::sampled::check_mixing`]): do the chains agree with
//! one another? The programme's estimator rules (doubling-stable τ,
//! `K ≥ 50τ`) look at each chain's own autocorrelation, so chains that never leave the mode they
//! started in — the planted multimodality these models are built to have — can each look resolved
//! while together they estimate nothing. Between-chain disagreement is what R-hat measures.
//!
//! Statistic: the rank-normalised split R-hat of every variable, `max(R̂(z(split x)),
//! R̂(z(split |x − med|)))` with `R̂ = √((B/W + n′ − 1)/n′)` (Vehtari, Gelman, Simpson, Carpenter and
//! Bürkner 2021, *Bayesian Analysis* 16(2), §4; docs/peers.md §4.4), and the threshold R̂ < 1.01 those
//! authors recommend. Chains each frozen at a different value have `W = 0 < B`, so `R̂ = ∞`: a fail.

use super::ess::Prepared;
use super::{Convention, Draws, Stat};

/// The R-hat `E.mixing` judges for one variable: the rank-normalised split R-hat, or, where that is
/// undefined because a transformed copy of the draws is constant, the plain split R-hat. (Chains frozen
/// at two values ±a have a constant fold `|x − med|`, so posterior's rank R-hat is NA although the
/// chains plainly disagree; the split R-hat is then `∞`.) Undefined when both are.
///
/// # Errors
///
/// The reason [`Prepared::rhat`] is undefined, when the split R-hat is undefined too.
pub fn mixing_rhat(d: &Draws, conv: Convention) -> Stat {
    let p = Prepared::new(d, conv);
    p.rhat().or_else(|e| p.rhat_split().map_err(|_| e))
}
