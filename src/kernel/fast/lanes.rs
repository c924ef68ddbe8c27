//! Lockstep lanes: up to [`LANES`] chains of one [`FastGibbs`] engine swept together, the state
//! interleaved site-major (`x[i][l]` is site `i` of lane `l`), so a neighbour term is one contiguous
//! load of every lane's spin instead of one scattered load per chain.
//!
//! **Bit for bit the per-chain sweep.** Every lane does exactly the arithmetic of
//! [`FastGibbs::update_block`] on its own chain (the field from the block's transposed lists in the
//! model's adjacency order, [`heat_bath_p`], `u < p ⇒ +1`) and draws from its own stream in the same
//! order (one uniform per site in block order; the symmetrized sweep's direction first). Lanes never
//! read each other, so a chain's trajectory does not depend on which chains share its group, on the
//! group size or on the thread count (`tests/large_engine.rs` holds the lanes to the per-chain sweep).
//!
//! **Scheduling.** Systematic scan: every lane updates the same block at the same time. Symmetrized
//! scan: a lane's direction is drawn when its sweep begins, and the group runs whole passes, each
//! forward or backward; a pass updates the lanes waiting for its direction (the others are masked:
//! no draw, no write) and is chosen as the direction more waiting lanes need (ties: the opposite of
//! the last pass). Random scan is not laned (each chain picks its own blocks): the caller sweeps it
//! chain by chain.

use rand::SeedableRng;

use super::table::HeatBathTable;
use super::{CHUNK, FastGibbs, heat_bath_p};
use crate::kernel::ChainRng;
use crate::kernel::build::Scan;
use crate::numeric::unit_f64;
use crate::observables::Observable;

/// Chains per group: four `f64` lanes (one AVX register, two SSE registers).
pub const LANES: usize = 4;

/// One site's spins in every lane (`±1.0`; padding lanes hold `1.0` and are never updated).
pub type Lane = [f64; LANES];

/// A mask of lanes.
type Mask = [bool; LANES];

/// The interleaved state of `chains` (row-major `i8` states of `n` spins each; at most [`LANES`]).
pub fn interleave(states: &[i8], n: usize) -> Vec<Lane> {
    let g = states.len() / n.max(1);
    let mut x = vec![[1.0; LANES]; n];
    for l in 0..g.min(LANES) {
        for (xi, &v) in x.iter_mut().zip(&states[l * n..(l + 1) * n]) {
            xi[l] = f64::from(v);
        }
    }
    x
}

/// Writes lane `l`'s spins back into `state`.
pub fn deinterleave(x: &[Lane], l: usize, state: &mut [i8]) {
    for (v, xi) in state.iter_mut().zip(x) {
        *v = if xi[l] > 0.0 { 1 } else { -1 };
    }
}

impl FastGibbs {
    /// [`FastGibbs::update_block`] on every lane of `active` at once (lane `l` draws from `rngs[l]`),
    /// the probabilities read from `tab` when given (the same values, see [`super::table`]). With
    /// `energy` (only together with `tab`), each lane's energy is carried through the updates:
    /// `E += (x_old − x_new)·h_i` per site, every term and sum exact on the table's lattice.
    #[inline(always)]
    pub(super) fn update_block_lanes<const AVX2: bool>(
        &self,
        x: &mut [Lane],
        b: usize,
        rng: &mut LaneRng,
        active: Mask,
        law: Probabilities,
        mut energy: Option<&mut Lane>,
    ) {
        let Probabilities { alpha, tab } = law;
        let nb = -2.0 * self.block_beta[b] * alpha;
        let lanes = &self.lanes[b];
        let block = &self.blocks[b];
        let len = lanes.len;
        let mut t = [[0.0f64; LANES]; CHUNK];
        // The fields of the chunk, kept for the energy when `t` is turned into probabilities.
        let mut fields = [[0.0f64; LANES]; CHUNK];
        let keep = keep_mask(active);
        let mut s0 = 0;
        while s0 < len {
            let m = CHUNK.min(len - s0);
            let t = &mut t[..m];
            // Per site, its lanes' fields in registers, neighbour slot by neighbour slot (the
            // model's adjacency order); four sites at a time, so four addition chains overlap.
            // (CHUNK is a multiple of 4, so a chunk's whole quads are whole quads of the block.)
            let mut quads = t.chunks_exact_mut(4);
            let mut s = s0;
            let deg = lanes.degree;
            for tq in &mut quads {
                let mut acc = [[0.0; LANES]; 4];
                for (q, a) in acc.iter_mut().enumerate() {
                    *a = [lanes.field[s + q]; LANES];
                }
                let base = (s / 4) * deg * 4;
                let js = &lanes.quad_nbr[base..base + deg * 4];
                let ws = &lanes.quad_coup[base..base + deg * 4];
                for (jk, wk) in js.chunks_exact(4).zip(ws.chunks_exact(4)) {
                    for q in 0..4 {
                        let xj = &x[jk[q] as usize];
                        for l in 0..LANES {
                            acc[q][l] += wk[q] * xj[l];
                        }
                    }
                }
                tq.copy_from_slice(&acc);
                s += 4;
            }
            for tv in quads.into_remainder() {
                let mut acc = [lanes.field[s]; LANES];
                let mut at = s;
                for _ in 0..lanes.degree {
                    let (j, w) = (lanes.nbr[at] as usize, lanes.coup[at]);
                    let xj = &x[j];
                    for l in 0..LANES {
                        acc[l] += w * xj[l];
                    }
                    at += len;
                }
                *tv = acc;
                s += 1;
            }
            if energy.is_some() {
                fields[..m].copy_from_slice(t);
            }
            if let Some(tab) = tab {
                let p = tab.block(b);
                for tv in t.iter_mut() {
                    for v in tv.iter_mut() {
                        *v = tab.lookup(p, *v);
                    }
                }
            } else {
                for tv in t.iter_mut() {
                    for v in tv.iter_mut() {
                        *v = heat_bath_p(nb * *v);
                    }
                }
            }
            for (k, (tv, &i)) in t.iter().zip(&block[s0..s0 + m]).enumerate() {
                let bits = rng.next_kept::<AVX2>(keep);
                let xi = &mut x[i as usize];
                let old = *xi;
                // Branch-free, so the four lanes stay in one register: +1.0 when u < p, else −1.0
                // (the sign bit set); a kept lane keeps its spin.
                for l in 0..LANES {
                    // Not `u >= p`: a NaN p gives −1 like the per-chain `u < p`.
                    let up = unit_f64_exact(bits[l]) < tv[l];
                    let down = u64::from(!up) << 63;
                    let new = ONE_BITS | down;
                    xi[l] = f64::from_bits((new & !keep[l]) | (xi[l].to_bits() & keep[l]));
                }
                if let Some(e) = energy.as_deref_mut() {
                    for l in 0..LANES {
                        e[l] += (old[l] - xi[l]) * fields[k][l];
                    }
                }
            }
            s0 += m;
        }
    }

    /// One pass over the blocks (forward or backward) on the lanes of `active`.
    #[inline(always)]
    fn pass_lanes<const AVX2: bool>(
        &self,
        x: &mut [Lane],
        rng: &mut LaneRng,
        active: Mask,
        forward: bool,
        law: Probabilities,
        mut energy: Option<&mut Lane>,
    ) {
        let nb = self.blocks.len();
        for s in 0..nb {
            let b = if forward { s } else { nb - 1 - s };
            self.update_block_lanes::<AVX2>(x, b, rng, active, law, energy.as_deref_mut());
        }
    }

    /// `sweeps` sweeps of every lane (one per entry of `rngs`), calling `done(x, energy, finished, t)`
    /// after each pass with the lanes that just completed their sweep number `t[l]` (0-based).
    /// `energy` is every lane's [`FastGibbs::energy_lanes`] carried through the updates, when
    /// `track_energy` is asked and the probabilities come from a table (a lattice model, where the
    /// carried energy is exact, hence the same bits); otherwise `None`.
    ///
    /// Only systematic and symmetrized scans are laned (see the module docs); a random-scan engine
    /// is a caller error and sweeps nothing.
    pub(super) fn sweep_lanes(
        &self,
        x: &mut [Lane],
        rngs: &mut [&mut ChainRng],
        sweeps: u64,
        alpha: f64,
        track_energy: bool,
        done: impl FnMut(&[Lane], Option<&Lane>, Mask, &[u64; LANES]),
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (detected just above), the one feature the callee enables.
            unsafe { self.sweep_lanes_avx2(x, rngs, sweeps, alpha, track_energy, done) };
            return;
        }
        self.sweep_lanes_any::<false>(x, rngs, sweeps, alpha, track_energy, done);
    }

    /// [`FastGibbs::sweep_lanes`] compiled for AVX2: the same operations on 256-bit registers (no
    /// FMA: Rust never contracts `a * b + c`, so every lane's result is the same bit for bit).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn sweep_lanes_avx2(
        &self,
        x: &mut [Lane],
        rngs: &mut [&mut ChainRng],
        sweeps: u64,
        alpha: f64,
        track_energy: bool,
        done: impl FnMut(&[Lane], Option<&Lane>, Mask, &[u64; LANES]),
    ) {
        self.sweep_lanes_any::<true>(x, rngs, sweeps, alpha, track_energy, done);
    }

    /// The body of [`FastGibbs::sweep_lanes`] for any target; `AVX2` (only in `sweep_lanes_avx2`)
    /// steps the streams with AVX2 intrinsics.
    #[inline(always)]
    fn sweep_lanes_any<const AVX2: bool>(
        &self,
        x: &mut [Lane],
        rngs: &mut [&mut ChainRng],
        sweeps: u64,
        alpha: f64,
        track_energy: bool,
        mut done: impl FnMut(&[Lane], Option<&Lane>, Mask, &[u64; LANES]),
    ) {
        let g = rngs.len().min(LANES);
        let mut count = [0u64; LANES];
        if sweeps == 0 || g == 0 {
            return;
        }
        let mut rng = LaneRng::load(rngs);
        let updates = ((g * self.n) as u64).saturating_mul(sweeps);
        let tab = self.heat_bath_table(alpha, updates);
        let tab = tab.as_ref();
        let law = Probabilities { alpha, tab };
        let mut energy = (track_energy && tab.is_some()).then(|| self.energy_lanes_any(x));
        match self.scan {
            Scan::Systematic => {
                let mut all = [false; LANES];
                all[..g].fill(true);
                for t in 0..sweeps {
                    self.pass_lanes::<AVX2>(x, &mut rng, all, true, law, energy.as_mut());
                    done(x, energy.as_ref(), all, &[t; LANES]);
                }
            }
            Scan::Symmetrized => {
                // wants[l]: the direction lane l's next sweep runs (drawn as the sweep begins).
                let mut wants = [false; LANES];
                for (l, w) in wants.iter_mut().enumerate().take(g) {
                    *w = unit_f64(rng.next_one(l)) < 0.5;
                }
                let mut last = false;
                loop {
                    let pending = |l: usize| l < g && count[l] < sweeps;
                    let fwd = (0..LANES).filter(|&l| pending(l) && wants[l]).count();
                    let bwd = (0..LANES).filter(|&l| pending(l) && !wants[l]).count();
                    if fwd + bwd == 0 {
                        break;
                    }
                    let forward = if fwd == bwd { !last } else { fwd > bwd };
                    last = forward;
                    let mut active = [false; LANES];
                    for (l, a) in active.iter_mut().enumerate() {
                        *a = pending(l) && wants[l] == forward;
                    }
                    let e = energy.as_mut();
                    self.pass_lanes::<AVX2>(x, &mut rng, active, forward, law, e);
                    done(x, energy.as_ref(), active, &count);
                    for l in 0..g {
                        if active[l] {
                            count[l] += 1;
                            if count[l] < sweeps {
                                wants[l] = unit_f64(rng.next_one(l)) < 0.5;
                            }
                        }
                    }
                }
            }
            Scan::Random => {}
        }
        rng.store(rngs);
    }

    /// [`FastGibbs::energy`] of every lane, the same sums in the same order (`±1.0` lanes are the
    /// `f64` values of the `i8` spins).
    pub fn energy_lanes(&self, x: &[Lane]) -> Lane {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (detected just above), the one feature the callee enables.
            return unsafe { self.energy_lanes_avx2(x) };
        }
        self.energy_lanes_any(x)
    }

    /// [`FastGibbs::energy_lanes`] compiled for AVX2 (same operations, see `sweep_lanes_avx2`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn energy_lanes_avx2(&self, x: &[Lane]) -> Lane {
        self.energy_lanes_any(x)
    }

    #[inline(always)]
    fn energy_lanes_any(&self, x: &[Lane]) -> Lane {
        let mut e = [0.0; LANES];
        // Four sites' partial sums at once (independent chains), subtracted in site order.
        let quads = self.n / 4;
        for q in 0..quads {
            let (a, b) = (
                self.up_quad_off[q] as usize,
                self.up_quad_off[q + 1] as usize,
            );
            let mut h = [[0.0; LANES]; 4];
            let js = &self.up_quad_nbr[a..b];
            let ws = &self.up_quad_coup[a..b];
            for (jk, wk) in js.chunks_exact(4).zip(ws.chunks_exact(4)) {
                for r in 0..4 {
                    let xj = &x[jk[r] as usize];
                    for l in 0..LANES {
                        h[r][l] += wk[r] * xj[l];
                    }
                }
            }
            for (r, hr) in h.iter().enumerate() {
                let i = 4 * q + r;
                let xi = &x[i];
                for l in 0..LANES {
                    e[l] -= xi[l] * (hr[l] + self.field[i]);
                }
            }
        }
        for i in 4 * quads..self.n {
            let (s, t) = (self.up_row[i] as usize, self.up_row[i + 1] as usize);
            let mut h = [0.0; LANES];
            for (&j, &w) in self.up_nbr[s..t].iter().zip(&self.up_coup[s..t]) {
                let xj = &x[j as usize];
                for l in 0..LANES {
                    h[l] += w * xj[l];
                }
            }
            let xi = &x[i];
            for l in 0..LANES {
                e[l] -= xi[l] * (h[l] + self.field[i]);
            }
        }
        e
    }
}

/// A sweep's probabilities: `heat_bath_p(−2 β_b·alpha·h)`, read from `tab` when given.
#[derive(Clone, Copy)]
pub(super) struct Probabilities<'a> {
    alpha: f64,
    tab: Option<&'a HeatBathTable>,
}

/// The Xoshiro256++ streams of a group's lanes, stepped together: lane `l` yields exactly what
/// `next_u64` of its [`ChainRng`] yields, and a masked lane does not advance.
pub(super) struct LaneRng {
    /// `s[w][l]`: state word `w` of lane `l` (padding lanes: a copy of lane 0, never stored).
    s: [[u64; LANES]; 4],
}

impl LaneRng {
    fn load(rngs: &[&mut ChainRng]) -> Self {
        let mut s = [[0u64; LANES]; 4];
        for l in 0..LANES {
            let st = rngs[l.min(rngs.len() - 1)].state();
            for (w, word) in s.iter_mut().enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(&st[8 * w..8 * w + 8]);
                word[l] = u64::from_le_bytes(b);
            }
        }
        LaneRng { s }
    }

    /// Writes every real lane's state back into its generator (`state` ∘ `from_seed` is exact for
    /// any reachable, hence non-zero, state).
    fn store(&self, rngs: &mut [&mut ChainRng]) {
        for (l, r) in rngs.iter_mut().enumerate().take(LANES) {
            let mut seed = [0u8; 32];
            for w in 0..4 {
                seed[8 * w..8 * w + 8].copy_from_slice(&self.s[w][l].to_le_bytes());
            }
            **r = ChainRng::from_seed(seed);
        }
    }

    /// One Xoshiro256++ step of every lane of `active` (Blackman & Vigna: `rotl(s0 + s3, 23) + s0`,
    /// then the xorshift of the state); the other lanes keep their state.
    #[inline(always)]
    fn next(&mut self, active: Mask) -> [u64; LANES] {
        self.next_kept_portable(keep_mask(active))
    }

    /// [`LaneRng::next`] with the masked lanes given as all-ones words of `keep`; `AVX2` only where
    /// the CPU has it (see [`LaneRng::next_kept_avx2`]).
    #[inline(always)]
    fn next_kept<const AVX2: bool>(&mut self, keep: [u64; LANES]) -> [u64; LANES] {
        #[cfg(target_arch = "x86_64")]
        if AVX2 {
            // SAFETY: `AVX2` is true only in code reached from `sweep_lanes_avx2`, which runs after
            // the CPU was found to have AVX2.
            return unsafe { self.next_kept_avx2(keep) };
        }
        self.next_kept_portable(keep)
    }

    /// [`LaneRng::next_kept`] on 256-bit registers: the same Xoshiro256++ step written with AVX2
    /// intrinsics, because the compiler moves the portable rotations to scalar registers and back
    /// (a rotation is two shifts and an or here; AVX2 has no 64-bit rotate).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn next_kept_avx2(&mut self, keep: [u64; LANES]) -> [u64; LANES] {
        use std::arch::x86_64::{
            __m256i, _mm256_add_epi64, _mm256_blendv_epi8, _mm256_or_si256, _mm256_slli_epi64,
            _mm256_srli_epi64, _mm256_xor_si256,
        };
        // SAFETY: `[u64; 4]` and `__m256i` are both 32 bytes with every bit pattern valid.
        let v = |a: [u64; LANES]| unsafe { std::mem::transmute::<[u64; LANES], __m256i>(a) };
        // SAFETY: as above.
        let a = |m: __m256i| unsafe { std::mem::transmute::<__m256i, [u64; LANES]>(m) };
        let [s0, s1, s2, s3] = self.s.map(v);
        let k = v(keep);
        let sum = _mm256_add_epi64(s0, s3);
        let rot23 = _mm256_or_si256(_mm256_slli_epi64::<23>(sum), _mm256_srli_epi64::<41>(sum));
        let out = _mm256_add_epi64(rot23, s0);
        let t = _mm256_slli_epi64::<17>(s1);
        let c2 = _mm256_xor_si256(s2, s0);
        let c3 = _mm256_xor_si256(s3, s1);
        let c1 = _mm256_xor_si256(s1, c2);
        let c0 = _mm256_xor_si256(s0, c3);
        let c2 = _mm256_xor_si256(c2, t);
        let c3 = _mm256_or_si256(_mm256_slli_epi64::<45>(c3), _mm256_srli_epi64::<19>(c3));
        // A kept lane's words are all ones in `k`: the byte blend takes the old word there.
        self.s = [
            a(_mm256_blendv_epi8(c0, s0, k)),
            a(_mm256_blendv_epi8(c1, s1, k)),
            a(_mm256_blendv_epi8(c2, s2, k)),
            a(_mm256_blendv_epi8(c3, s3, k)),
        ];
        a(out)
    }

    /// [`LaneRng::next_kept`] for any target.
    #[inline(always)]
    fn next_kept_portable(&mut self, keep: [u64; LANES]) -> [u64; LANES] {
        let [s0, s1, s2, s3] = self.s;
        let mut out = [0u64; LANES];
        let mut n = [[0u64; LANES]; 4];
        for l in 0..LANES {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            let c2 = s2[l] ^ s0[l];
            let c3 = s3[l] ^ s1[l];
            let c1 = s1[l] ^ c2;
            let c0 = s0[l] ^ c3;
            let k = keep[l];
            n[0][l] = (c0 & !k) | (s0[l] & k);
            n[1][l] = (c1 & !k) | (s1[l] & k);
            n[2][l] = ((c2 ^ t) & !k) | (s2[l] & k);
            n[3][l] = (c3.rotate_left(45) & !k) | (s3[l] & k);
        }
        self.s = n;
        out
    }

    /// One step of lane `l` alone.
    #[inline(always)]
    fn next_one(&mut self, l: usize) -> u64 {
        let mut active = [false; LANES];
        active[l] = true;
        self.next(active)[l]
    }
}

/// The bits of `1.0`.
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;

/// All-ones words for the lanes *not* in `active` (they keep their state).
#[inline(always)]
fn keep_mask(active: Mask) -> [u64; LANES] {
    active.map(|a| if a { 0 } else { u64::MAX })
}

/// [`unit_f64`] without a `u64 → f64` conversion instruction (AVX2 has none; LLVM's emulation is
/// slow): `m = bits >> 11 < 2⁵³` is `(2⁵² + (m mod 2⁵²)) − 2⁵²` read from its bit pattern, plus
/// `2⁵²` when bit 52 of `m` is set, every step exact, so the value is the same bit for bit.
#[inline(always)]
pub fn unit_f64_exact(bits: u64) -> f64 {
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let m = bits >> 11;
    let low = f64::from_bits(0x4330_0000_0000_0000 | (m & ((1 << 52) - 1))) - TWO52;
    let high = f64::from_bits((m >> 52).wrapping_neg() & TWO52.to_bits());
    (low + high) * (1.0 / (1u64 << 53) as f64)
}

/// Whether `scan` is swept in lanes.
pub fn laned(scan: Scan) -> bool {
    matches!(scan, Scan::Systematic | Scan::Symmetrized)
}

/// The values of `obs` on every lane of an interleaved state, equal bit for bit to
/// [`Observable::eval`] on each lane's `i8` state with [`FastGibbs::energy`]: sums of `±1` terms are
/// exact integers in `f64` (below 2⁵³), so summing them in `f64` or `i64` gives the same value.
pub struct LaneObservables<'a> {
    obs: &'a [Observable],
    energy: bool,
    magnetization: bool,
}

impl<'a> LaneObservables<'a> {
    pub fn new(obs: &'a [Observable]) -> Self {
        LaneObservables {
            obs,
            energy: obs.contains(&Observable::Energy),
            magnetization: obs.contains(&Observable::Magnetization),
        }
    }

    /// Whether the energy is among the observables.
    pub fn needs_energy(&self) -> bool {
        self.energy
    }

    /// Writes the values on lane `l` into `out[l][at[l]..]` for every lane of `mask`; the energy
    /// is `energy` when given (the sweep's carried [`FastGibbs::energy_lanes`]), else evaluated.
    pub fn eval(
        &self,
        engine: &FastGibbs,
        x: &[Lane],
        energy: Option<&Lane>,
        mask: Mask,
        out: &mut [&mut [f64]],
        at: [usize; LANES],
    ) {
        if !mask.iter().any(|&a| a) {
            return;
        }
        let e = match (self.energy, energy) {
            (false, _) => [0.0; LANES],
            (true, Some(e)) => *e,
            (true, None) => engine.energy_lanes(x),
        };
        let mut mag = [0.0; LANES];
        if self.magnetization {
            for xi in x {
                for l in 0..LANES {
                    mag[l] += xi[l];
                }
            }
        }
        for l in (0..LANES).filter(|&l| mask[l]) {
            let row = &mut out[l][at[l]..at[l] + self.obs.len()];
            for (v, f) in row.iter_mut().zip(self.obs) {
                *v = match f {
                    Observable::Pair(i, j) => -(x[*i][l] * x[*j][l]),
                    Observable::Field(i) => -x[*i][l],
                    Observable::Magnetization => mag[l],
                    Observable::Energy => e[l],
                    Observable::Overlap(_, xi) => {
                        let mut s = 0.0;
                        for (&a, xs) in xi.iter().zip(x) {
                            s += f64::from(a) * xs[l];
                        }
                        s / x.len() as f64
                    }
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn exact_unit_equals_unit_f64() {
        let mut r = crate::kernel::stream(3, 0);
        let edges = [
            0,
            1,
            2047,
            2048,
            1 << 63,
            (1 << 63) - 1,
            u64::MAX,
            u64::MAX - 2047,
        ];
        for b in edges.into_iter().chain((0..100_000).map(|_| r.next_u64())) {
            assert_eq!(unit_f64_exact(b).to_bits(), unit_f64(b).to_bits(), "{b:#x}");
        }
    }

    /// The portable body (what a CPU without AVX2 runs; the AVX2 build is the one the integration
    /// tests reach here) gives each lane its per-chain sweep, symmetrized and systematic, with a
    /// partial group of three chains, and the same energies, evaluated and carried.
    #[test]
    fn portable_lanes_equal_the_per_chain_sweep() {
        use crate::model::torus::{Torus, TorusParams};
        let t = Torus::new(TorusParams {
            side: 8,
            beta: 0.7,
            seed: 2,
            ..Default::default()
        })
        .unwrap();
        for scan in [Scan::Systematic, Scan::Symmetrized] {
            let e = FastGibbs::new(&t.model, t.blocks4(), scan).unwrap();
            let mut rngs = crate::kernel::streams(4, 3);
            let mut want = Vec::new();
            for r in rngs.clone().iter_mut() {
                let mut x = crate::kernel::streams::random_spins(64, r);
                for _ in 0..25 {
                    e.sweep(&mut x, r, 1.0);
                }
                want.push(x);
            }
            let mut states = Vec::new();
            for r in rngs.iter_mut() {
                states.extend(crate::kernel::streams::random_spins(64, r));
            }
            let mut x = interleave(&states, 64);
            let mut refs: Vec<&mut ChainRng> = rngs.iter_mut().collect();
            // The carried energy at each lane's last sweep (the torus's ±0.5 couplings are on a
            // lattice, so the probabilities come from the table and the energy is carried).
            let mut carried = [f64::NAN; LANES];
            e.sweep_lanes_any::<false>(&mut x, &mut refs, 25, 1.0, true, |_, en, fin, t| {
                let en = en.expect("a lattice model carries its energy");
                for l in 0..LANES {
                    if fin[l] && t[l] == 24 {
                        carried[l] = en[l];
                    }
                }
            });
            let energies = e.energy_lanes_any(&x);
            for (l, w) in want.iter().enumerate() {
                let mut got = vec![0i8; 64];
                deinterleave(&x, l, &mut got);
                assert_eq!(&got, w, "{scan:?} lane {l}");
                assert_eq!(energies[l].to_bits(), e.energy(w).to_bits());
                assert_eq!(
                    carried[l].to_bits(),
                    e.energy(w).to_bits(),
                    "{scan:?} lane {l}"
                );
            }
        }
    }

    /// The AVX2 step of the lane streams equals the portable step, every mask of kept lanes.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_stream_step_equals_the_portable_step() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut a = crate::kernel::streams(4, 7);
        let refs: Vec<&mut ChainRng> = a.iter_mut().collect();
        let mut p = LaneRng::load(&refs);
        let mut v = LaneRng::load(&refs);
        for t in 0..10_000u32 {
            let keep = keep_mask(std::array::from_fn(|l| (t >> l) & 1 == 0 || t % 5 == 0));
            let want = p.next_kept_portable(keep);
            // SAFETY: AVX2 was detected above.
            let got = unsafe { v.next_kept_avx2(keep) };
            assert_eq!(got, want, "step {t}");
            assert_eq!(v.s, p.s, "step {t}");
        }
    }

    #[test]
    fn lane_streams_are_the_chains_streams() {
        let mut a = crate::kernel::streams(9, 3);
        let mut b = a.clone();
        let mut refs: Vec<&mut ChainRng> = a.iter_mut().collect();
        let mut lr = LaneRng::load(&refs);
        for t in 0..1000 {
            let active = [t % 2 == 0, true, t % 3 == 0, true];
            let got = lr.next(active);
            for l in 0..3 {
                if active[l] {
                    assert_eq!(got[l], b[l].next_u64(), "lane {l}, step {t}");
                }
            }
        }
        lr.store(&mut refs);
        for l in 0..3 {
            assert_eq!(a[l].next_u64(), b[l].next_u64());
        }
    }
}
