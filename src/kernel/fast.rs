//! A fast sparse heat-bath engine for models with thousands of spins (single-site or block Gibbs
//! over blocks with no internal edge), many chains in parallel.
//!
//! Law (Q-PROGRAM.md §6): site `i` of block `b` is resampled with
//! `P(x_i → +1) = 1 / (1 + exp(−2 β_b h_i(x)))`, `h_i(x) = f_i + Σ_j J_ij x_j`, `β_b = β` (a block
//! β differs only when a test deliberately breaks the engine). Within a block no two sites interact,
//! so the block's conditional is the product of the site conditionals and the sites are drawn in
//! block order.
//!
//! **Agreement with the exact kernels, bit for bit.** The local field is accumulated in the model's
//! own adjacency order (`Pairwise::local_field`), the probability is evaluated as
//! [`crate::numeric::logistic_neg`] does (one `exp`, one division), and the random numbers are consumed
//! exactly as [`Kernel::step`](super::Kernel::step) consumes them for the kernel
//! [`build_kernel`](super::build::build_kernel) makes from the same blocks and scan: one 53-bit uniform
//! per site (`u < p` ⇒ `+1`), and per step one uniform to pick a random-scan block (first `k` with
//! `u < w_1 + … + w_k`, the same sequential sums) or the symmetrized sweep's order (`u < ½` ⇒ forward).
//! A sweep is one `step` for systematic and symmetrized scans and `B` steps (B = number of blocks) for
//! random scan. The tests hold the engine to this (`tests/large_engine.rs`).
//!
//! **Chains and streams.** Chain `c` uses Xoshiro256++ seeded by `seed_from_u64(seed)` and advanced
//! by `c` jumps of `2^128` ([`stream`]): a named, non-overlapping stream per chain. Chains run in
//! parallel (rayon) on disjoint state slices and write disjoint output rows, so results are
//! bit-identical at any thread count.

use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::build::Scan;
use super::{ChainRng, Law, Update};
use crate::error::{Error, Result};
use crate::model::{Model, Pairwise};
use crate::numeric::{gamma, unit_f64};

/// `exp(x)` for `x ≤ 0` as straight-line code the compiler can vectorize: `x = k ln2 + r` with a
/// two-part `ln 2` (Cody–Waite), `|r| ≤ ln2/2`, a degree-13 Taylor polynomial (truncation
/// `< 0.35^14/14! ≈ 5e-18`, below half an ulp) and `2^k` applied as two exact power-of-two factors so
/// results down to the subnormal range are formed without overflow in the exponent field. Relative
/// error: a few ulps against the correctly rounded value (the tests bound it against `f64::exp`).
/// `x < −745.2` (where `exp` underflows to 0) gives 0; NaN gives NaN.
#[inline(always)]
pub fn exp_nonpos(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // fdlibm ln2_hi
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // fdlibm ln2_lo
    // 1.5·2^52: adding it rounds to the nearest integer and leaves the integer in the low bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let xc = x.max(-745.2);
    let kf = (xc * LOG2E + SHIFTER) - SHIFTER;
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // k ∈ [−1075, 0]: split into two halves, each a normal power of two.
    let k = (kf as i64).max(-1076);
    let k1 = k / 2;
    let k2 = k - k1;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    let v = p * s1 * s2;
    if x >= -745.2 {
        v
    } else if x.is_nan() {
        x
    } else {
        0.0
    }
}

/// The heat-bath probability `1/(1 + e^t)`, evaluated like [`crate::numeric::logistic_neg`]
/// (`e = exp(−|t|)`; `e/(1+e)` for `t ≥ 0`, else `1/(1+e)`) but without a data-dependent branch and
/// with [`exp_nonpos`] for the exponential. Every law the engine reports uses this same function, so
/// the engine's sampling and its [`Update::law`] agree exactly.
#[inline(always)]
pub fn heat_bath_p(t: f64) -> f64 {
    let e = exp_nonpos(-t.abs());
    let num = if t >= 0.0 { e } else { 1.0 };
    num / (1.0 + e)
}

/// A spin value the engine can sweep: `i8` (the crate's states) or `f64` (the hot path of
/// [`Chains`], which saves a conversion per neighbour term). Both give the same `±1.0` terms.
pub trait Spin: Copy + Send + Sync {
    fn value(self) -> f64;
    fn from_sign(up: bool) -> Self;
}

impl Spin for i8 {
    #[inline(always)]
    fn value(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn from_sign(up: bool) -> Self {
        if up { 1 } else { -1 }
    }
}

impl Spin for f64 {
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_sign(up: bool) -> Self {
        if up { 1.0 } else { -1.0 }
    }
}

/// Sites processed per chunk of a block update (a stack buffer; no allocation).
const CHUNK: usize = 64;

/// Transposed neighbour lists of one block.
#[derive(Clone, Debug, Default)]
struct BlockLanes {
    degree: usize,
    len: usize,
    /// `nbr[k·len + s]`: the `k`-th neighbour of the block's `s`-th site (padding: site 0).
    nbr: Vec<u32>,
    /// `coup[k·len + s]`: its coupling (padding: 0.0, which leaves the sum unchanged).
    coup: Vec<f64>,
    field: Vec<f64>,
}

/// Sparse heat-bath engine: CSR neighbour lists, couplings, fields and the blocks of one scan.
#[derive(Clone, Debug)]
pub struct FastGibbs {
    n: usize,
    beta: f64,
    row: Vec<u32>,
    nbr: Vec<u32>,
    coup: Vec<f64>,
    field: Vec<f64>,
    blocks: Vec<Vec<u32>>,
    /// `β_b` per block.
    block_beta: Vec<f64>,
    /// Block of each site.
    site_block: Vec<u32>,
    /// Per block, the neighbour lists transposed (neighbour slot major, site minor) and padded with
    /// zero couplings to the block's largest degree, so a chunk of sites accumulates its fields in
    /// independent lanes, each in the model's adjacency order.
    lanes: Vec<BlockLanes>,
    scan: Scan,
    /// Cumulative random-scan weights, summed exactly as `Kernel::step` sums them.
    cum: Vec<f64>,
    name: String,
}

impl FastGibbs {
    /// An engine for `model` with `blocks` (a partition of the sites, no edge inside a block) and `scan`.
    pub fn new(model: &Pairwise, blocks: Vec<Vec<usize>>, scan: Scan) -> Result<Self> {
        let n = model.n_spins();
        if n >= u32::MAX as usize {
            return Err(Error::Invalid(format!(
                "fast engine: {n} spins exceed the u32 index range"
            )));
        }
        let mut row = Vec::with_capacity(n + 1);
        let mut nbr = Vec::new();
        let mut coup = Vec::new();
        row.push(0u32);
        for a in model.adjacency() {
            for &(j, w) in a {
                nbr.push(j as u32);
                coup.push(w);
            }
            row.push(nbr.len() as u32);
        }
        let mut site_block = vec![u32::MAX; n];
        for (b, block) in blocks.iter().enumerate() {
            if block.is_empty() {
                return Err(Error::Invalid(format!("fast engine: block {b} is empty")));
            }
            for &i in block {
                if i >= n {
                    return Err(Error::Invalid(format!(
                        "fast engine: block {b} names site {i} outside 0..{n}"
                    )));
                }
                if site_block[i] != u32::MAX {
                    return Err(Error::Invalid(format!(
                        "fast engine: site {i} is in two blocks"
                    )));
                }
                site_block[i] = b as u32;
            }
        }
        if let Some(i) = site_block.iter().position(|&b| b == u32::MAX) {
            return Err(Error::Invalid(format!(
                "fast engine: site {i} is in no block"
            )));
        }
        for (b, block) in blocks.iter().enumerate() {
            for &i in block {
                if let Some(&(j, _)) = model.adjacency()[i]
                    .iter()
                    .find(|&&(j, _)| site_block[j] == b as u32)
                {
                    return Err(Error::Invalid(format!(
                        "fast engine: block {b} contains the interacting sites {i} and {j}; \
                         the engine samples blocks with no internal edge"
                    )));
                }
            }
        }
        let nb = blocks.len();
        let w = 1.0 / nb as f64;
        let mut acc = 0.0;
        let cum = (0..nb)
            .map(|_| {
                acc += w;
                acc
            })
            .collect();
        let scan_name = match scan {
            Scan::Random => "random",
            Scan::Systematic => "systematic",
            Scan::Symmetrized => "symmetrized",
        };
        let mut g = FastGibbs {
            n,
            beta: model.beta(),
            row,
            nbr,
            coup,
            field: model.fields().to_vec(),
            block_beta: vec![model.beta(); nb],
            blocks: blocks
                .into_iter()
                .map(|b| b.into_iter().map(|i| i as u32).collect())
                .collect(),
            site_block,
            scan,
            cum,
            name: format!("fast-gibbs/{scan_name}/{nb} blocks"),
            lanes: Vec::new(),
        };
        g.build_lanes();
        Ok(g)
    }

    fn build_lanes(&mut self) {
        self.lanes = self
            .blocks
            .iter()
            .map(|block| {
                let len = block.len();
                let deg = block
                    .iter()
                    .map(|&i| (self.row[i as usize + 1] - self.row[i as usize]) as usize)
                    .max()
                    .unwrap_or(0);
                let mut l = BlockLanes {
                    degree: deg,
                    len,
                    nbr: vec![0; deg * len],
                    coup: vec![0.0; deg * len],
                    field: block.iter().map(|&i| self.field[i as usize]).collect(),
                };
                for (s, &i) in block.iter().enumerate() {
                    let (a, e) = (
                        self.row[i as usize] as usize,
                        self.row[i as usize + 1] as usize,
                    );
                    for (k, idx) in (a..e).enumerate() {
                        l.nbr[k * len + s] = self.nbr[idx];
                        l.coup[k * len + s] = self.coup[idx];
                    }
                }
                l
            })
            .collect();
    }

    /// Single-site heat bath (every site its own block).
    pub fn single_site(model: &Pairwise, scan: Scan) -> Result<Self> {
        Self::new(model, (0..model.n_spins()).map(|i| vec![i]).collect(), scan)
    }

    pub fn n_spins(&self) -> usize {
        self.n
    }
    pub fn beta(&self) -> f64 {
        self.beta
    }
    pub fn n_blocks(&self) -> usize {
        self.blocks.len()
    }
    pub fn blocks(&self) -> &[Vec<u32>] {
        &self.blocks
    }
    pub fn scan(&self) -> Scan {
        self.scan
    }
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Fault injection for checker tests: block `b` samples at `beta` instead of the model's β.
    pub fn with_block_beta(mut self, b: usize, beta: f64) -> Self {
        if let Some(v) = self.block_beta.get_mut(b) {
            *v = beta;
        }
        self.name.push_str(" [broken beta]");
        self
    }

    /// Fault injection for checker tests: the `slot`-th neighbour of site `i` is replaced by `j`.
    pub fn with_wrong_neighbor(mut self, i: usize, slot: usize, j: usize) -> Self {
        let k = self.row[i] as usize + slot;
        if k < self.row[i + 1] as usize && j < self.n {
            self.nbr[k] = j as u32;
            self.build_lanes();
        }
        self.name.push_str(" [broken neighbour]");
        self
    }

    /// The engine's local field `h_i(x)`, summed in the model's adjacency order.
    #[inline(always)]
    pub fn local_field(&self, x: &[i8], i: usize) -> f64 {
        let (s, e) = (self.row[i] as usize, self.row[i + 1] as usize);
        let mut h = self.field[i];
        for (&j, &w) in self.nbr[s..e].iter().zip(&self.coup[s..e]) {
            h += w * f64::from(x[j as usize]);
        }
        h
    }

    /// The engine's `P(x_i → +1)` at inverse temperature `β_b · alpha`.
    #[inline(always)]
    pub fn p_up(&self, x: &[i8], i: usize, alpha: f64) -> f64 {
        let nb = -2.0 * self.block_beta[self.site_block[i] as usize] * alpha;
        heat_bath_p(nb * self.local_field(x, i))
    }

    /// The heat-bath probability of `x_i = −1`, evaluated directly (not as `1 − p_up`, which loses
    /// its relative accuracy when `p_up ≈ 1`).
    pub fn p_down(&self, x: &[i8], i: usize, alpha: f64) -> f64 {
        let nb = -2.0 * self.block_beta[self.site_block[i] as usize] * alpha;
        heat_bath_p(-nb * self.local_field(x, i))
    }

    /// Resamples block `b` at inverse temperature `β_b · alpha`. Sites are taken in chunks: first the
    /// chunk's fields, accumulated neighbour slot by neighbour slot across the chunk (independent lanes;
    /// no edge inside the block, so none depends on another site of the block), then the
    /// probabilities (a vectorizable loop), then one uniform per site in block order.
    #[inline]
    pub fn update_block<S: Spin>(&self, x: &mut [S], b: usize, rng: &mut ChainRng, alpha: f64) {
        let nb = -2.0 * self.block_beta[b] * alpha;
        let lanes = &self.lanes[b];
        let block = &self.blocks[b];
        let len = lanes.len;
        if len == 1 {
            // Single-site block: no chunk buffer.
            let mut h = lanes.field[0];
            for k in 0..lanes.degree {
                h += lanes.coup[k] * x[lanes.nbr[k] as usize].value();
            }
            let p = heat_bath_p(nb * h);
            let u = unit_f64(rng.next_u64());
            x[block[0] as usize] = S::from_sign(u < p);
            return;
        }
        let mut t = [0.0f64; CHUNK];
        let mut s0 = 0;
        while s0 < len {
            let m = CHUNK.min(len - s0);
            let t = &mut t[..m];
            t.copy_from_slice(&lanes.field[s0..s0 + m]);
            for k in 0..lanes.degree {
                let nk = &lanes.nbr[k * len + s0..k * len + s0 + m];
                let ck = &lanes.coup[k * len + s0..k * len + s0 + m];
                for ((tv, &j), &w) in t.iter_mut().zip(nk).zip(ck) {
                    *tv += w * x[j as usize].value();
                }
            }
            for tv in t.iter_mut() {
                *tv = heat_bath_p(nb * *tv);
            }
            for (&p, &i) in t.iter().zip(&block[s0..s0 + m]) {
                let u = unit_f64(rng.next_u64());
                x[i as usize] = S::from_sign(u < p);
            }
            s0 += m;
        }
    }

    /// One sweep at inverse temperature `β · alpha`: one systematic or symmetrized pass over the
    /// blocks, or `B` random-scan block picks.
    pub fn sweep<S: Spin>(&self, x: &mut [S], rng: &mut ChainRng, alpha: f64) {
        let nb = self.blocks.len();
        match self.scan {
            Scan::Systematic => {
                for b in 0..nb {
                    self.update_block(x, b, rng, alpha);
                }
            }
            Scan::Symmetrized => {
                if unit_f64(rng.next_u64()) < 0.5 {
                    for b in 0..nb {
                        self.update_block(x, b, rng, alpha);
                    }
                } else {
                    for b in (0..nb).rev() {
                        self.update_block(x, b, rng, alpha);
                    }
                }
            }
            Scan::Random => {
                for _ in 0..nb {
                    let u = unit_f64(rng.next_u64());
                    let b = self.cum.partition_point(|&c| c <= u).min(nb - 1);
                    self.update_block(x, b, rng, alpha);
                }
            }
        }
    }

    /// `E(x)` from the CSR lists (plain sums; for recorded observables, not for checks).
    pub fn energy(&self, x: &[i8]) -> f64 {
        let mut e = 0.0;
        for i in 0..self.n {
            let (s, t) = (self.row[i] as usize, self.row[i + 1] as usize);
            let mut h = 0.0;
            for (&j, &w) in self.nbr[s..t].iter().zip(&self.coup[s..t]) {
                h += w * f64::from(x[j as usize]);
            }
            e -= f64::from(x[i]) * (0.5 * h + self.field[i]);
        }
        e
    }

    /// The engine's site updates as [`Update`]s (their `law` is the engine's own conditional).
    pub fn site_updates(self: &Arc<Self>) -> Vec<Arc<dyn Update>> {
        (0..self.n)
            .map(|i| {
                Arc::new(FastSite {
                    engine: self.clone(),
                    site: i,
                }) as Arc<dyn Update>
            })
            .collect()
    }

    /// The engine's block updates as [`Update`]s.
    pub fn block_updates(self: &Arc<Self>) -> Vec<Arc<dyn Update>> {
        (0..self.blocks.len())
            .map(|b| {
                Arc::new(FastBlock {
                    engine: self.clone(),
                    block: b,
                }) as Arc<dyn Update>
            })
            .collect()
    }
}

/// One site of a [`FastGibbs`] engine, as an [`Update`].
pub struct FastSite {
    pub engine: Arc<FastGibbs>,
    pub site: usize,
}

impl Update for FastSite {
    fn name(&self) -> String {
        format!("fast-heat-bath[{}]", self.site)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        let i = self.site;
        law.push_site(
            i,
            self.engine.p_up(x, i, 1.0),
            self.engine.p_down(x, i, 1.0),
        );
    }
    fn sample(&self, x: &mut [i8], rng: &mut ChainRng, _scratch: &mut Law) {
        let p = self.engine.p_up(x, self.site, 1.0);
        x[self.site] = if unit_f64(rng.next_u64()) < p { 1 } else { -1 };
    }
    fn rel_err_bound(&self) -> f64 {
        gamma(8)
    }
}

/// One block of a [`FastGibbs`] engine, as an [`Update`] (independent site laws).
pub struct FastBlock {
    pub engine: Arc<FastGibbs>,
    pub block: usize,
}

impl Update for FastBlock {
    fn name(&self) -> String {
        format!("fast-block-heat-bath[{}]", self.block)
    }
    fn law(&self, x: &[i8], law: &mut Law) {
        for &i in &self.engine.blocks[self.block] {
            let i = i as usize;
            law.push_site(
                i,
                self.engine.p_up(x, i, 1.0),
                self.engine.p_down(x, i, 1.0),
            );
        }
    }
    fn sample(&self, x: &mut [i8], rng: &mut ChainRng, _scratch: &mut Law) {
        self.engine.update_block(x, self.block, rng, 1.0);
    }
    fn rel_err_bound(&self) -> f64 {
        gamma(8) * self.engine.blocks[self.block].len() as f64
    }
}

/// The named stream of chain `c`: Xoshiro256++ from `seed_from_u64(seed)`, advanced by `c` jumps.
pub fn stream(seed: u64, c: usize) -> ChainRng {
    let mut r = ChainRng::seed_from_u64(seed);
    for _ in 0..c {
        r.jump();
    }
    r
}

/// The streams of chains `0..k` (each from the previous by one jump).
pub fn streams(seed: u64, k: usize) -> Vec<ChainRng> {
    let mut r = ChainRng::seed_from_u64(seed);
    (0..k)
        .map(|_| {
            let cur = r.clone();
            r.jump();
            cur
        })
        .collect()
}

/// A recorded observable of a sampled chain.
#[derive(Clone, Debug, PartialEq)]
pub enum Observable {
    /// `Σ_i x_i` (CLI.md "magnetization").
    Magnetization,
    /// `E(x)`.
    Energy,
    /// `(1/N) Σ_i ξ_i x_i` for planted pattern `μ` (named `overlap{μ}`).
    Overlap(usize, Vec<i8>),
    /// `f_ij = −x_i x_j` (the gradient of E in `J_ij`, CLI.md).
    Pair(usize, usize),
}

impl Observable {
    pub fn name(&self) -> String {
        match self {
            Observable::Magnetization => "magnetization".into(),
            Observable::Energy => "energy".into(),
            Observable::Overlap(mu, _) => format!("overlap{mu}"),
            Observable::Pair(i, j) => format!("x{i}x{j}"),
        }
    }
    fn eval(&self, x: &[i8], engine: &FastGibbs) -> f64 {
        match self {
            Observable::Magnetization => x.iter().map(|&v| i64::from(v)).sum::<i64>() as f64,
            Observable::Energy => engine.energy(x),
            Observable::Overlap(_, xi) => {
                xi.iter()
                    .zip(x)
                    .map(|(&a, &b)| i64::from(a * b))
                    .sum::<i64>() as f64
                    / x.len() as f64
            }
            Observable::Pair(i, j) => -f64::from(x[*i] * x[*j]),
        }
    }
}

/// Initial states.
#[derive(Clone, Debug, PartialEq)]
pub enum Init {
    /// Uniform random spins drawn from the chain's own stream.
    Uniform,
    /// The same given state for every chain.
    State(Vec<i8>),
}

/// Many independent chains of one engine.
#[derive(Clone, Debug)]
pub struct Chains {
    n: usize,
    /// Row-major states, chain `c` at `states[c·N..(c+1)·N]`.
    pub states: Vec<i8>,
    pub rngs: Vec<ChainRng>,
}

impl Chains {
    /// `k` chains of `n` spins with streams from `seed`, initialised per `init`.
    pub fn new(n: usize, k: usize, seed: u64, init: &Init) -> Result<Self> {
        let mut rngs = streams(seed, k);
        let mut states = vec![1i8; n * k];
        match init {
            Init::Uniform => {
                for (x, r) in states.chunks_mut(n).zip(rngs.iter_mut()) {
                    for v in x.iter_mut() {
                        *v = if r.next_u64() >> 63 == 1 { 1 } else { -1 };
                    }
                }
            }
            Init::State(s) => {
                if s.len() != n || s.iter().any(|&v| v != 1 && v != -1) {
                    return Err(Error::Invalid(format!(
                        "initial state: need {n} spins of ±1, got {} values",
                        s.len()
                    )));
                }
                for x in states.chunks_mut(n) {
                    x.copy_from_slice(s);
                }
            }
        }
        Ok(Chains { n, states, rngs })
    }

    pub fn n_chains(&self) -> usize {
        self.rngs.len()
    }

    /// Chain `c`'s state.
    pub fn state(&self, c: usize) -> &[i8] {
        &self.states[c * self.n..(c + 1) * self.n]
    }

    /// `sweeps` sweeps of every chain at `β·alpha`, chains in parallel (each on an `f64` copy of
    /// its state, written back at the end).
    pub fn run(&mut self, engine: &FastGibbs, sweeps: u64, alpha: f64) {
        let n = self.n;
        self.states
            .par_chunks_mut(n)
            .zip(self.rngs.par_iter_mut())
            .for_each(|(x, r)| {
                let mut xf: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                for _ in 0..sweeps {
                    engine.sweep(&mut xf, r, alpha);
                }
                for (v, &f) in x.iter_mut().zip(&xf) {
                    *v = if f > 0.0 { 1 } else { -1 };
                }
            });
    }

    /// `draws` sweeps of every chain, recording the observables after each sweep into a row-major
    /// `(chains, draws, observables)` array.
    pub fn record(&mut self, engine: &FastGibbs, draws: usize, obs: &[Observable]) -> Vec<f64> {
        let n = self.n;
        let k = obs.len();
        let mut out = vec![0.0; self.rngs.len() * draws * k];
        if draws == 0 || k == 0 {
            self.run(engine, draws as u64, 1.0);
            return out;
        }
        self.states
            .par_chunks_mut(n)
            .zip(self.rngs.par_iter_mut())
            .zip(out.par_chunks_mut(draws * k))
            .for_each(|((x, r), o)| {
                let mut xf: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                for row in o.chunks_mut(k) {
                    engine.sweep(&mut xf, r, 1.0);
                    for (v, &f) in x.iter_mut().zip(&xf) {
                        *v = if f > 0.0 { 1 } else { -1 };
                    }
                    for (v, f) in row.iter_mut().zip(obs) {
                        *v = f.eval(x, engine);
                    }
                }
            });
        out
    }
}

/// Per-chain observable trajectories of a sampled run (CLI.md trajectory layout).
#[derive(Clone, Debug)]
pub struct Trajectories {
    pub names: Vec<String>,
    pub n_chains: usize,
    pub n_draws: usize,
    /// Row-major `(chains, draws, variables)`.
    pub data: Vec<f64>,
    /// The doubling lengths `L, 2L, 4L, … ≤ n_draws`; the trajectory at length `L` is the prefix of
    /// the first `L` draws of every chain.
    pub lengths: Vec<usize>,
    /// Spin updates per second over burn-in and recording (wall clock; informational).
    pub updates_per_second: f64,
    pub burn_in: u64,
    pub kernel: String,
}

impl Trajectories {
    /// Variable `v` of chain `c`, draws `0..len`.
    pub fn series(&self, c: usize, v: usize, len: usize) -> Vec<f64> {
        let k = self.names.len();
        let base = c * self.n_draws * k;
        (0..len.min(self.n_draws))
            .map(|t| self.data[base + t * k + v])
            .collect()
    }
}

/// How a sampled run is set up (`[sampling]` of the audit spec).
#[derive(Clone, Debug)]
pub struct SampledRun {
    pub chains: usize,
    pub sweeps: usize,
    pub burn_in: u64,
    pub doubling_from: usize,
    pub seed: u64,
    pub init: Init,
}

impl SampledRun {
    /// The run a `[sampling]` section describes, with CLI.md's defaults (32 chains, 32000 sweeps,
    /// burn-in 1000, doubling from 1000, seed 0) and uniform random initial states.
    pub fn from_spec(s: &crate::spec::audit::SamplingSpec, file: &str) -> Result<Self> {
        let sweeps = s.sweeps.unwrap_or(32_000);
        let doubling_from = s.doubling_from.unwrap_or(1_000.min(sweeps));
        let to_usize = |v: u64, field: &str| {
            usize::try_from(v).map_err(|_| {
                Error::field(file, field, format!("{v} is too large for this platform"))
            })
        };
        let run = SampledRun {
            chains: s.chains.unwrap_or(32),
            sweeps: to_usize(sweeps, "sampling.sweeps")?,
            burn_in: s.burn_in.unwrap_or(1_000),
            doubling_from: to_usize(doubling_from, "sampling.doubling_from")?,
            seed: s.seed.unwrap_or(0),
            init: Init::Uniform,
        };
        for (v, field) in [
            (run.chains, "sampling.chains"),
            (run.sweeps, "sampling.sweeps"),
            (run.doubling_from, "sampling.doubling_from"),
        ] {
            if v == 0 {
                return Err(Error::field(file, field, "must be positive"));
            }
        }
        if run.doubling_from > run.sweeps {
            return Err(Error::field(
                file,
                "sampling.doubling_from",
                format!(
                    "{} exceeds sampling.sweeps = {}",
                    run.doubling_from, run.sweeps
                ),
            ));
        }
        Ok(run)
    }
}

/// The default observables of a sampled torus audit: magnetization, energy, the overlap with each
/// planted pattern, and the pair observables of site 0's first three edges.
pub fn torus_observables(t: &crate::model::torus::Torus) -> Vec<Observable> {
    let mut obs = vec![Observable::Magnetization, Observable::Energy];
    for (mu, xi) in t.patterns.iter().enumerate() {
        obs.push(Observable::Overlap(mu, xi.clone()));
    }
    for &(i, j, _) in t.model.edges().iter().take(3) {
        obs.push(Observable::Pair(i, j));
    }
    obs
}

/// Runs `run.chains` chains of `engine` (burn-in, then `run.sweeps` recorded sweeps) and returns the
/// observables' trajectories with the doubling lengths and the measured update rate.
// TODO(lead, issue #6 item 4): feed `Trajectories` to the τ estimators and the doubling probe of
// `src/sampled/` (E.doubling) and put `tau_by_length` / `updates_per_second` into the audit JSON.
pub fn sample_trajectories(
    engine: &FastGibbs,
    obs: &[Observable],
    run: &SampledRun,
) -> Result<Trajectories> {
    if run.chains == 0 || run.sweeps == 0 || run.doubling_from == 0 {
        return Err(Error::Invalid(format!(
            "sampling: chains = {}, sweeps = {}, doubling_from = {}; each must be positive",
            run.chains, run.sweeps, run.doubling_from
        )));
    }
    if run.doubling_from > run.sweeps {
        return Err(Error::Invalid(format!(
            "sampling: doubling_from = {} exceeds sweeps = {}",
            run.doubling_from, run.sweeps
        )));
    }
    let mut chains = Chains::new(engine.n_spins(), run.chains, run.seed, &run.init)?;
    let t0 = Instant::now();
    chains.run(engine, run.burn_in, 1.0);
    let data = chains.record(engine, run.sweeps, obs);
    let secs = t0.elapsed().as_secs_f64();
    let updates = (run.burn_in as f64 + run.sweeps as f64) * (run.chains * engine.n_spins()) as f64;
    let mut lengths = Vec::new();
    let mut l = run.doubling_from;
    while l <= run.sweeps {
        lengths.push(l);
        l = l.saturating_mul(2);
    }
    Ok(Trajectories {
        names: obs.iter().map(Observable::name).collect(),
        n_chains: run.chains,
        n_draws: run.sweeps,
        data,
        lengths,
        updates_per_second: if secs > 0.0 { updates / secs } else { f64::NAN },
        burn_in: run.burn_in,
        kernel: engine.name().to_string(),
    })
}
