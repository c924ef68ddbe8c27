//! Kernels: elementary updates and their compositions, each usable two ways from one definition.
//!
//! An [`Update`] states the *law* of the new values of some sites given the current state
//! ([`Law`]). Sampling ([`Update::sample`], by default a draw from that law) and the exact transition
//! row ([`Kernel::row`], the law expanded over outcomes) therefore come from the same code. A sampler
//! that overrides `sample` with its own fast path is held to its law by the `K.step-consistency` check.
//!
//! Compositions (docs/science.md §6): random scan = [`Kernel::Mixture`] (`Σ w_k P_k`); systematic scan =
//! [`Kernel::Sequence`] (`P_1 P_2 ⋯ P_m`, applied left to right); symmetrized sweep
//! `½(P_fwd + P_rev)` = a fair mixture of the forward and reversed sequences ([`Kernel::symmetrized`]).

pub mod build;
pub mod fast;
pub mod law;
pub mod monte_carlo;
pub mod streams;
pub mod tempering;
pub mod updates;

use std::sync::Arc;

use rand::Rng;

pub use law::Law;
pub use streams::{ChainRng, stream, streams};

use crate::model::{Model, decode};
use crate::numeric::{gamma, unit_f64};

/// An elementary update rule (site heat bath, Metropolis flip, block heat bath, a swap, or a user's
/// own rule). Implement `law`; override `sample` only with a faster draw from the same law.
///
/// # Examples
///
/// A sampler's own single-site heat bath, audited exactly. Forgetting the factor 2 in
/// `P(x_i → +1) = 1 / (1 + exp(−2β h_i))` makes the rule sample the law at β/2, and the audit
/// says so.
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::prelude::*;
///
/// struct MyHeatBath {
///     model: Arc<Pairwise>,
///     site: usize,
///     factor: f64, // 2.0 is right
/// }
///
/// impl Update for MyHeatBath {
///     fn name(&self) -> String {
///         format!("my-heat-bath[{}]", self.site)
///     }
///     fn law(&self, x: &[i8], law: &mut Law) {
///         let t = self.factor * self.model.beta() * self.model.local_field(x, self.site);
///         // State both probabilities directly (not P(−1) = 1 − P(+1)).
///         law.push_site(self.site, 1.0 / (1.0 + (-t).exp()), 1.0 / (1.0 + t.exp()));
///     }
/// }
///
/// let model = Arc::new(generators::sk(4, 1.0, 0)?);
/// let kernel = |factor: f64| {
///     let parts = (0..4)
///         .map(|site| Kernel::update(MyHeatBath { model: model.clone(), site, factor }))
///         .collect();
///     Kernel::random_scan("my sampler", parts)
/// };
///
/// let good = check_kernel(model.as_ref(), &kernel(2.0))?;
/// assert!(failures(&good).is_empty());
///
/// let buggy = check_kernel(model.as_ref(), &kernel(1.0))?;
/// assert_eq!(buggy.verdict("K.invariance").unwrap().status, Status::Fail);
/// assert_eq!(buggy.exit_code(), 1);
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub trait Update: Send + Sync {
    /// A short name for reports.
    fn name(&self) -> String;
    /// Writes into `law` the conditional law of the new values given the current state `x`.
    fn law(&self, x: &[i8], law: &mut Law);
    /// One transition in place, drawing from the caller's generator (the crate's recorded runs
    /// pass a named [`ChainRng`] stream). The default draws from [`Update::law`].
    fn sample(&self, x: &mut [i8], rng: &mut dyn Rng, scratch: &mut Law) {
        scratch.clear();
        self.law(x, scratch);
        scratch.draw(x, rng);
    }
    /// First-order bound on the relative error of every probability the law produces.
    fn rel_err_bound(&self) -> f64 {
        gamma(8)
    }
    /// Configurations whose full energy one call of [`Update::law`] evaluates (a jointly enumerated
    /// block: `2^|block|`; a local update: 0) — the work model of [`crate::pipeline::budget`].
    fn joint_outcomes(&self) -> usize {
        0
    }
    /// The sites this update draws *in parallel* from their conditionals given the old state, when
    /// it does (`K.parallel-blocks` checks that they do not interact); `None` for every other update.
    fn parallel_block(&self) -> Option<&[usize]> {
        None
    }
    /// When this update is one of the crate's own single-site rules, which rule, at which site and
    /// on which model: the matrix-free backend may then apply it from a table of local fields
    /// (after checking that table against [`Update::law`]). `None` for every other update.
    fn site_rule(&self) -> Option<(SiteRule, usize, &Arc<dyn Model>)> {
        None
    }
}

/// The crate's own single-site rules (docs/science.md §6), as [`Update::site_rule`] names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRule {
    /// `P(x_i → +1) = 1 / (1 + exp(−2β h_i(x)))`.
    HeatBath,
    /// Flip accepted with `min(1, exp(−2β x_i h_i(x)))`.
    Metropolis,
}

/// A Markov kernel: an update, a mixture (random scan) or a sequence (systematic scan).
#[derive(Clone)]
pub enum Kernel {
    Update(Arc<dyn Update>),
    Mixture {
        name: String,
        parts: Vec<(f64, Kernel)>,
    },
    Sequence {
        name: String,
        parts: Vec<Kernel>,
    },
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Kernel {
    pub fn update(u: impl Update + 'static) -> Self {
        Kernel::Update(Arc::new(u))
    }

    /// Random scan: pick one part uniformly at random (`P = (1/k) Σ P_i`).
    ///
    /// # Examples
    ///
    /// At β = 0 a site heat bath re-randomizes its site, so a random-scan step from any state stays
    /// with probability ½ and flips each of the N sites with probability `1/(2N)`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::kernel::updates::HeatBathSite;
    /// use mcmc_audit::prelude::*;
    ///
    /// let model = Arc::new(generators::curie_weiss(3, 0.0)?);
    /// let parts = (0..3)
    ///     .map(|site| Kernel::update(HeatBathSite { model: model.clone(), site }))
    ///     .collect();
    /// let kernel = Kernel::random_scan("random scan", parts);
    ///
    /// let row = kernel.row(0b000, 3);
    /// let states: Vec<usize> = row.iter().map(|e| e.0).collect();
    /// assert_eq!(states, [0b000, 0b001, 0b010, 0b100]);
    /// assert!((row[0].1 - 0.5).abs() < 1e-15);
    /// assert!(row[1..].iter().all(|e| (e.1 - 1.0 / 6.0).abs() < 1e-15));
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn random_scan(name: impl Into<String>, parts: Vec<Kernel>) -> Self {
        let w = 1.0 / parts.len() as f64;
        Kernel::Mixture {
            name: name.into(),
            parts: parts.into_iter().map(|k| (w, k)).collect(),
        }
    }

    /// Systematic scan: apply the parts in order (`P = P_1 P_2 ⋯ P_k`).
    ///
    /// # Examples
    ///
    /// A sweep is π-invariant but in general not reversible: on a small SK model its symmetrized
    /// operator is far from self-adjoint (compare [`Kernel::symmetrized`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::exact::residuals::{invariance_l1, self_adjointness};
    /// use mcmc_audit::kernel::updates::HeatBathSite;
    /// use mcmc_audit::prelude::*;
    ///
    /// let model = Arc::new(generators::sk(4, 1.0, 0)?);
    /// let parts = (0..4)
    ///     .map(|site| Kernel::update(HeatBathSite { model: model.clone(), site }))
    ///     .collect();
    /// let sweep = Kernel::systematic("sweep", parts);
    ///
    /// let chain = ExactChain::from_kernel(model.as_ref(), &sweep)?;
    /// assert!(invariance_l1(&chain) < 1e-12); // πP = π
    /// assert!(self_adjointness(&chain) > 1e-2); // but P is not π-reversible
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn systematic(name: impl Into<String>, parts: Vec<Kernel>) -> Self {
        Kernel::Sequence {
            name: name.into(),
            parts,
        }
    }

    /// `½ (P_fwd + P_rev)`: a fair coin picks the forward or the reversed order. Reversible
    /// whenever every part is.
    ///
    /// # Examples
    ///
    /// The sweep of [`Kernel::systematic`]'s example, symmetrized, is self-adjoint in `L²(π)` to
    /// rounding.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::exact::residuals::self_adjointness;
    /// use mcmc_audit::kernel::updates::HeatBathSite;
    /// use mcmc_audit::prelude::*;
    ///
    /// let model = Arc::new(generators::sk(4, 1.0, 0)?);
    /// let parts = (0..4)
    ///     .map(|site| Kernel::update(HeatBathSite { model: model.clone(), site }))
    ///     .collect();
    /// let kernel = Kernel::symmetrized("symmetrized sweep", parts);
    ///
    /// let chain = ExactChain::from_kernel(model.as_ref(), &kernel)?;
    /// assert!(self_adjointness(&chain) < 1e-13);
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn symmetrized(name: impl Into<String>, parts: Vec<Kernel>) -> Self {
        let name = name.into();
        let rev: Vec<Kernel> = parts.iter().rev().cloned().collect();
        Kernel::Mixture {
            name: name.clone(),
            parts: vec![
                (
                    0.5,
                    Kernel::Sequence {
                        name: format!("{name}/fwd"),
                        parts,
                    },
                ),
                (
                    0.5,
                    Kernel::Sequence {
                        name: format!("{name}/rev"),
                        parts: rev,
                    },
                ),
            ],
        }
    }

    /// `½(I + P)`: a fair coin keeps the state or takes one step of `kernel` (a lazy chain: its
    /// spectrum is `(1 + λ)/2`, non-negative when P is reversible).
    pub fn lazy(kernel: Kernel) -> Self {
        let name = format!("lazy {}", kernel.name());
        Kernel::Mixture {
            name,
            parts: vec![(0.5, Kernel::update(Stay)), (0.5, kernel)],
        }
    }

    pub fn name(&self) -> String {
        match self {
            Kernel::Update(u) => u.name(),
            Kernel::Mixture { name, .. } | Kernel::Sequence { name, .. } => name.clone(),
        }
    }

    /// One transition of the kernel, in place.
    ///
    /// # Panics
    ///
    /// When a [`Kernel::Mixture`] has no parts (a random scan of nothing).
    pub fn step(&self, x: &mut [i8], rng: &mut dyn Rng, scratch: &mut Law) {
        match self {
            Kernel::Update(u) => u.sample(x, rng, scratch),
            Kernel::Mixture { parts, .. } => {
                let u = unit_f64(rng.next_u64());
                let mut acc = 0.0;
                let mut pick = parts.len() - 1;
                for (k, (w, _)) in parts.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        pick = k;
                        break;
                    }
                }
                parts[pick].1.step(x, rng, scratch);
            }
            Kernel::Sequence { parts, .. } => {
                for p in parts {
                    p.step(x, rng, scratch);
                }
            }
        }
    }

    /// The exact transition row of state index `s` on `n` spins: `(y, P(s, y))`, sorted by `y`,
    /// each `y` once, zero entries omitted.
    pub fn row(&self, s: usize, n: usize) -> Vec<(usize, f64)> {
        let mut scratch = RowScratch::new(n);
        self.apply(&[(s, 1.0)], &mut scratch)
    }

    /// Pushes a sparse distribution through the kernel.
    fn apply(&self, dist: &[(usize, f64)], sc: &mut RowScratch) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        match self {
            Kernel::Update(u) => {
                for &(s, m) in dist {
                    decode(s, &mut sc.x);
                    sc.law.clear();
                    u.law(&sc.x, &mut sc.law);
                    sc.law.expand(s, m, &mut out);
                }
            }
            Kernel::Mixture { parts, .. } => {
                for (w, k) in parts {
                    let scaled: Vec<(usize, f64)> = dist.iter().map(|&(s, m)| (s, m * w)).collect();
                    out.extend(k.apply(&scaled, sc));
                }
            }
            Kernel::Sequence { parts, .. } => {
                let mut cur = dist.to_vec();
                for k in parts {
                    cur = k.apply(&cur, sc);
                }
                return cur;
            }
        }
        merge(out)
    }

    /// First-order bound on the relative error of every entry of the exact operator.
    pub fn rel_err_bound(&self) -> f64 {
        match self {
            Kernel::Update(u) => u.rel_err_bound(),
            // A weighted sum of positive terms: the parts' bound plus the weight's rounding and the sum's.
            Kernel::Mixture { parts, .. } => {
                parts
                    .iter()
                    .map(|(_, k)| k.rel_err_bound())
                    .fold(0.0, f64::max)
                    + gamma(parts.len() + 2)
            }
            // Entries are sums of products of one factor per part.
            Kernel::Sequence { parts, .. } => {
                parts.iter().map(Kernel::rel_err_bound).sum::<f64>() + gamma(2 * parts.len() + 2)
            }
        }
    }

    /// Expected site updates per step on `n` spins: each elementary update costs the number of sites
    /// its law resamples (evaluated at the all-up state), a mixture the weighted mean of its parts, a
    /// sequence the sum. This is the cost unit of `compare` (τ per site update = τ per step × cost):
    /// a random scan over single sites costs 1, a systematic sweep n, a lazy kernel half its inner.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcmc_audit::kernel::updates::HeatBathSite;
    /// use mcmc_audit::prelude::*;
    ///
    /// let model = Arc::new(generators::sk(4, 1.0, 0)?);
    /// let sites = || (0..4).map(|site| Kernel::update(HeatBathSite { model: model.clone(), site })).collect();
    /// assert_eq!(Kernel::random_scan("random", sites()).site_updates(4), 1.0);
    /// assert_eq!(Kernel::systematic("sweep", sites()).site_updates(4), 4.0);
    /// assert_eq!(Kernel::lazy(Kernel::systematic("sweep", sites())).site_updates(4), 2.0);
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn site_updates(&self, n: usize) -> f64 {
        match self {
            Kernel::Update(u) => {
                let mut law = Law::default();
                u.law(&vec![1i8; n], &mut law);
                law.sites().len() as f64
            }
            Kernel::Mixture { parts, .. } => parts.iter().map(|(w, k)| w * k.site_updates(n)).sum(),
            Kernel::Sequence { parts, .. } => parts.iter().map(|k| k.site_updates(n)).sum(),
        }
    }

    /// The elementary updates, in order of appearance (for per-update reporting).
    pub fn updates(&self) -> Vec<Arc<dyn Update>> {
        match self {
            Kernel::Update(u) => vec![u.clone()],
            Kernel::Mixture { parts, .. } => parts.iter().flat_map(|(_, k)| k.updates()).collect(),
            Kernel::Sequence { parts, .. } => parts.iter().flat_map(Kernel::updates).collect(),
        }
    }
}

/// The identity update: changes no site (the lazy half of [`Kernel::lazy`]).
#[derive(Clone, Copy, Debug)]
pub struct Stay;

impl Update for Stay {
    fn name(&self) -> String {
        "stay".into()
    }
    fn law(&self, _x: &[i8], law: &mut Law) {
        law.clear_independent();
    }
    fn sample(&self, _x: &mut [i8], _rng: &mut dyn Rng, _scratch: &mut Law) {}
    fn rel_err_bound(&self) -> f64 {
        0.0
    }
}

struct RowScratch {
    x: Vec<i8>,
    law: Law,
}

impl RowScratch {
    fn new(n: usize) -> Self {
        RowScratch {
            x: vec![0; n],
            law: Law::default(),
        }
    }
}

/// Sorts by state and adds duplicate states' masses in a fixed order (deterministic).
fn merge(mut v: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    v.sort_by_key(|e| e.0);
    let mut out: Vec<(usize, f64)> = Vec::with_capacity(v.len());
    for (s, m) in v {
        match out.last_mut() {
            Some(last) if last.0 == s => last.1 += m,
            _ => out.push((s, m)),
        }
    }
    out
}
