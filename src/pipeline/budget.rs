//! The work and memory model of a sampled audit, checked before anything is allocated (issue 14:
//! impossible work is refused up front, in O(spec) time). One place states it:
//!
//! - **memory**: the recorded traces, `chains · sweeps · observables` doubles, held up to
//!   [`TRACE_COPIES`] times at the peak (the trajectory, the per-variable draws, the diagnostics'
//!   sorted copies) — at most [`MAX_SAMPLED_BYTES`];
//! - **work**: `chains · (burn_in + sweeps) · N` site updates — at most [`MAX_SAMPLED_UPDATES`]
//!   (about 25 minutes at the engine's 1.4·10⁸ updates/s on two cores) unless the spec sets
//!   `[sampling] long_run = true`, which lifts the work limit but never the memory limit.

//! - **planted patterns** (`hopfield`, `rbm`, `torus`): held as ±1 per spin, `patterns · N` bytes,
//!   and every coupling sums over them — at most [`MAX_PATTERN_ENTRIES`] entries (256 MiB).
//! - **exact audits**: see [`check_exact_kernel`] for the block heat bath's enumeration; the window
//!   recursion's own limit is in [`crate::trainability::estimator`].

use crate::error::{Error, Result};

/// Energy terms per second the exact enumeration evaluates here (SK N = 10, one joint block of 10
/// sites: 1.5·10¹⁰ terms in ~30 s on two cores).
pub const ENERGY_TERM_RATE: f64 = 5e8;
/// Energy terms an exact audit's kernel enumeration may take without `[kernel] long_run = true`
/// (about five minutes at [`ENERGY_TERM_RATE`]).
pub const MAX_ENUMERATION_TERMS: f64 = 1.5e11;

/// Refuses (without `long_run`) an exact audit whose jointly enumerated blocks would take longer
/// than the work limit. Model: every row of P (2^N) and every draw of the step test
/// ([`crate::diagnostics::gtest::DRAWS`]) evaluates each joint block's `2^|block|` configurations,
/// each a full energy of at most `N(N+1)/2` terms (an upper bound for a random scan, which draws
/// one block per step).
///
/// # Errors
///
/// [`Error::Field`] at `kernel.blocks` with the estimate and the limit.
pub fn check_exact_kernel(
    file: &str,
    kernel: &crate::kernel::Kernel,
    n_spins: usize,
    long_run: bool,
) -> Result<()> {
    let per_step: f64 = kernel
        .updates()
        .iter()
        .map(|u| u.joint_outcomes() as f64)
        .sum();
    let states = 2f64.powi(n_spins.min(1024) as i32);
    let calls = (states + crate::diagnostics::gtest::DRAWS as f64) * per_step;
    let terms = calls * (n_spins * (n_spins + 1) / 2) as f64;
    if !long_run && terms > MAX_ENUMERATION_TERMS {
        return Err(Error::field(
            file,
            "kernel.blocks",
            format!(
                "the jointly enumerated blocks take {calls:.3e} energy evaluations ({terms:.3e} terms, about {:.0} s here;                  limit {MAX_ENUMERATION_TERMS:.1e}): use smaller blocks, or set [kernel] long_run = true to run it anyway",
                terms / ENERGY_TERM_RATE
            ),
        ));
    }
    Ok(())
}

/// Planted pattern entries (`patterns · N`) a spec may ask for.
pub const MAX_PATTERN_ENTRIES: usize = 1 << 28;

/// Refuses planted patterns that would not fit ([`MAX_PATTERN_ENTRIES`]); the message is for the
/// `model.patterns` field.
///
/// # Errors
///
/// The reason, when `patterns · spins` exceeds the limit.
pub fn check_patterns(patterns: usize, spins: usize) -> std::result::Result<(), String> {
    let entries = patterns.saturating_mul(spins.max(1));
    if entries > MAX_PATTERN_ENTRIES {
        return Err(format!(
            "{patterns} patterns x {} spins = {entries:.3e} pattern entries exceed the limit of {MAX_PATTERN_ENTRIES}              (each coupling sums over every pattern)",
            spins.max(1),
            entries = entries as f64
        ));
    }
    Ok(())
}
use crate::kernel::fast::chains::SampledRun;

/// Peak copies of the recorded traces.
pub const TRACE_COPIES: f64 = 3.0;
/// The memory the recorded traces may take at the peak (4 GiB).
pub const MAX_SAMPLED_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;
/// Site updates a sampled audit may run without `long_run = true`.
pub const MAX_SAMPLED_UPDATES: f64 = 2e11;

/// Refuses a sampled run that would not fit in memory, or (without `long_run`) would run longer
/// than the work limit; `file` names the spec in the error.
///
/// # Errors
///
/// [`Error::Field`] at `sampling.sweeps` (or `sampling.chains`, `sampling.burn_in`, whichever
/// dominates) with the estimate and the limit.
pub fn check_sampled(
    file: &str,
    run: &SampledRun,
    n_spins: usize,
    observables: usize,
    long_run: bool,
) -> Result<()> {
    let chains = run.chains as f64;
    let bytes = TRACE_COPIES * chains * run.sweeps as f64 * observables.max(1) as f64 * 8.0;
    if bytes > MAX_SAMPLED_BYTES {
        let field = if run.sweeps >= run.chains {
            "sampling.sweeps"
        } else {
            "sampling.chains"
        };
        return Err(Error::field(
            file,
            field,
            format!(
                "{} chains x {} sweeps x {observables} observables would hold {:.3e} bytes of traces \
                 (limit {MAX_SAMPLED_BYTES:.3e}): record fewer sweeps or chains",
                run.chains, run.sweeps, bytes
            ),
        ));
    }
    let updates = chains * (run.burn_in as f64 + run.sweeps as f64) * n_spins as f64;
    if !long_run && updates > MAX_SAMPLED_UPDATES {
        let field = if run.burn_in as f64 > run.sweeps as f64 {
            "sampling.burn_in"
        } else {
            "sampling.sweeps"
        };
        return Err(Error::field(
            file,
            field,
            format!(
                "{updates:.3e} site updates (chains x (burn_in + sweeps) x {n_spins} spins) exceed the \
                 limit of {MAX_SAMPLED_UPDATES:.1e} (about 25 minutes here); set [sampling] long_run = true to run it anyway"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
    use crate::model::{Model, generators};

    fn one_block(n: usize) -> crate::kernel::Kernel {
        let m: Arc<dyn Model> = Arc::new(generators::sk(n, 1.0, 0).unwrap());
        let all = Blocks::Explicit(vec![(0..n).collect()]);
        build_kernel(m, Rule::Gibbs, &all, Scan::Random).unwrap()
    }

    #[test]
    fn a_13_site_joint_block_is_refused_unless_long_run() {
        let k = one_block(13);
        let e = check_exact_kernel("s.toml", &k, 13, false).unwrap_err();
        assert!(e.to_string().contains("kernel.blocks"), "{e}");
        assert!(check_exact_kernel("s.toml", &k, 13, true).is_ok());
        // A 10-site block (~30 s here) and any site-update kernel stay under the limit.
        assert!(check_exact_kernel("s.toml", &one_block(10), 10, false).is_ok());
        let m: Arc<dyn Model> = Arc::new(generators::sk(13, 1.0, 0).unwrap());
        let sites = build_kernel(m, Rule::Gibbs, &Blocks::Sites, Scan::Systematic).unwrap();
        assert!(check_exact_kernel("s.toml", &sites, 13, false).is_ok());
    }

    #[test]
    fn patterns_are_capped_by_entries() {
        assert!(check_patterns(1 << 20, 8).is_ok());
        assert!(check_patterns(1_000_000_000_000, 8).is_err());
        assert!(check_patterns(usize::MAX, usize::MAX).is_err());
    }
}
