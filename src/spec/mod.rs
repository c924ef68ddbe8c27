//! Spec files: the requirement registry (`specs/assumptions.toml`, compiled in) and audit specs (a
//! user's TOML, docs/spec.md). An audit spec is parsed strictly (`raw`: unknown keys are errors) and
//! typed once ([`audit`]: every default stated there or at the type it belongs to, every key checked
//! against the family). The spec layer is the only place that knows field paths: the layers below
//! return typed errors, which [`AuditSpec::locate`] maps onto the key a user wrote.

pub mod audit;
mod raw;
pub mod requirements;

pub use audit::{AuditSpec, BuiltModel, KernelSpec, ModelSpec};
