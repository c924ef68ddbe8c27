"""mcmc-audit from Python: exact audits of Markov kernels and diagnostics of sampled chains.

NumPy in, plain Python objects out, with the field names of the command line's JSON reports
(docs/cli.md), so a user can switch between the two freely:

    import mcmc_audit as ma
    r = ma.audit_matrix(P)                 # a transition matrix (any numeric dtype)
    r = ma.audit({"model": {...}, "kernel": {...}})   # a spec as a dict (or a path to a TOML file)
    t = ma.trace(draws)                    # (chains, draws[, variables]) array, dict, or InferenceData
    ma.assert_passes(r)                    # AssertionError listing each failing required check

Arrays and dicts are written to a temporary folder as .npy/.npz/TOML and run through the same
pipeline as `mcmc-audit`, so every check, tolerance and message is the command line's; the native
module releases the GIL while it works. Bad input raises `InputError` (a `ValueError`) with the
command line's one-line message, the temporary file named by the argument it came from.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

import numpy as np

from . import _native
from ._native import InputError

__all__ = [
    "InputError",
    "Report",
    "TraceReport",
    "audit",
    "audit_matrix",
    "trace",
    "failures",
    "assert_passes",
    "assert_kernel_passes",
    "__version__",
]

__version__ = _native.version()


class Report:
    """An audit report: the JSON report's fields as attributes, the text report as its `repr`."""

    def __init__(self, json_text: str, text: str, html: Optional[str], exit_code: int):
        self._json = json_text
        self._data = json.loads(json_text)
        self.text = text
        self.html = html  # the `--format html` page, when the call asked for it (html=True)
        self.exit_code = exit_code

    @property
    def verdicts(self) -> list:
        """One dict per check: id, title, status, metric, measured, tolerance, bound, explanation,
        hint (on a fail or inconclusive, where one exists), detail."""
        return self._data["verdicts"]

    @property
    def quantities(self) -> dict:
        return self._data.get("quantities", {})

    @property
    def summary(self) -> dict:
        return self._data["summary"]

    @property
    def subject(self) -> dict:
        return self._data.get("subject", {})

    @property
    def passed(self) -> bool:
        """Every required check passes (exit code 0 of the command line)."""
        return self.exit_code == 0

    def verdict(self, id: str) -> Optional[dict]:
        return next((v for v in self.verdicts if v["id"] == id), None)

    def status(self, id: str) -> Optional[str]:
        v = self.verdict(id)
        return None if v is None else v["status"]

    def to_json(self) -> str:
        """The JSON report, exactly as `mcmc-audit ... --format json` writes it."""
        return self._json

    def to_dict(self) -> dict:
        return json.loads(self._json)

    def __repr__(self) -> str:
        return self.text

    def write_html(self, path: Union[str, os.PathLike]) -> None:
        """Writes the HTML page (one self-contained XHTML file with its SVG figures) to `path`; the
        report must come from a call with `html=True`."""
        if self.html is None:
            raise ValueError("this report was made without html=True: there is no page to write")
        Path(path).write_text(self.html, encoding="utf-8")

    def _repr_html_(self) -> str:  # Jupyter shows the outcome lines
        import html

        return "<pre>" + html.escape(self.text) + "</pre>"


class TraceReport(Report):
    """A `trace` report: `variables` (one dict per variable) besides the verdicts."""

    @property
    def variables(self) -> list:
        return self._data["variables"]

    @property
    def warnings(self) -> list:
        return self._data.get("warnings", [])

    def variable(self, name: str) -> Optional[dict]:
        return next((v for v in self.variables if v["name"] == name), None)


# --- specs as TOML ------------------------------------------------------------------------------


def _toml_value(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            raise InputError(f"{where}: {f} is not a finite number")
        return repr(f)
    if isinstance(v, (str, os.PathLike)):
        return json.dumps(os.fspath(v))  # a TOML basic string is a JSON string
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, where) for x in v) + "]"
    raise InputError(f"{where}: a {type(v).__name__} cannot be written to a spec")


def _toml(spec: Mapping[str, Any]) -> str:
    """A spec dict (tables of scalars, lists, nested tables, lists of tables) as TOML text."""
    lines: list = []

    def table(d: Mapping[str, Any], prefix: str) -> None:
        subs = []
        for k, v in d.items():
            key = json.dumps(str(k)) if not str(k).replace("_", "").replace("-", "").isalnum() else str(k)
            if isinstance(v, Mapping):
                subs.append((key, v, False))
            elif isinstance(v, (list, tuple)) and v and all(isinstance(x, Mapping) for x in v):
                subs.append((key, v, True))
            elif v is not None:
                lines.append(f"{key} = {_toml_value(v, prefix + key)}")
        for key, v, many in subs:
            name = f"{prefix}{key}"
            if many:
                for item in v:
                    lines.append(f"\n[[{name}]]")
                    table(item, name + ".")
            else:
                lines.append(f"\n[{name}]")
                table(v, name + ".")

    top = {k: v for k, v in spec.items()}
    table(top, "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _renamed(s: str, renames: Mapping[str, str]) -> str:
    for path, name in renames.items():
        s = s.replace(path, name)
    return s


def _run(fn, renames: Mapping[str, str], *args, **kwargs):
    """Calls the native `fn`; a temporary file's path is replaced by the argument it holds, in the
    reports and in an error message alike."""
    try:
        json_text, text, page, code = fn(*args, **kwargs)
    except InputError as e:
        raise InputError(_renamed(str(e), renames)) from None
    page = None if page is None else _renamed(page, renames)
    return _renamed(json_text, renames), _renamed(text, renames), page, code


def audit(
    spec: Union[Mapping[str, Any], str, os.PathLike],
    *,
    eigenvalues: Optional[int] = 32,
    baseline: Union[str, os.PathLike, None] = None,
    html: bool = False,
) -> Report:
    """Audits the kernel a spec describes (docs/spec.md): a dict shaped like the TOML spec, or a path.

    `eigenvalues` is how many eigenvalues the report lists (None: all); `baseline` an earlier JSON
    report of the same model to compare with (`audit --baseline`); `html` also renders the
    `--format html` page (`report.html`, `report.write_html(path)`).
    """
    base = None if baseline is None else os.fspath(baseline)
    if isinstance(spec, Mapping):
        with tempfile.TemporaryDirectory(prefix="mcmc-audit-") as d:
            path = os.path.join(d, "spec.toml")
            Path(path).write_text(_toml(spec), encoding="utf-8")
            out = _run(_native.audit_spec, {path: "spec"}, path, eigenvalues, base, html)
    else:
        out = _native.audit_spec(os.fspath(spec), eigenvalues, base, html)
    return Report(*out)


def _array(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x)  # JAX, PyTorch (CPU) and lists arrive as NumPy arrays
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise InputError(f"{name}: dtype {a.dtype} is not numeric (float, int or bool)")
    return np.ascontiguousarray(a)


def audit_matrix(
    P: Any,
    pi: Any = None,
    observables: Any = None,
    *,
    estimator: Optional[Mapping[str, Any]] = None,
    gradient: Optional[Mapping[str, Any]] = None,
    checks: Optional[Mapping[str, Any]] = None,
    mixing: Optional[Mapping[str, Any]] = None,
    eigenvalues: Optional[int] = 32,
    html: bool = False,
) -> Report:
    """Audits a transition matrix `P` (rows summing to 1; any numeric dtype, judged at its own
    precision), with an optional target law `pi` (else computed by GTH) and observables `F` of shape
    (n, k). The keyword tables are the spec's `[estimator]`, `[gradient]`, `[checks]`, `[mixing]`."""
    with tempfile.TemporaryDirectory(prefix="mcmc-audit-") as d:
        renames = {}
        model: dict = {"family": "matrix"}
        for key, arr, name in (("matrix", P, "P"), ("pi", pi, "pi"), ("observables", observables, "observables")):
            if arr is None:
                continue
            path = os.path.join(d, f"{name}.npy")
            np.save(path, _array(arr, name))
            model[key] = path
            renames[path] = name
        spec: dict = {"model": model}
        for key, table in (("estimator", estimator), ("gradient", gradient), ("checks", checks), ("mixing", mixing)):
            if table is not None:
                spec[key] = dict(table)
        path = os.path.join(d, "spec.toml")
        Path(path).write_text(_toml(spec), encoding="utf-8")
        renames[path] = "audit_matrix"
        return Report(*_run(_native.audit_spec, renames, path, eigenvalues, None, html))


def _posterior_dict(data: Any) -> Optional[dict]:
    """The posterior group of an ArviZ InferenceData / DataTree as {name: (chain, draw) array}."""
    post = getattr(data, "posterior", None)
    if post is None:
        return None
    out = {}
    variables = getattr(post, "data_vars", post)
    for name in variables:
        da = post[name]
        a = np.asarray(getattr(da, "values", da))
        if a.ndim == 2:
            out[str(name)] = a
        elif a.ndim > 2:
            flat = a.reshape(a.shape[0], a.shape[1], -1)
            for i in range(flat.shape[2]):
                idx = np.unravel_index(i, a.shape[2:])
                out[f"{name}[{','.join(str(j) for j in idx)}]"] = flat[:, :, i]
    return out


def trace(
    draws: Any,
    convention: str = "posterior",
    burn_in: Optional[int] = None,
    window: Optional[int] = None,
    doubling_from: Optional[int] = None,
    html: bool = False,
) -> TraceReport:
    """Diagnostics of sampled chains with the estimator rules (doubling, K >= 50 tau, burn-in >= 5
    tau, E.mixing), as `mcmc-audit trace`: a (chains, draws) or (chains, draws, variables) array of any
    int/float/bool dtype, a dict of named (chains, draws) arrays, or an ArviZ InferenceData/DataTree
    (its posterior group)."""
    named = _posterior_dict(draws)
    if named is None and isinstance(draws, Mapping):
        named = dict(draws)
    if named is None:
        # An array is read in place by the native module: float64 C-contiguous input is not copied
        # here; any other dtype is converted once, exactly as the .npy reader converts it.
        a = np.ascontiguousarray(_array(draws, "draws"), dtype=np.float64)
        return TraceReport(*_run(_native.trace_array, {}, a, convention, burn_in, window, doubling_from, html))
    with tempfile.TemporaryDirectory(prefix="mcmc-audit-") as d:
        path = os.path.join(d, "draws.npz")
        arrays = {str(k): _array(v, f"draws[{k!r}]") for k, v in named.items()}
        np.savez(path, **arrays)
        out = _run(
            _native.trace_file,
            {path: "draws"},
            path,
            convention,
            burn_in,
            window,
            doubling_from,
            html,
        )
        return TraceReport(*out)


def failures(report: Report) -> list:
    """The required checks that fail or are inconclusive, one line each — the same lines as the
    Rust gate (`mcmc_audit::gate::failures`): status, id, explanation and hint."""
    lines = []
    required = _required_ids()
    for v in report.verdicts:
        if v["status"] in ("fail", "inconclusive") and v["id"] in required:
            line = f"{v['status']} {v['id']}: {v['explanation']}"
            if v.get("hint"):
                line += f"; hint: {v['hint']}"
            lines.append(line)
    return lines


def _required_ids() -> set:
    # The registry's required ids (specs/assumptions.toml, compiled into the module): a required
    # check's fail makes the command exit 1; the others only report.
    global _REQUIRED
    if _REQUIRED is None:
        _REQUIRED = frozenset(_native.required_ids())
    return _REQUIRED


_REQUIRED: Optional[frozenset] = None


def assert_passes(report: Report) -> None:
    """Raises AssertionError listing each failing (or inconclusive) required check, for a sampler
    author's own test suite (pytest shows the lines)."""
    f = failures(report)
    if f or not report.passed:
        what = report.subject.get("kernel") or report.subject.get("model") or "the chain"
        raise AssertionError(
            f"{what} fails the mcmc-audit gate (exit {report.exit_code}):\n  " + "\n  ".join(f or ["(see the report)"])
        )


def assert_kernel_passes(P: Any = None, pi: Any = None, observables: Any = None, *, spec=None, **options) -> Report:
    """Audits `P` (or a `spec`) and raises AssertionError listing each failing required check;
    returns the report when the gate is open."""
    r = audit(spec) if spec is not None else audit_matrix(P, pi, observables, **options)
    assert_passes(r)
    return r

