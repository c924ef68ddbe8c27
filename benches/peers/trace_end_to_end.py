#!/usr/bin/env python3
"""Issue 16 item 3. Times ArviZ+emcee (headline set, benches/peers/trace_arviz.py's loop) and `mcmc-audit trace` end to end,
back to back, N repetitions in one run; prints runs and medians; peak RSS of the CLI via /usr/bin/time."""
import json, os, subprocess, sys, time, warnings, statistics, logging
import numpy as np
warnings.filterwarnings("ignore"); logging.disable(logging.CRITICAL)
import arviz as az, emcee
from scipy.signal import lfilter
CHAINS, DRAWS, VARS = 4, 1_000_000, 8
PATH = "/tmp/mcmc_audit_trace_bench.npy"
exe = sys.argv[1]; reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
def ar1(rng, phi, chains, n):
    e = rng.normal(size=(chains, n)) * np.sqrt(1 - phi * phi)
    e[:, 0] = rng.normal(size=chains)
    return lfilter([1.0], [1.0, -phi], e, axis=1)
rng = np.random.default_rng(0)
data = np.stack([ar1(rng, 0.1 * v + 0.1, CHAINS, DRAWS) for v in range(VARS)], axis=2)
np.save(PATH, data)
peer, ours, rss = [], [], []
for r in range(reps):
    t0 = time.perf_counter()
    for v in range(VARS):
        a = data[:, :, v]
        (float(az.ess(a, method="bulk")), float(az.ess(a, method="tail")), float(az.rhat(a)),
         float(az.mcse(a, method="mean")), float(az.mcse(a, method="sd")),
         float(emcee.autocorr.integrated_time(a.T, quiet=True)[0]))
    peer.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    res = subprocess.run(["/usr/bin/time", "-f", "%M", exe, "trace", PATH, "--format", "json", "--report-only"],
                         capture_output=True, check=True)
    ours.append(time.perf_counter() - t0)
    rss.append(int(res.stderr.decode().strip().splitlines()[-1]))
    print(f"rep {r+1}: ArviZ+emcee {peer[-1]:.2f} s, mcmc-audit {ours[-1]:.2f} s, peak RSS {rss[-1]/1024:.0f} MiB, load {os.getloadavg()}", flush=True)
mp, mo = statistics.median(peer), statistics.median(ours)
print(f"numpy {np.__version__}, arviz {az.__version__}, emcee {emcee.__version__}, {os.cpu_count()} cores")
print(f"median ArviZ+emcee {mp:.2f} s; median mcmc-audit {mo:.2f} s; ratio {mp/mo:.2f}x; median peak RSS {statistics.median(rss)/1024:.0f} MiB")
os.remove(PATH)
