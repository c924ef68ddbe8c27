//! Heat-bath probabilities looked up instead of evaluated, for models whose couplings and fields are
//! integer multiples of one power of two (`±J` glasses, integer Ising couplings, the ±0.5 torus).
//!
//! **Why the lookup is the same number.** Let every coupling `J_ij` and field `f_i` be an integer
//! multiple of `2^-q`, and `U = max_i 2^q (|f_i| + Σ_j |J_ij|)`. With spins `±1`, every partial sum of
//! `f_i + Σ_j J_ij x_j` is a multiple of `2^-q` of magnitude at most `U·2^-q`; when `U < 2^53` each is
//! exactly representable, so every addition of the engine's field loop is exact and the field is
//! exactly `h = m·2^-q` for an integer `|m| ≤ U`, whatever the order of the terms. The probability
//! the engine draws against is `heat_bath_p(nb·h)` with `nb = −2 β_b α`, so a table
//! `p_b[m + U] = heat_bath_p(nb·(m·2^-q))` built with the same function from the same `f64` inputs
//! holds the same bits (`m·2^-q` is exact: a scaling by a power of two). `h = −0.0` (only when every
//! term is a zero) looks up `m = 0`, and `heat_bath_p(±0·nb)` is ½ either way.
//!
//! The same argument makes the energy exact: `E = −Σ_i x_i (Σ_{j>i} J_ij x_j + f_i)` has partial sums
//! on the lattice bounded by `n·U·2^-q` (`n < 2^32`, `U ≤ 2^11`: far below `2^53`), so a lane's energy
//! carried through its updates (`E += (x_old − x_new)·h_i`, [`super::lanes`]) is the energy itself,
//! bit for bit the evaluated one (neither is ever `−0.0`: a sum started at `+0.0` only reaches zero
//! as `+0.0`).
//!
//! The index is read off the bits like the exponent in [`super::exp_nonpos`]: `h·2^q` is the integer
//! `m`, and `m + U + 1.5·2^52` is exact with `m + U` in its low 32 bits (no float→int conversion).
//! A lookup clamps its index to the table's last entry, so even a value outside the proof's domain
//! cannot read out of bounds.

use super::{FastGibbs, heat_bath_p};

/// Largest `q` tried for the common power of two `2^-q`.
const MAX_SHIFT: i32 = 40;

/// Largest `U` (table entries per block: `2U + 1`); larger models keep the `exp`.
const MAX_UNITS: u64 = 2048;

/// `1.5·2^52`: adding an integer below `2^51` in magnitude keeps it exactly in the low bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// The lattice the fields of a model live on: `h = m / scale`, `|m| ≤ units`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Lattice {
    /// `2^q`.
    scale: f64,
    /// `U`.
    units: u64,
}

impl Lattice {
    /// The lattice of a model given by its fields and CSR rows of couplings (`row[i]..row[i+1]`
    /// into `coup`), or `None` when some value is not a multiple of `2^-MAX_SHIFT` or `U` exceeds
    /// [`MAX_UNITS`].
    pub(super) fn of(field: &[f64], row: &[u32], coup: &[f64]) -> Option<Lattice> {
        let mut q = 0;
        for &v in field.iter().chain(coup) {
            q = q.max(shift_of(v)?);
        }
        let scale = f64::from(q).exp2();
        let mut units = 0u64;
        for (i, &f) in field.iter().enumerate() {
            let (a, e) = (row[i] as usize, row[i + 1] as usize);
            // Each term scales to an integer ≤ MAX_UNITS (`shift_of` checked it); the running sum
            // is checked against MAX_UNITS after every term.
            let mut u = (f.abs() * scale) as u64;
            for &w in &coup[a..e] {
                u = u.checked_add((w.abs() * scale) as u64)?;
                if u > MAX_UNITS {
                    return None;
                }
            }
            if u > MAX_UNITS {
                return None;
            }
            units = units.max(u);
        }
        Some(Lattice { scale, units })
    }
}

/// The smallest `q ∈ 0..=MAX_SHIFT` with `v·2^q` an integer (`v` finite), else `None`.
fn shift_of(v: f64) -> Option<i32> {
    if !v.is_finite() {
        return None;
    }
    (0..=MAX_SHIFT).find(|&q| {
        let s = v * f64::from(q).exp2();
        s.is_finite() && s.fract() == 0.0 && s.abs() <= MAX_UNITS as f64
    })
}

/// Largest table (entries over all distinct block β): 64 Ki probabilities, 512 KiB.
const MAX_ENTRIES: usize = 1 << 16;

/// Per distinct block β, `heat_bath_p(nb_b · m/2^q)` for `m = −U..=U` at one `α`: blocks with the
/// same `β_b` (every block, unless a test breaks one) share one row, so a single-site engine of
/// `n` blocks holds one row, not `n`.
#[derive(Clone, Debug)]
pub(super) struct HeatBathTable {
    scale: f64,
    /// `U + 1.5·2^52`.
    shift: f64,
    width: usize,
    /// Row of each block.
    row_of: Vec<u32>,
    p: Vec<f64>,
}

impl HeatBathTable {
    /// Block `b`'s probabilities (never empty).
    #[inline(always)]
    pub(super) fn block(&self, b: usize) -> &[f64] {
        let r = self.row_of[b] as usize;
        &self.p[r * self.width..(r + 1) * self.width]
    }

    /// The entry of `p` (one block's table) for the field `h` (see the module docs).
    #[inline(always)]
    pub(super) fn lookup(&self, p: &[f64], h: f64) -> f64 {
        let y = h * self.scale + self.shift;
        let i = ((y.to_bits() as u32) as usize).min(p.len() - 1);
        p[i]
    }
}

impl FastGibbs {
    /// The lookup table for sweeps at `β_b·alpha`, when the model's fields live on a lattice, the
    /// table (`2U + 1` probabilities per distinct `β_b`) has at most [`MAX_ENTRIES`] and costs less
    /// to build than `site_updates`, the updates it will serve; else `None` (the sweep evaluates
    /// each probability).
    pub(super) fn heat_bath_table(&self, alpha: f64, site_updates: u64) -> Option<HeatBathTable> {
        let lat = self.lattice?;
        let width = 2 * lat.units as usize + 1;
        // Distinct β by bits (the same bits give the same row), in order of first use.
        let mut betas: Vec<f64> = Vec::new();
        let mut row_of = Vec::with_capacity(self.block_beta.len());
        for &beta in &self.block_beta {
            let r = match betas.iter().position(|b| b.to_bits() == beta.to_bits()) {
                Some(r) => r,
                None => {
                    if (betas.len() + 1) * width > MAX_ENTRIES {
                        return None;
                    }
                    betas.push(beta);
                    betas.len() - 1
                }
            };
            row_of.push(r as u32);
        }
        let entries = width * betas.len();
        if entries as u64 > site_updates {
            return None;
        }
        let mut p = Vec::with_capacity(entries);
        for &beta in &betas {
            let nb = -2.0 * beta * alpha;
            for k in 0..width {
                let m = k as f64 - lat.units as f64;
                p.push(heat_bath_p(nb * (m / lat.scale)));
            }
        }
        Some(HeatBathTable {
            scale: lat.scale,
            shift: lat.units as f64 + SHIFTER,
            width,
            row_of,
            p,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_of_dyadic_values() {
        assert_eq!(shift_of(0.0), Some(0));
        assert_eq!(shift_of(-3.0), Some(0));
        assert_eq!(shift_of(0.5), Some(1));
        assert_eq!(shift_of(-0.375), Some(3));
        assert_eq!(shift_of(0.1), None);
        assert_eq!(shift_of(f64::NAN), None);
        assert_eq!(shift_of(f64::INFINITY), None);
        assert_eq!(shift_of(1e300), None);
    }

    #[test]
    fn lattice_of_rows() {
        // Two sites: site 0 has couplings 0.5, -0.25 and field 1; site 1 a coupling 0.5.
        let lat = Lattice::of(&[1.0, 0.0], &[0, 2, 3], &[0.5, -0.25, 0.5]).unwrap();
        assert_eq!(
            lat,
            Lattice {
                scale: 4.0,
                units: 4 + 2 + 1
            }
        );
        assert_eq!(Lattice::of(&[0.0], &[0, 1], &[0.3]), None);
        assert_eq!(Lattice::of(&[3000.0], &[0, 0], &[]), None);
    }

    /// The DTM-like torus (±0.5 couplings, 12 neighbours, no fields) lives on the lattice of ½ with
    /// `U = 12`, and its table holds `heat_bath_p(nb·h)` for every lattice field `h` of every block;
    /// a table is not built for fewer updates than entries.
    #[test]
    fn the_torus_table_is_the_heat_bath_probability() {
        use crate::kernel::build::Scan;
        use crate::model::torus::{Torus, TorusParams};
        let t = Torus::new(TorusParams {
            beta: 0.3,
            ..Default::default()
        })
        .unwrap();
        let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Systematic).unwrap();
        assert_eq!(
            e.lattice,
            Some(Lattice {
                scale: 2.0,
                units: 12
            })
        );
        let alpha = 0.7;
        let tab = e.heat_bath_table(alpha, 100).unwrap();
        for b in 0..4 {
            let p = tab.block(b);
            assert_eq!(p.len(), 25);
            for m in -12..=12 {
                let h = f64::from(m) * 0.5;
                let want = heat_bath_p(-2.0 * 0.3 * alpha * h);
                assert_eq!(tab.lookup(p, h).to_bits(), want.to_bits(), "{h}");
            }
        }
        assert!(e.heat_bath_table(alpha, 24).is_none());
        assert!(e.heat_bath_table(alpha, 25).is_some());
    }

    /// Blocks with one β share one row: a single-site engine of the 3600-spin torus holds 25
    /// entries, not 3600 × 25; a block with its own β gets its own row, with its own probabilities;
    /// a table over [`MAX_ENTRIES`] is not built.
    #[test]
    fn blocks_of_one_beta_share_a_row() {
        use crate::kernel::build::Scan;
        use crate::model::torus::{Torus, TorusParams};
        let t = Torus::new(TorusParams::default()).unwrap();
        let mut e = FastGibbs::single_site(&t.model, Scan::Systematic).unwrap();
        let tab = e.heat_bath_table(1.0, 25).unwrap();
        assert_eq!(tab.p.len(), 25);
        assert_eq!(tab.block(3599), tab.block(0));
        e.block_beta[7] = 0.25;
        let tab = e.heat_bath_table(1.0, 50).unwrap();
        assert_eq!(tab.p.len(), 50);
        let want = heat_bath_p(-2.0 * 0.25 * 1.5);
        assert_eq!(tab.lookup(tab.block(7), 1.5).to_bits(), want.to_bits());
        assert_ne!(tab.block(7), tab.block(0));
        assert_eq!(tab.block(8), tab.block(0));
        // 3600 distinct β: 90,000 entries, over MAX_ENTRIES, so no table (the sweep evaluates).
        for (b, beta) in e.block_beta.iter_mut().enumerate() {
            *beta = 0.5 + b as f64 / 8.0;
        }
        assert!(e.heat_bath_table(1.0, u64::MAX).is_none());
    }

    /// Every lattice field reads the entry built for it, both signs of zero read `m = 0`, and a
    /// value off the domain clamps to the table's ends.
    #[test]
    fn lookup_reads_the_entry_of_the_field() {
        let t = HeatBathTable {
            scale: 4.0,
            shift: 7.0 + SHIFTER,
            width: 15,
            row_of: vec![0],
            p: (0..15).map(f64::from).collect(),
        };
        for m in -7..=7 {
            let h = f64::from(m) / 4.0;
            assert_eq!(t.lookup(&t.p, h), f64::from(m + 7), "{h}");
        }
        assert_eq!(t.lookup(&t.p, -0.0), 7.0);
        assert_eq!(t.lookup(&t.p, 100.0), 14.0);
        assert_eq!(t.block(0).len(), 15);
    }
}
