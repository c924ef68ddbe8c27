//! Spec files: the requirement registry (`specs/assumptions.toml`, compiled in) and audit specs
//! (user TOML files, CLI.md). Unknown keys are errors everywhere (`deny_unknown_fields`).

pub mod audit;
pub mod requirements;
