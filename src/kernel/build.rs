//! Kernels from typed choices (update rule × blocks × scan), as the `[kernel]` section of an audit
//! spec names them (docs/spec.md). The choices deserialize from the spec directly, so the spec layer
//! and this module share one vocabulary; every default is the `Default` of its type.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Kernel;
use super::updates::{HeatBathBlock, HeatBathSite, MAX_JOINT_BLOCK, MetropolisSite};
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
}

impl Rule {
    /// The spec name.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Gibbs => "gibbs",
            Rule::Metropolis => "metropolis",
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
/// [`KernelError`] naming the block: empty, a site out of range or repeated, a site in no block, or
/// (for `bipartite`) an odd cycle.
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

/// The kernel for a rule, blocks and scan.
///
/// # Errors
///
/// As [`resolve_blocks`], plus Metropolis on blocks of more than one site and interacting blocks
/// beyond the joint-enumeration limit.
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
