//! Models: energies `E_θ(x)` on `{−1,+1}^N` with law `π(x) = exp(−β E(x)) / Z`.
//!
//! States are encoded as integers for enumeration: bit `i` of the index set ⇔ `x_i = +1`
//! ([`decode`], [`encode`]). Pairwise Boltzmann machines
//! `E(x) = −Σ_{(i,j)} J_ij x_i x_j − Σ_i h_i x_i` cover Ising, Curie–Weiss, SK, planted Hopfield and the
//! bipartite RBM `E = −vᵀ W h` (docs/science.md §1 and §7).

pub mod enumerate;
pub mod generators;
pub mod graph;
pub mod symmetry;
pub mod torus;

use crate::error::{ModelError, Result};

/// Inverse temperature of a model when a spec does not give one.
pub const DEFAULT_BETA: f64 = 1.0;
/// Seed of a model's random couplings or patterns when a spec does not give one.
pub const DEFAULT_SEED: u64 = 0;

/// A spin configuration: one `i8` per spin, each `−1` or `+1`.
pub type Spins = [i8];

/// An energy-based model on `{−1,+1}^N` at a fixed inverse temperature.
pub trait Model: Send + Sync {
    /// Number of spins N.
    fn n_spins(&self) -> usize;
    /// Inverse temperature β (π ∝ exp(−β E)).
    fn beta(&self) -> f64;
    /// The energy `E(x)` (without β).
    fn energy(&self, x: &Spins) -> f64;
    /// The local field `h_i(x)`: `E(x) = −x_i h_i(x) + (terms free of x_i)`.
    fn local_field(&self, x: &Spins, i: usize) -> f64;
    /// Sites that interact with site `i` (for colourings and block validity).
    fn neighbors(&self, i: usize) -> Vec<usize>;
    /// An upper bound on `Σ |terms of E|` (for rounding-error bounds of E and of `β h_i`).
    fn energy_abs_scale(&self) -> f64;
    /// An upper bound on `max_{x,i} |h_i(x)|`.
    fn max_local_field(&self) -> f64;
    /// A fingerprint of every parameter's bit pattern (A1: frozen parameters).
    fn fingerprint(&self) -> u64;
    /// A short human-readable description.
    fn describe(&self) -> String;
    /// The pairwise form of the model, when it is one (the matrix-free backend tabulates its local
    /// fields); `None` for any other model.
    fn as_pairwise(&self) -> Option<&Pairwise> {
        None
    }
}

/// Spin `i` of state index `s`.
#[inline]
pub fn spin_of(s: usize, i: usize) -> i8 {
    if (s >> i) & 1 == 1 { 1 } else { -1 }
}

/// Writes the spins of state index `s` into `x`.
pub fn decode(s: usize, x: &mut Spins) {
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = spin_of(s, i);
    }
}

/// The state index of spins `x`.
pub fn encode(x: &Spins) -> usize {
    x.iter()
        .enumerate()
        .fold(0usize, |s, (i, &v)| if v > 0 { s | (1 << i) } else { s })
}

/// FNV-1a over a stream of 64-bit words: a stable, dependency-free fingerprint.
#[derive(Clone, Copy, Debug)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    pub fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
    pub fn f64(&mut self, x: f64) {
        self.word(x.to_bits());
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Pairwise Boltzmann machine `E(x) = −Σ J_ij x_i x_j − Σ h_i x_i` over a list of edges.
#[derive(Clone, Debug)]
pub struct Pairwise {
    n: usize,
    beta: f64,
    name: String,
    /// Edges `(i, j, J_ij)` with `i < j`, each pair at most once.
    edges: Vec<(usize, usize, f64)>,
    fields: Vec<f64>,
    /// Adjacency: for each site, `(neighbour, J)`.
    adj: Vec<Vec<(usize, f64)>>,
}

impl Pairwise {
    /// Builds a model from couplings `(i, j, J_ij)` (either orientation, each pair once) and
    /// optional fields (all zero when `None`).
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) naming the offending entry: [`ModelError::NoSpins`]
    /// for `n = 0`, [`ModelError::NonFiniteBeta`], [`ModelError::FieldsLength`] or
    /// [`ModelError::NonFiniteField`] for `fields`, and for `couplings[k]`
    /// [`ModelError::CouplingOutOfRange`], [`ModelError::SelfCoupling`],
    /// [`ModelError::NonFiniteCoupling`] or [`ModelError::DuplicatePair`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mcmc_audit::error::{Error, ModelError};
    /// use mcmc_audit::model::{Model, Pairwise};
    ///
    /// // E(x) = −x0 x1 + 0.5 x1 x2 − 0.2 x0
    /// let couplings = [(0, 1, 1.0), (1, 2, -0.5)];
    /// let m = Pairwise::new("chain", 3, 1.0, &couplings, Some(vec![0.2, 0.0, 0.0]))?;
    /// assert_eq!(m.energy(&[1, 1, 1]), -1.0 + 0.5 - 0.2);
    /// // h_1(x) = J_01 x0 + J_12 x2
    /// assert_eq!(m.local_field(&[1, 1, 1], 1), 0.5);
    ///
    /// let err = Pairwise::new("loop", 3, 1.0, &[(1, 1, 1.0)], None).unwrap_err();
    /// assert!(matches!(err, Error::Model(ModelError::SelfCoupling { index: 0, site: 1 })));
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        n: usize,
        beta: f64,
        couplings: &[(usize, usize, f64)],
        fields: Option<Vec<f64>>,
    ) -> Result<Self> {
        let name = name.into();
        if n == 0 {
            return Err(ModelError::NoSpins.into());
        }
        if !beta.is_finite() {
            return Err(ModelError::NonFiniteBeta(beta).into());
        }
        let fields = fields.unwrap_or_else(|| vec![0.0; n]);
        if fields.len() != n {
            return Err(ModelError::FieldsLength {
                got: fields.len(),
                n,
            }
            .into());
        }
        if let Some((index, &value)) = fields.iter().enumerate().find(|(_, h)| !h.is_finite()) {
            return Err(ModelError::NonFiniteField { index, value }.into());
        }
        let mut edges = Vec::with_capacity(couplings.len());
        let mut seen = std::collections::BTreeSet::new();
        for (index, &(a, b, j)) in couplings.iter().enumerate() {
            if a >= n || b >= n {
                return Err(ModelError::CouplingOutOfRange { index, a, b, n }.into());
            }
            if a == b {
                return Err(ModelError::SelfCoupling { index, site: a }.into());
            }
            if !j.is_finite() {
                return Err(ModelError::NonFiniteCoupling { index, value: j }.into());
            }
            let (i, jj) = if a < b { (a, b) } else { (b, a) };
            if !seen.insert((i, jj)) {
                return Err(ModelError::DuplicatePair { index, i, j: jj }.into());
            }
            edges.push((i, jj, j));
        }
        let mut adj = vec![Vec::new(); n];
        for &(i, j, w) in &edges {
            adj[i].push((j, w));
            adj[j].push((i, w));
        }
        Ok(Pairwise {
            n,
            beta,
            name,
            edges,
            fields,
            adj,
        })
    }

    pub fn edges(&self) -> &[(usize, usize, f64)] {
        &self.edges
    }
    pub fn fields(&self) -> &[f64] {
        &self.fields
    }
    pub fn adjacency(&self) -> &[Vec<(usize, f64)>] {
        &self.adj
    }
    /// Whether every field is exactly zero (the model is then symmetric under the global flip).
    pub fn field_free(&self) -> bool {
        self.fields.iter().all(|&h| h == 0.0)
    }
    /// The same couplings at another inverse temperature.
    pub fn with_beta(&self, beta: f64) -> Self {
        Pairwise {
            beta,
            ..self.clone()
        }
    }
}

impl Model for Pairwise {
    fn n_spins(&self) -> usize {
        self.n
    }
    fn as_pairwise(&self) -> Option<&Pairwise> {
        Some(self)
    }
    fn beta(&self) -> f64 {
        self.beta
    }
    fn energy(&self, x: &Spins) -> f64 {
        let mut e = crate::numeric::NeumaierSum::new();
        for &(i, j, w) in &self.edges {
            e.add(-w * f64::from(x[i] * x[j]));
        }
        for (i, &h) in self.fields.iter().enumerate() {
            if h != 0.0 {
                e.add(-h * f64::from(x[i]));
            }
        }
        e.value()
    }
    fn local_field(&self, x: &Spins, i: usize) -> f64 {
        let mut h = self.fields[i];
        for &(j, w) in &self.adj[i] {
            h += w * f64::from(x[j]);
        }
        h
    }
    fn neighbors(&self, i: usize) -> Vec<usize> {
        self.adj[i].iter().map(|&(j, _)| j).collect()
    }
    fn energy_abs_scale(&self) -> f64 {
        self.edges.iter().map(|e| e.2.abs()).sum::<f64>()
            + self.fields.iter().map(|h| h.abs()).sum::<f64>()
    }
    fn max_local_field(&self) -> f64 {
        (0..self.n)
            .map(|i| self.fields[i].abs() + self.adj[i].iter().map(|a| a.1.abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }
    fn fingerprint(&self) -> u64 {
        let mut f = Fingerprint::default();
        f.word(self.n as u64);
        f.f64(self.beta);
        for &(i, j, w) in &self.edges {
            f.word(i as u64);
            f.word(j as u64);
            f.f64(w);
        }
        for &h in &self.fields {
            f.f64(h);
        }
        f.finish()
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_roundtrip() {
        let mut x = vec![0i8; 5];
        for s in 0..32 {
            decode(s, &mut x);
            assert_eq!(encode(&x), s);
        }
    }

    #[test]
    fn local_field_matches_energy_difference() {
        let m = Pairwise::new(
            "t",
            3,
            1.0,
            &[(0, 1, 0.7), (1, 2, -1.3)],
            Some(vec![0.2, 0.0, -0.5]),
        )
        .unwrap();
        let mut x = vec![1i8, -1, 1];
        for i in 0..3 {
            let e0 = m.energy(&x);
            x[i] = -x[i];
            let e1 = m.energy(&x);
            x[i] = -x[i];
            // E(x) − E(x with x_i flipped) = −2 x_i h_i.
            assert!((e0 - e1 + 2.0 * f64::from(x[i]) * m.local_field(&x, i)).abs() < 1e-14);
        }
    }

    #[test]
    fn invalid_models_are_errors() {
        assert!(Pairwise::new("t", 2, 1.0, &[(0, 0, 1.0)], None).is_err());
        assert!(Pairwise::new("t", 2, 1.0, &[(0, 2, 1.0)], None).is_err());
        assert!(Pairwise::new("t", 2, 1.0, &[(0, 1, f64::NAN)], None).is_err());
        assert!(Pairwise::new("t", 2, 1.0, &[(0, 1, 1.0), (1, 0, 1.0)], None).is_err());
        assert!(Pairwise::new("t", 2, f64::INFINITY, &[], None).is_err());
    }
}
