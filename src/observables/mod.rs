//! The one observable vocabulary (docs/science.md §1; names as docs/cli.md): an [`Observable`] is
//! evaluated on a state (sampled runs record it after every sweep), and a list of them is tabulated
//! over every state of an exact chain ([`Observables`]). Gradient observables of a pairwise energy
//! `E = −Σ J_ij x_i x_j − Σ h_i x_i` are `f_ij = ∂E/∂J_ij = −x_i x_j` (pairs, lexicographic
//! `(0,1), (0,2), …`) and `f_i = ∂E/∂h_i = −x_i` (fields); besides them the magnetization `Σ_i x_i`,
//! the energy `E(x)` (without β), the overlap `(1/N) Σ_i ξ_i x_i` with a planted pattern, and the
//! columns of a user-supplied `F.npy`.

use serde::{Deserialize, Serialize};

use crate::error::{Result, ShapeError};
use crate::model::{Model, decode};

/// One observable `f(x)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Observable {
    /// `f_ij = −x_i x_j`, named `x{i}x{j}`.
    Pair(usize, usize),
    /// `f_i = −x_i`, named `x{i}`.
    Field(usize),
    /// `Σ_i x_i`, named `magnetization`.
    Magnetization,
    /// `E(x)` without β, named `energy`.
    Energy,
    /// `(1/N) Σ_i ξ_i x_i` for planted pattern `μ`, named `overlap{μ}`.
    Overlap(usize, Vec<i8>),
}

impl Observable {
    /// The report name (docs/cli.md).
    pub fn name(&self) -> String {
        match self {
            Observable::Pair(i, j) => format!("x{i}x{j}"),
            Observable::Field(i) => format!("x{i}"),
            Observable::Magnetization => "magnetization".into(),
            Observable::Energy => "energy".into(),
            Observable::Overlap(mu, _) => format!("overlap{mu}"),
        }
    }

    /// `f(x)`; `energy` evaluates `E(x)` (the model's compensated sum for exact tables, the fast
    /// engine's own sum for sampled runs).
    #[inline]
    pub fn eval(&self, x: &[i8], energy: impl Fn(&[i8]) -> f64) -> f64 {
        match self {
            Observable::Pair(i, j) => -f64::from(x[*i] * x[*j]),
            Observable::Field(i) => -f64::from(x[*i]),
            Observable::Magnetization => x.iter().map(|&v| i64::from(v)).sum::<i64>() as f64,
            Observable::Energy => energy(x),
            Observable::Overlap(_, xi) => {
                xi.iter()
                    .zip(x)
                    .map(|(&a, &b)| i64::from(a * b))
                    .sum::<i64>() as f64
                    / x.len() as f64
            }
        }
    }
}

/// The named sets of `[observables] set` (default `pairs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObservableSet {
    /// Every pair observable, lexicographic.
    #[default]
    Pairs,
    /// Every field observable.
    Fields,
    /// The magnetization.
    Magnetization,
    /// The energy.
    Energy,
}

impl ObservableSet {
    /// The observables of the set on `n_spins` spins, in report order.
    pub fn list(&self, n_spins: usize) -> Vec<Observable> {
        match self {
            ObservableSet::Pairs => (0..n_spins)
                .flat_map(|i| (i + 1..n_spins).map(move |j| Observable::Pair(i, j)))
                .collect(),
            ObservableSet::Fields => (0..n_spins).map(Observable::Field).collect(),
            ObservableSet::Magnetization => vec![Observable::Magnetization],
            ObservableSet::Energy => vec![Observable::Energy],
        }
    }
}

/// A set of observables tabulated on every state: `values[a][x] = f_a(x)`.
#[derive(Clone, Debug)]
pub struct Observables {
    pub names: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl Observables {
    pub fn len(&self) -> usize {
        self.values.len()
    }
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    pub fn n_states(&self) -> usize {
        self.values.first().map_or(0, |v| v.len())
    }

    /// Tabulates `list` over the `2^N` states of `model` (energies by [`Model::energy`]).
    pub fn tabulate(model: &dyn Model, list: &[Observable]) -> Self {
        let ns = model.n_spins();
        let n = 1usize << ns;
        let mut x = vec![0i8; ns];
        let mut values = vec![Vec::with_capacity(n); list.len()];
        for s in 0..n {
            decode(s, &mut x);
            for (col, o) in values.iter_mut().zip(list) {
                col.push(o.eval(&x, |y| model.energy(y)));
            }
        }
        Observables {
            names: list.iter().map(Observable::name).collect(),
            values,
        }
    }

    /// A named set for a model.
    ///
    /// # Examples
    ///
    /// ```
    /// use mcmc_audit::prelude::*;
    ///
    /// let model = generators::curie_weiss(3, 1.0)?;
    /// let pairs = Observables::for_model(&model, ObservableSet::Pairs);
    /// assert_eq!(pairs.names, ["x0x1", "x0x2", "x1x2"]);
    /// assert_eq!(pairs.n_states(), 8);
    /// // f_01 = −x0 x1: state 0b011 has x0 = x1 = +1, state 0b001 has x0 = +1, x1 = −1.
    /// assert_eq!(pairs.values[0][0b011], -1.0);
    /// assert_eq!(pairs.values[0][0b001], 1.0);
    ///
    /// // E(x) = −(1/3) Σ_{i<j} x_i x_j is −1 when all spins agree.
    /// let energy = Observables::for_model(&model, ObservableSet::Energy);
    /// assert_eq!(energy.values[0][0b111], -1.0);
    /// # Ok::<(), mcmc_audit::Error>(())
    /// ```
    pub fn for_model(model: &dyn Model, set: ObservableSet) -> Self {
        Self::tabulate(model, &set.list(model.n_spins()))
    }

    /// Every pair observable on `n_spins` spins (no model needed: they do not involve the energy).
    pub fn pairs(n_spins: usize) -> Self {
        Self::spin_only(n_spins, ObservableSet::Pairs)
    }

    /// Every field observable on `n_spins` spins.
    pub fn fields(n_spins: usize) -> Self {
        Self::spin_only(n_spins, ObservableSet::Fields)
    }

    /// The magnetization on `n_spins` spins.
    pub fn magnetization(n_spins: usize) -> Self {
        Self::spin_only(n_spins, ObservableSet::Magnetization)
    }

    /// The energy of `model`.
    pub fn energy(model: &dyn Model) -> Self {
        Self::for_model(model, ObservableSet::Energy)
    }

    fn spin_only(n_spins: usize, set: ObservableSet) -> Self {
        let n = 1usize << n_spins;
        let list = set.list(n_spins);
        let mut x = vec![0i8; n_spins];
        let mut values = vec![Vec::with_capacity(n); list.len()];
        for s in 0..n {
            decode(s, &mut x);
            for (col, o) in values.iter_mut().zip(&list) {
                col.push(o.eval(&x, |_| f64::NAN));
            }
        }
        Observables {
            names: list.iter().map(Observable::name).collect(),
            values,
        }
    }

    /// Columns of a row-major `n_states × k` array (a user's `F.npy`), named `f0, f1, …`.
    ///
    /// # Errors
    ///
    /// [`Error::Mismatch`](crate::Error::Mismatch) with [`ShapeError::ObservableMatrix`] when
    /// `values` is not `n_states · k` long or `k = 0`.
    pub fn from_matrix(values: &[f64], n_states: usize, k: usize) -> Result<Self> {
        if k == 0 || values.len() != n_states * k {
            return Err(ShapeError::ObservableMatrix {
                values: values.len(),
                n_states,
                k,
            }
            .into());
        }
        Ok(Observables {
            names: (0..k).map(|a| format!("f{a}")).collect(),
            values: (0..k)
                .map(|a| (0..n_states).map(|x| values[x * k + a]).collect())
                .collect(),
        })
    }

    /// Explicit columns (tests, library users).
    ///
    /// # Errors
    ///
    /// [`Error::Mismatch`](crate::Error::Mismatch) with [`ShapeError::ObservableNames`] when the
    /// names and columns differ in number, [`ShapeError::RaggedObservables`] when the columns
    /// differ in length.
    pub fn from_columns(names: Vec<String>, values: Vec<Vec<f64>>) -> Result<Self> {
        if names.len() != values.len() {
            return Err(ShapeError::ObservableNames {
                names: names.len(),
                columns: values.len(),
            }
            .into());
        }
        if let Some(n) = values.first().map(|v| v.len())
            && values.iter().any(|v| v.len() != n)
        {
            return Err(ShapeError::RaggedObservables.into());
        }
        Ok(Observables { names, values })
    }
}

/// The default observables of a sampled audit: magnetization, energy, the overlap with each planted
/// pattern, and the pair observables of the model's first three edges.
pub fn sampled_defaults(edges: &[(usize, usize, f64)], patterns: &[Vec<i8>]) -> Vec<Observable> {
    let mut obs = vec![Observable::Magnetization, Observable::Energy];
    for (mu, xi) in patterns.iter().enumerate() {
        obs.push(Observable::Overlap(mu, xi.clone()));
    }
    for &(i, j, _) in edges.iter().take(3) {
        obs.push(Observable::Pair(i, j));
    }
    obs
}

/// `E_π f` (Neumaier-compensated).
pub fn mean(pi: &[f64], f: &[f64]) -> f64 {
    let mut s = crate::numeric::NeumaierSum::new();
    for (&p, &v) in pi.iter().zip(f) {
        s.add(p * v);
    }
    s.value()
}

/// `f − E_π f`.
pub fn centered(pi: &[f64], f: &[f64]) -> Vec<f64> {
    let m = mean(pi, f);
    f.iter().map(|&v| v - m).collect()
}

/// `Var_π f = ⟨f̄, f̄⟩_π` (Neumaier-compensated, on the centered values).
pub fn variance(pi: &[f64], f: &[f64]) -> f64 {
    let c = centered(pi, f);
    let mut s = crate::numeric::NeumaierSum::new();
    for (&p, &v) in pi.iter().zip(&c) {
        s.add(p * v * v);
    }
    s.value()
}

/// Observables outside L²(π) (A4's data): a non-finite value on some state, or a non-finite
/// π-weighted second moment.
#[derive(Clone, Debug, PartialEq)]
pub struct L2Defects {
    pub observables: usize,
    pub defective: usize,
    /// The first defective observable's name.
    pub first: Option<String>,
}

impl L2Defects {
    /// Scans every observable of `obs` under `pi`.
    pub fn of(obs: &Observables, pi: &[f64]) -> Self {
        let mut defective = 0usize;
        let mut first: Option<String> = None;
        for (name, f) in obs.names.iter().zip(&obs.values) {
            let nonfinite = f.iter().filter(|x| !x.is_finite()).count();
            let m2: f64 = f.iter().zip(pi).map(|(p, x)| p * x * x).sum();
            if nonfinite > 0 || !m2.is_finite() {
                defective += 1;
                first.get_or_insert_with(|| name.clone());
            }
        }
        L2Defects {
            observables: obs.len(),
            defective,
            first,
        }
    }
}
