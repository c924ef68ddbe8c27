//! Exact chains: the full transition operator on an enumerated state space, with π.
//!
//! Built either from a model and a kernel (every row from [`Kernel::row`], i.e. from the kernel's own
//! update code) or read from a `.npy` matrix ([`matrix`]), in which case π comes from the file or from
//! GTH ([`gth`]). The operator is stored dense and row-major; the limit [`MAX_DENSE_STATES`] keeps a
//! matrix and the copies the eigensolver needs within this machine class (24 GiB).

pub mod dense;
pub mod gth;
pub mod local;
pub mod lumping;
pub mod matfree;
pub mod matrix;
pub mod residuals;
pub mod spectrum;
pub mod structure;

use rayon::prelude::*;

use crate::error::{Error, Limit, Result};
use crate::kernel::Kernel;
use crate::model::Model;
use crate::model::enumerate::enumerate;
use crate::numeric::gamma;

/// Largest dense operator (2^13 states: 512 MiB per copy).
pub const MAX_DENSE_STATES: usize = 1 << 13;

/// Where π came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PiSource {
    /// Enumerated Boltzmann law of the model (log-sum-exp).
    Enumerated,
    /// Given in a file.
    File,
    /// Computed from P by GTH.
    Gth,
}

/// The closed classes of a chain that is not irreducible, when its π was computed from P
/// ([`gth::stationary_on_closed_classes`]): π is 0 on the transient states and, with more than
/// one closed class, the equal-weight mixture of the classes' laws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiClasses {
    /// The size of each closed (recurrent) class, classes ordered by their smallest state.
    pub closed: Vec<usize>,
    /// The smallest state of each closed class.
    pub first_states: Vec<usize>,
    /// The transient states, in increasing order.
    pub transient: Vec<usize>,
}

impl PiClasses {
    /// Why π is not strictly positive, when it is not (there are transient states).
    pub fn zero_pi_reason(&self) -> Option<String> {
        let t = self.transient.first()?;
        Some(format!(
            "pi is 0 on the {} transient state(s) (first: {t}), so detailed balance against pi and the symmetrized operator D^1/2 P D^-1/2 are undefined",
            self.transient.len()
        ))
    }

    /// How π was chosen, in words.
    pub fn describe(&self) -> String {
        let k = self.closed.len();
        let law = if k == 1 {
            "the unique stationary law, computed on the closed class".to_string()
        } else {
            format!(
                "not unique ({k} closed classes): the equal-weight mixture of the classes' laws"
            )
        };
        if self.transient.is_empty() {
            law
        } else {
            format!(
                "{law}, 0 on the {} transient state(s)",
                self.transient.len()
            )
        }
    }
}

/// A finite Markov chain with its operator and its (claimed) stationary law.
#[derive(Clone, Debug)]
pub struct ExactChain {
    pub n_states: usize,
    /// Row-major `P[x * n + y]`.
    pub p: Vec<f64>,
    pub pi: Vec<f64>,
    /// `log π`, kept separately so ratios of tiny probabilities stay exact.
    pub log_pi: Vec<f64>,
    pub pi_source: PiSource,
    /// Bound on the relative error of each `π_x` as an approximation of the true law.
    pub pi_rel_err: f64,
    /// Bound on the relative error of each `P_xy` as an evaluation of the kernel's law.
    pub p_rel_err: f64,
    /// Spins per state when the chain came from a model.
    pub n_spins: Option<usize>,
    pub description: String,
    /// Set when π was computed from P and the chain is not irreducible.
    pub pi_classes: Option<PiClasses>,
}

impl ExactChain {
    #[inline]
    pub fn p(&self, x: usize, y: usize) -> f64 {
        self.p[x * self.n_states + y]
    }
    pub fn row(&self, x: usize) -> &[f64] {
        &self.p[x * self.n_states..(x + 1) * self.n_states]
    }

    /// Derived rounding bound of one row sum: the entries' own error `e_P` plus a compensated sum's
    /// `γ_{log₂ n + 2}`.
    pub fn row_sum_bound(&self) -> f64 {
        self.p_rel_err + gamma(self.n_states.ilog2() as usize + 2)
    }

    /// Derived rounding bound of `‖πP − π‖₁` (module docs of [`residuals`]): `Σ_y Σ_x π_x P_xy (e_π + e_P)`
    /// plus the same for `π_y` itself, i.e. `2 e_π + e_P + 2u`.
    pub fn invariance_bound(&self) -> f64 {
        2.0 * self.pi_rel_err + self.p_rel_err + 2.0 * crate::numeric::U
    }

    /// Derived relative rounding bound of one detailed-balance residual against its larger flow:
    /// `2 e_π + 2 e_P + 2u` (module docs of [`residuals`]).
    pub fn flow_rel_bound(&self) -> f64 {
        2.0 * self.pi_rel_err + 2.0 * self.p_rel_err + 2.0 * crate::numeric::U
    }

    /// Enumerates the model's law and builds every row of the kernel's exact operator.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] with [`Limit::DenseStates`] when `2^N` exceeds [`MAX_DENSE_STATES`]
    /// (N > 13), and [`Error::Numerical`] when the model's `log Z` is not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::error::{Error, Limit};
    /// use mcmc_audit::prelude::*;
    ///
    /// let model: Arc<dyn Model> = Arc::new(generators::curie_weiss(4, 1.0)?);
    /// let kernel = build_kernel(model.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
    /// let chain = ExactChain::from_kernel(model.as_ref(), &kernel)?;
    /// assert_eq!(chain.n_states, 16);
    /// for x in 0..16 {
    ///     assert!((chain.row(x).iter().sum::<f64>() - 1.0).abs() < 1e-15);
    /// }
    /// // The heat bath leaves the Boltzmann law invariant: Σ_x π_x P_xy = π_y.
    /// for y in 0..16 {
    ///     let inflow: f64 = (0..16).map(|x| chain.pi[x] * chain.p(x, y)).sum();
    ///     assert!((inflow - chain.pi[y]).abs() < 1e-15);
    /// }
    ///
    /// let big: Arc<dyn Model> = Arc::new(generators::curie_weiss(14, 1.0)?);
    /// let kernel = build_kernel(big.clone(), Rule::Gibbs, &Blocks::Sites, Scan::Random)?;
    /// let err = ExactChain::from_kernel(big.as_ref(), &kernel).unwrap_err();
    /// assert!(matches!(err, Error::TooLarge { limit: Limit::DenseStates, .. }));
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn from_kernel(model: &dyn Model, kernel: &Kernel) -> Result<Self> {
        let n_spins = model.n_spins();
        let n = 1usize.checked_shl(n_spins as u32).unwrap_or(usize::MAX);
        if n_spins >= usize::BITS as usize || n > MAX_DENSE_STATES {
            return Err(Error::TooLarge {
                limit: Limit::DenseStates,
                size: n_spins,
                max: MAX_DENSE_STATES.trailing_zeros() as usize,
                why: format!(
                    "the exact operator is dense with 2^n rows (at most {MAX_DENSE_STATES}); use [sampling]"
                ),
            });
        }
        let law = enumerate(model)?;
        let mut p = vec![0.0; n * n];
        p.par_chunks_mut(n).enumerate().for_each(|(s, row)| {
            for (y, v) in kernel.row(s, n_spins) {
                row[y] = v;
            }
        });
        Ok(ExactChain {
            n_states: n,
            p,
            pi: law.pi,
            log_pi: law.log_pi,
            pi_source: PiSource::Enumerated,
            pi_rel_err: law.pi_rel_err,
            p_rel_err: kernel.rel_err_bound(),
            n_spins: Some(n_spins),
            description: format!("{} | {}", model.describe(), kernel.name()),
            pi_classes: None,
        })
    }

    /// A chain from a row-major `n × n` matrix; π from `pi` if given, else by GTH on the closed
    /// classes ([`gth::stationary_on_closed_classes`]: a chain that is not irreducible is a valid
    /// subject, recorded in [`ExactChain::pi_classes`], and fails A3.irreducible in its audit). The
    /// matrix is taken as it is: check data from outside with [`matrix::validate_matrix`] first.
    ///
    /// # Errors
    ///
    /// [`Error::Numerical`] when `pi` is `None` and GTH underflows inside a closed class.
    ///
    /// # Panics
    ///
    /// When `pi` is `None` and `p` has fewer than `n²` entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use mcmc_audit::exact::{ExactChain, PiSource};
    ///
    /// // Every two-state chain is reversible, with π = (b, a) / (a + b).
    /// let (a, b) = (0.3, 0.1);
    /// let p = vec![1.0 - a, a, b, 1.0 - b];
    /// let chain = ExactChain::from_matrix(p, 2, None, "two-state".into())?;
    /// assert_eq!(chain.pi_source, PiSource::Gth);
    /// assert!((chain.pi[0] - b / (a + b)).abs() < 1e-15);
    /// assert!((chain.pi[1] - a / (a + b)).abs() < 1e-15);
    ///
    /// // Two closed classes: π is not unique, and the chain says so (the audit fails A3.irreducible).
    /// let identity = vec![1.0, 0.0, 0.0, 1.0];
    /// let split = ExactChain::from_matrix(identity, 2, None, "split".into())?;
    /// assert_eq!(split.pi, vec![0.5, 0.5]);
    /// assert_eq!(split.pi_classes.unwrap().closed, vec![1, 1]);
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn from_matrix(
        p: Vec<f64>,
        n: usize,
        pi: Option<Vec<f64>>,
        description: String,
    ) -> Result<Self> {
        let (pi, source, err, pi_classes) = match pi {
            Some(pi) => (pi, PiSource::File, 0.0, None),
            None => {
                let (pi, classes) = gth::stationary_on_closed_classes(&p, n)?;
                // First-order GTH model: each entry passes through at most 3n positive sums/products
                // per elimination step and n steps (a deliberately loose, derived bound; a class
                // has at most n states).
                (pi, PiSource::Gth, gamma(3 * n * n), classes)
            }
        };
        let log_pi = pi.iter().map(|&v| v.ln()).collect();
        Ok(ExactChain {
            n_states: n,
            p,
            pi,
            log_pi,
            pi_source: source,
            pi_rel_err: err,
            p_rel_err: 0.0,
            n_spins: None,
            description,
            pi_classes,
        })
    }
}
