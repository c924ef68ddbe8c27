//! `family = "matrix"`: an exact chain read from `P.npy` (+ optional `pi.npy`, `F.npy`).
//! Every value is validated before use; each problem is an error naming the file and the entry.

use std::path::Path;

use super::ExactChain;
use crate::error::{Error, Result};
use crate::exact::MAX_DENSE_STATES;
use crate::io::read_npy;
use crate::numeric::tolerance::{INPUT_ROUNDINGS, INPUT_ROW_SUM};
use crate::observables::Observables;

fn check_finite_nonneg(file: &str, field: &str, data: &[f64], cols: usize) -> Result<()> {
    for (k, &v) in data.iter().enumerate() {
        let index = match (k.checked_div(cols), k.checked_rem(cols)) {
            (Some(r), Some(c)) => format!("{r}, {c}"),
            _ => k.to_string(),
        };
        if !v.is_finite() {
            return Err(Error::NonFinite {
                file: file.into(),
                field: field.into(),
                index,
                value: v,
            });
        }
        if v < 0.0 {
            return Err(Error::Negative {
                file: file.into(),
                field: field.into(),
                index,
                value: v,
            });
        }
    }
    Ok(())
}

/// The row-sum (and π total) slack accepted from an input stored with unit roundoff `u`:
/// `max(INPUT_ROW_SUM, INPUT_ROUNDINGS · u)` (float64: [`INPUT_ROW_SUM`]).
pub fn input_sum_slack(u: f64) -> f64 {
    INPUT_ROW_SUM.value.max(INPUT_ROUNDINGS * u)
}

/// Validates a transition matrix read from `file`: square, at most [`MAX_DENSE_STATES`] states,
/// finite, non-negative, rows summing to 1 within [`input_sum_slack`] of its dtype ([`INPUT_ROW_SUM`]
/// for float64). Returns (row-major data, n).
///
/// # Errors
///
/// Each naming `file` and the entry: [`Error::Shape`] when the array is not square, is empty or has
/// more than [`MAX_DENSE_STATES`] states; [`Error::NonFinite`] and [`Error::Negative`] for an
/// entry; [`Error::NotStochastic`] for a row whose sum is off by more than [`INPUT_ROW_SUM`].
///
/// # Examples
///
/// ```
/// use mcmc_audit::Error;
/// use mcmc_audit::exact::matrix::validate_matrix;
/// use mcmc_audit::io::Array;
///
/// let array = |data: Vec<f64>| Array { shape: vec![2, 2], data, dtype: "<f8".into() };
/// let (p, n) = validate_matrix(array(vec![0.9, 0.1, 0.5, 0.5]), "P.npy")?;
/// assert_eq!((p.len(), n), (4, 2));
///
/// let err = validate_matrix(array(vec![0.9, 0.2, 0.5, 0.5]), "P.npy").unwrap_err();
/// assert!(matches!(err, Error::NotStochastic { row: 0, .. }));
/// let err = validate_matrix(array(vec![1.1, -0.1, 0.5, 0.5]), "P.npy").unwrap_err();
/// assert!(matches!(err, Error::Negative { .. }));
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn validate_matrix(a: crate::io::Array, file: &str) -> Result<(Vec<f64>, usize)> {
    let pf = file.to_string();
    if a.shape.len() != 2 || a.shape[0] != a.shape[1] || a.shape[0] == 0 {
        return Err(Error::Shape {
            file: pf,
            field: "matrix".into(),
            found: a.shape,
            expected: "(n, n) with n ≥ 1".into(),
        });
    }
    let n = a.shape[0];
    if n > MAX_DENSE_STATES {
        return Err(Error::Shape {
            file: pf,
            field: "matrix".into(),
            found: a.shape,
            expected: format!(
                "at most {MAX_DENSE_STATES} states (the dense exact engine holds a few n×n copies)"
            ),
        });
    }
    check_finite_nonneg(&pf, "matrix", &a.data, n)?;
    let slack = input_sum_slack(a.unit_roundoff());
    for r in 0..n {
        let s = crate::numeric::sum(&a.data[r * n..(r + 1) * n]);
        if (s - 1.0).abs() > slack {
            return Err(Error::NotStochastic {
                file: pf,
                field: "matrix".into(),
                row: r,
                sum: s,
                residual: (s - 1.0).abs(),
                tolerance: slack,
            });
        }
    }
    Ok((a.data, n))
}

/// How the files of a matrix audit were stored and converted (reported as `quantities.input`).
#[derive(Clone, Debug, Default)]
pub struct InputFormat {
    /// (field, file, dtype, conversion in words) for each file read.
    pub files: Vec<(String, String, String, String)>,
    /// The largest unit roundoff of the storage of `P` and `pi` (0 when both are float64 or exact).
    pub unit_roundoff: f64,
}

impl InputFormat {
    fn add(&mut self, field: &str, file: &str, a: &crate::io::Array, rounds: bool) {
        self.files
            .push((field.into(), file.into(), a.dtype.clone(), a.conversion()));
        if rounds {
            self.unit_roundoff = self.unit_roundoff.max(a.unit_roundoff());
        }
    }

    /// The floor of the rounding-level thresholds: [`INPUT_ROUNDINGS`] roundings of the coarsest
    /// format of `P` and `pi` (0 for float64 or exact data).
    pub fn tolerance_floor(&self) -> f64 {
        INPUT_ROUNDINGS * self.unit_roundoff
    }

    /// The `quantities.input` block: each file's dtype and conversion, and the floor when there is one.
    pub fn to_json(&self) -> serde_json::Value {
        let files: serde_json::Map<String, serde_json::Value> = self
            .files
            .iter()
            .map(|(field, file, dtype, conv)| {
                (
                    field.clone(),
                    serde_json::json!({ "file": file, "dtype": dtype, "conversion": conv }),
                )
            })
            .collect();
        let mut v = serde_json::json!({ "files": files });
        if self.unit_roundoff > 0.0 {
            v["unit_roundoff"] = self.unit_roundoff.into();
            v["tolerance_floor"] = serde_json::json!({
                "value": self.tolerance_floor(),
                "checks": crate::checks::ROUNDING_LEVEL_CHECKS,
                "why": format!(
                    "P or pi is stored below float64, so rows, invariance, detailed balance and sigma_1 = 1 can hold only to the format's rounding: these checks' thresholds are at least {INPUT_ROUNDINGS} roundings of it"
                ),
            });
        }
        v
    }
}

/// Reads and validates `P` (and `pi`, `F` when given); every error names the file and the entry.
/// Any numeric dtype is accepted (float64/32/16, integers, bool: each converted exactly to float64);
/// [`InputFormat`] says how, and a float32/float16 `P` or `pi` carries its format's unit roundoff
/// into the chain's entry error bounds (`p_rel_err`, `pi_rel_err`).
///
/// # Errors
///
/// [`Error::Io`] when a file cannot be read and [`Error::Npy`] when it is not a numeric `.npy`
/// array; for `P`, the errors of [`validate_matrix`]; for `pi`, [`Error::Shape`] unless it has
/// shape `(n,)`, [`Error::NonFinite`], [`Error::Negative`], and [`Error::Field`] for a zero entry
/// or a sum off 1 by more than [`input_sum_slack`]; for `F`, [`Error::Shape`] unless it has shape
/// `(n, k)` with `k ≥ 1`, and [`Error::NonFinite`]. Without `pi`, [`Error::Numerical`] only when
/// GTH underflows inside a closed class (a reducible `P` is a valid chain).
pub fn load(
    p_path: &Path,
    pi_path: Option<&Path>,
    f_path: Option<&Path>,
) -> Result<(ExactChain, Option<Observables>, InputFormat)> {
    let pf = p_path.display().to_string();
    let mut input = InputFormat::default();
    let a = read_npy(p_path, &[])?;
    input.add("matrix", &pf, &a, true);
    let u_p = a.unit_roundoff();
    let (p, n) = validate_matrix(a, &pf)?;
    let mut u_pi = 0.0;
    let pi = match pi_path {
        None => None,
        Some(path) => {
            let f = path.display().to_string();
            let v = read_npy(path, &[])?;
            input.add("pi", &f, &v, true);
            u_pi = v.unit_roundoff();
            if v.shape != [n] {
                return Err(Error::Shape {
                    file: f,
                    field: "pi".into(),
                    found: v.shape,
                    expected: format!("({n},)"),
                });
            }
            check_finite_nonneg(&f, "pi", &v.data, 0)?;
            if let Some(k) = v.data.iter().position(|&x| x == 0.0) {
                return Err(Error::field(
                    f,
                    format!("pi[{k}]"),
                    "is 0: pi must be strictly positive (the law of an irreducible chain)",
                ));
            }
            let s = crate::numeric::sum(&v.data);
            if (s - 1.0).abs() > input_sum_slack(u_pi) {
                return Err(Error::field(f, "pi", format!("sums to {s}, not 1")));
            }
            Some(v.data)
        }
    };
    let obs = match f_path {
        None => None,
        Some(path) => {
            let f = path.display().to_string();
            let v = read_npy(path, &[])?;
            input.add("observables", &f, &v, false);
            if v.shape.len() != 2 || v.shape[0] != n || v.shape[1] == 0 {
                return Err(Error::Shape {
                    file: f,
                    field: "observables".into(),
                    found: v.shape,
                    expected: format!("({n}, k) with k ≥ 1"),
                });
            }
            if let Some((k, &x)) = v.data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                let cols = v.shape[1];
                return Err(Error::NonFinite {
                    file: f,
                    field: "observables".into(),
                    index: format!("{}, {}", k / cols, k % cols),
                    value: x,
                });
            }
            Some(Observables::from_matrix(&v.data, n, v.shape[1])?)
        }
    };
    let mut chain = ExactChain::from_matrix(p, n, pi, format!("matrix {pf}"))?;
    // The stored entries are the intended ones times (1 + δ), |δ| ≤ u of their format.
    chain.p_rel_err += u_p;
    chain.pi_rel_err += u_pi;
    Ok((chain, obs, input))
}
