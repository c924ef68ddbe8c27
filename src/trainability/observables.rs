//! Observables in L²(π) (Q-PROGRAM.md §1): the gradient observables of a pairwise energy
//! `f_ij = ∂E/∂J_ij = −x_i x_j` (pairs, lexicographic `(0,1), (0,2), …`) and `f_i = ∂E/∂h_i = −x_i`
//! (fields), the magnetization `Σ_i x_i`, the energy `E(x)`, or a user-supplied `F.npy` (one column
//! per observable). Names follow CLI.md: `x{i}x{j}`, `x{i}`, `magnetization`, `energy`, `f{k}`.

use crate::error::{Error, Result};
use crate::exact::matrix::MatrixObservables;
use crate::model::{Model, decode, spin_of};

/// A set of observables evaluated on every state: `values[a][x] = f_a(x)`.
#[derive(Clone, Debug)]
pub struct Observables {
    pub names: Vec<String>,
    pub values: Vec<Vec<f64>>,
    /// Whether each observable is invariant under the global flip by construction (`None` when the
    /// set came from a file and nothing is known).
    pub declared_even: Option<bool>,
}

/// The named sets of CLI.md `[observables] set`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservableSet {
    Pairs,
    Fields,
    Magnetization,
    Energy,
}

impl ObservableSet {
    /// Parses a CLI.md set name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pairs" => ObservableSet::Pairs,
            "fields" => ObservableSet::Fields,
            "magnetization" => ObservableSet::Magnetization,
            "energy" => ObservableSet::Energy,
            _ => return None,
        })
    }
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

    /// Pair observables `f_ij = −x_i x_j`, `i < j`, lexicographic.
    pub fn pairs(n_spins: usize) -> Self {
        let n = 1usize << n_spins;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for i in 0..n_spins {
            for j in i + 1..n_spins {
                names.push(format!("x{i}x{j}"));
                values.push(
                    (0..n)
                        .map(|s| -f64::from(spin_of(s, i) * spin_of(s, j)))
                        .collect(),
                );
            }
        }
        Observables {
            names,
            values,
            declared_even: Some(true),
        }
    }

    /// Field observables `f_i = −x_i`.
    pub fn fields(n_spins: usize) -> Self {
        let n = 1usize << n_spins;
        Observables {
            names: (0..n_spins).map(|i| format!("x{i}")).collect(),
            values: (0..n_spins)
                .map(|i| (0..n).map(|s| -f64::from(spin_of(s, i))).collect())
                .collect(),
            declared_even: Some(false),
        }
    }

    /// The magnetization `Σ_i x_i`.
    pub fn magnetization(n_spins: usize) -> Self {
        let n = 1usize << n_spins;
        Observables {
            names: vec!["magnetization".into()],
            values: vec![
                (0..n)
                    .map(|s| (0..n_spins).map(|i| f64::from(spin_of(s, i))).sum())
                    .collect(),
            ],
            declared_even: Some(false),
        }
    }

    /// The energy `E(x)` (without β).
    pub fn energy(model: &dyn Model) -> Self {
        let ns = model.n_spins();
        let mut x = vec![0i8; ns];
        let values = (0..1usize << ns)
            .map(|s| {
                decode(s, &mut x);
                model.energy(&x)
            })
            .collect();
        Observables {
            names: vec!["energy".into()],
            values: vec![values],
            declared_even: None,
        }
    }

    /// A named set for a model.
    pub fn for_model(model: &dyn Model, set: ObservableSet) -> Self {
        let n = model.n_spins();
        match set {
            ObservableSet::Pairs => Self::pairs(n),
            ObservableSet::Fields => Self::fields(n),
            ObservableSet::Magnetization => Self::magnetization(n),
            ObservableSet::Energy => Self::energy(model),
        }
    }

    /// Columns of a user-supplied `F.npy` (`n_states × k`, row-major), named `f0, f1, …`.
    pub fn from_matrix(m: &MatrixObservables, n_states: usize) -> Result<Self> {
        if m.k == 0 || m.values.len() != n_states * m.k {
            return Err(Error::Invalid(format!(
                "observables: {} values do not form a {n_states} × {} array",
                m.values.len(),
                m.k
            )));
        }
        Ok(Observables {
            names: (0..m.k).map(|a| format!("f{a}")).collect(),
            values: (0..m.k)
                .map(|a| (0..n_states).map(|x| m.values[x * m.k + a]).collect())
                .collect(),
            declared_even: None,
        })
    }

    /// Explicit columns (tests, library users).
    pub fn from_columns(names: Vec<String>, values: Vec<Vec<f64>>) -> Result<Self> {
        if names.len() != values.len() {
            return Err(Error::Invalid(format!(
                "observables: {} names for {} columns",
                names.len(),
                values.len()
            )));
        }
        if let Some(n) = values.first().map(|v| v.len())
            && values.iter().any(|v| v.len() != n)
        {
            return Err(Error::Invalid(
                "observables: columns of different lengths".into(),
            ));
        }
        Ok(Observables {
            names,
            values,
            declared_even: None,
        })
    }
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
