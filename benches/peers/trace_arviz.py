#!/usr/bin/env python3
"""Peer side of the `trace` benchmark (issue #4): ArviZ + emcee on 4 chains x 1e6 draws x 8 variables.

Computes, per variable, what `mcmc-audit trace` reports as its headline set: arviz.ess (bulk, tail),
arviz.rhat (rank), arviz.mcse (mean, sd) and emcee's integrated_time; then runs the release binary
`mcmc-audit trace FILE --format json` on the same data (which computes that set and more: ESS sd and
median, quantile MCSE, batch means, Geweke, the doubling probe and the reversibility test). Both are
timed in this one run on this machine.

    cargo build --release
    /work/venv-sampled/bin/python benches/peers/trace_arviz.py [path/to/mcmc-audit]
"""

import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.CRITICAL)
import arviz as az  # noqa: E402
import emcee  # noqa: E402

CHAINS, DRAWS, VARS = 4, 1_000_000, 8
PATH = "/tmp/mcmc_audit_trace_bench.npy"


def ar1(rng, phi, chains, n):
    # Vectorised AR(1) via scipy.signal.lfilter: x_t = phi x_{t-1} + sqrt(1-phi^2) e_t.
    from scipy.signal import lfilter

    e = rng.normal(size=(chains, n)) * np.sqrt(1 - phi * phi)
    e[:, 0] = rng.normal(size=chains)
    return lfilter([1.0], [1.0, -phi], e, axis=1)


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "target", "release", "mcmc-audit"
    )
    rng = np.random.default_rng(0)
    data = np.stack([ar1(rng, 0.1 * v + 0.1, CHAINS, DRAWS) for v in range(VARS)], axis=2)
    np.save(PATH, data)

    t0 = time.perf_counter()
    out = []
    for v in range(VARS):
        a = data[:, :, v]
        out.append(
            (
                float(az.ess(a, method="bulk")),
                float(az.ess(a, method="tail")),
                float(az.rhat(a)),
                float(az.mcse(a, method="mean")),
                float(az.mcse(a, method="sd")),
                float(emcee.autocorr.integrated_time(a.T, quiet=True)[0]),
            )
        )
    t_peer = time.perf_counter() - t0

    t0 = time.perf_counter()
    res = subprocess.run([exe, "trace", PATH, "--format", "json", "--report-only"], capture_output=True, check=True)
    t_ours = time.perf_counter() - t0
    ours = json.loads(res.stdout)["variables"]

    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}, arviz {az.__version__}, emcee {emcee.__version__}")
    print(f"ArviZ + emcee (ess bulk/tail, rhat, mcse mean/sd, tau), 8 variables: {t_peer:.2f} s")
    print(f"mcmc-audit trace (file read + full report), 8 variables:               {t_ours:.2f} s")
    print(f"speed-up: {t_peer / t_ours:.1f}x")
    for v in range(VARS):
        o = ours[v]
        print(
            f"x{v}: ess_bulk {out[v][0]:.1f} / {o['ess_bulk']:.1f}  tau {out[v][5]:.4f} / {o['tau']:.4f}"
        )
    os.remove(PATH)


if __name__ == "__main__":
    main()
