//! `family = "matrix"`: an exact chain read from `P.npy` (+ optional `pi.npy`, `F.npy`).
//! Every value is validated before use; each problem is an error naming the file and the entry.

use std::path::Path;

use super::ExactChain;
use crate::error::{Error, Result};
use crate::exact::MAX_DENSE_STATES;
use crate::io::read_npy;
use crate::numeric::tolerance::INPUT_ROW_SUM;
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

/// Validates a transition matrix read from `file`: square, at most [`MAX_DENSE_STATES`] states,
/// finite, non-negative, rows summing to 1 within [`INPUT_ROW_SUM`]. Returns (row-major data, n).
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
    for r in 0..n {
        let s = crate::numeric::sum(&a.data[r * n..(r + 1) * n]);
        if (s - 1.0).abs() > INPUT_ROW_SUM.value {
            return Err(Error::NotStochastic {
                file: pf,
                field: "matrix".into(),
                row: r,
                sum: s,
                residual: (s - 1.0).abs(),
                tolerance: INPUT_ROW_SUM.value,
            });
        }
    }
    Ok((a.data, n))
}

/// Reads and validates `P` (and `pi`, `F` when given); every error names the file and the entry.
///
/// # Errors
///
/// [`Error::Io`] when a file cannot be read and [`Error::Npy`] when it is not a float64 `.npy`
/// array; for `P`, the errors of [`validate_matrix`]; for `pi`, [`Error::Shape`] unless it has
/// shape `(n,)`, [`Error::NonFinite`], [`Error::Negative`], and [`Error::Field`] for a zero entry
/// or a sum off 1 by more than [`INPUT_ROW_SUM`]; for `F`, [`Error::Shape`] unless it has shape
/// `(n, k)` with `k ≥ 1`, and [`Error::NonFinite`]. Without `pi`, [`Error::Numerical`] only when
/// GTH underflows inside a closed class (a reducible `P` is a valid chain).
pub fn load(
    p_path: &Path,
    pi_path: Option<&Path>,
    f_path: Option<&Path>,
) -> Result<(ExactChain, Option<Observables>)> {
    let pf = p_path.display().to_string();
    let a = read_npy(p_path, &["f8"])?;
    let (p, n) = validate_matrix(a, &pf)?;
    let pi = match pi_path {
        None => None,
        Some(path) => {
            let f = path.display().to_string();
            let v = read_npy(path, &["f8"])?;
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
            if (s - 1.0).abs() > INPUT_ROW_SUM.value {
                return Err(Error::field(f, "pi", format!("sums to {s}, not 1")));
            }
            Some(v.data)
        }
    };
    let obs = match f_path {
        None => None,
        Some(path) => {
            let f = path.display().to_string();
            let v = read_npy(path, &["f8"])?;
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
    let chain = ExactChain::from_matrix(p, n, pi, format!("matrix {pf}"))?;
    Ok((chain, obs))
}
