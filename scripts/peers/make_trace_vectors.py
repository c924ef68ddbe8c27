#!/usr/bin/env python3
"""Conformance vectors for `mcmc-audit trace` (issue #4, item 3).

Generates synthetic (chain, draw) data sets and records what ArviZ and emcee compute on them:

    tests/data/trace/inputs.npz          one float64 array (chains, draws) per data set
    tests/data/trace/expected_arviz.json ArviZ ess/rhat/mcse + emcee integrated_time, peer versions

Run (from the repository root, in a venv outside the repository):

    python3 -m venv /work/venv-sampled
    /work/venv-sampled/bin/pip install arviz emcee numpy scipy
    /work/venv-sampled/bin/python scripts/peers/make_trace_vectors.py

Calls (ArviZ 0.23.x): arviz.ess(a, method=m) for m in bulk, tail, mean, sd, median and
method="quantile" with prob 0.05 / 0.95; arviz.rhat(a, method=m) for rank, split, identity;
arviz.mcse(a, method=m) for mean, sd, median and quantile 0.05 / 0.95; emcee.autocorr.integrated_time
on x.T (steps, walkers) with c = 5 and quiet=True, plus the window emcee chooses (auto_window on the
walker-averaged autocorrelation). NaN results are written as null.
"""

import json
import math
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.CRITICAL)

import arviz as az  # noqa: E402
import emcee  # noqa: E402
import scipy  # noqa: E402
from emcee.autocorr import auto_window, function_1d  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "trace")


def ar1(rng, phi, chains, n):
    s = math.sqrt(1 - phi * phi)
    x = np.empty((chains, n))
    for c in range(chains):
        v = rng.normal()
        e = rng.normal(size=n)
        for t in range(n):
            x[c, t] = v
            v = phi * v + s * e[t]
    return x


def sticky_spins(rng, chains, n, spins, p_flip):
    """Sum of independent sticky ±1 spins: a tied, discrete magnetization-like observable."""
    out = np.empty((chains, n))
    for c in range(chains):
        s = rng.choice([-1.0, 1.0], size=spins)
        for t in range(n):
            flip = rng.random(spins) < p_flip
            s = np.where(flip, -s, s)
            out[c, t] = s.sum()
    return out


def datasets():
    rng = np.random.default_rng(20261127)
    d = {}
    d["iid_4x1000"] = rng.normal(size=(4, 1000))
    d["iid_1x1000"] = rng.normal(size=(1, 1000))
    d["iid_4x1001_odd"] = rng.normal(size=(4, 1001))
    d["iid_1x999_odd"] = rng.normal(size=(1, 999))
    d["iid_2x500"] = rng.normal(size=(2, 500))
    d["iid_3x333_odd"] = rng.normal(size=(3, 333))
    for phi in (-0.5, 0.5, 0.9):
        d[f"ar1_{phi:+.2f}_4x1000"] = ar1(rng, phi, 4, 1000)
        d[f"ar1_{phi:+.2f}_1x1000"] = ar1(rng, phi, 1, 1000)
    d["ar1_+0.99_4x3000"] = ar1(rng, 0.99, 4, 3000)
    d["ar1_+0.99_1x2001_odd"] = ar1(rng, 0.99, 1, 2001)
    d["ar1_+0.90_4x777_odd"] = ar1(rng, 0.9, 4, 777)
    d["ar1_-0.90_4x1000_antithetic"] = ar1(rng, -0.9, 4, 1000)
    d["cauchy_4x1000"] = rng.standard_cauchy(size=(4, 1000))
    d["student3_4x1000"] = rng.standard_t(3, size=(4, 1000))
    d["student3_1x1001_odd"] = rng.standard_t(3, size=(1, 1001))
    d["ising_mag_4x1000"] = sticky_spins(rng, 4, 1000, 4, 0.1)
    d["ising_mag_1x999_odd"] = sticky_spins(rng, 1, 999, 4, 0.05)
    d["binary_pm1_4x1000"] = sticky_spins(rng, 4, 1000, 1, 0.2)
    d["bernoulli_rare_4x1000"] = (rng.random(size=(4, 1000)) < 0.03).astype(float)
    d["poisson_4x500"] = rng.poisson(2.0, size=(4, 500)).astype(float)
    d["constant_4x100"] = np.full((4, 100), 1.5)
    one_const = rng.normal(size=(4, 500))
    one_const[2, :] = 0.25
    d["one_constant_chain_4x500"] = one_const
    d["min_draws_4x4"] = rng.normal(size=(4, 4))
    d["short_2x5_odd"] = rng.normal(size=(2, 5))
    d["short_4x7_odd"] = rng.normal(size=(4, 7))
    d["short_4x10"] = rng.normal(size=(4, 10))
    d["short_1x12"] = rng.normal(size=(1, 12))
    d["offset_chains_4x500"] = rng.normal(size=(4, 500)) + np.array([[0.0], [0.0], [0.5], [3.0]])
    d["drift_4x500"] = rng.normal(size=(4, 500)) + np.linspace(0, 2, 500)[None, :]
    bimodal = ar1(rng, 0.95, 4, 1000) + np.where(rng.random((4, 1)) < 0.5, -4.0, 4.0)
    d["bimodal_4x1000"] = bimodal
    d["large_offset_4x500"] = 1e6 + rng.normal(size=(4, 500))
    d["tiny_scale_4x500"] = 1e-8 * rng.normal(size=(4, 500))
    with_nan = rng.normal(size=(4, 200))
    with_nan[1, 17] = np.nan
    d["with_nan_4x200"] = with_nan
    return d


def num(v):
    v = float(np.asarray(v))
    return None if not math.isfinite(v) else v


def arviz_values(a):
    out = {}
    for m in ("bulk", "tail", "mean", "sd", "median"):
        out[f"ess_{m}"] = num(az.ess(a, method=m))
    for p, k in ((0.05, "q5"), (0.95, "q95")):
        out[f"ess_{k}"] = num(az.ess(a, method="quantile", prob=p))
    for m, k in (("rank", "rhat"), ("split", "rhat_split"), ("identity", "rhat_basic")):
        out[k] = num(az.rhat(a, method=m))
    for m in ("mean", "sd", "median"):
        out[f"mcse_{m}"] = num(az.mcse(a, method=m))
    for p, k in ((0.05, "q5"), (0.95, "q95")):
        out[f"mcse_{k}"] = num(az.mcse(a, method="quantile", prob=p))
    return out


def emcee_values(a):
    x = a.T  # (steps, walkers)
    with np.errstate(all="ignore"):
        tau = emcee.autocorr.integrated_time(x, c=5, tol=50, quiet=True)[0]
        f = np.zeros(x.shape[0])
        for k in range(x.shape[1]):
            f += function_1d(x[:, k])
        f /= x.shape[1]
        taus = 2.0 * np.cumsum(f) - 1.0
        window = int(auto_window(taus, 5))
    return {"tau": num(tau), "tau_window": window if math.isfinite(tau) else None}


def write_cli_fixtures():
    """Small files for the CLI tests (tests/sampled_cli.rs): valid and deliberately broken inputs."""
    rng = np.random.default_rng(5)

    def ar(phi, c, n):
        x = np.empty((c, n))
        for j in range(c):
            v = rng.normal()
            for t in range(n):
                x[j, t] = v
                v = phi * v + np.sqrt(1 - phi * phi) * rng.normal()
        return x

    a = np.stack([ar(0.5, 3, 200), ar(0.9, 3, 200)], axis=2).astype(np.float32)
    np.save(os.path.join(OUT, "small_3x200x2_f32.npy"), a)
    np.save(os.path.join(OUT, "bad_vector.npy"), np.arange(10.0))
    np.savez(os.path.join(OUT, "bad_member_3d.npz"), mu=np.zeros((2, 10)), bad=np.zeros((2, 3, 4)))
    x = ar(0.3, 2, 60)
    with open(os.path.join(OUT, "small_2x60.csv"), "w") as f:
        f.write('chain,mu,"sigma"\n')
        for j in range(2):
            for t in range(60):
                f.write(f"{j + 1},{x[j, t]:.6f},{abs(x[j, t]) + 1:.6f}\n")
    with open(os.path.join(OUT, "bad_cell.csv"), "w") as f:
        f.write("chain,mu\n1,0.5\n1,abc\n")
    with open(os.path.join(OUT, "ragged_chains.csv"), "w") as f:
        f.write("chain,mu\n1,0.5\n1,0.25\n2,0.1\n")


def main():
    d = datasets()
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "inputs.npz"), **d)
    expected = {
        "generator": "scripts/peers/make_trace_vectors.py",
        "peers": {
            "python": sys.version.split()[0],
            "arviz": az.__version__,
            "emcee": emcee.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "datasets": {},
    }
    for name, a in d.items():
        vals = {"shape": list(a.shape)}
        vals.update(arviz_values(a))
        vals.update(emcee_values(a))
        expected["datasets"][name] = vals
    with open(os.path.join(OUT, "expected_arviz.json"), "w") as fh:
        json.dump(expected, fh, indent=1, sort_keys=True)
        fh.write("\n")
    write_cli_fixtures()
    print(f"{len(d)} data sets written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
