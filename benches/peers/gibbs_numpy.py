"""Vectorized NumPy peer of the fast engine's sweep: block heat bath on a 60x60 torus with the same
degree-12 neighbour pattern (nearest neighbours + knight moves, 4 blocks by (x mod 2, y mod 2)).

Couplings are random +-0.5 drawn by NumPy (their values do not affect the cost); each block update
gathers the 12 neighbour spins of all block sites of all chains at once, forms the local fields,
p = 1 / (1 + exp(-2 beta h)) and draws all block sites with one uniform array.

Run: python3 benches/peers/gibbs_numpy.py [chains] [sweeps]  (prints spin updates per second)
"""
import sys
import time

import numpy as np

L, BETA = 60, 0.5
FWD = [(1, 0), (0, 1), (2, 1), (2, -1), (1, 2), (1, -2)]


def build(seed=0):
    n = L * L
    rng = np.random.default_rng(seed)
    nbr = np.zeros((n, 12), dtype=np.int64)
    coup = np.zeros((n, 12))
    fill = np.zeros(n, dtype=np.int64)
    for i in range(n):
        x, y = i % L, i // L
        for dx, dy in FWD:
            j = ((y + dy) % L) * L + (x + dx) % L
            w = 0.5 if rng.random() < 0.5 else -0.5
            nbr[i, fill[i]], coup[i, fill[i]] = j, w
            nbr[j, fill[j]], coup[j, fill[j]] = i, w
            fill[i] += 1
            fill[j] += 1
    assert (fill == 12).all()
    xs, ys = np.arange(n) % L, np.arange(n) // L
    colour = 2 * (ys % 2) + xs % 2
    blocks = [np.flatnonzero(colour == c) for c in range(4)]
    for b in blocks:
        assert not np.isin(nbr[b], b).any(), "block with an internal edge"
    return nbr, coup, blocks


def sweep(x, nbr, coup, blocks, rng):
    order = blocks if rng.random() < 0.5 else blocks[::-1]
    for b in order:
        h = (x[:, nbr[b]] * coup[b]).sum(axis=2)  # (chains, |b|)
        p = 1.0 / (1.0 + np.exp(-2.0 * BETA * h))
        x[:, b] = np.where(rng.random(p.shape) < p, 1.0, -1.0)


def main():
    chains = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    sweeps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    nbr, coup, blocks = build()
    rng = np.random.default_rng(1)
    x = np.where(rng.random((chains, L * L)) < 0.5, 1.0, -1.0)
    sweep(x, nbr, coup, blocks, rng)
    t0 = time.perf_counter()
    for _ in range(sweeps):
        sweep(x, nbr, coup, blocks, rng)
    dt = time.perf_counter() - t0
    rate = chains * sweeps * L * L / dt
    print(f"numpy {np.__version__}: {chains} chains x {sweeps} sweeps: {rate:.3e} spin updates/s")


if __name__ == "__main__":
    main()
