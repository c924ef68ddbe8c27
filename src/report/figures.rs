//! What an HTML report draws beyond the JSON report (issue 15 item 3): computed by the pipeline only
//! when `--format html` is asked for, carried by the report without being serialized, so the JSON and
//! text reports never change with it.

/// One point of an exact estimator curve: the window mean's squared bias, variance and MSE summed
/// over the observables, at a window `K` (or a burn-in `B`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MsePoint {
    pub x: f64,
    pub bias2: f64,
    pub variance: f64,
    pub mse: f64,
}

/// The exact estimator around the audited setting: over windows at its burn-in, over burn-ins at its
/// window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EstimatorCurves {
    /// Whether the spec configured the estimator (`[estimator]`); else the curves are at its defaults.
    pub configured: bool,
    pub burn_in: u64,
    pub window: u64,
    pub by_window: Vec<MsePoint>,
    pub by_burn_in: Vec<MsePoint>,
    /// Why a curve is shorter or absent (its work would exceed the figure budget).
    pub note: Option<String>,
}

/// One variable of a sampled run or a trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VariableFigures {
    pub name: String,
    /// `(L, τ(L))` at every doubling length where τ is defined.
    pub tau_by_length: Vec<(f64, f64)>,
    /// `ρ(t)`, `t = 0, 1, …` (empty when undefined).
    pub acf: Vec<f64>,
    /// Per chain, the counts of its pooled ranks per bin (empty when undefined).
    pub ranks: Vec<Vec<u64>>,
    pub rhat: Option<f64>,
}

/// Everything an HTML report draws that its JSON does not hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub estimator: Option<EstimatorCurves>,
    pub variables: Vec<VariableFigures>,
}

/// Lags of the autocorrelation function drawn: up to 5 τ of the variable, at least 50, at most this.
pub const MAX_ACF_LAG: usize = 2000;

/// Bins of a rank histogram (ArviZ's default for its rank plot is 20 for ~1000 draws per chain).
pub const RANK_BINS: usize = 20;

/// Variables a report draws figures for (the slowest first); the rest are in the tables.
pub const MAX_VARIABLES: usize = 12;

/// Multiply-adds the estimator curves of one exact audit may cost (about ten seconds here); a curve
/// that would cost more keeps fewer points and says so.
pub const CURVE_WORK: f64 = 2e10;
