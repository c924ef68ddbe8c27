//! The library as a CI gate for someone else's sampler: implement [`crate::kernel::Update`] for your
//! update rule (its `law`, and optionally a fast `sample`), compose it into a [`Kernel`], and call
//! [`assert_kernel_passes`] from your own `cargo test`.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use mcmc_audit::prelude::*;
//!
//! let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(4, 0.5).unwrap());
//! let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random).unwrap();
//! mcmc_audit::gate::assert_kernel_passes(model.as_ref(), &kernel);
//! ```

use crate::checks::Status;
use crate::error::Result;
use crate::kernel::Kernel;
use crate::model::Model;
use crate::pipeline::audit::{AuditOptions, audit_kernel};
use crate::report::AuditReport;

/// Runs every exact check on a small instance of the model (N ≤ 13) and returns the report.
///
/// # Errors
///
/// [`Error::TooLarge`](crate::Error::TooLarge) for a model too large for the dense exact operator
/// (more than 13 spins), [`Error::Numerical`](crate::Error::Numerical) for one whose `log Z` is not
/// finite.
pub fn check_kernel(model: &dyn Model, kernel: &Kernel) -> Result<AuditReport> {
    audit_kernel(model, kernel, &AuditOptions::default())
}

/// The required checks that did not pass, one line each (empty when the gate is open): the same
/// explanation and hint the text report prints.
pub fn failures(report: &AuditReport) -> Vec<String> {
    report
        .verdicts
        .iter()
        .filter(|v| v.required && matches!(v.status, Status::Fail | Status::Inconclusive))
        .map(|v| {
            let mut line = format!("{} {}: {}", v.status.as_str(), v.id, v.explanation);
            if let Some(h) = &v.hint {
                line += &format!("; hint: {h}");
            }
            line
        })
        .collect()
}

/// Panics (failing the caller's test) with one line per failing required check.
///
/// # Panics
///
/// When a required check fails or is inconclusive, or the kernel cannot be audited.
#[track_caller]
pub fn assert_kernel_passes(model: &dyn Model, kernel: &Kernel) {
    let report = match check_kernel(model, kernel) {
        Ok(r) => r,
        Err(e) => panic!("mcmc-audit could not audit kernel `{}`: {e}", kernel.name()),
    };
    let f = failures(&report);
    assert!(
        f.is_empty(),
        "kernel `{}` fails the mcmc-audit gate:\n  {}",
        kernel.name(),
        f.join("\n  ")
    );
}
