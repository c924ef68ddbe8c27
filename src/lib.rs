//! mcmc-audit: executable checkers for the assumption package (A1–A9) of the observable-projected
//! trainability theorem for discrete energy-based models, over exact small chains and sampled runs.
//!
//! Data flows one way (docs/architecture.md):
//! [`spec`] → [`model`] → [`kernel`] → [`exact`] chain or sampled run → [`trainability`] /
//! [`diagnostics`] data → [`checks`] → verdicts → [`report`]. The [`pipeline`]s wire it per command;
//! [`claims`] regression-checks the programme's published numbers; [`gate`] is the entry point for a
//! sampler crate's own tests. The science is summarised in docs/science.md, the spec format in
//! docs/spec.md, the command line and JSON reports in docs/cli.md.
//!
//! # Examples
//!
//! Audit a random-scan heat bath on a Curie–Weiss model exactly:
//!
//! ```
//! use std::sync::Arc;
//! use mcmc_audit::prelude::*;
//!
//! let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(6, 1.0)?);
//! let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
//! let report = audit_kernel(model.as_ref(), &kernel, &AuditOptions::default())?;
//! assert_eq!(report.verdict("A2").unwrap().status, Status::Pass);
//! assert_eq!(report.exit_code(), 0);
//! # Ok::<(), mcmc_audit::Error>(())
//! ```

pub mod alloc;
pub mod checks;
pub mod claims;
pub mod diagnostics;
pub mod error;
pub mod exact;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod gate;
pub mod io;
pub mod kernel;
pub mod model;
pub mod numeric;
pub mod observables;
pub mod pipeline;
pub mod prelude;
pub mod progress;
pub mod report;
pub mod spec;
pub mod trainability;

pub use error::{Error, Result};
