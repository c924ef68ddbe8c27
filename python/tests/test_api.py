"""The Python package against its contract (issue 11 item 1): NumPy in, the CLI's JSON fields out,
bad input as InputError (a ValueError) with the CLI's one-line message naming the argument, a
pytest-friendly gate, the GIL released while the native code works."""

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mcmc_audit as ma

ROOT = Path(__file__).resolve().parents[2]


def metropolis_ring(n=16, beta=0.7, lazy=0.5):
    """A reversible Metropolis walk on a ring with energies E(x) = cos(2 pi x / n): (P, pi)."""
    e = np.cos(2 * np.pi * np.arange(n) / n)
    pi = np.exp(-beta * e)
    pi /= pi.sum()
    P = np.zeros((n, n))
    for x in range(n):
        for y in ((x + 1) % n, (x - 1) % n):
            P[x, y] = 0.5 * min(1.0, pi[y] / pi[x]) * (1 - lazy)
        P[x, x] = 1.0 - P[x].sum()
    return P, pi


def test_a_reversible_matrix_passes_with_the_cli_field_names():
    P, pi = metropolis_ring()
    r = ma.audit_matrix(P, pi)
    assert r.passed and r.exit_code == 0
    assert r.status("A2.detailed-balance") == "pass"
    v = r.verdict("K.stochastic")
    for field in ("id", "title", "status", "metric", "measured", "tolerance", "bound", "explanation", "detail"):
        assert field in v
    assert "passes at" in v["explanation"]
    assert r.subject["kind"] == "exact" and r.subject["n_states"] == 16
    assert json.loads(r.to_json())["schema_version"] == 2
    assert repr(r).startswith("mcmc-audit ")
    assert "PASS:" in repr(r)


def test_float32_input_is_judged_at_its_precision():
    P, pi = metropolis_ring()
    r = ma.audit_matrix(P.astype(np.float32), pi.astype(np.float32))
    assert r.passed, repr(r)
    assert r.quantities["input"]["files"]["matrix"]["dtype"] == "<f4"


def test_a_non_stochastic_matrix_is_an_input_error_naming_the_argument():
    P, _ = metropolis_ring()
    P[3, 3] += 0.25
    with pytest.raises(ma.InputError) as e:
        ma.audit_matrix(P)
    msg = str(e.value)
    assert isinstance(e.value, ValueError)
    assert msg.startswith("P") and "row 3" in msg, msg
    assert "mcmc-audit-" not in msg, "the temporary file is named by its argument"
    with pytest.raises(ma.InputError, match="not numeric"):
        ma.audit_matrix(np.array([["a", "b"], ["c", "d"]]))


def test_a_spec_dict_audits_like_the_toml_and_the_gate_lists_failures_with_hints():
    spec = {
        "model": {"family": "sk", "n": 6, "beta": 1.0, "seed": 3},
        "kernel": {"update": "gibbs", "scan": "systematic", "blocks": "sites"},
    }
    r = ma.audit(spec)
    assert not r.passed and r.exit_code == 1
    assert r.status("A2") == "fail"
    assert 'scan = "symmetrized"' in r.verdict("A2.detailed-balance")["hint"]
    with pytest.raises(AssertionError) as e:
        ma.assert_passes(r)
    text = str(e.value)
    assert "fail A2.detailed-balance:" in text and "hint:" in text
    assert ma.failures(r)[0].startswith("fail ")
    # The same spec as a file gives the same verdicts.
    path = ROOT / "examples" / "systematic-sk.toml"
    a = ma.audit(path)
    assert [v["id"] for v in a.verdicts] == [v["id"] for v in ma.audit(path).verdicts]
    spec["kernel"]["scan"] = "symmetrized"
    assert ma.audit(spec).status("A2") == "pass"
    with pytest.raises(ma.InputError, match="spec"):
        ma.audit({"model": {"family": "sk", "n": 6, "beta": 1.0, "bogus_key": 1}})


def ar1(chains=4, n=20000, phi=0.8, seed=1):
    rng = np.random.default_rng(seed)
    x = np.zeros((chains, n))
    e = rng.standard_normal((chains, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def test_trace_of_arrays_dicts_and_dtypes():
    x = ar1()
    t = ma.trace(x, burn_in=100)
    assert t.status("E.doubling") == "pass"
    tau = t.variable("x")["tau"]
    assert abs(tau - 9.0) < 1.5  # (1 + phi) / (1 - phi) = 9
    assert t.status("E.burn-in") == "pass"
    # A dict of named arrays; integer and boolean draws.
    d = ma.trace({"a": x, "b": (x > 0), "c": np.round(x).astype(np.int32)})
    assert [v["name"] for v in d.variables] == ["a", "b", "c"]
    # A transposed array warns; a NaN is located.
    w = ma.trace(x[:, :8].T)
    assert any("transposed" in m for m in w.warnings)
    y = x.copy()
    y[2, 17] = np.nan
    nf = ma.trace(y).variable("x")["non_finite"]
    assert (nf["first_chain"], nf["first_draw"]) == (2, 17)
    with pytest.raises(ma.InputError, match="convention"):
        ma.trace(x, convention="bogus")


def test_a_trace_of_chains_in_different_modes_fails_e_mixing():
    x = ar1(chains=4, n=4000)
    x[0] += 20.0
    t = ma.trace(x)
    assert t.status("E.mixing") == "fail"
    assert not t.passed
    with pytest.raises(AssertionError, match="E.mixing"):
        ma.assert_passes(t)


def test_the_gil_is_released_while_the_native_code_works(tmp_path):
    x = ar1(chains=4, n=400000, phi=0.5)
    f = tmp_path / "x.npy"
    np.save(f, x)
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    th = threading.Thread(target=count)
    th.start()
    time.sleep(0.05)
    before = ticks[0]
    start = time.perf_counter()
    ma._native.trace_file(str(f))
    elapsed = time.perf_counter() - start
    during = ticks[0] - before
    stop.set()
    th.join()
    # A thread that holds the GIL for the whole call would let the counter advance only at the
    # interpreter's switch points before and after it.
    assert elapsed > 0.05
    assert during > 1000, (during, elapsed)


def test_reports_name_the_arguments_not_the_temporary_files():
    x = ar1(chains=2, n=2000)
    t = ma.trace(x)
    assert json.loads(t.to_json())["file"] == "draws"
    assert "mcmc-audit-" not in repr(t)
    P, pi = metropolis_ring()
    r = ma.audit_matrix(P, pi)
    files = r.quantities["input"]["files"]
    assert files["matrix"]["file"] == "P" and files["pi"]["file"] == "pi", files
    assert "mcmc-audit-" not in r.to_json()


def test_the_numpy_example_runs_and_sees_the_stuck_chains():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "trace_numpy.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "E.mixing: fail" in out, out
    assert "hint:" in out


def test_a_thrml_style_parallel_block_on_coupled_sites_is_caught():
    # thrml draws a block's sites in parallel from the old state: exact only on uncoupled blocks.
    spec = {
        "model": {"family": "ising", "n": 3, "beta": 0.8, "couplings": [[0, 1, 1.0], [1, 2, 1.0]]},
        "kernel": {"update": "parallel-gibbs", "scan": "systematic", "blocks": [[0, 1], [2]]},
    }
    r = ma.audit(spec)
    assert r.status("K.parallel-blocks") == "fail"
    assert r.status("K.invariance") == "fail"
    spec["kernel"]["blocks"] = [[0, 2], [1]]
    ok = ma.audit(spec)
    assert ok.status("K.parallel-blocks") == "pass" and ok.status("K.invariance") == "pass"


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: rng.normal(size=(3, 400, 2)).cumsum(axis=1) * 0.1,  # float64, 3-D
        lambda rng: rng.integers(-3, 4, size=(2, 300, 3)).astype(np.int32),  # an int dtype
        lambda rng: rng.normal(size=(4, 250)),  # (chains, draws)
        lambda rng: np.asfortranarray(rng.normal(size=(2, 200, 2))),  # not C-contiguous: copied once
    ],
)
def test_array_trace_is_read_in_place_and_equals_the_cli(tmp_path, cli, make):
    a = make(np.random.default_rng(5))
    t = ma.trace(a)
    path = tmp_path / "draws.npy"
    np.save(path, a)
    out = subprocess.run([str(cli), "trace", str(path), "--format", "json"], capture_output=True, text=True)
    assert out.returncode == t.exit_code, out.stderr
    assert t.to_json() + "\n" == out.stdout.replace(str(path), "draws")


def test_array_trace_bad_input():
    with pytest.raises(ma.InputError, match=r"draws.*\(chains, draws\) or \(chains, draws, variables\)"):
        ma.trace(np.zeros(10))
    with pytest.raises(ma.InputError, match="at least one chain and one draw"):
        ma.trace(np.zeros((0, 10)))
    with pytest.raises(ma.InputError, match="at least one variable"):
        ma.trace(np.zeros((2, 10, 0)))
    with pytest.raises(ma.InputError, match="not numeric"):
        ma.trace(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ma.InputError, match="--doubling-from"):
        ma.trace(np.random.default_rng(0).normal(size=(2, 50)), doubling_from=100)
    nan = np.random.default_rng(1).normal(size=(2, 100))
    nan[0, 3] = np.nan
    t = ma.trace(nan)  # non-finite draws are reported, never a panic
    assert t.variables[0]["ess_bulk"] is None


def test_an_exact_audit_past_the_dense_limit_runs_matrix_free():
    # 15 spins (32768 states): past the dense limit of 13 the backend is chosen by size, named in
    # the report, and judges the cluster from the modes the observables see.
    spec = {
        "model": {"family": "curie-weiss", "n": 15, "beta": 0.5},
        "kernel": {"update": "gibbs", "scan": "random", "blocks": "sites"},
        "observables": {"set": "magnetization"},
        "estimator": {"window": 200},
    }
    r = ma.audit(spec)
    q = r.quantities
    assert q["backend"]["name"] == "matrix-free"
    assert r.status("A2") == "pass" and r.status("A3") == "pass"
    assert q["cluster_truncated"] is False and q["cluster_size"] >= 1
    assert r.status("A5.bias") in ("pass", "fail") and q["window"] == 200
    # Forcing the dense backend past its limit is refused at the spec key.
    spec["exact"] = {"backend": "dense"}
    with pytest.raises(ma.InputError, match="model.n"):
        ma.audit(spec)
