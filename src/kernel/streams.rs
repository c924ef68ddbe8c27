//! The crate's one random-stream convention. Every recorded random number comes from Xoshiro256++
//! (a named, portable algorithm, never `StdRng`/`SmallRng`): stream `k` of seed `s` is
//! `seed_from_u64(s)` (SplitMix64 seeding) advanced by `k` jumps of `2^128` steps, so streams never
//! overlap and stream `k` does not depend on how many others exist. Parallel work takes one stream per
//! fixed unit (a chain, a batch of pairs, a block of states) and reduces in unit order, so results are
//! bit-identical at any thread count. Stream 0 of `s` is exactly `seed_from_u64(s)`.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every chain uses: Xoshiro256++.
pub type ChainRng = Xoshiro256PlusPlus;

/// Stream `k` of `seed`: `seed_from_u64(seed)` advanced by `k` jumps.
///
/// # Examples
///
/// ```
/// use rand::{Rng, SeedableRng};
/// use mcmc_audit::kernel::{ChainRng, stream, streams};
///
/// // Stream 0 is the seeded generator itself.
/// assert_eq!(stream(7, 0).next_u64(), ChainRng::seed_from_u64(7).next_u64());
/// // Stream k does not depend on how many streams are taken.
/// let mut three = streams(7, 3);
/// assert_eq!(three[2].next_u64(), stream(7, 2).next_u64());
/// assert_ne!(stream(7, 1).next_u64(), stream(7, 2).next_u64());
/// ```
pub fn stream(seed: u64, k: usize) -> ChainRng {
    let mut r = ChainRng::seed_from_u64(seed);
    for _ in 0..k {
        r.jump();
    }
    r
}

/// Streams `0..k` of `seed` (each from the previous by one jump).
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

/// Uniform random spins (one bit per spin, the top bit of one `u64` each) from `rng`.
pub fn random_spins(n: usize, rng: &mut ChainRng) -> Vec<i8> {
    use rand::Rng;
    (0..n)
        .map(|_| if rng.next_u64() >> 63 == 1 { 1 } else { -1 })
        .collect()
}
