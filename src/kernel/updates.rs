//! The elementary updates of docs/science.md §6.
//!
//! - Site heat bath: `P(x_i → +1) = 1 / (1 + exp(−2β h_i(x)))`.
//! - Metropolis flip: accept `x_i → −x_i` with `min(1, exp(−β ΔE))`, `ΔE = 2 x_i h_i(x)`.
//! - Block heat bath: resample a block from its conditional; a block with no internal edge factorises
//!   into independent site heat baths, any other block is enumerated (`2^|block|` outcomes).

use std::sync::Arc;

use super::{Law, SiteRule, Update};
use crate::model::Model;
use crate::numeric::{U, gamma, log_sum_exp, logistic_neg};

/// Rounding of `exp(t)` with `t` carrying absolute error `U·|t|`: relative error `≲ U(|t| + 2)`.
fn exp_arg_err(model: &dyn Model) -> f64 {
    2.0 * model.beta().abs() * model.max_local_field() * U
}

/// Single-site heat bath (Gibbs) at site `i`.
#[derive(Clone)]
pub struct HeatBathSite {
    pub model: Arc<dyn Model>,
    pub site: usize,
}

impl Update for HeatBathSite {
    fn name(&self) -> String {
        format!("heat-bath[{}]", self.site)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let t = 2.0 * self.model.beta() * self.model.local_field(x, self.site);
        law.push_site(self.site, logistic_neg(-t), logistic_neg(t));
    }
    fn rel_err_bound(&self) -> f64 {
        exp_arg_err(self.model.as_ref()) + gamma(6)
    }
    fn site_rule(&self) -> Option<(SiteRule, usize, &Arc<dyn Model>)> {
        Some((SiteRule::HeatBath, self.site, &self.model))
    }
}

/// Single-site Metropolis flip at site `i`.
#[derive(Clone)]
pub struct MetropolisSite {
    pub model: Arc<dyn Model>,
    pub site: usize,
}

impl Update for MetropolisSite {
    fn name(&self) -> String {
        format!("metropolis[{}]", self.site)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let i = self.site;
        let de = 2.0 * f64::from(x[i]) * self.model.local_field(x, i);
        let acc = (-self.model.beta() * de).exp().min(1.0);
        // New value +1: the flip if currently −1, the stay if currently +1 (and vice versa).
        if x[i] < 0 {
            law.push_site(i, acc, 1.0 - acc)
        } else {
            law.push_site(i, 1.0 - acc, acc)
        }
    }
    fn rel_err_bound(&self) -> f64 {
        // 1 − acc loses relative accuracy when acc ≈ 1; bound it through the condition 1/(1 − acc)
        // only where it matters: the stay probability's *absolute* error is ≤ U·(|βΔE|+2), which for
        // detailed balance multiplies π_x P_xx (a diagonal entry, not part of any residual).
        exp_arg_err(self.model.as_ref()) + gamma(4)
    }
    fn site_rule(&self) -> Option<(SiteRule, usize, &Arc<dyn Model>)> {
        Some((SiteRule::Metropolis, self.site, &self.model))
    }
}

/// Parallel block update: every site of `block` drawn at once, independently, from its own heat-bath
/// conditional given the old state `x` (thrml's block update). On a block with no internal coupling
/// this is exactly the block heat bath; on a coupled block it is another kernel.
#[derive(Clone)]
pub struct ParallelBlock {
    pub model: Arc<dyn Model>,
    pub block: Vec<usize>,
}

impl ParallelBlock {
    pub fn new(model: Arc<dyn Model>, block: Vec<usize>) -> Self {
        ParallelBlock { model, block }
    }
}

impl Update for ParallelBlock {
    fn name(&self) -> String {
        format!("parallel-heat-bath{:?}", self.block)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let beta = self.model.beta();
        for &i in &self.block {
            let t = 2.0 * beta * self.model.local_field(x, i);
            law.push_site(i, logistic_neg(-t), logistic_neg(t));
        }
    }
    fn rel_err_bound(&self) -> f64 {
        exp_arg_err(self.model.as_ref()) + gamma(6)
    }
    fn parallel_block(&self) -> Option<&[usize]> {
        Some(&self.block)
    }
}

/// Block heat bath: resample all sites of `block` jointly from their conditional law.
#[derive(Clone)]
pub struct HeatBathBlock {
    pub model: Arc<dyn Model>,
    pub block: Vec<usize>,
    /// Whether no two sites of the block interact (then the law factorises).
    pub independent: bool,
}

/// Largest block enumerated jointly (2^16 outcomes).
pub const MAX_JOINT_BLOCK: usize = 16;

impl HeatBathBlock {
    pub fn new(model: Arc<dyn Model>, block: Vec<usize>) -> Self {
        let independent = crate::model::graph::is_independent(model.as_ref(), &block);
        HeatBathBlock {
            model,
            block,
            independent,
        }
    }
}

impl Update for HeatBathBlock {
    fn name(&self) -> String {
        format!("block-heat-bath{:?}", self.block)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let beta = self.model.beta();
        if self.independent {
            for &i in &self.block {
                let t = 2.0 * beta * self.model.local_field(x, i);
                law.push_site(i, logistic_neg(-t), logistic_neg(t));
            }
        } else {
            let j = law.begin_joint();
            j.sites.extend_from_slice(&self.block);
            let k = self.block.len();
            let mut y = x.to_vec();
            let mut logw = Vec::with_capacity(1 << k);
            for a in 0..(1usize << k) {
                for (b, &i) in self.block.iter().enumerate() {
                    let v = if (a >> b) & 1 == 1 { 1 } else { -1 };
                    y[i] = v;
                    j.outcomes.push(v);
                }
                logw.push(-beta * self.model.energy(&y));
            }
            let lz = log_sum_exp(&logw);
            j.probs.extend(logw.iter().map(|&l| (l - lz).exp()));
        }
    }
    fn joint_outcomes(&self) -> usize {
        if self.independent {
            0
        } else {
            1 << self.block.len()
        }
    }
    fn rel_err_bound(&self) -> f64 {
        let k = self.block.len();
        if self.independent {
            k as f64 * (exp_arg_err(self.model.as_ref()) + gamma(6)) + gamma(k + 1)
        } else {
            4.0 * U * self.model.beta().abs() * self.model.energy_abs_scale() + gamma(k + 6)
        }
    }
}
