//! Builds a [`Kernel`] from the `[kernel]` section of an audit spec (update rule × blocks × scan).

use std::sync::Arc;

use super::Kernel;
use super::updates::{HeatBathBlock, HeatBathSite, MAX_JOINT_BLOCK, MetropolisSite};
use crate::error::{Error, Result};
use crate::model::{Model, graph};

/// Elementary update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Gibbs,
    Metropolis,
}

/// Order in which the blocks are visited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    Random,
    Systematic,
    Symmetrized,
}

/// How sites are grouped into blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocks {
    Sites,
    Bipartite,
    Coloring,
    Explicit(Vec<Vec<usize>>),
}

/// Resolves the blocks for a model, validating explicit ones (a partition of the sites).
pub fn resolve_blocks(model: &dyn Model, blocks: &Blocks, file: &str) -> Result<Vec<Vec<usize>>> {
    let n = model.n_spins();
    Ok(match blocks {
        Blocks::Sites => (0..n).map(|i| vec![i]).collect(),
        Blocks::Bipartite => graph::bipartition(model)
            .map_err(|e| Error::field(file, "kernel.blocks", e.to_string()))?,
        Blocks::Coloring => graph::greedy_coloring(model),
        Blocks::Explicit(b) => {
            let mut seen = vec![false; n];
            for (k, block) in b.iter().enumerate() {
                if block.is_empty() {
                    return Err(Error::field(
                        file,
                        format!("kernel.blocks[{k}]"),
                        "empty block",
                    ));
                }
                for &i in block {
                    if i >= n {
                        return Err(Error::field(
                            file,
                            format!("kernel.blocks[{k}]"),
                            format!("site {i} outside 0..{n}"),
                        ));
                    }
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(Error::field(
                            file,
                            format!("kernel.blocks[{k}]"),
                            format!("site {i} appears twice"),
                        ));
                    }
                }
            }
            if let Some(i) = seen.iter().position(|s| !s) {
                return Err(Error::field(
                    file,
                    "kernel.blocks",
                    format!("site {i} is in no block"),
                ));
            }
            b.clone()
        }
    })
}

/// The kernel for a rule, blocks and scan.
pub fn build_kernel(
    model: Arc<dyn Model>,
    rule: Rule,
    blocks: &Blocks,
    scan: Scan,
    file: &str,
) -> Result<Kernel> {
    let resolved = resolve_blocks(model.as_ref(), blocks, file)?;
    let mut parts = Vec::with_capacity(resolved.len());
    for (k, block) in resolved.into_iter().enumerate() {
        parts.push(match rule {
            Rule::Metropolis => {
                if block.len() != 1 {
                    return Err(Error::field(
                        file,
                        "kernel.update",
                        "metropolis flips one site at a time: use blocks = \"sites\"",
                    ));
                }
                Kernel::update(MetropolisSite { model: model.clone(), site: block[0] })
            }
            Rule::Gibbs if block.len() == 1 => Kernel::update(HeatBathSite { model: model.clone(), site: block[0] }),
            Rule::Gibbs => {
                let u = HeatBathBlock::new(model.clone(), block);
                if !u.independent && u.block.len() > MAX_JOINT_BLOCK {
                    return Err(Error::field(
                        file,
                        format!("kernel.blocks[{k}]"),
                        format!(
                            "block of {} interacting sites exceeds the joint-enumeration limit {MAX_JOINT_BLOCK}",
                            u.block.len()
                        ),
                    ));
                }
                Kernel::update(u)
            }
        });
    }
    let rule_name = match rule {
        Rule::Gibbs => "gibbs",
        Rule::Metropolis => "metropolis",
    };
    let scan_name = match scan {
        Scan::Random => "random",
        Scan::Systematic => "systematic",
        Scan::Symmetrized => "symmetrized",
    };
    let name = format!("{rule_name}/{scan_name}/{} blocks", parts.len());
    Ok(match scan {
        Scan::Random => Kernel::random_scan(name, parts),
        Scan::Systematic => Kernel::systematic(name, parts),
        Scan::Symmetrized => Kernel::symmetrized(name, parts),
    })
}
