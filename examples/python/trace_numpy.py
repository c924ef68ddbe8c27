"""Diagnose chains a NumPy sampler produced, as `mcmc-audit trace` would (issue 11 item 4).

    python examples/python/trace_numpy.py        # after `pip install ./python`

Four chains of a random-walk Metropolis sampler on a double well: from dispersed starts they stay
in the wells they started in, which per-chain autocorrelation times cannot see and E.mixing does.
"""

import numpy as np

import mcmc_audit as ma


def metropolis(x0, n, step, rng):
    """Random-walk Metropolis on the double well U(x) = 4 (x^2 - 1)^2: n draws from x0."""
    u = lambda x: 4.0 * (x * x - 1.0) ** 2
    out = np.empty(n)
    x = x0
    for i in range(n):
        y = x + step * rng.standard_normal()
        if np.log(rng.random()) < u(x) - u(y):
            x = y
        out[i] = x
    return out


rng = np.random.default_rng(7)
starts = [-1.0, -1.0, 1.0, 1.0]
draws = np.stack([metropolis(x0, 5000, 0.25, rng) for x0 in starts])  # (chains, draws)

report = ma.trace({"x": draws, "x_squared": draws**2}, burn_in=500)
print(report)
print("E.mixing:", report.status("E.mixing"))
print("hint:", report.verdict("E.mixing").get("hint"))
