//! Diagnostics of sampled chains: statistics of trajectories exported by any sampler (chains × draws ×
//! variables), and the tests that compare observed transitions with exact kernel rows. Data only: the
//! estimator rules that judge them are [`crate::checks::sampled`].
//!
//! Notation: `m` chains of `n` draws, stored chain-major (`x[j·n + i]` = draw `i` of chain `j`).
//! The formulas follow docs/peers.md §4.1–4.10; the conventions (posterior 1.7.1 by default, ArviZ
//! 0.23 on request) are listed in `specs/conventions.toml`.
//!
//! - [`acf`]: FFT autocovariance, biased (`γ(t) = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄)`, Geyer 1992).
//! - [`rank`]: average ranks, Blom's rank normalisation `z = Φ⁻¹((r − 3/8)/(S + 1/4))`, type-7 quantiles.
//! - [`ess`]: Geyer's initial positive + monotone sequence with Stan's antithetic end correction and
//!   the `S·log10 S` cap; ESS bulk/tail/mean/sd/quantile; R-hat (rank-normalised split, basic,
//!   split); MCSE of mean, sd and quantiles (Vehtari et al. 2021, *Bayesian Analysis* 16(2)).
//! - [`tau`]: Sokal's automatic-window τ (c = 5, emcee's N/ESS convention `τ = 1 + 2 Σ ρ`, the chains'
//!   normalised autocorrelations averaged) with the Madras–Sokal error bar; batch means; Geweke z.
//! - [`doubling`]: the doubling-stability probe of τ (docs/science.md §5 A6).
//! - [`mixing`]: the R-hat of between-chain agreement.
//! - [`figures`]: the autocorrelation function and rank histograms an HTML report draws.
//! - [`reversibility`]: the time-reversal asymmetry of lag-one cross moments.
//! - [`gtest`]: G-tests of observed transitions (a kernel's own step, or trajectories) against exact
//!   rows.
//! - `calibration` (feature `oracles`): synthetic chains with known τ (AR(1), small exact Gibbs
//!   chains), the test oracles of the estimators.

pub mod acf;
#[cfg(feature = "oracles")]
pub mod calibration;
pub mod doubling;
pub mod ess;
pub mod figures;
pub mod gtest;
pub mod mixing;
pub mod rank;
pub mod reversibility;
pub mod tau;

use serde::Serialize;

/// Which reference implementation's choices to follow where they differ (`specs/conventions.toml`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// R posterior 1.7.1 (the default).
    #[default]
    Posterior,
    /// ArviZ 0.23 (`arviz.ess`, `arviz.rhat`, `arviz.mcse` on `(chain, draw)` arrays).
    Arviz,
}

impl Convention {
    pub fn as_str(&self) -> &'static str {
        match self {
            Convention::Posterior => "posterior",
            Convention::Arviz => "arviz",
        }
    }
}

/// Why a statistic is undefined (reported as `null` with this reason, never as a silent number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Undefined {
    /// NaN or ±∞ among the draws.
    NonFinite,
    /// The draws (or the transformed draws the statistic needs) are constant.
    Constant,
    /// A chain is constant, so its own autocorrelation is 0/0 (Sokal τ, Geweke).
    ConstantChain,
    /// Too few draws for the statistic under the convention.
    TooFewDraws,
    /// ArviZ needs at least two chains for R-hat.
    SingleChain,
    /// The computation produced NaN (e.g. zero pooled variance).
    NotANumber,
}

impl Undefined {
    pub fn reason(&self) -> &'static str {
        match self {
            Undefined::NonFinite => "the draws contain NaN or infinite values",
            Undefined::Constant => "the draws (after the statistic's transformation) are constant",
            Undefined::ConstantChain => "a chain is constant, so its autocorrelation is 0/0",
            Undefined::TooFewDraws => "too few draws for this statistic",
            Undefined::SingleChain => "the arviz convention needs at least two chains for R-hat",
            Undefined::NotANumber => "the computation is 0/0",
        }
    }
}

/// A statistic or the reason it is undefined.
pub type Stat = std::result::Result<f64, Undefined>;

/// One variable's draws: `m` chains of `n` draws, chain-major.
#[derive(Clone, Debug)]
pub struct Draws {
    pub chains: usize,
    pub draws: usize,
    pub data: Vec<f64>,
}

impl Draws {
    /// Wraps chain-major data (`data.len()` must be `chains · draws`).
    ///
    /// # Errors
    ///
    /// [`Error::Mismatch`](crate::Error::Mismatch) with
    /// [`ShapeError::Draws`](crate::error::ShapeError::Draws) when `data.len()` is not
    /// `chains · draws`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mcmc_audit::Error;
    /// use mcmc_audit::diagnostics::Draws;
    /// use mcmc_audit::error::ShapeError;
    ///
    /// // Two chains of three draws, chain after chain.
    /// let d = Draws::new(2, 3, vec![1.0, 2.0, 3.0, 10.0, 20.0, 30.0])?;
    /// assert_eq!(d.chain(1), [10.0, 20.0, 30.0]);
    /// assert_eq!(d.prefix(2).data, [1.0, 2.0, 10.0, 20.0]);
    ///
    /// let err = Draws::new(2, 3, vec![0.0; 5]).unwrap_err();
    /// assert!(matches!(err, Error::Mismatch(ShapeError::Draws { values: 5, .. })));
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn new(chains: usize, draws: usize, data: Vec<f64>) -> crate::Result<Self> {
        if chains.checked_mul(draws) != Some(data.len()) {
            return Err(crate::error::ShapeError::Draws {
                values: data.len(),
                chains,
                draws,
            }
            .into());
        }
        Ok(Draws {
            chains,
            draws,
            data,
        })
    }
    /// Draws of chain `j`.
    pub fn chain(&self, j: usize) -> &[f64] {
        &self.data[j * self.draws..(j + 1) * self.draws]
    }
    /// The first `len` draws of every chain.
    pub fn prefix(&self, len: usize) -> Draws {
        let len = len.min(self.draws);
        let mut data = Vec::with_capacity(self.chains * len);
        for j in 0..self.chains {
            data.extend_from_slice(&self.chain(j)[..len]);
        }
        Draws {
            chains: self.chains,
            draws: len,
            data,
        }
    }
}
