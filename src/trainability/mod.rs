//! Observable-projected trainability (docs/science.md §1–§6), as data: the projection of observables
//! on the spectrum ([`projection`]), the Poisson route for any ergodic kernel ([`poisson`]), the exact
//! window estimator ([`estimator`]), the predictors of `Q_op` ([`predictors`]), the analysis that ties
//! them together for one chain ([`analysis`]), the same cluster and predictors over the matrix-free
//! mode search ([`krylov`]), and the parallel-tempering ladder math ([`ladder`]).
//! The checks that judge these numbers are [`crate::checks::spectral`] and
//! [`crate::checks::tempering`].

pub mod analysis;
pub mod estimator;
pub mod krylov;
pub mod ladder;
pub mod mixing;
pub mod poisson;
pub mod predictors;
pub mod projection;

pub use analysis::{
    Analysis, AnalysisConfig, DEFAULT_EPSILON, Gradient, Z2Overlap, analyze, analyze_with,
    default_sweep, exact_mse, single_gap_overprediction, teacher_gradient, z2_overlap,
};
pub use estimator::{BurnIn, Estimator, Init, auto_burn_in};
