"""SciPy peer of benches/examples/matfree_cw.rs (issue 13 Performance): the matrix-free exact backend on
Curie-Weiss, random-scan single-site heat bath, reproduced with NumPy/SciPy.

Same chain, conventions and formulas as the crate:
  model     E(x) = -(1/N) sum_{i<j} x_i x_j (no field), pi ~ exp(-beta E); state s has x_i = +1 iff bit i
            of s is set (model::decode / spin_of); log pi by enumeration in log space, log Z = logsumexp.
  kernel    P = (1/N) sum_i P_i, P_i the heat bath at site i: P(x_i -> +1) = 1/(1 + exp(-2 beta h_i)),
            h_i(x) = sum_{j != i} J_ij x_j = (M(x) - x_i)/N with M = sum_j x_j (kernel/updates.rs).
  operator  S = D^1/2 P D^-1/2 applied on the fly: S_st = P_st exp((log pi_s - log pi_t)/2), per site i
            the partner t = s ^ (1 << i) (exact/matfree/mod.rs). Never stored: a LinearOperator whose
            matvec recomputes every local field, heat-bath probability and sqrt(pi_s/pi_t) factor.
  sigma_2   eigsh (ARPACK Lanczos) on S + I - 2 q q^T, q = sqrt(pi) (eigenvalues 1 + sigma_j, the
            stationary mode moved to 0), which='LA' = largest magnitude there, as solve.rs::extremes.
  sigma_min eigsh on I - S, which='LA' (= 1 - sigma_min), as solve.rs::extremes.
            Both: k = 1, ncv = 64 (the crate's Krylov max_dim), tol = 5e-14 (ARPACK's test is relative to
            the Ritz value, ~1 or ~2 here, so ~1e-13 absolute like the crate's LANCZOS_RESIDUAL), a fixed
            pseudo-random start vector in [-1, 1]; explicit residual ||S u - sigma u|| / ||u|| reported.
  tau       phi = sqrt(pi) (f - E_pi f) scaled to unit norm, A = I - S + q q^T, CG (scipy cg, rtol 1e-14 =
            the crate's POISSON_RESIDUAL, atol 0, x0 = 0) one observable at a time; explicit r = phi - A u,
            J = <phi, u> + <u, r>, tau = 2 J - 1 (= sigma^2_as / Var, N/ESS convention), bound
            2 ||r||^2 / min(1 - sigma_2 - r_2, 1) (solve.rs::poisson_tau).
  observables magnetization sum_i x_i, energy E(x) (without beta), pairs f = -x_0 x_{j % N}, j = 1..10
            (observables/mod.rs), exactly the list of the Rust example.

Matvec counts are products with S (each shifted/deflated product is one), including the explicit residual
checks, as the crate counts them. NumPy elementwise work is single-threaded (the crate uses rayon).

Usage: python3 matfree_scipy.py [N] [beta]      (defaults 16 0.5)
"""
import platform
import sys
import time

import numpy as np
import scipy
from scipy.sparse.linalg import LinearOperator, cg, eigsh
from scipy.special import expit, logsumexp

NCV = 64  # the crate's Options::default().max_dim
EIG_TOL = 5e-14
CG_RTOL = 1e-14
CG_MAXITER = 100_000
SEED = 0x5EED1A2C  # the crate's seed value (the generator differs: PCG64 here, Xoshiro256++ there)


class MatrixFree:
    """S = D^1/2 P D^-1/2 of random-scan single-site heat bath on Curie-Weiss, applied on the fly."""

    def __init__(self, n, beta):
        self.n, self.beta, self.n_states = n, beta, 1 << n
        states = np.arange(self.n_states, dtype=np.int64)
        ones = np.zeros(self.n_states, dtype=np.int64)
        for i in range(n):
            ones += (states >> i) & 1
        self.mag = (2 * ones - n).astype(np.float64)  # M(x) = sum_i x_i
        # sum_{i<j} x_i x_j = (M^2 - N)/2, so E = -(1/N) (M^2 - N)/2.
        self.energy = -(self.mag * self.mag - n) / (2.0 * n)
        neg_beta_e = -beta * self.energy
        self.log_pi = neg_beta_e - logsumexp(neg_beta_e)
        self.sqrt_pi = np.exp(0.5 * self.log_pi)
        self.products = 0

    def apply(self, v):
        """S v: per site i, the stay and move probabilities of the heat bath at every state and the
        sqrt(pi_s / pi_t) factor of the partner t = s ^ (1 << i), all recomputed here."""
        self.products += 1
        n, beta = self.n, self.beta
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        out = np.zeros(self.n_states)
        for i in range(n):
            # Index s = (hi, b, lo) with b = bit i: the partner s ^ (1 << i) is the other b.
            shape = (self.n_states >> (i + 1), 2, 1 << i)
            V, O = v.reshape(shape), out.reshape(shape)
            L, M = self.log_pi.reshape(shape), self.mag.reshape(shape)
            for b in (0, 1):
                xi = 2.0 * b - 1.0
                t = 2.0 * beta * ((M[:, b, :] - xi) / n)  # 2 beta h_i(x)
                p_up, p_down = expit(t), expit(-t)
                stay, move = (p_up, p_down) if b == 1 else (p_down, p_up)
                fac = np.exp(0.5 * (L[:, b, :] - L[:, 1 - b, :]))
                O[:, b, :] += stay * V[:, b, :] + (move * fac) * V[:, 1 - b, :]
        out *= 1.0 / n
        return out


def shifted(op, alpha, beta_, delta):
    """alpha S + beta I - delta q q^T as a LinearOperator (solve.rs's Shifted)."""
    q = op.sqrt_pi

    def mv(v):
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        y = alpha * op.apply(v) + beta_ * v
        if delta != 0.0:
            y -= (delta * np.dot(q, v)) * q
        return y

    return LinearOperator((op.n_states, op.n_states), matvec=mv, dtype=np.float64)


def residual(op, u, sigma):
    su = op.apply(u)
    return np.linalg.norm(su - sigma * u) / np.linalg.norm(u)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    beta = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}")
    t0 = time.perf_counter()
    op = MatrixFree(n, beta)
    print(f"N = {n}, beta = {beta}: {op.n_states} states; enumeration {time.perf_counter() - t0:.2f} s")

    v = (np.arange(op.n_states) % 7).astype(np.float64)
    reps = 3
    t = time.perf_counter()
    for _ in range(reps):
        op.apply(v)
    print(f"one product with S: {(time.perf_counter() - t) / reps:.3f} s")

    # Extremes: sigma_2 on S + I - 2 q q^T, sigma_min on I - S.
    t = time.perf_counter()
    before = op.products
    v0 = np.random.default_rng(SEED).uniform(-1.0, 1.0, op.n_states)
    ncv = min(NCV, op.n_states - 1)
    top_vals, top_vecs = eigsh(shifted(op, 1.0, 1.0, 2.0), k=1, which="LA", v0=v0, ncv=ncv, tol=EIG_TOL,
                               maxiter=100_000)
    sigma2 = top_vals[0] - 1.0
    u2 = top_vecs[:, 0]
    top_eig_mv = op.products - before
    r2 = residual(op, u2, sigma2)
    top_mv = op.products - before
    t_top = time.perf_counter() - t
    flip = np.dot(u2, u2[::-1]) / np.dot(u2, u2)  # global flip s -> s ^ (2^N - 1) reverses the index
    mid = op.products
    bot_vals, bot_vecs = eigsh(shifted(op, -1.0, 1.0, 0.0), k=1, which="LA", v0=v0, ncv=ncv, tol=EIG_TOL,
                               maxiter=100_000)
    sigma_min = 1.0 - bot_vals[0]
    bot_eig_mv = op.products - mid
    rmin = residual(op, bot_vecs[:, 0], sigma_min)
    ext_mv = op.products - before
    t_ext = time.perf_counter() - t
    print(f"sigma_2 = {sigma2:.15f} (residual {r2:.1e}, flip parity {flip:+.3f}), sigma_min = {sigma_min:.15f} "
          f"(residual {rmin:.1e}): {t_ext:.2f} s, {ext_mv} products ({top_mv} for sigma_2: {top_eig_mv} eigsh + 1 "
          f"check, {t_top:.2f} s; {bot_eig_mv} eigsh + 1 check for sigma_min)")
    gap_lower = max(1.0 - sigma2 - r2, 0.0)

    # Observables, exactly the Rust example's list.
    x0 = np.where(np.arange(op.n_states) & 1, 1.0, -1.0)
    obs = [("magnetization", op.mag), ("energy", op.energy)]
    for j in range(1, 11):
        jj = j % n
        xj = np.where((np.arange(op.n_states) >> jj) & 1, 1.0, -1.0)
        obs.append((f"x0x{jj}", -(x0 * xj)))

    # tau by CG on (I - S + q q^T) u = phi, one observable at a time.
    t = time.perf_counter()
    q = op.sqrt_pi
    a_op = shifted(op, -1.0, 1.0, -1.0)
    cg_mv_total = 0
    for name, f in obs:
        mean = np.sum(q * q * f)
        phi = q * (f - mean)
        nrm = np.sqrt(np.dot(phi, phi))
        if nrm == 0.0:
            print(f"  tau({name}) = constant observable")
            continue
        phi = phi / nrm
        iters = [0]

        def count(_xk, iters=iters):
            iters[0] += 1

        start = op.products
        u, info = cg(a_op, phi, rtol=CG_RTOL, atol=0.0, maxiter=CG_MAXITER, callback=count)
        r = phi - a_op.matvec(u)
        mv = op.products - start
        cg_mv_total += mv
        rnorm = np.sqrt(np.dot(r, r))
        j_val = np.dot(phi, u) + np.dot(u, r)
        tau = 2.0 * j_val - 1.0
        bound = 2.0 * rnorm * rnorm / min(gap_lower, 1.0)
        print(f"  tau({name}) = {tau:.12f} (bound {bound:.1e}, relative residual {rnorm:.1e}, {iters[0]} CG "
              f"iterations, {mv} products, info {info})")
    t_tau = time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"tau of {len(obs)} observables: {t_tau:.2f} s, {cg_mv_total} products; "
          f"total {total:.2f} s, {op.products} products with S (incl. {reps} timing products)")


if __name__ == "__main__":
    main()
