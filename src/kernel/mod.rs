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

use crate::model::decode;
use crate::numeric::{gamma, unit_f64};

/// An elementary update rule (site heat bath, Metropolis flip, block heat bath, a swap, or a user's
/// own rule). Implement `law`; override `sample` only with a faster draw from the same law.
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

    /// Random scan: pick one part uniformly at random.
    pub fn random_scan(name: impl Into<String>, parts: Vec<Kernel>) -> Self {
        let w = 1.0 / parts.len() as f64;
        Kernel::Mixture {
            name: name.into(),
            parts: parts.into_iter().map(|k| (w, k)).collect(),
        }
    }

    /// Systematic scan: apply the parts in order.
    pub fn systematic(name: impl Into<String>, parts: Vec<Kernel>) -> Self {
        Kernel::Sequence {
            name: name.into(),
            parts,
        }
    }

    /// `½ (P_fwd + P_rev)`: a fair coin picks the forward or the reversed order.
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

    pub fn name(&self) -> String {
        match self {
            Kernel::Update(u) => u.name(),
            Kernel::Mixture { name, .. } | Kernel::Sequence { name, .. } => name.clone(),
        }
    }

    /// One transition of the kernel, in place.
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

    /// The elementary updates, in order of appearance (for per-update reporting).
    pub fn updates(&self) -> Vec<Arc<dyn Update>> {
        match self {
            Kernel::Update(u) => vec![u.clone()],
            Kernel::Mixture { parts, .. } => parts.iter().flat_map(|(_, k)| k.updates()).collect(),
            Kernel::Sequence { parts, .. } => parts.iter().flat_map(Kernel::updates).collect(),
        }
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
