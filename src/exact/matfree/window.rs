//! The exact window-mean estimator ([`crate::trainability::estimator`]: start from `μ0`, discard `B`
//! steps, average `f_a` over the next `K`) computed matrix-free: the same bias, variance and MSE as
//! [`exact_window_stats_with`](crate::trainability::estimator::exact_window_stats_with), from
//! products with `S = D^{1/2} P D^{−1/2}` only.
//!
//! **Recursion (function side).** With `f̄ = f − E_π f`, `U_t(x) = E_x[Σ_{s=1}^t f̄(X_s)]` and
//! `V_t(x) = E_x[(Σ_{s=1}^t f̄(X_s))²]`, condition on the *first* step: the sum is
//! `f̄(X_1) + R` with `R` the sum of the remaining `t − 1` terms from `X_1`, so
//! `E[R | X_1] = U_{t−1}(X_1)`, `E[R² | X_1] = V_{t−1}(X_1)` and, expanding
//! `(f̄(X_1) + R)² = f̄(X_1)² + 2 f̄(X_1) R + R²`,
//! `U_t = P(f̄ + U_{t−1})`, `V_t = P(f̄² + 2 f̄ ⊙ U_{t−1} + V_{t−1})`, `U_0 = V_0 = 0`.
//! With `ν = μ0 P^B`: `E S_K = ν·U_K = μ0·(P^B U_K)` and `E S_K² = μ0·(P^B V_K)`; bias `= E S_K / K`,
//! MSE `= E S_K² / K²`, variance `= MSE − bias²` (the dense definitions). In S-coordinates
//! (`Ũ = √π ⊙ U`, `φ = √π ⊙ f̄`): `Ũ_t = S(φ + Ũ_{t−1})`, `Ṽ_t = S(f̄ ⊙ φ + 2 f̄ ⊙ Ũ_{t−1} + Ṽ_{t−1})`,
//! then `B` more products with `S`, and `E S_K = Σ_x μ0_x (1/√π_x) (S^B Ũ_K)_x` (for a stationary
//! start `μ0 P^B = π`, the burn-in is skipped and the weight is `√π_x`).
//!
//! **Why the function side.** The dense engine carries measures (`a_t = a_{t−1} P`), which here
//! would need `Sᵀ`. A sweep is a product of updates whose transpose the backend gathers only for
//! blocks of at most [`MAX_TRANSPOSE_BLOCK`](super::MAX_TRANSPOSE_BLOCK) sites, and which is not
//! symmetric; the function-side recursion applies `S` itself, so it holds for every kernel the
//! backend applies, reversible or not.
//!
//! **Cost.** `K + B` products with `S`, each of `2k` columns (`Ũ` and `Ṽ` of `k` observables) in one
//! multi-column product (each row's laws are evaluated once for all columns), plus `O(k·n)`
//! elementwise work per step; all buffers are allocated once ([`window_memory_bytes`]). Every step is
//! elementwise or a product (bit-identical at any thread count) and the final sums are taken over
//! fixed blocks in index order, so the result does not depend on the number of threads.
//!
//! **Guards.** Past [`MAX_MATFREE_WINDOW_WORK`] (about ten minutes) the recursion is refused unless
//! `long_run`; a non-stationary start is refused when some `√π_x` is below [`SQRT_PI_UNDERFLOW`]
//! (`√π ⊙ U` would lose that state's contribution); observables or a given law of the wrong length
//! are shape errors.

use rayon::prelude::*;

use super::MatrixFree;
use super::solve::par_dot;
use crate::error::{Error, Limit, Result, ShapeError};
use crate::observables::mean;
use crate::trainability::estimator::{Init, WindowStats};

/// Refuse a window recursion above this much work, counted as
/// `(K + B) · 2k · n_states · (n_spins + 1)` (state × column updates times the entries of a
/// single-site row; `B = 0` for a stationary start), with a clear [`Error::TooLarge`] rather than
/// appear to hang: about ten minutes on two shared cores. Measured with the ignored test
/// `window_rate_curie_weiss_16` (tests/matfree_window.rs) on this 2-core machine under a load
/// average of 5 (another build running): random-scan Gibbs on Curie–Weiss N = 16 (local-field rows),
/// 5 observables (10 columns), 200 steps in 8.8 s = 1.5·10⁷ state × column updates/s = 2.5·10⁸
/// units/s; 600 s of that is 1.5·10¹¹. The systematic sweep (one pass over the vectors per site) ran
/// at 8.6·10⁶ updates/s (0.58 of the random scan), so at this limit a sweep takes about 17 minutes.
pub const MAX_MATFREE_WINDOW_WORK: f64 = 1.5e11;

/// Below this `√π_x`, `√π_x · U(x)` may fall in the subnormal range (below ~2.2e-308) and the
/// S-coordinates lose `U(x)`: a non-stationary start is refused (a stationary start weights that
/// state by `π_x`, so its loss is far below rounding).
pub const SQRT_PI_UNDERFLOW: f64 = 1e-290;

/// States per block of the elementwise updates and of the final sums (fixed: one answer at any
/// thread count).
const BLOCK: usize = 1 << 12;

/// Bytes [`window_stats`] needs for `k` observables beyond the operator's own vectors: two buffers
/// of `2k` columns, the operator's interleaved copy and its temporaries for `2k` columns, and the
/// final weights.
pub fn window_memory_bytes(op: &MatrixFree, k: usize) -> usize {
    let cols = 2 * k;
    8 * op.n_states * (2 * cols + cols + op.temporaries() * cols + 1)
}

/// The work [`window_stats`] counts against [`MAX_MATFREE_WINDOW_WORK`].
fn work(op: &MatrixFree, k: usize, steps: u64) -> f64 {
    steps as f64 * (2 * k) as f64 * op.n_states as f64 * (op.n_spins + 1) as f64
}

/// Exact bias, variance and MSE of the window mean of every observable (`observables[a][x] = f_a(x)`)
/// over `window` steps after `burn_in` steps from `init`, by the function-side recursion (module
/// docs).
///
/// # Errors
///
/// [`Error::Mismatch`] when an observable or a given law has not `n_states` entries, or the window
/// is 0; [`Error::TooLarge`] with [`Limit::WindowWork`] when the work exceeds
/// [`MAX_MATFREE_WINDOW_WORK`] and not `long_run`; [`Error::Numerical`] when the start is not
/// stationary and some `√π_x` underflows ([`SQRT_PI_UNDERFLOW`]).
pub fn window_stats(
    op: &MatrixFree,
    observables: &[Vec<f64>],
    init: &Init,
    burn_in: u64,
    window: u64,
    long_run: bool,
) -> Result<WindowStats> {
    let n = op.n_states;
    let k = observables.len();
    if observables.iter().any(|f| f.len() != n) {
        return Err(ShapeError::ObservableMatrix {
            values: observables.iter().map(Vec::len).sum(),
            n_states: n,
            k,
        }
        .into());
    }
    if let Init::Law(v) = init
        && v.len() != n
    {
        return Err(ShapeError::InitialLaw {
            got: v.len(),
            n_states: n,
        }
        .into());
    }
    if window == 0 {
        return Err(ShapeError::Empty("window = 0").into());
    }
    let stationary = *init == Init::Stationary;
    // A stationary start stays stationary: π P^B = π, the burn-in changes nothing.
    let burn = if stationary { 0 } else { burn_in };
    let steps = window.saturating_add(burn);
    let w = work(op, k, steps);
    if !long_run && w > MAX_MATFREE_WINDOW_WORK {
        let per_step = work(op, k, 1);
        return Err(Error::TooLarge {
            limit: Limit::WindowWork,
            size: usize::try_from(steps).unwrap_or(usize::MAX),
            max: (MAX_MATFREE_WINDOW_WORK / per_step) as usize,
            why: format!(
                "the matrix-free window recursion takes window + burn-in = {steps} products with S of \
                 {} columns over {n} states ({per_step:.2e} units of work per step, limit \
                 {MAX_MATFREE_WINDOW_WORK:.1e}, about ten minutes); set long_run to lift it",
                2 * k
            ),
        });
    }
    if !stationary
        && let Some(x) = op
            .sqrt_pi
            .iter()
            .position(|&q| q.is_nan() || q < SQRT_PI_UNDERFLOW)
    {
        return Err(Error::Numerical(format!(
            "the matrix-free window recursion: a state's sqrt(pi) underflows (state {x}: sqrt(pi) = {:e} \
             < {SQRT_PI_UNDERFLOW:e}, log pi = {}), so sqrt(pi) * U loses that state's contribution \
             from a non-stationary start; use the dense engine or a stationary start",
            op.sqrt_pi[x], op.log_pi[x]
        )));
    }
    let mut stats = WindowStats {
        burn_in,
        window,
        bias: Vec::with_capacity(k),
        variance: Vec::with_capacity(k),
        mse: Vec::with_capacity(k),
    };
    if k == 0 {
        return Ok(stats);
    }
    // E_π f_a, with π = √π² as the operator's coordinates define it.
    let pi: Vec<f64> = op.sqrt_pi.iter().map(|q| q * q).collect();
    let means: Vec<f64> = observables.iter().map(|f| mean(&pi, f)).collect();
    drop(pi);
    let bs = BLOCK.min(n);
    // Columns 0..k hold Ũ_a, columns k..2k hold Ṽ_a, one after another.
    let mut cur = vec![0.0; 2 * k * n];
    let mut next = vec![0.0; 2 * k * n];
    for _ in 0..window {
        // In place: cur ← (φ + Ũ, f̄ ⊙ φ + 2 f̄ ⊙ Ũ + Ṽ), then next = S cur.
        let (us, vs) = cur.split_at_mut(k * n);
        for (a, (u, v)) in us.chunks_mut(n).zip(vs.chunks_mut(n)).enumerate() {
            let (f, m) = (&observables[a], means[a]);
            u.par_chunks_mut(bs)
                .zip(v.par_chunks_mut(bs))
                .enumerate()
                .for_each(|(b, (u, v))| {
                    let o = b * bs;
                    let (f, q) = (&f[o..o + u.len()], &op.sqrt_pi[o..o + u.len()]);
                    for (((u, v), &f), &q) in u.iter_mut().zip(v.iter_mut()).zip(f).zip(q) {
                        let fb = f - m;
                        let phi = q * fb;
                        *v += fb * phi + 2.0 * fb * *u;
                        *u += phi;
                    }
                });
        }
        op.apply(&cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    for _ in 0..burn {
        op.apply(&cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    drop(next);
    // E S = Σ_x μ0_x U(x) = Σ_x (μ0_x / √π_x) Ũ(x).
    let weight: Vec<f64> = match init {
        Init::Stationary => op.sqrt_pi.clone(),
        Init::Uniform => {
            let u = 1.0 / n as f64;
            op.inv_sqrt_pi.par_iter().map(|r| u * r).collect()
        }
        Init::Law(mu) => mu
            .par_iter()
            .zip(&op.inv_sqrt_pi)
            .map(|(m, r)| m * r)
            .collect(),
    };
    let kf = window as f64;
    for a in 0..k {
        let s1 = par_dot(&weight, &cur[a * n..(a + 1) * n]);
        let s2 = par_dot(&weight, &cur[(k + a) * n..(k + a + 1) * n]);
        let bias = s1 / kf;
        let mse = s2 / (kf * kf);
        stats.bias.push(bias);
        stats.mse.push(mse);
        stats.variance.push(mse - bias * bias);
    }
    Ok(stats)
}

/// Exact variance (= MSE; the bias is 0) of the window mean from a **stationary** start for a
/// **reversible** kernel, from `⌊K/2⌋` products of `k` columns instead of the `2K` columns per step
/// of [`window_stats`].
///
/// From π the window sum has `Var S_K = K c_0 + 2 Σ_{l=1}^{K−1} (K − l) c_l` with the
/// autocovariances `c_l = ⟨f̄, P^l f̄⟩_π = φᵀ S^l φ` (`φ = √π ⊙ f̄`). When `S` is symmetric (detailed
/// balance, A2), `c_{2l} = ‖v_l‖²` and `c_{2l+1} = v_lᵀ v_{l+1}` with `v_l = S^l φ`, so the lags up to
/// `K − 1` need the vectors up to `v_{⌊K/2⌋}` only (the even/odd split of Lanczos-type moment
/// computations). The caller must have established A2; on a non-symmetric `S` the identity fails and
/// so does the agreement test with [`window_stats`] (tests/matfree_window.rs).
///
/// # Errors
///
/// As [`window_stats`] for shapes, a zero window and the work limit (counted as `⌊K/2⌋` steps of `k`
/// columns).
pub fn stationary_window_stats_reversible(
    op: &MatrixFree,
    observables: &[Vec<f64>],
    window: u64,
    long_run: bool,
) -> Result<WindowStats> {
    let n = op.n_states;
    let k = observables.len();
    if observables.iter().any(|f| f.len() != n) {
        return Err(ShapeError::ObservableMatrix {
            values: observables.iter().map(Vec::len).sum(),
            n_states: n,
            k,
        }
        .into());
    }
    if window == 0 {
        return Err(ShapeError::Empty("window = 0").into());
    }
    let half = window / 2;
    // `work` counts 2k columns per step; these steps carry k.
    let w = work(op, k, half) / 2.0;
    if !long_run && w > MAX_MATFREE_WINDOW_WORK {
        let per_step = work(op, k, 1) / 2.0;
        return Err(Error::TooLarge {
            limit: Limit::WindowWork,
            size: usize::try_from(half).unwrap_or(usize::MAX),
            max: (MAX_MATFREE_WINDOW_WORK / per_step) as usize,
            why: format!(
                "the stationary window moments take K/2 = {half} products with S of {k} columns \
                 over {n} states ({per_step:.2e} units of work per step, limit \
                 {MAX_MATFREE_WINDOW_WORK:.1e}, about ten minutes); set long_run to lift it"
            ),
        });
    }
    let mut stats = WindowStats {
        burn_in: 0,
        window,
        bias: vec![0.0; k],
        variance: Vec::with_capacity(k),
        mse: Vec::with_capacity(k),
    };
    if k == 0 {
        return Ok(stats);
    }
    let pi: Vec<f64> = op.sqrt_pi.iter().map(|q| q * q).collect();
    let means: Vec<f64> = observables.iter().map(|f| mean(&pi, f)).collect();
    drop(pi);
    let mut cur = vec![0.0; k * n];
    for (a, col) in cur.chunks_mut(n).enumerate() {
        let (f, m) = (&observables[a], means[a]);
        col.par_iter_mut()
            .zip(f.par_iter().zip(&op.sqrt_pi))
            .for_each(|(c, (&f, &q))| *c = q * (f - m));
    }
    let mut next = vec![0.0; k * n];
    let kw = usize::try_from(window).unwrap_or(usize::MAX);
    // c[a][l] for l < K.
    let mut c = vec![Vec::with_capacity(kw); k];
    loop {
        for (a, ca) in c.iter_mut().enumerate() {
            let v = &cur[a * n..(a + 1) * n];
            ca.push(par_dot(v, v));
        }
        if c[0].len() >= kw {
            break;
        }
        op.apply(&cur, &mut next);
        for (a, ca) in c.iter_mut().enumerate() {
            let r = a * n..(a + 1) * n;
            ca.push(par_dot(&cur[r.clone()], &next[r]));
        }
        if c[0].len() >= kw {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    let kf = window as f64;
    for ca in &c {
        // Σ_{l ≥ 1} (K − l) c_l, summed from the smallest terms (long lags) up.
        let tail: f64 = ca
            .iter()
            .enumerate()
            .skip(1)
            .rev()
            .map(|(l, &cl)| (kf - l as f64) * cl)
            .sum();
        let var = (kf * ca[0] + 2.0 * tail) / (kf * kf);
        stats.variance.push(var);
        stats.mse.push(var);
    }
    Ok(stats)
}
