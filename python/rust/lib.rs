//! `mcmc_audit._native`: the Python entry points of mcmc-audit (issue 11). Each one runs the same
//! pipeline as the command line on a spec or trajectory file (the pure-Python layer writes NumPy
//! arrays and dicts to such files, so validation and messages are the CLI's), releases the GIL while
//! it works, and returns the JSON report, the text report and the exit code. An input error becomes
//! `InputError` (a `ValueError`) with the CLI's one-line message; a panic never crosses the boundary
//! (it becomes a `RuntimeError` saying so).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArrayDyn, PyUntypedArrayMethods};

use mcmc_audit::diagnostics::Convention;
use mcmc_audit::pipeline::{self, trace};
use mcmc_audit::report;

create_exception!(
    _native,
    InputError,
    PyValueError,
    "Bad input (a file, an array or a spec key), with the command line's one-line message."
);

/// The message of a panic caught at the boundary.
const PANIC: &str =
    "mcmc-audit: internal error (a panic in the native module); please report it with the input";

/// What every entry point hands back: the JSON report, the text report, the HTML page (when asked
/// for), the exit code.
type Rendered = (String, String, Option<String>, i32);

/// Runs `work` without the GIL and maps its outcome: an mcmc-audit error to `InputError`, a panic to
/// `RuntimeError`.
fn run<F>(py: Python<'_>, work: F) -> PyResult<Rendered>
where
    F: FnOnce() -> mcmc_audit::Result<Rendered> + Send,
{
    match py.detach(|| catch_unwind(AssertUnwindSafe(work))) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(InputError::new_err(e.to_string())),
        Err(_) => Err(PyRuntimeError::new_err(PANIC)),
    }
}

/// `mcmc-audit audit SPEC [--eigenvalues K] [--baseline OLD.json]`, with the `--format html` page
/// as well when `html`.
#[pyfunction]
#[pyo3(signature = (spec, eigenvalues=None, baseline=None, html=false))]
fn audit_spec(
    py: Python<'_>,
    spec: PathBuf,
    eigenvalues: Option<usize>,
    baseline: Option<PathBuf>,
    html: bool,
) -> PyResult<Rendered> {
    run(py, move || {
        let r = pipeline::run_spec_with(&spec, eigenvalues, baseline.as_deref(), html)?;
        let page = html.then(|| report::html::audit(&r));
        Ok((
            report::audit::json(&r),
            report::audit::text(&r),
            page,
            r.exit_code(),
        ))
    })
}

/// `mcmc-audit trace FILE [--convention C] [--burn-in B] [--window K] [--doubling-from L]`.
#[pyfunction]
#[pyo3(signature = (file, convention="posterior", burn_in=None, window=None, doubling_from=None, html=false))]
fn trace_file(
    py: Python<'_>,
    file: PathBuf,
    convention: &str,
    burn_in: Option<usize>,
    window: Option<usize>,
    doubling_from: Option<usize>,
    html: bool,
) -> PyResult<Rendered> {
    let opts = trace_options(convention, burn_in, window, doubling_from, html)?;
    run(py, move || {
        let r = trace::run_trace(&file, &opts)?;
        Ok(rendered(&r))
    })
}

/// `trace` on a NumPy float64 array read in place (C-contiguous, `(chains, draws)` or `(chains,
/// draws, variables)`): the one copy is the re-layout into chain-major draws, made without the GIL.
/// The report names the data `draws`, as the file route does for its renamed temporary file.
#[pyfunction]
#[pyo3(signature = (draws, convention="posterior", burn_in=None, window=None, doubling_from=None, html=false))]
fn trace_array(
    py: Python<'_>,
    draws: PyReadonlyArrayDyn<'_, f64>,
    convention: &str,
    burn_in: Option<usize>,
    window: Option<usize>,
    doubling_from: Option<usize>,
    html: bool,
) -> PyResult<Rendered> {
    let opts = trace_options(convention, burn_in, window, doubling_from, html)?;
    let shape = draws.shape().to_vec();
    let data = draws.as_slice().map_err(|_| {
        InputError::new_err(
            "draws: the array is not C-contiguous (np.ascontiguousarray makes it so)",
        )
    })?;
    run(py, move || {
        let vars = mcmc_audit::io::trace::from_view(&shape, data, "draws")?;
        let r = trace::run_trace_arrays("draws", vars, &opts)?;
        Ok(rendered(&r))
    })
}

/// The options of the trace functions (`convention` is `posterior` or `arviz`).
fn trace_options(
    convention: &str,
    burn_in: Option<usize>,
    window: Option<usize>,
    doubling_from: Option<usize>,
    html: bool,
) -> PyResult<trace::TraceOptions> {
    let convention = match convention {
        "posterior" => Convention::Posterior,
        "arviz" => Convention::Arviz,
        other => {
            return Err(InputError::new_err(format!(
                "convention: `{other}` is neither `posterior` nor `arviz`"
            )));
        }
    };
    Ok(trace::TraceOptions {
        convention,
        burn_in,
        window,
        doubling_from,
        figures: html,
        ..Default::default()
    })
}

/// A trace report as the entry points hand it back (the page only when its figures were gathered).
fn rendered(r: &trace::TraceReport) -> (String, String, Option<String>, i32) {
    let page = r.figures.is_some().then(|| report::html::trace(r));
    (
        report::trace::json(r),
        report::trace::text(r),
        page,
        r.exit_code(),
    )
}

/// The exact chain of a spec (model + `[kernel]`, no `[sampling]`): `(P, pi, log_pi, description)`
/// with `P` an `(n, n)` float64 array, row x = state x (bit i set ⇔ spin i = +1, docs/spec.md).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn exact_chain<'py>(
    py: Python<'py>,
    spec: PathBuf,
) -> PyResult<(
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    String,
)> {
    let outcome = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let spec = mcmc_audit::spec::AuditSpec::load(&spec)?;
            pipeline::exact_chain(&spec)
        }))
    });
    let chain = match outcome {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(InputError::new_err(e.to_string())),
        Err(_) => return Err(PyRuntimeError::new_err(PANIC)),
    };
    let n = chain.n_states;
    let p = numpy::ndarray::Array2::from_shape_vec((n, n), chain.p)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok((
        p.into_pyarray(py),
        chain.pi.into_pyarray(py),
        chain.log_pi.into_pyarray(py),
        chain.description,
    ))
}

/// Each distinct elementary update of a spec's kernel audited alone against the model's π
/// (`pipeline::update_verdicts`): a JSON list of `{"update": name, "verdicts": [...]}`.
#[pyfunction]
fn update_verdicts(py: Python<'_>, spec: PathBuf) -> PyResult<String> {
    let outcome = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let spec = mcmc_audit::spec::AuditSpec::load(&spec)?;
            pipeline::update_verdicts(&spec)
        }))
    });
    match outcome {
        Ok(Ok(list)) => {
            let list: Vec<_> = list
                .into_iter()
                .map(|(update, verdicts)| serde_json::json!({"update": update, "verdicts": verdicts}))
                .collect();
            Ok(serde_json::Value::Array(list).to_string())
        }
        Ok(Err(e)) => Err(InputError::new_err(e.to_string())),
        Err(_) => Err(PyRuntimeError::new_err(PANIC)),
    }
}

/// An outside sampler judged against a spec's exact chain (`pipeline::sampler_verdicts`):
/// `transitions` as `(start, end)` state pairs (S.kernel-gtest), `draws` independent states
/// (S.stationary-gtest), `settled` the exact TV distance of the draws' law from π. A JSON list of
/// verdicts.
#[pyfunction]
#[pyo3(signature = (spec, transitions, draws, settled=None))]
fn sampler_verdicts(
    py: Python<'_>,
    spec: PathBuf,
    transitions: Vec<(usize, usize)>,
    draws: Vec<usize>,
    settled: Option<f64>,
) -> PyResult<String> {
    let outcome = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let spec = mcmc_audit::spec::AuditSpec::load(&spec)?;
            pipeline::sampler_verdicts(&spec, &transitions, &draws, settled)
        }))
    });
    match outcome {
        Ok(Ok(v)) => serde_json::to_string(&v).map_err(|e| PyRuntimeError::new_err(e.to_string())),
        Ok(Err(e)) => Err(InputError::new_err(e.to_string())),
        Err(_) => Err(PyRuntimeError::new_err(PANIC)),
    }
}

/// The ids of the required checks (specs/assumptions.toml): a fail of one makes the exit code 1.
#[pyfunction]
fn required_ids() -> Vec<String> {
    mcmc_audit::spec::requirements::all()
        .iter()
        .filter(|r| r.required)
        .map(|r| r.id.clone())
        .collect()
}

/// The crate version the module was built from.
#[pyfunction]
fn version() -> &'static str {
    report::VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(audit_spec, m)?)?;
    m.add_function(wrap_pyfunction!(trace_file, m)?)?;
    m.add_function(wrap_pyfunction!(trace_array, m)?)?;
    m.add_function(wrap_pyfunction!(exact_chain, m)?)?;
    m.add_function(wrap_pyfunction!(update_verdicts, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_verdicts, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(required_ids, m)?)?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    Ok(())
}
