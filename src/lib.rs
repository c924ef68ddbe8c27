//! mcmc-audit: executable checkers for the assumption package (A1–A9) of the observable-projected
//! trainability theorem for discrete energy-based models, over exact small chains and sampled runs.
//!
//! Data flows one way (shared/design/ARCHITECTURE.md):
//! [`spec`] → [`model`] → [`kernel`] → [`exact`] chain → [`checks`] → verdicts → [`report`].
//! [`audit`] wires the pipeline; [`gate`] is the entry point for a sampler crate's own tests.

pub mod audit;
pub mod checks;
pub mod error;
pub mod exact;
pub mod gate;
pub mod io;
pub mod kernel;
pub mod model;
pub mod numeric;
pub mod report;
pub mod spec;
pub mod trainability;

pub use error::{Error, Result};
