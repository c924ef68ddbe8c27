//! What a sampler author needs in one import: models and their generators, updates and kernels,
//! exact chains, the audit and its options, verdicts, and the gate.
//!
//! ```
//! use mcmc_audit::prelude::*;
//! ```

pub use crate::checks::{Status, Tolerances, Verdict};
pub use crate::error::{Error, Result};
pub use crate::exact::ExactChain;
pub use crate::gate::{assert_kernel_passes, check_kernel, failures};
pub use crate::kernel::build::{Blocks, Rule, Scan, build_kernel};
pub use crate::kernel::{ChainRng, Kernel, Law, Update, stream, streams};
pub use crate::model::{Model, Pairwise, Spins, generators};
pub use crate::observables::{Observable, ObservableSet, Observables};
pub use crate::pipeline::audit::{AuditOptions, SpectralSettings, audit_chain, audit_kernel};
pub use crate::report::AuditReport;
