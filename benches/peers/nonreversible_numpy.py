"""NumPy/SciPy peer of benches/examples/nonreversible_report.rs: the full non-reversible report of a
4096-state systematic sweep (SK N = 12, beta = 1, seed 3; P, pi and the 66 pair observables written by
the Rust example, so both sides work on the same matrix). The same computations, the same algorithms:

  1. the complex spectrum: scipy.linalg.eig(P, left=True, right=True), a residual |P v - lambda v| and a
     condition number 1/|u^H v| per eigenvalue, |lambda_2| and 1 - |lambda_2|;
  2. gamma(PP*) and gamma_ps = max_k gamma((P*)^k P^k)/k for k <= 8: S = D^1/2 P D^-1/2, S^k by
     successive products, eigvalsh(S^kT S^k) (values only);
  3. d(t) = max_x TV(P^t(x,.), pi) at t = 1, 2, 4, ... by repeated squaring, then t_mix(1/4) by
     bisection between the last two powers;
  4. tau of the 66 pair observables by the Poisson equation (I - P + 1 pi^T) g = f - pi f.

Then the same report by the identical-row route mcmc-audit takes (src/exact/lumping.rs): the m distinct
rows R of P (np.unique), M = R B, the eigendecomposition of M plus n - m structural zeros, the singular
values of S^k from M_s^(k-1) R_s, and the powers P^t as (M^t, M^(t-1) R) -- so the peer gets the same
algorithmic saving and the comparison is like for like.

Usage: python nonreversible_numpy.py DIR [repeats]   (prints versions, seconds per piece, total, per route).
"""
import sys
import time

import numpy as np
import scipy
import scipy.linalg
import scipy.sparse


def tv_worst(m, pi):
    return 0.5 * np.abs(m - pi[None, :]).sum(axis=1).max()


def poisson_tau(P, pi, F):
    """tau of every column of F by the Poisson equation (I - P + 1 pi^T) g = f - pi f (both routes)."""
    n = P.shape[0]
    fbar = F - pi @ F
    A = np.eye(n) - P + np.ones((n, 1)) * pi[None, :]
    g = scipy.linalg.solve(A, fbar)
    var = pi @ (fbar * fbar)
    return (2.0 * (pi @ (fbar * g)) - var) / var


def report(P, pi, F):
    n = P.shape[0]
    out = {}
    t = {}
    t0 = time.perf_counter()
    w, vl, vr = scipy.linalg.eig(P, left=True, right=True)
    res = np.linalg.norm(P @ vr - vr * w[None, :], axis=0)
    cond = 1.0 / np.abs(np.einsum("ij,ij->j", vl.conj(), vr))
    order = np.argsort(-np.abs(w), kind="stable")
    out["lambda2_modulus"] = np.abs(w[order[1]])
    out["max_residual"] = res.max()
    out["max_condition"] = cond.max()
    t["complex spectrum"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    r = np.sqrt(pi)
    S = r[:, None] * P / r[None, :]
    power = S.copy()
    gaps = []
    for k in range(1, 9):
        if k > 1:
            power = power @ S
        vals = scipy.linalg.eigvalsh(power.T @ power)
        gaps.append(1.0 - vals[-2])
    ps = [g / (k + 1) for k, g in enumerate(gaps)]
    out["gamma_ps"] = max(ps)
    out["gamma_ps_k"] = int(np.argmax(ps)) + 1
    t["gamma(PP*), gamma_ps k <= 8"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    powers = [P]
    while tv_worst(powers[-1], pi) > 0.25:
        powers.append(powers[-1] @ powers[-1])
    j = len(powers) - 1
    lo, hi, m = (1 << (j - 1)) if j else 0, 1 << j, (powers[j - 1] if j else np.eye(n))
    # bisection: the powers of two below the gap, added largest first
    steps = lo
    for b in range(j - 2, -1, -1):
        cand = m @ powers[b]
        if tv_worst(cand, pi) > 0.25:
            m = cand
            steps += 1 << b
    out["t_mix"] = steps + 1 if j else 1
    t["d(t), t_mix(1/4)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    out["tau0"] = poisson_tau(P, pi, F)[0]
    t["tau, 66 pairs (Poisson)"] = time.perf_counter() - t0
    return out, t


def report_lumped(P, pi, F):
    n = P.shape[0]
    out = {}
    t = {}
    t0 = time.perf_counter()
    R, inv = np.unique(P, axis=0, return_inverse=True)
    inv = inv.ravel()
    m = R.shape[0]
    sizes = np.bincount(inv, minlength=m).astype(float)
    B = scipy.sparse.csr_matrix((np.ones(n), (np.arange(n), inv)), shape=(n, m))
    M = np.asarray((B.T @ R.T).T)
    t["lumping (unique rows, M = R B)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    w, yl, vr = scipy.linalg.eig(M, left=True, right=True)
    res = np.sqrt((sizes[:, None] * np.abs(M @ vr - vr * w[None, :]) ** 2).sum(0))
    vnorm = np.sqrt((sizes[:, None] * np.abs(vr) ** 2).sum(0))
    ul = R.T @ yl
    cond = np.linalg.norm(ul, axis=0) * vnorm / np.abs(np.einsum("ij,ij->j", ul.conj(), vr[inv, :]))
    order = np.argsort(-np.abs(w), kind="stable")
    out["lambda2_modulus"] = np.abs(w[order[1]])
    out["max_residual"] = (res / vnorm).max()
    out["max_condition"] = cond.max()
    t["complex spectrum"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    nu = np.sqrt(np.bincount(inv, weights=pi, minlength=m))
    Rs = nu[:, None] * R / np.sqrt(pi)[None, :]
    Ms = nu[:, None] * M / nu[None, :]
    W = Rs @ Rs.T
    gaps = []
    N = None
    for k in range(1, 9):
        if k == 1:
            gram = W
        else:
            N = Ms.copy() if N is None else N @ Ms
            gram = N @ W @ N.T
        vals = scipy.linalg.eigvalsh(gram)
        gaps.append(1.0 - vals[-2])
    ps = [g / (k + 1) for k, g in enumerate(gaps)]
    out["gamma_ps"] = max(ps)
    out["gamma_ps_k"] = int(np.argmax(ps)) + 1
    t["gamma(PP*), gamma_ps k <= 8"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    powers = [(M, R)]  # (M^t, M^(t-1) R) for t = 1, 2, 4, ...
    while tv_worst(powers[-1][1], pi) > 0.25:
        mt, at = powers[-1]
        powers.append((mt @ mt, mt @ at))
    j = len(powers) - 1
    if j:
        cur = powers[j - 1]
        steps = 1 << (j - 1)
        for b in range(j - 2, -1, -1):
            cand = (cur[0] @ powers[b][0], cur[0] @ powers[b][1])
            if tv_worst(cand[1], pi) > 0.25:
                cur = cand
                steps += 1 << b
        out["t_mix"] = steps + 1
    else:
        out["t_mix"] = 1
    t["d(t), t_mix(1/4)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    out["tau0"] = poisson_tau(P, pi, F)[0]
    t["tau, 66 pairs (Poisson)"] = time.perf_counter() - t0
    return out, t


def main():
    d = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    P, pi, F = (np.load(f"{d}/{x}.npy") for x in ("P", "pi", "F"))
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, n = {P.shape[0]}, observables = {F.shape[1]}")
    for _ in range(reps):
        for name, route in (("dense route", report), ("identical-row route", report_lumped)):
            print(f"-- {name}")
            t0 = time.perf_counter()
            out, t = route(P, pi, F)
            total = time.perf_counter() - t0
            for k, v in t.items():
                print(f"{k:<40} {v:>8.2f} s")
            print(f"{'total':<40} {total:>8.2f} s")
            print("  " + ", ".join(f"{k} = {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
