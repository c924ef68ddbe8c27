"""`trace` through Python against the command line on the same data (issue 11 "Performance"): a
4 x 1,000,000 x 8 float64 array of AR(1) chains (phi = 0.1 ... 0.8, seed 0) saved as .npy; the CLI
(`target/release/mcmc-audit trace FILE --format json`, end to end: process start, reading the file, the
full default report) and `mcmc_audit.trace(array)` (the array read in place by the native module, the
full default report) timed alternately, `reps` times each, medians compared.

Run (from the repository root, the package installed in the venv: pip install ./python):
    python benches/peers/trace_python.py [reps]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import mcmc_audit as ma


def ar1(chains=4, n=1_000_000, k=8, seed=0):
    """AR(1) chains x_t = phi x_(t-1) + sqrt(1 - phi^2) e_t (phi = 0.1 ... 0.8), as trace_arviz.py."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    cols = []
    for v in range(k):
        phi = 0.1 * v + 0.1
        e = rng.normal(size=(chains, n)) * np.sqrt(1 - phi * phi)
        cols.append(lfilter([1.0], [1.0, -phi], e, axis=1))
    return np.ascontiguousarray(np.stack(cols, axis=2))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cli = os.path.join(root, "target", "release", "mcmc-audit")
    a = ar1()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "draws.npy")
        np.save(path, a)
        t_cli, t_py = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            out = subprocess.run([cli, "trace", path, "--format", "json"], capture_output=True, text=True)
            t_cli.append(time.perf_counter() - t0)
            assert out.returncode in (0, 1, 3), out.stderr
            t0 = time.perf_counter()
            r = ma.trace(a)
            t_py.append(time.perf_counter() - t0)
            assert r.to_json() + "\n" == out.stdout.replace(path, "draws")
    c, p = statistics.median(t_cli), statistics.median(t_py)
    print(f"mcmc-audit {ma.__version__}, numpy {np.__version__}; 4 x 1e6 x 8 float64, {reps} reps each")
    print(f"CLI    median {c:.2f} s  {sorted(round(x, 2) for x in t_cli)}")
    print(f"Python median {p:.2f} s  {sorted(round(x, 2) for x in t_py)}")
    print(f"ratio Python / CLI: {p / c:.3f} (target <= 1.2); reports identical byte for byte")


if __name__ == "__main__":
    main()
