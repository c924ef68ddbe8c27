//! A fast sparse heat-bath engine for models with thousands of spins (single-site or block Gibbs
//! over blocks with no internal edge), many chains in parallel.
//!
//! Law (docs/science.md §6): site `i` of block `b` is resampled with
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
//! **Chains and streams.** Chain `c` uses stream `c` of the run's seed ([`crate::kernel::streams`](mod@crate::kernel::streams)):
//! a named, non-overlapping stream per chain. Chains run in parallel (rayon) on disjoint state slices
//! and write disjoint output rows, so results are bit-identical at any thread count ([`chains`]).
//! Systematic and symmetrized sweeps run four chains in lockstep ([`lanes`]: one register holds a
//! site's spin in four chains, so a neighbour term is one load for four updates); every lane does the
//! per-chain arithmetic and draws on its own stream, so grouping changes no result. When every
//! coupling and field is a multiple of one power of two, the lanes read the probabilities from a
//! table of `heat_bath_p` at the few fields that can occur ([`table`]: the same function of the same
//! inputs, hence the same bits).

pub mod chains;
pub mod lanes;
pub mod table;

pub use chains::{Chains, Init, SampledRun, Trajectories, sample_trajectories};

use std::sync::Arc;

use rand::Rng;

use super::build::Scan;
use super::{Law, Update};
use crate::error::{KernelError, Result};
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
    let y = xc * LOG2E + SHIFTER;
    let kf = y - SHIFTER;
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
    // k = kf ∈ [−1075, 0], read off y's bits: y ∈ [2^52, 2^53) has ulp 1, so its bit pattern is
    // SHIFTER's plus k, and SHIFTER's low 32 bits are zero; no float→int conversion (AVX2 has none
    // for 64-bit lanes, and its emulation was a fifth of a sweep). Split into two halves, each a
    // normal power of two.
    let k = ((y.to_bits() as u32) as i32).max(-1076);
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
    /// The same lists by quads of sites for the lockstep lanes ([`lanes`]): quad `q` (sites
    /// `4q..4q+4`, whole quads only) holds `nbr[k·len + 4q + r]` at `quad_nbr[(q·degree + k)·4 + r]`,
    /// so a quad reads one contiguous stream instead of one per neighbour slot.
    quad_nbr: Vec<u32>,
    quad_coup: Vec<f64>,
}

/// Sparse heat-bath engine: CSR neighbour lists, couplings, fields and the blocks of one scan.
#[derive(Clone, Debug)]
pub struct FastGibbs {
    n: usize,
    beta: f64,
    row: Vec<u32>,
    nbr: Vec<u32>,
    coup: Vec<f64>,
    /// The upper triangle of the CSR lists (`j > i` only): each edge once, for [`FastGibbs::energy`].
    up_row: Vec<u32>,
    up_nbr: Vec<u32>,
    up_coup: Vec<f64>,
    /// The same upper lists by quads of sites (sites `4q..4q+4`, whole quads only) for
    /// [`FastGibbs::energy_lanes`]: quad `q`'s slot `k` of site `4q + r` at
    /// `up_quad_nbr[up_quad_off[q] + 4k + r]`, padded to the quad's largest count with zero
    /// couplings (which leave a sum started at `+0.0` unchanged).
    up_quad_off: Vec<u32>,
    up_quad_nbr: Vec<u32>,
    up_quad_coup: Vec<f64>,
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
    /// The lattice of the fields when the probabilities can be looked up ([`table`]).
    lattice: Option<table::Lattice>,
    name: String,
}

impl FastGibbs {
    /// An engine for `model` with `blocks` (a partition of the sites, no edge inside a block) and `scan`.
    ///
    /// # Errors
    ///
    /// [`Error::Kernel`](crate::Error::Kernel): [`KernelError::TooManySpins`] when the sites do not
    /// fit in `u32`, [`KernelError::EmptyBlock`], [`KernelError::SiteOutOfRange`],
    /// [`KernelError::SiteTwice`] or [`KernelError::SiteMissing`] when `blocks` is not a partition
    /// of the sites, and [`KernelError::BlockNotIndependent`] for a block with an internal edge.
    pub fn new(model: &Pairwise, blocks: Vec<Vec<usize>>, scan: Scan) -> Result<Self> {
        let n = model.n_spins();
        if n >= u32::MAX as usize {
            return Err(KernelError::TooManySpins(n).into());
        }
        let mut row = Vec::with_capacity(n + 1);
        let mut nbr = Vec::new();
        let mut coup = Vec::new();
        let (mut up_row, mut up_nbr, mut up_coup) =
            (Vec::with_capacity(n + 1), Vec::new(), Vec::new());
        row.push(0u32);
        up_row.push(0u32);
        for (i, a) in model.adjacency().iter().enumerate() {
            for &(j, w) in a {
                nbr.push(j as u32);
                coup.push(w);
                if j > i {
                    up_nbr.push(j as u32);
                    up_coup.push(w);
                }
            }
            row.push(nbr.len() as u32);
            up_row.push(up_nbr.len() as u32);
        }
        let mut site_block = vec![u32::MAX; n];
        for (b, block) in blocks.iter().enumerate() {
            if block.is_empty() {
                return Err(KernelError::EmptyBlock { block: b }.into());
            }
            for &i in block {
                if i >= n {
                    return Err(KernelError::SiteOutOfRange {
                        block: b,
                        site: i,
                        n,
                    }
                    .into());
                }
                if site_block[i] != u32::MAX {
                    return Err(KernelError::SiteTwice { block: b, site: i }.into());
                }
                site_block[i] = b as u32;
            }
        }
        if let Some(site) = site_block.iter().position(|&b| b == u32::MAX) {
            return Err(KernelError::SiteMissing { site }.into());
        }
        for (b, block) in blocks.iter().enumerate() {
            for &i in block {
                if let Some(&(j, _)) = model.adjacency()[i]
                    .iter()
                    .find(|&&(j, _)| site_block[j] == b as u32)
                {
                    return Err(KernelError::BlockNotIndependent { block: b, i, j }.into());
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
        let (mut up_quad_off, mut up_quad_nbr, mut up_quad_coup) =
            (vec![0u32], Vec::new(), Vec::new());
        for q in 0..n / 4 {
            let span = |i: usize| (up_row[i] as usize, up_row[i + 1] as usize);
            let deg = (4 * q..4 * q + 4)
                .map(|i| span(i).1 - span(i).0)
                .max()
                .unwrap_or(0);
            for k in 0..deg {
                for i in 4 * q..4 * q + 4 {
                    let (a, e) = span(i);
                    let (j, w) = if a + k < e {
                        (up_nbr[a + k], up_coup[a + k])
                    } else {
                        (0, 0.0)
                    };
                    up_quad_nbr.push(j);
                    up_quad_coup.push(w);
                }
            }
            up_quad_off.push(up_quad_nbr.len() as u32);
        }
        let lattice = table::Lattice::of(model.fields(), &row, &coup);
        let mut g = FastGibbs {
            n,
            beta: model.beta(),
            row,
            nbr,
            coup,
            up_quad_off,
            up_quad_nbr,
            up_quad_coup,
            up_row,
            up_nbr,
            up_coup,
            field: model.fields().to_vec(),
            block_beta: vec![model.beta(); nb],
            blocks: blocks
                .into_iter()
                .map(|b| b.into_iter().map(|i| i as u32).collect())
                .collect(),
            site_block,
            scan,
            cum,
            lattice,
            name: format!("fast-gibbs/{}/{nb} blocks", scan.name()),
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
                    quad_nbr: Vec::new(),
                    quad_coup: Vec::new(),
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
                let quads = len / 4;
                l.quad_nbr = Vec::with_capacity(quads * deg * 4);
                l.quad_coup = Vec::with_capacity(quads * deg * 4);
                for q in 0..quads {
                    for k in 0..deg {
                        for r in 0..4 {
                            l.quad_nbr.push(l.nbr[k * len + 4 * q + r]);
                            l.quad_coup.push(l.coup[k * len + 4 * q + r]);
                        }
                    }
                }
                l
            })
            .collect();
    }

    /// Single-site heat bath (every site its own block).
    ///
    /// # Errors
    ///
    /// [`KernelError::TooManySpins`] when the sites do not fit in `u32`.
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
    #[cfg(feature = "oracles")]
    pub fn with_block_beta(mut self, b: usize, beta: f64) -> Self {
        if let Some(v) = self.block_beta.get_mut(b) {
            *v = beta;
        }
        self.name.push_str(" [broken beta]");
        self
    }

    /// Fault injection for checker tests: the `slot`-th neighbour of site `i` is replaced by `j`.
    #[cfg(feature = "oracles")]
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
    pub fn update_block<S: Spin, R: Rng + ?Sized>(
        &self,
        x: &mut [S],
        b: usize,
        rng: &mut R,
        alpha: f64,
    ) {
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
    pub fn sweep<S: Spin, R: Rng + ?Sized>(&self, x: &mut [S], rng: &mut R, alpha: f64) {
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

    /// `E(x)` from the CSR lists, each edge once (plain sums; for recorded observables, not for
    /// checks): `E = −Σ_i x_i (Σ_{j>i} J_ij x_j + h_i)`, half the multiply-adds of a sum over both
    /// ends of every edge.
    pub fn energy(&self, x: &[i8]) -> f64 {
        let mut e = 0.0;
        for i in 0..self.n {
            let (s, t) = (self.up_row[i] as usize, self.up_row[i + 1] as usize);
            let mut h = 0.0;
            for (&j, &w) in self.up_nbr[s..t].iter().zip(&self.up_coup[s..t]) {
                h += w * f64::from(x[j as usize]);
            }
            e -= f64::from(x[i]) * (h + self.field[i]);
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
    fn sample(&self, x: &mut [i8], rng: &mut dyn Rng, _scratch: &mut Law) {
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
    fn sample(&self, x: &mut [i8], rng: &mut dyn Rng, _scratch: &mut Law) {
        self.engine.update_block(x, self.block, rng, 1.0);
    }
    fn rel_err_bound(&self) -> f64 {
        gamma(8) * self.engine.blocks[self.block].len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `exp_nonpos` reads `k` off the bits of `x·log2 e + SHIFTER` instead of converting `kf`: the
    /// two agree on the whole domain (every `x ≤ 0`, NaN, the clamp at −745.2).
    #[test]
    fn exponent_from_the_shifter_bits_equals_the_conversion() {
        use rand::Rng;
        const SHIFTER: f64 = 6_755_399_441_055_744.0;
        let mut r = crate::kernel::stream(5, 0);
        let edges = [
            0.0,
            -0.0,
            -1e-300,
            -0.5,
            -745.2,
            -745.3,
            -1e6,
            f64::NAN,
            -f64::INFINITY,
        ];
        let draws = (0..200_000).map(|_| -800.0 * unit_f64(r.next_u64()));
        for x in edges.into_iter().chain(draws) {
            let xc = x.max(-745.2);
            let y = xc * std::f64::consts::LOG2_E + SHIFTER;
            let by_bits = i64::from(((y.to_bits() as u32) as i32).max(-1076));
            assert_eq!(by_bits, ((y - SHIFTER) as i64).max(-1076), "{x}");
        }
    }
}
