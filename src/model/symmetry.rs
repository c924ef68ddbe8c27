//! Symmetry groups acting on states. The canonical one is the global flip `x → −x`, which on state
//! indices is `s → s XOR (2^N − 1)` (docs/science.md §3, §5 A9).

/// The image of state index `s` under the global flip of `n` spins.
#[inline]
pub fn global_flip(s: usize, n: usize) -> usize {
    s ^ ((1usize << n) - 1)
}
