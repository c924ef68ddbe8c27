"""NumPy/SciPy peer of benches/benches/spectral.rs: T_O and Q_struct_perp for the 66 pair
observables of Curie-Weiss N = 12, beta = 1 (4096 states), random-scan single-site heat bath.

Same chain and formulas as the crate (docs/science.md §2-§4, inferred T_O definition):
  S = D^1/2 P D^-1/2 (symmetric part), c_aj = <f_a - E f_a, phi_j>_pi = u_j . (sqrt(pi) * fbar_a),
  C* = eigenspaces with sum_a c_aj^2 / sum_a Var f_a >= eps, T_O = 1/2 sum_a sum_{j in C*} c_aj^2 (1+s)/(1-s),
  Q_struct_perp / ||g||^2 = (K/2) / T_O.
Two routes, both timed from P (chain construction untimed): 'unblocked' = one 4096^2 eigh; 'flip_blocked' =
even/odd blocks under the global flip: the even 2048^2 block with eigenvectors, the odd block's
eigenvalues only (the crate's default on symmetric chains: odd eigenvectors are computed only for
vectors with a non-zero odd part).
Usage: python spectral_numpy.py [repeats] [blocked|unblocked|both]   (prints versions, best and median seconds, T_O).
"""
import sys
import time

import numpy as np
import scipy
import scipy.linalg

N, BETA, EPS, WINDOW = 12, 1.0, 1e-10, 1000
GAP_TOL = 64.0  # eigenspace grouping: 64 n u, as the crate


def chain():
    n = 1 << N
    states = np.arange(n)
    spins = np.where((states[:, None] >> np.arange(N)) & 1, 1.0, -1.0)  # n x N
    J = np.full((N, N), 1.0 / N)
    np.fill_diagonal(J, 0.0)
    energy = -0.5 * np.einsum("xi,ij,xj->x", spins, J, spins)
    lw = -BETA * energy
    lw -= lw.max()
    pi = np.exp(lw)
    pi /= pi.sum()
    P = np.zeros((n, n))
    h = spins @ J  # local fields
    for i in range(N):
        p_up = 1.0 / (1.0 + np.exp(-2.0 * BETA * h[:, i]))
        up = states | (1 << i)
        down = states & ~(1 << i)
        np.add.at(P, (states, up), p_up / N)
        np.add.at(P, (states, down), (1.0 - p_up) / N)
    pairs = np.array([-spins[:, i] * spins[:, j] for i in range(N) for j in range(i + 1, N)])  # 66 x n
    return P, pi, pairs


def t_o_from_overlaps(vals, C, parity, var_total):
    """vals descending; C: modes x observables overlaps; parity: 0/1 per mode or None."""
    w = (C * C).sum(axis=1)
    n = len(vals)
    tol = GAP_TOL * n * 2.0**-53
    group = np.empty(n, dtype=int)
    last = {}
    nxt = 0
    for g in range(n):
        sec = 0 if parity is None else parity[g]
        if sec in last and abs(last[sec][0] - vals[g]) <= tol:
            group[g] = last[sec][1]
        else:
            group[g] = nxt
            nxt += 1
        last[sec] = (vals[g], group[g])
    gw = np.bincount(group[1:], weights=w[1:], minlength=nxt) / var_total
    members = np.arange(1, n)[gw[group[1:]] >= EPS]
    s = vals[members]
    t_o = 0.5 * np.sum(w[members] * (1 + s) / (1 - s))
    return t_o, 0.5 * WINDOW / t_o, len(members)


def unblocked(P, sqrt_pi, fbar, var_total):
    S = P * np.outer(sqrt_pi, 1.0 / sqrt_pi)
    S = 0.5 * (S + S.T)
    vals, vecs = np.linalg.eigh(S)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    C = vecs.T @ (fbar * sqrt_pi).T
    return t_o_from_overlaps(vals, C, None, var_total)


def flip_blocks(P, sqrt_pi):
    """Even and odd blocks of the symmetric part of S, with the crate's four-term formulas
    E = 1/2 (S_rr' + S_r,Fr' + S_Fr,r' + S_Fr,Fr') (symmetrized), O likewise with signs, built
    from dense slices (no fancy indexing): the flip of state x is n - 1 - x, so the rows and
    columns of the flipped representatives are the bottom/right halves reversed."""
    n = P.shape[0]
    h = n // 2
    M = P * np.outer(sqrt_pi, 1.0 / sqrt_pi)
    top, bot = M[:h], M[h:][::-1]
    same = top[:, :h] + bot[:, h:][:, ::-1]  # S_rr' + S_Fr,Fr'
    cross = top[:, h:][:, ::-1] + bot[:, :h]  # S_r,Fr' + S_Fr,r'
    E = same + cross
    O = same - cross
    return 0.25 * (E + E.T), 0.25 * (O + O.T)


def flip_blocked(P, sqrt_pi, fbar, var_total):
    """Even block: eigh with vectors; odd block: eigenvalues only (as the crate). The odd parts of
    the weighted pair observables are checked to be exactly zero, so their odd-mode overlaps are
    exactly zero whatever the odd eigenvectors are. (Running the two solves in two Python threads
    was measured slower than sequential calls with OpenBLAS's own two threads, so they run in turn.)"""
    n = P.shape[0]
    h = n // 2
    r = np.arange(h)
    f = (n - 1) - r  # global flip of the representatives
    E, O = flip_blocks(P, sqrt_pi)
    ve, ue = np.linalg.eigh(E)
    vo = np.linalg.eigvalsh(O)
    w = fbar * sqrt_pi  # 66 x n
    s = np.sqrt(0.5)
    w_even = s * (w[:, r] + w[:, f])
    assert np.all(w[:, r] == w[:, f]), "pair observables must be flip-invariant"
    vals = np.concatenate([ve, vo])
    par = np.concatenate([np.zeros(h, dtype=int), np.ones(h, dtype=int)])
    order = np.lexsort((par, -vals))
    C = np.zeros((n, w.shape[0]))
    C[:h] = ue.T @ w_even.T  # odd-mode overlaps stay exactly zero
    C = C[order]
    return t_o_from_overlaps(vals[order], C, par[order], var_total)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    P, pi, pairs = chain()
    sqrt_pi = np.sqrt(pi)
    fbar = pairs - (pairs @ pi)[:, None]
    var_total = float(((fbar**2) @ pi).sum())
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older numpy
        blas = "unknown"
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, BLAS {blas}")
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    routes = [("flip_blocked", flip_blocked), ("unblocked", unblocked)]
    routes = [r for r in routes if which in ("both", {"flip_blocked": "blocked"}.get(r[0], r[0]))]
    for name, fn in routes:
        fn(P, sqrt_pi, fbar, var_total)  # warm-up (page faults, BLAS thread start), untimed
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            # Building S (or its blocks) from P is part of the timed computation, as in the crate.
            out = fn(P, sqrt_pi, fbar, var_total)
            times.append(time.perf_counter() - t0)
        t = np.array(times)
        print(f"{name}: best {t.min():.3f} s, median {np.median(t):.3f} s over {repeats}; "
              f"T_O = {out[0]:.15e}, Q_struct_perp/|g|^2 = {out[1]:.10e}, |C*| = {out[2]}")


if __name__ == "__main__":
    main()
