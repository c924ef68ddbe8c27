//! One precise error variant per kind of invalid input (the statrs style): every variant names
//! the file or field it is about, so the CLI can print one line and exit 2.

use std::path::PathBuf;

/// Everything that can go wrong before a verdict exists. Verdict failures are *not* errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid spec: {message}")]
    Spec { path: PathBuf, message: String },
    #[error("{file}: field `{field}`: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
    #[error("{file}: not a valid .npy/.npz array: {message}")]
    Npy { file: String, message: String },
    #[error("{file}: array `{field}` has shape {found:?}, expected {expected}")]
    Shape {
        file: String,
        field: String,
        found: Vec<usize>,
        expected: String,
    },
    #[error("{file}: {field}[{index}] is not finite ({value})")]
    NonFinite {
        file: String,
        field: String,
        index: String,
        value: f64,
    },
    #[error("{file}: {field}[{index}] = {value} is negative")]
    Negative {
        file: String,
        field: String,
        index: String,
        value: f64,
    },
    #[error(
        "{file}: row {row} of `{field}` sums to {sum}, not 1 (|residual| {residual:e} > {tolerance:e})"
    )]
    NotStochastic {
        file: String,
        field: String,
        row: usize,
        sum: f64,
        residual: f64,
        tolerance: f64,
    },
    #[error("{what}: size {size} exceeds the limit {limit} ({why})")]
    TooLarge {
        what: String,
        size: usize,
        limit: usize,
        why: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("numerical failure: {0}")]
    Numerical(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A spec-field error in a named file.
    pub fn field(
        file: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Field {
            file: file.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}
