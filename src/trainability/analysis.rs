//! The spectral engine's analysis of one exact chain and observable set (docs/science.md §1–§5):
//! spectrum, overlaps, exact τ and CLT variances (spectral route on reversible kernels, Poisson
//! route otherwise), the cluster `C*(O)` and its threshold sweep, the exact window statistics, `Q_op`
//! and the predictors. Data only; [`crate::checks::spectral`] judges it.

use serde::Serialize;

use super::estimator::{
    BurnIn, Estimator, Init, WindowStats, auto_burn_in, exact_window_stats, exact_window_stats_with,
};
use super::poisson;
use super::predictors::{self, Cluster, SingleGap, SweepPoint, ThreeFactor};
use super::projection::{Projected, TauConvention};
use crate::error::{Result, ShapeError};
use crate::exact::ExactChain;
use crate::exact::spectrum::{Parity, Spectrum};
use crate::model::{Model, decode};
use crate::observables::{Observables, mean};

/// Where the signal g of `Q_op` and the predictors comes from (`[gradient]`).
#[derive(Clone, Debug, PartialEq)]
pub enum Gradient {
    /// One entry per observable, in report order.
    Explicit(Vec<f64>),
    /// `g_a = E_teacher[f_a] − E_π[f_a]` with the same model at this inverse temperature.
    Teacher(f64),
}

/// What to analyse.
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// The estimator (initial law, burn-in, window).
    pub estimator: Estimator,
    /// The signal g (one entry per observable), if any.
    pub gradient: Option<Vec<f64>>,
    /// Cluster threshold ε.
    pub epsilon: f64,
    /// The ε values of the A8 sweep.
    pub sweep: Vec<f64>,
    /// Whether to compute the exact window statistics (bias, variance, MSE, Q_op).
    pub estimate: bool,
    /// The gap `burn_in = "auto"` uses on a non-reversible kernel, where γ_eff is undefined: the
    /// pseudo-spectral gap ([`super::mixing`]), `B = ⌈5/γ_ps⌉`. `None` leaves the burn-in undefined.
    pub nonreversible_gap: Option<f64>,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            estimator: Estimator::default(),
            gradient: None,
            epsilon: DEFAULT_EPSILON,
            sweep: default_sweep(),
            estimate: true,
            nonreversible_gap: None,
        }
    }
}

/// Default cluster threshold ε (relative observable weight), this project's choice (A8 demands
/// insensitivity to it; see specs/assumptions.toml A8).
pub const DEFAULT_EPSILON: f64 = 1e-10;

/// The A8 sweep: ε = 1e-14, 1e-13, …, 1e-6 (eight decades, nine points).
pub fn default_sweep() -> Vec<f64> {
    (6..=14).rev().map(|k| 10f64.powi(-k)).collect()
}

/// Everything the spectral engine computes for one chain and observable set.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub spectrum: Option<Spectrum>,
    pub projected: Option<Projected>,
    /// τ per observable, N/ESS convention.
    pub tau: Vec<Option<f64>>,
    /// "spectral" or "poisson".
    pub tau_route: &'static str,
    pub asymptotic_variance: Vec<f64>,
    pub cluster: Option<Cluster>,
    pub sweep: Vec<SweepPoint>,
    pub single_gap: Option<SingleGap>,
    pub q_single_relevant_gap: Option<f64>,
    pub burn_in: Option<u64>,
    pub stats: Option<WindowStats>,
    pub q_op: Option<f64>,
    pub q_struct_perp: Option<f64>,
    pub three_factor: Option<ThreeFactor>,
    pub window: u64,
}

impl Analysis {
    /// The largest τ over the observables (N/ESS).
    pub fn tau_max(&self) -> Option<f64> {
        self.tau.iter().flatten().copied().reduce(f64::max)
    }
}

/// Runs the engine. `flip = Some(n_spins)` blocks the spectrum by the global flip (the caller has
/// checked A9's π-invariance and equivariance); `reversible` selects the spectral route (else the
/// Poisson route, and no predictors).
///
/// # Errors
///
/// [`Error::Mismatch`](crate::Error::Mismatch) with [`ShapeError::Gradient`] when `cfg.gradient`
/// does not have one entry per observable; [`Error::Numerical`](crate::Error::Numerical) when the
/// eigensolver fails (spectral route) or the Poisson equation gives a non-finite variance (Poisson
/// route); [`Error::TooLarge`](crate::Error::TooLarge) when the exact window statistics exceed
/// [`Limit::WindowWork`](crate::error::Limit::WindowWork) or, on the Poisson route,
/// [`Limit::BurnInWork`](crate::error::Limit::BurnInWork).
///
/// # Examples
///
/// τ of the magnetization by the spectral route agrees with the Poisson route.
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::prelude::*;
/// use mcmc_audit::trainability::analysis::{AnalysisConfig, analyze};
///
/// let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(4, 0.5)?);
/// let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
/// let chain = ExactChain::from_kernel(model.as_ref(), &kernel)?;
/// let obs = Observables::for_model(model.as_ref(), ObservableSet::Magnetization);
/// let cfg = AnalysisConfig::default();
///
/// let spectral = analyze(&chain, &obs, None, true, &cfg)?;
/// let poisson = analyze(&chain, &obs, None, false, &cfg)?;
/// assert_eq!((spectral.tau_route, poisson.tau_route), ("spectral", "poisson"));
/// let (a, b) = (spectral.tau[0].unwrap(), poisson.tau[0].unwrap());
/// assert!(a > 1.0 && (a - b).abs() <= 1e-10 * a);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn analyze(
    chain: &ExactChain,
    obs: &Observables,
    flip: Option<usize>,
    reversible: bool,
    cfg: &AnalysisConfig,
) -> Result<Analysis> {
    analyze_with(chain, obs, None, flip, reversible, cfg)
}

/// [`analyze`] reusing a spectrum already computed for this chain (A3's), so an audit needs one
/// dense eigendecomposition. It is used only if its blocking matches `flip`; otherwise (or when
/// `None`) the spectrum is computed here.
///
/// # Errors
///
/// As [`analyze`].
pub fn analyze_with(
    chain: &ExactChain,
    obs: &Observables,
    spectrum: Option<Spectrum>,
    flip: Option<usize>,
    reversible: bool,
    cfg: &AnalysisConfig,
) -> Result<Analysis> {
    if let Some(g) = &cfg.gradient
        && g.len() != obs.len()
    {
        return Err(ShapeError::Gradient {
            got: g.len(),
            observables: obs.len(),
        }
        .into());
    }
    let g2 = cfg.gradient.as_deref().map(predictors::norm2);
    if !reversible {
        let s = poisson::asymptotic_variance(chain, obs)?;
        let tau = poisson::tau(chain, obs)?;
        let burn_in = match cfg.estimator.burn_in {
            BurnIn::Steps(b) => Some(b),
            BurnIn::Auto => cfg.nonreversible_gap.map(auto_burn_in),
        };
        let stats = match burn_in.filter(|_| cfg.estimate) {
            Some(b) => Some(
                exact_window_stats_with(
                    chain,
                    None,
                    obs,
                    &cfg.estimator.init,
                    b,
                    &[cfg.estimator.window],
                    cfg.estimator.long_run,
                )?
                .remove(0),
            ),
            None => None,
        };
        let q_op = match (&cfg.gradient, &stats) {
            (Some(g), Some(s)) => Some(super::estimator::q_op(g, s)),
            _ => None,
        };
        return Ok(Analysis {
            spectrum: None,
            projected: None,
            tau,
            tau_route: "poisson",
            asymptotic_variance: s,
            cluster: None,
            sweep: Vec::new(),
            single_gap: None,
            q_single_relevant_gap: None,
            burn_in,
            stats,
            q_op,
            q_struct_perp: None,
            three_factor: None,
            window: cfg.estimator.window,
        });
    }
    let spec = match spectrum {
        Some(s) if s.n == chain.n_states && s.is_flip_blocked() == flip.is_some() => s,
        _ => Spectrum::new(chain, flip)?,
    };
    let proj = Projected::new(&spec, &chain.pi, obs);
    let tau = proj.tau(&spec, TauConvention::NOverEss);
    let s = proj.asymptotic_variance(&spec);
    let cl = predictors::cluster(&spec, &proj, cfg.epsilon);
    let sweep = predictors::threshold_sweep(&spec, &proj, &cfg.sweep);
    let burn_in = match cfg.estimator.burn_in {
        BurnIn::Steps(b) => Some(b),
        BurnIn::Auto => cl.gamma_eff.map(auto_burn_in),
    };
    let stats = match burn_in.filter(|_| cfg.estimate) {
        Some(b) => Some(
            exact_window_stats_with(
                chain,
                Some(&spec),
                obs,
                &cfg.estimator.init,
                b,
                &[cfg.estimator.window],
                cfg.estimator.long_run,
            )?
            .remove(0),
        ),
        None => None,
    };
    let (mut q_op, mut qs, mut sg, mut srg, mut tf) = (None, None, None, None, None);
    if let (Some(g), Some(g2)) = (&cfg.gradient, g2) {
        q_op = stats.as_ref().map(|s| super::estimator::q_op(g, s));
        qs = Some(predictors::q_struct_perp(g2, cfg.estimator.window, cl.t_o));
        sg = Some(predictors::single_gap(
            &spec,
            &proj,
            g2,
            cfg.estimator.window,
        ));
        srg = predictors::single_relevant_gap(&spec, &proj, &cl, g2, cfg.estimator.window);
        tf = predictors::three_factor(&cl, g2, cfg.estimator.window, burn_in.unwrap_or(0), q_op);
    }
    Ok(Analysis {
        spectrum: Some(spec),
        projected: Some(proj),
        tau,
        tau_route: "spectral",
        asymptotic_variance: s,
        cluster: Some(cl),
        sweep,
        single_gap: sg,
        q_single_relevant_gap: srg,
        burn_in,
        stats,
        q_op,
        q_struct_perp: qs,
        three_factor: tf,
        window: cfg.estimator.window,
    })
}

/// The teacher signal `g_a = E_teacher[f_a] − E_π[f_a]`, teacher = the same model at `teacher_beta`.
///
/// # Errors
///
/// [`Error::Model`](crate::Error::Model) with
/// [`ModelError::NonFiniteBeta`](crate::error::ModelError::NonFiniteBeta) when `teacher_beta` is
/// not finite.
pub fn teacher_gradient(
    model: &dyn Model,
    obs: &Observables,
    pi: &[f64],
    teacher_beta: f64,
) -> Result<Vec<f64>> {
    if !teacher_beta.is_finite() {
        return Err(crate::error::ModelError::NonFiniteBeta(teacher_beta).into());
    }
    let ns = model.n_spins();
    let mut x = vec![0i8; ns];
    let lw: Vec<f64> = (0..1usize << ns)
        .map(|s| {
            decode(s, &mut x);
            -teacher_beta * model.energy(&x)
        })
        .collect();
    let lz = crate::numeric::log_sum_exp(&lw);
    let pt: Vec<f64> = lw.iter().map(|l| (l - lz).exp()).collect();
    Ok(obs
        .values
        .iter()
        .map(|f| mean(&pt, f) - mean(pi, f))
        .collect())
}

/// Overlap of the slowest non-stationary mode φ_2 with the observables (the claims ledger's
/// `exact.z2-overlap`).
#[derive(Clone, Debug, Serialize)]
pub struct Z2Overlap {
    /// Parity of φ_2 (`None` when the decomposition is not flip-blocked).
    pub parity: Option<Parity>,
    /// Whether a mode of the opposite parity is degenerate with φ_2 within the solver bound.
    pub opposite_parity_degenerate: bool,
    /// `max_a |c_a2|`, the norm of each observable's projection on φ_2's eigenspace.
    pub max_overlap: f64,
    pub sigma2: f64,
}

/// φ_2's parity and its largest overlap with the observables.
pub fn z2_overlap(spec: &Spectrum, proj: &Projected) -> Z2Overlap {
    let parity = spec.parity.as_ref().map(|p| p[1]);
    let gap = crate::numeric::tolerance::EIGENSPACE_GAP;
    let opposite_parity_degenerate = match (&spec.parity, parity) {
        (Some(p), Some(p2)) => {
            (2..spec.n).any(|j| p[j] != p2 && gap.accepts(spec.sigma[j] - spec.sigma[1], spec.n))
        }
        _ => false,
    };
    let modes: Vec<usize> = spec
        .group_members(spec.group[1])
        .into_iter()
        .filter(|&j| j > 0)
        .collect();
    let max_overlap = proj
        .overlap
        .iter()
        .map(|c| modes.iter().map(|&j| c[j] * c[j]).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    Z2Overlap {
        parity,
        opposite_parity_degenerate,
        max_overlap,
        sigma2: spec.sigma[1],
    }
}

/// `Q_single / Q_op` (the ledger's `exact.single-gap-overprediction`), with whether it is a lower
/// bound (overlaps below the EVD resolution).
pub fn single_gap_overprediction(a: &Analysis) -> Option<(f64, bool)> {
    let sg = a.single_gap.as_ref()?;
    Some((sg.q / a.q_op?, sg.lower_bound))
}

/// Exact MSE of the window mean of every observable (the ledger's `exact.mse-vs-mc`): a thin
/// wrapper over [`super::estimator::exact_window_stats`] that decomposes the chain when it is reversible.
///
/// # Errors
///
/// [`Error::Numerical`](crate::Error::Numerical) when the eigensolver fails, and the
/// [`Error::TooLarge`](crate::Error::TooLarge) of [`exact_window_stats`].
pub fn exact_mse(
    chain: &ExactChain,
    obs: &Observables,
    init: &Init,
    burn_in: u64,
    window: u64,
    reversible: bool,
) -> Result<WindowStats> {
    let spec = if reversible && *init != Init::Stationary && burn_in > 0 {
        Some(Spectrum::new(chain, None)?)
    } else {
        None
    };
    Ok(exact_window_stats(chain, spec.as_ref(), obs, init, burn_in, &[window])?.remove(0))
}
