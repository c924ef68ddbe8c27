//! The work and memory model of a sampled audit, checked before anything is allocated (issue 14:
//! impossible work is refused up front, in O(spec) time). One place states it:
//!
//! - **memory**: the recorded traces, `chains · sweeps · observables` doubles, held up to
//!   [`TRACE_COPIES`] times at the peak (the trajectory, the per-variable draws, the diagnostics'
//!   sorted copies) — at most [`MAX_SAMPLED_BYTES`];
//! - **work**: `chains · (burn_in + sweeps) · N` site updates — at most [`MAX_SAMPLED_UPDATES`]
//!   (about 25 minutes at the engine's 1.4·10⁸ updates/s on two cores) unless the spec sets
//!   `[sampling] long_run = true`, which lifts the work limit but never the memory limit.

use crate::error::{Error, Result};
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
