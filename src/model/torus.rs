//! The `torus` family: a sparse, DTM-like Ising graph with thousands of spins for sampled audits.
//!
//! Geometry (this crate's convention; the DTM paper describes its "60_12" graph only as a 60×60
//! torus grid with degree-12 connectivity, bipartite, with four sampling blocks — docs/science.md §7 —
//! and does not publish the neighbour pattern):
//!
//! - sites on an `L × L` torus (`L = side`, even, ≥ 6), site index `i = y·L + x`;
//! - `degree = 12`: the 4 nearest neighbours `(±1, 0), (0, ±1)` plus the 8 knight moves
//!   `(±2, ±1), (±1, ±2)`; `degree = 4`: the nearest neighbours only.
//!   Every offset has `|dx| + |dy|` odd, so the graph is **bipartite** (checkerboard parity
//!   `(x + y) mod 2`), and no offset has both coordinates even, so **colour = (x mod 2, y mod 2)** is a
//!   proper 4-colouring: the four sampling blocks, each a refinement of one side of the bipartition.
//!   `L` even keeps both colourings consistent across the wrap-around; `L ≥ 6` keeps the 12 offsets
//!   distinct modulo `L`.
//!
//! Couplings `E(x) = −Σ_{(i,j)} J_ij x_i x_j`, no fields (flip-symmetric), drawn from Xoshiro256++
//! seeded by `seed` (SplitMix64 seeding, as every generator in [`super::generators`]):
//! - `patterns = 0`: a ±J glass, `J_ij = coupling · s_ij`, `s_ij` uniform ±1 (edge order below);
//! - `patterns = M ≥ 1`: planted Hebbian couplings on the sparse graph,
//!   `J_ij = coupling · (1/M) Σ_μ ξ_i^μ ξ_j^μ`, `ξ^μ` uniform ±1 — multimodal at large `β·coupling`
//!   (modes near `±ξ^μ`). Zero couplings are kept as edges so every site has exactly `degree`
//!   neighbours.
//!
//! Edges are generated site by site (`i = 0, 1, …`) over the forward offsets
//! `(1,0), (0,1), (2,1), (2,−1), (1,2), (1,−2)` (degree 12) or `(1,0), (0,1)` (degree 4); each
//! undirected edge appears exactly once because the backward offsets are the negatives.

use super::Pairwise;
use super::generators::{param_rng, patterns, rademacher};
use crate::error::{ModelError, Result};

/// Forward offsets of the degree-12 pattern; the neighbourhood is these and their negatives.
pub const FORWARD_12: [(i64, i64); 6] = [(1, 0), (0, 1), (2, 1), (2, -1), (1, 2), (1, -2)];
/// Largest side accepted (16.8 million spins).
pub const MAX_SIDE: usize = 4096;

/// Forward offsets of the degree-4 (nearest-neighbour) pattern.
pub const FORWARD_4: [(i64, i64); 2] = [(1, 0), (0, 1)];

/// Parameters of a torus model.
#[derive(Clone, Debug, PartialEq)]
pub struct TorusParams {
    pub side: usize,
    pub degree: usize,
    pub coupling: f64,
    pub patterns: usize,
    pub beta: f64,
    pub seed: u64,
}

impl Default for TorusParams {
    /// The DTM-like default: 60×60, degree 12, coupling 0.5, no patterns, β = 1, seed 0 (docs/spec.md).
    fn default() -> Self {
        TorusParams {
            side: 60,
            degree: 12,
            coupling: 0.5,
            patterns: 0,
            beta: super::DEFAULT_BETA,
            seed: super::DEFAULT_SEED,
        }
    }
}

/// A torus model with its geometry.
#[derive(Clone, Debug)]
pub struct Torus {
    pub params: TorusParams,
    pub model: Pairwise,
    /// The planted patterns (empty when `patterns = 0`).
    pub patterns: Vec<Vec<i8>>,
}

impl Torus {
    /// Builds the model; rejects odd or too small sides, unsupported degrees, non-finite values.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model): [`ModelError::TorusSide`] for an odd side or one
    /// below 6, [`ModelError::TorusTooLarge`] above [`MAX_SIDE`], [`ModelError::TorusDegree`] for a
    /// degree other than 12 or 4, [`ModelError::NonFiniteScale`] for a non-finite coupling, and
    /// [`ModelError::NonFiniteBeta`].
    pub fn new(p: TorusParams) -> Result<Self> {
        let l = p.side;
        if l < 6 || !l.is_multiple_of(2) {
            return Err(ModelError::TorusSide(l).into());
        }
        if l > MAX_SIDE {
            return Err(ModelError::TorusTooLarge {
                side: l,
                max: MAX_SIDE,
                spins: l * l,
            }
            .into());
        }
        let fwd: &[(i64, i64)] = match p.degree {
            12 => &FORWARD_12,
            4 => &FORWARD_4,
            d => return Err(ModelError::TorusDegree(d).into()),
        };
        if !p.coupling.is_finite() {
            return Err(ModelError::NonFiniteScale(p.coupling).into());
        }
        let n = l * l;
        let mut rng = param_rng(p.seed);
        let xi = if p.patterns > 0 {
            patterns(n, p.patterns, &mut rng)
        } else {
            Vec::new()
        };
        let mut c = Vec::with_capacity(n * fwd.len());
        for i in 0..n {
            let (x, y) = ((i % l) as i64, (i / l) as i64);
            for &(dx, dy) in fwd {
                let j = site(l, x + dx, y + dy);
                let w = if xi.is_empty() {
                    p.coupling * f64::from(rademacher(&mut rng))
                } else {
                    let s: i32 = xi.iter().map(|q| i32::from(q[i] * q[j])).sum();
                    p.coupling * f64::from(s) / p.patterns as f64
                };
                c.push((i, j, w));
            }
        }
        let name = format!(
            "torus(side={l}, degree={}, coupling={}, patterns={}, beta={}, seed={})",
            p.degree, p.coupling, p.patterns, p.beta, p.seed
        );
        let model = Pairwise::new(name, n, p.beta, &c, None)?;
        Ok(Torus {
            params: p,
            model,
            patterns: xi,
        })
    }

    pub fn side(&self) -> usize {
        self.params.side
    }
    pub fn n_spins(&self) -> usize {
        self.params.side * self.params.side
    }
    /// `(x, y)` of site `i`.
    pub fn coords(&self, i: usize) -> (usize, usize) {
        (i % self.side(), i / self.side())
    }
    /// The colour `2·(y mod 2) + (x mod 2)` of site `i` (0..4).
    pub fn colour(&self, i: usize) -> usize {
        let (x, y) = self.coords(i);
        2 * (y % 2) + (x % 2)
    }
    /// The four sampling blocks (colour classes), each sorted.
    pub fn blocks4(&self) -> Vec<Vec<usize>> {
        let mut b = vec![Vec::new(); 4];
        for i in 0..self.n_spins() {
            b[self.colour(i)].push(i);
        }
        b
    }
    /// The two sides of the bipartition (checkerboard parity), each sorted.
    pub fn bipartition(&self) -> Vec<Vec<usize>> {
        let mut b = vec![Vec::new(); 2];
        for i in 0..self.n_spins() {
            let (x, y) = self.coords(i);
            b[(x + y) % 2].push(i);
        }
        b
    }
}

/// Site index of `(x, y)` on the `l × l` torus (coordinates taken modulo `l`).
pub fn site(l: usize, x: i64, y: i64) -> usize {
    let li = l as i64;
    (y.rem_euclid(li) * li + x.rem_euclid(li)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn small(degree: usize, patterns: usize) -> Torus {
        Torus::new(TorusParams {
            side: 8,
            degree,
            patterns,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn every_site_has_degree_neighbours() {
        for d in [4, 12] {
            let t = small(d, 0);
            assert_eq!(t.model.edges().len(), 64 * d / 2);
            assert!((0..64).all(|i| t.model.neighbors(i).len() == d));
        }
    }

    #[test]
    fn four_colouring_and_bipartition_are_proper() {
        let t = small(12, 2);
        for i in 0..t.n_spins() {
            for j in t.model.neighbors(i) {
                assert_ne!(
                    t.colour(i),
                    t.colour(j),
                    "edge {i}-{j} inside a colour block"
                );
                let (a, b) = (t.coords(i), t.coords(j));
                assert_ne!(
                    (a.0 + a.1) % 2,
                    (b.0 + b.1) % 2,
                    "edge {i}-{j} inside a side"
                );
            }
        }
        for b in t.blocks4() {
            assert!(crate::model::graph::is_independent(&t.model, &b));
            assert_eq!(b.len(), 16);
        }
        // The crate's generic BFS bipartition agrees that the graph is bipartite.
        assert!(crate::model::graph::bipartition(&t.model).is_ok());
    }

    #[test]
    fn greedy_colouring_finds_the_bipartition() {
        // `blocks = "coloring"` (greedy, site order) finds the graph's 2-colouring — the bipartition —
        // not the 4-block split; sampled torus audits must take [`Torus::blocks4`] explicitly.
        for side in [6, 8, 60] {
            let t = Torus::new(TorusParams {
                side,
                ..Default::default()
            })
            .unwrap();
            let mut g = crate::model::graph::greedy_coloring(&t.model);
            let mut b = t.bipartition();
            g.sort();
            b.sort();
            assert_eq!(g, b, "side {side}");
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        for (side, degree) in [(7, 12), (4, 12), (8, 8)] {
            assert!(
                Torus::new(TorusParams {
                    side,
                    degree,
                    ..Default::default()
                })
                .is_err()
            );
        }
        assert!(
            Torus::new(TorusParams {
                coupling: f64::NAN,
                side: 8,
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn planted_couplings_are_hebbian() {
        let t = small(12, 1);
        let xi = &t.patterns[0];
        for &(i, j, w) in t.model.edges() {
            assert_eq!(w, 0.5 * f64::from(xi[i] * xi[j]));
        }
        // Seeded: the same parameters give the same model.
        assert_eq!(t.model.fingerprint(), small(12, 1).model.fingerprint());
        assert_ne!(t.model.fingerprint(), small(12, 0).model.fingerprint());
    }
}
