//! Kernels from typed choices (update rule × blocks × scan), as the `[kernel]` section of an audit
//! spec names them (docs/spec.md). The choices deserialize from the spec directly, so the spec layer
//! and this module share one vocabulary; every default is the `Default` of its type.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Kernel;
use super::updates::{HeatBathBlock, HeatBathSite, MAX_JOINT_BLOCK, MetropolisSite, ParallelBlock};
use crate::error::{KernelError, Result};
use crate::model::{Model, graph};

/// Elementary update rule (`kernel.update`; default `gibbs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// Heat bath: resample from the conditional law.
    #[default]
    Gibbs,
    /// Metropolis flip of one site.
    Metropolis,
    /// What thrml and most GPU block samplers do: every site of a block drawn at once from its own
    /// conditional given the *old* state. Exact for a block without internal couplings (then it is the
    /// block heat bath); on a coupled block it is a different kernel that in general does not leave π
    /// invariant, which `K.parallel-blocks` and `K.invariance` report.
    #[serde(rename = "parallel-gibbs")]
    ParallelGibbs,
}

impl Rule {
    /// The spec name.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Gibbs => "gibbs",
            Rule::Metropolis => "metropolis",
            Rule::ParallelGibbs => "parallel-gibbs",
        }
    }
}

/// Order in which the blocks are visited (`kernel.scan`; default `random`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scan {
    /// Pick one block uniformly at random per step.
    #[default]
    Random,
    /// Visit the blocks in order.
    Systematic,
    /// `½(forward + reversed)` sweep.
    Symmetrized,
}

impl Scan {
    /// The spec name.
    pub fn name(&self) -> &'static str {
        match self {
            Scan::Random => "random",
            Scan::Systematic => "systematic",
            Scan::Symmetrized => "symmetrized",
        }
    }
}

/// How sites are grouped into blocks (`kernel.blocks`; default `sites`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Blocks {
    /// Every site its own block.
    #[default]
    Sites,
    /// The two sides of a bipartite interaction graph.
    Bipartite,
    /// A proper colouring of the interaction graph (greedy, site order).
    Coloring,
    /// A partition given explicitly.
    Explicit(Vec<Vec<usize>>),
}

impl<'de> Deserialize<'de> for Blocks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Blocks;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"sites\", \"bipartite\", \"coloring\" or a list of site lists")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Blocks, E> {
                match s {
                    "sites" => Ok(Blocks::Sites),
                    "bipartite" => Ok(Blocks::Bipartite),
                    "coloring" => Ok(Blocks::Coloring),
                    other => Err(E::custom(format!(
                        "unknown blocks `{other}` (sites | bipartite | coloring | [[…], …])"
                    ))),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Blocks, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<Vec<usize>>()? {
                    out.push(b);
                }
                Ok(Blocks::Explicit(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Resolves the blocks for a model, validating explicit ones (a partition of the sites).
///
/// # Errors
///
/// [`Error::Kernel`](crate::Error::Kernel) naming the block: [`KernelError::EmptyBlock`],
/// [`KernelError::SiteOutOfRange`], [`KernelError::SiteTwice`] or [`KernelError::SiteMissing`] for
/// explicit blocks, and [`KernelError::NotBipartite`] for `bipartite` on a graph with an odd cycle.
pub fn resolve_blocks(model: &dyn Model, blocks: &Blocks) -> Result<Vec<Vec<usize>>> {
    let n = model.n_spins();
    Ok(match blocks {
        Blocks::Sites => (0..n).map(|i| vec![i]).collect(),
        Blocks::Bipartite => graph::bipartition(model)?,
        Blocks::Coloring => graph::greedy_coloring(model),
        Blocks::Explicit(b) => {
            let mut seen = vec![false; n];
            for (block, sites) in b.iter().enumerate() {
                if sites.is_empty() {
                    return Err(KernelError::EmptyBlock { block }.into());
                }
                for &site in sites {
                    if site >= n {
                        return Err(KernelError::SiteOutOfRange { block, site, n }.into());
                    }
                    if std::mem::replace(&mut seen[site], true) {
                        return Err(KernelError::SiteTwice { block, site }.into());
                    }
                }
            }
            if let Some(site) = seen.iter().position(|s| !s) {
                return Err(KernelError::SiteMissing { site }.into());
            }
            b.clone()
        }
    })
}

/// The kernel for a rule, blocks and scan: one update per block (a site heat bath or Metropolis
/// flip for one site, a block heat bath otherwise), composed by `scan`.
///
/// # Errors
///
/// As [`resolve_blocks`], plus [`KernelError::MetropolisNeedsSites`] for Metropolis on a block of
/// more than one site and [`KernelError::JointBlockTooLarge`] for a block with internal edges of
/// more than [`MAX_JOINT_BLOCK`] sites.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use mcmc_audit::error::{Error, KernelError};
/// use mcmc_audit::prelude::*;
///
/// // A ferromagnetic ring of 4 spins is bipartite: two blocks {0, 2} and {1, 3}.
/// let edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)];
/// let ring: Arc<dyn Model> = Arc::new(Pairwise::new("ring", 4, 1.0, &edges, None)?);
/// let kernel = build_kernel(ring.clone(), Rule::Gibbs, &Blocks::Bipartite, Scan::Systematic)?;
/// assert_eq!(kernel.updates().len(), 2);
/// let row = kernel.row(0b0000, 4);
/// assert!((row.iter().map(|e| e.1).sum::<f64>() - 1.0).abs() < 1e-15);
///
/// let err = build_kernel(ring, Rule::Metropolis, &Blocks::Bipartite, Scan::Random).unwrap_err();
/// assert!(matches!(err, Error::Kernel(KernelError::MetropolisNeedsSites)));
///
/// // Curie–Weiss on 3 spins is a triangle.
/// let triangle: Arc<dyn Model> = Arc::new(generators::curie_weiss(3, 1.0)?);
/// let err = build_kernel(triangle, Rule::Gibbs, &Blocks::Bipartite, Scan::Random).unwrap_err();
/// assert!(matches!(err, Error::Kernel(KernelError::NotBipartite { .. })));
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn build_kernel(
    model: Arc<dyn Model>,
    rule: Rule,
    blocks: &Blocks,
    scan: Scan,
) -> Result<Kernel> {
    let resolved = resolve_blocks(model.as_ref(), blocks)?;
    let mut parts = Vec::with_capacity(resolved.len());
    for (k, block) in resolved.into_iter().enumerate() {
        parts.push(match rule {
            Rule::Metropolis => {
                if block.len() != 1 {
                    return Err(KernelError::MetropolisNeedsSites.into());
                }
                Kernel::update(MetropolisSite {
                    model: model.clone(),
                    site: block[0],
                })
            }
            Rule::ParallelGibbs => Kernel::update(ParallelBlock::new(model.clone(), block)),
            Rule::Gibbs if block.len() == 1 => Kernel::update(HeatBathSite {
                model: model.clone(),
                site: block[0],
            }),
            Rule::Gibbs => {
                let u = HeatBathBlock::new(model.clone(), block);
                if !u.independent && u.block.len() > MAX_JOINT_BLOCK {
                    return Err(KernelError::JointBlockTooLarge {
                        block: k,
                        size: u.block.len(),
                        limit: MAX_JOINT_BLOCK,
                    }
                    .into());
                }
                Kernel::update(u)
            }
        });
    }
    let name = format!("{}/{}/{} blocks", rule.name(), scan.name(), parts.len());
    Ok(match scan {
        Scan::Random => Kernel::random_scan(name, parts),
        Scan::Systematic => Kernel::systematic(name, parts),
        Scan::Symmetrized => Kernel::symmetrized(name, parts),
    })
}
