//! One precise error variant per kind of invalid input (the statrs style).
//!
//! The layers below the spec return typed errors that know nothing of files or spec keys
//! ([`ModelError`], [`KernelError`], [`LadderError`], [`ShapeError`], [`Error::TooLarge`] with a
//! [`Limit`]); the spec layer ([`crate::spec`]) is the only place that maps them onto the field path
//! a user wrote (`model.couplings[3]`, `estimator.window`), and the readers of data files name the
//! file and the entry. The CLI prints [`Error`]'s one-line `Display` and exits 2.

use std::path::PathBuf;

/// Everything that can go wrong before a verdict exists. Verdict failures are *not* errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A spec or ledger file is not valid TOML of the expected shape (the parser's message).
    #[error("{path}: invalid spec: {message}")]
    Spec { path: PathBuf, message: String },
    /// A field of a spec, ledger or command line is invalid.
    #[error("{file}: field `{field}`: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
    /// A data file is not a readable `.npy`/`.npz`/`.csv` array.
    #[error("{file}: not a valid .npy/.npz array: {message}")]
    Npy { file: String, message: String },
    /// An array of a data file has the wrong shape.
    #[error("{file}: array `{field}` has shape {found:?}, expected {expected}")]
    Shape {
        file: String,
        field: String,
        found: Vec<usize>,
        expected: String,
    },
    /// An entry of a data file is NaN or infinite.
    #[error("{file}: {field}[{index}] is not finite ({value})")]
    NonFinite {
        file: String,
        field: String,
        index: String,
        value: f64,
    },
    /// An entry of a data file that must be a probability is negative.
    #[error("{file}: {field}[{index}] = {value} is negative")]
    Negative {
        file: String,
        field: String,
        index: String,
        value: f64,
    },
    /// A row of a supplied transition matrix does not sum to one.
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
    /// Work or memory beyond a stated limit, refused before it starts.
    #[error("{limit}: size {size} exceeds the limit {max} ({why})")]
    TooLarge {
        limit: Limit,
        size: usize,
        max: usize,
        why: String,
    },
    /// A model's parameters are invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A kernel's blocks or update rule are invalid for its model.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// A parallel-tempering ladder or its grid is invalid.
    #[error(transparent)]
    Ladder(#[from] LadderError),
    /// A sampled run's settings are invalid.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Arrays handed to the library do not fit together.
    #[error(transparent)]
    Mismatch(#[from] ShapeError),
    /// A computation produced no usable number (a non-finite `log Z`, a singular solve).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// Which limit a [`Error::TooLarge`] hit (the spec layer maps it onto the key the user set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Spins whose `2^n` states the dense exact operator holds.
    DenseStates,
    /// Spins whose `2^n` states are enumerated for `log π`.
    EnumeratedSpins,
    /// Steps of the exact window recursion.
    WindowWork,
    /// Steps of the burn-in law without a real spectrum.
    BurnInWork,
    /// MiB of memory the matrix-free exact backend would need (the Krylov basis dominates).
    MatrixFreeMemory,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::DenseStates => "spins (dense exact operator)",
            Limit::EnumeratedSpins => "spins (exact enumeration)",
            Limit::WindowWork => "window (exact window recursion)",
            Limit::BurnInWork => "burn-in (non-reversible kernel)",
            Limit::MatrixFreeMemory => "MiB (matrix-free exact backend)",
        })
    }
}

/// Invalid model parameters (indices refer to the caller's own lists).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("a model needs at least one spin")]
    NoSpins,
    #[error("{family}: n = {n}, need at least 2 spins")]
    TooFewSpins { family: &'static str, n: usize },
    #[error("beta = {0} is not finite")]
    NonFiniteBeta(f64),
    #[error("fields has {got} entries for {n} spins")]
    FieldsLength { got: usize, n: usize },
    #[error("fields[{index}] = {value} is not finite")]
    NonFiniteField { index: usize, value: f64 },
    #[error("couplings[{index}] = [{a}, {b}, …] names a spin outside 0..{n}")]
    CouplingOutOfRange {
        index: usize,
        a: usize,
        b: usize,
        n: usize,
    },
    #[error("couplings[{index}] couples spin {site} to itself")]
    SelfCoupling { index: usize, site: usize },
    #[error("couplings[{index}] has J = {value}, not finite")]
    NonFiniteCoupling { index: usize, value: f64 },
    #[error("couplings[{index}] repeats the pair ({i}, {j})")]
    DuplicatePair { index: usize, i: usize, j: usize },
    #[error("{family}: patterns = 0, need at least one")]
    NoPatterns { family: &'static str },
    #[error("rbm: visible = {visible}, hidden = {hidden}; need at least one of each")]
    EmptyLayer { visible: usize, hidden: usize },
    #[error(
        "torus: side = {0}; need an even side of at least 6 (a proper 4-colouring and 12 distinct neighbours)"
    )]
    TorusSide(usize),
    #[error("torus: side = {side} exceeds {max} ({spins} spins)")]
    TorusTooLarge {
        side: usize,
        max: usize,
        spins: usize,
    },
    #[error("torus: degree = {0}; supported degrees are 12 (nearest + knight moves) and 4")]
    TorusDegree(usize),
    #[error("torus: coupling = {0} is not finite")]
    NonFiniteScale(f64),
}

/// Invalid blocks or update rules for a model (block indices refer to the caller's block list).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum KernelError {
    #[error("block {block} is empty")]
    EmptyBlock { block: usize },
    #[error("block {block} names site {site} outside 0..{n}")]
    SiteOutOfRange { block: usize, site: usize, n: usize },
    #[error("site {site} appears twice (again in block {block})")]
    SiteTwice { block: usize, site: usize },
    #[error("site {site} is in no block")]
    SiteMissing { site: usize },
    #[error("the interaction graph is not bipartite (edge {u}-{v} closes an odd cycle)")]
    NotBipartite { u: usize, v: usize },
    #[error("metropolis flips one site at a time: use blocks = \"sites\"")]
    MetropolisNeedsSites,
    #[error(
        "block {block} of {size} interacting sites exceeds the joint-enumeration limit {limit}"
    )]
    JointBlockTooLarge {
        block: usize,
        size: usize,
        limit: usize,
    },
    #[error(
        "block {block} contains the interacting sites {i} and {j}; the fast engine samples blocks with no internal edge"
    )]
    BlockNotIndependent { block: usize, i: usize, j: usize },
    #[error("the fast engine indexes sites as u32: {0} spins are too many")]
    TooManySpins(usize),
    #[error("sampled audits run the heat-bath engine: use update = \"gibbs\"")]
    EngineNeedsGibbs,
    #[error("initial state: need {n} spins of ±1, got {got} values")]
    BadInitialState { n: usize, got: usize },
    #[error("local checks: no updates to check")]
    NoUpdates,
    #[error("update {0} changes its site set between x and y")]
    UnstableSites(String),
    #[error(
        "L.conditional: a block of {size} interacting sites exceeds the enumeration limit {limit}"
    )]
    ConditionalTooLarge { size: usize, limit: usize },
}

/// An invalid parallel-tempering ladder or ladder grid.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LadderError {
    #[error("a ladder needs at least 2 rungs, got {0}")]
    TooFewRungs(usize),
    #[error("alphas[{index}] = {value} is not below alphas[{next}] = {next_value}")]
    NotIncreasing {
        index: usize,
        value: f64,
        next: usize,
        next_value: f64,
    },
    #[error("the ladder must lie in (0, 1] and end at 1 (got [{low}, {high}])")]
    OutOfRange { low: f64, high: f64 },
    #[error("need at least two (alpha, C) points of equal count, got {alphas} and {c}")]
    GridLength { alphas: usize, c: usize },
    #[error("C[{index}] = {value} is not a finite non-negative variance")]
    BadVariance { index: usize, value: f64 },
    #[error("zero thermodynamic length (C vanishes on the grid)")]
    ZeroLength,
}

/// Invalid settings of a sampled run (the spec layer maps each onto its `[sampling]` key).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("chains = 0: must be positive")]
    NoChains,
    #[error("sweeps = 0: must be positive")]
    NoSweeps,
    #[error("doubling_from = 0: must be positive")]
    NoDoubling,
    #[error("doubling_from = {doubling_from} exceeds sweeps = {sweeps}")]
    DoublingBeyondSweeps { doubling_from: usize, sweeps: usize },
}

/// Arrays handed to the library whose sizes do not fit together.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ShapeError {
    #[error("draws: {values} values do not form {chains} chains of {draws} draws")]
    Draws {
        values: usize,
        chains: usize,
        draws: usize,
    },
    #[error("observables: {names} names for {columns} columns")]
    ObservableNames { names: usize, columns: usize },
    #[error("observables: columns of different lengths")]
    RaggedObservables,
    #[error("observables: {values} values do not form a {n_states} × {k} array")]
    ObservableMatrix {
        values: usize,
        n_states: usize,
        k: usize,
    },
    #[error("initial law: {got} entries for {n_states} states")]
    InitialLaw { got: usize, n_states: usize },
    #[error("gradient: {got} entries for {observables} observables")]
    Gradient { got: usize, observables: usize },
    #[error("{0}: the chain has no spin structure")]
    NoSpins(&'static str),
    #[error("{what}: need at least {need} states, got {got}")]
    TooFewStates {
        what: &'static str,
        need: usize,
        got: usize,
    },
    #[error("{0}: nothing to evaluate")]
    Empty(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A field error in a named file.
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
