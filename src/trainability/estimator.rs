//! The exact window-mean estimator (docs/science.md §1): start from `μ0`, discard `B` steps, average
//! `f_a` over the next `K` steps, `m̂_a = (1/K) Σ_{t=B+1}^{B+K} f_a(X_t)`. Its exact bias
//! `E m̂_a − E_π f_a`, variance and MSE `E(m̂_a − E_π f_a)²` — no large-K approximation.
//!
//! **Route (documented formula).** Let `ν = μ0 P^B` and, with `f̄ = f − E_π f`, `S_t = Σ_{s=1}^t f̄(X_s)`
//! for the chain restarted from `X_0 ~ ν`. Carry the law `a_t = ν P^t` and the *sum-weighted
//! measure* `b_t(y) = E[S_t 1{X_t = y}]`; then
//! `b_t = (b_{t−1} P) + a_t ⊙ f̄`, `E S_t = E S_{t−1} + a_t·f̄`,
//! `E S_t² = E S_{t−1}² + 2 (b_{t−1} P)·f̄ + a_t·f̄²`
//! (expand `S_t² = S_{t−1}² + 2 S_{t−1} f̄(X_t) + f̄(X_t)²` and condition on `X_{t−1}`). So
//! bias `= E S_K / K`, MSE `= E S_K² / K²`, variance `= MSE − bias²` — exact in exact arithmetic.
//! Each step is one sparse pass over P for all observables at once (`K · nnz(P) · (k+1)` flops;
//! single-site Gibbs has `N+1` entries per row). The burn-in law uses the spectral identity
//! `ν_y = √π_y Σ_j u_j(y) σ_j^B ⟨μ0/√π, u_j⟩` on reversible chains (any B at O(n²) cost), or B
//! sparse steps otherwise.
//!
//! **Stationary start, spectral route.** With `μ0 = π`: `Var m̂_a = K⁻² Σ_{j≥2} c_aj² W_K(σ_j)` with
//! the exact finite-K weight `W_K(σ) = Σ_{s,t=1}^K σ^{|s−t|} = K(1+σ)/(1−σ) − 2σ(1−σ^K)/(1−σ)²`
//! (summed directly when `K(1−σ) < 1`, where the closed form cancels). Tests check the recursion
//! against it, against brute-force matrix powers, and against Monte Carlo runs of the kernel.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Limit, Result};
use crate::exact::ExactChain;
use crate::exact::spectrum::Spectrum;
use crate::kernel::Kernel;
use crate::kernel::monte_carlo::{McPlan, run_chains};
use crate::model::encode;
use crate::model::symmetry::global_flip;
use crate::observables::{Observables, centered, mean};

/// Burn-in: a number of steps, or `⌈c/γ_eff⌉` (`"auto"`, c = [`AUTO_BURN_IN_C`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BurnIn {
    #[default]
    Auto,
    Steps(u64),
}

impl<'de> Deserialize<'de> for BurnIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BurnIn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-negative integer or \"auto\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<BurnIn, E> {
                Ok(BurnIn::Steps(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<BurnIn, E> {
                u64::try_from(v).map(BurnIn::Steps).map_err(|_| {
                    E::custom(format!("{v}: expected a non-negative integer or \"auto\""))
                })
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<BurnIn, E> {
                match s {
                    "auto" => Ok(BurnIn::Auto),
                    other => Err(E::custom(format!(
                        "`{other}`: expected an integer or \"auto\""
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The constant c of `B = ⌈c/γ⌉` (the source's exact-diagonalization choice, docs/science.md §5 A5).
pub const AUTO_BURN_IN_C: f64 = 5.0;

/// `⌈c/γ⌉` as a step count (saturating).
pub fn auto_burn_in(gamma: f64) -> u64 {
    let b = (AUTO_BURN_IN_C / gamma).ceil();
    if b.is_finite() && b >= 0.0 {
        b.min(u64::MAX as f64) as u64
    } else {
        u64::MAX
    }
}

/// The initial law `μ0` (`estimator.init`: `uniform` or `stationary`; a given law through the library).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    #[default]
    Uniform,
    Stationary,
    #[serde(skip)]
    Law(Vec<f64>),
}

/// The window-mean estimator of docs/science.md §1 (`[estimator]`): start from `init`, discard
/// `burn_in` steps, average over the next `window`. Every default is here.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Estimator {
    pub burn_in: BurnIn,
    pub window: u64,
    pub init: Init,
    /// Lift the work limit of the exact window recursion ([`exact_window_stats`]).
    pub long_run: bool,
}

/// The default window `K`.
pub const DEFAULT_WINDOW: u64 = 1000;

impl Default for Estimator {
    fn default() -> Self {
        Estimator {
            burn_in: BurnIn::Auto,
            window: DEFAULT_WINDOW,
            init: Init::Uniform,
            long_run: false,
        }
    }
}

impl Init {
    /// The law as a vector over the chain's states.
    pub fn law(&self, chain: &ExactChain) -> Vec<f64> {
        let n = chain.n_states;
        match self {
            Init::Uniform => vec![1.0 / n as f64; n],
            Init::Stationary => chain.pi.clone(),
            Init::Law(v) => v.clone(),
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Init::Uniform => "uniform",
            Init::Stationary => "stationary",
            Init::Law(_) => "given",
        }
    }
}

/// Exact bias, variance and MSE of the window mean of every observable.
#[derive(Clone, Debug, Serialize)]
pub struct WindowStats {
    pub burn_in: u64,
    pub window: u64,
    pub bias: Vec<f64>,
    pub variance: Vec<f64>,
    pub mse: Vec<f64>,
}

impl WindowStats {
    /// `E‖ĝ − g‖² = Σ_a MSE_a`.
    pub fn total_mse(&self) -> f64 {
        self.mse.iter().sum()
    }
}

/// `Q_op = ‖g‖² / E‖ĝ − g‖²` (docs/science.md §1).
pub fn q_op(g: &[f64], stats: &WindowStats) -> f64 {
    let g2: f64 = g.iter().map(|x| x * x).sum();
    g2 / stats.total_mse()
}

/// `σ^b` for a non-negative integer power that may exceed `i32`.
pub fn pow_u64(s: f64, b: u64) -> f64 {
    if b == 0 {
        return 1.0;
    }
    if s == 0.0 {
        return 0.0;
    }
    if b <= i32::MAX as u64 {
        return s.powi(b as i32);
    }
    let m = (b as f64 * s.abs().ln()).exp();
    if s < 0.0 && b % 2 == 1 { -m } else { m }
}

/// P by columns: `cols[y] = [(x, P_xy), …]` over the non-zero entries.
pub struct Columns {
    pub cols: Vec<Vec<(u32, f64)>>,
}

impl Columns {
    pub fn new(chain: &ExactChain) -> Self {
        let n = chain.n_states;
        let mut cols = vec![Vec::new(); n];
        for x in 0..n {
            for (y, &p) in chain.row(x).iter().enumerate() {
                if p != 0.0 {
                    cols[y].push((x as u32, p));
                }
            }
        }
        Columns { cols }
    }
    pub fn nnz(&self) -> usize {
        self.cols.iter().map(|c| c.len()).sum()
    }
    /// `a P` for a row vector `a`.
    pub fn left_mul(&self, a: &[f64]) -> Vec<f64> {
        self.cols
            .par_iter()
            .map(|c| c.iter().map(|&(x, p)| a[x as usize] * p).sum())
            .collect()
    }
}

/// `ν = μ0 P^B`: spectral on a reversible chain (spectrum given), else B sparse steps (P by columns,
/// built only on that route).
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::BurnInWork`] when `spec` is `None` and `b` sparse steps would
/// take more than 10¹¹ multiply-adds.
pub fn burned_in_law(
    chain: &ExactChain,
    spec: Option<&Spectrum>,
    mu0: &[f64],
    b: u64,
) -> Result<Vec<f64>> {
    if b == 0 {
        return Ok(mu0.to_vec());
    }
    match spec {
        Some(s) => {
            let w: Vec<f64> = mu0.iter().zip(&s.sqrt_pi).map(|(m, r)| m / r).collect();
            let mut d = s.analyze(&[w]).remove(0);
            for (g, dg) in d.iter_mut().enumerate() {
                // The stationary mode keeps weight exactly ⟨μ0, 1⟩ (σ_1 = 1).
                if g > 0 {
                    *dg *= pow_u64(s.sigma[g], b);
                }
            }
            let v = s.synthesize(&[d]).remove(0);
            Ok(v.iter().zip(&s.sqrt_pi).map(|(v, r)| v * r).collect())
        }
        None => {
            let cols = Columns::new(chain);
            const MAX_WORK: f64 = 1e11;
            if b as f64 * cols.nnz() as f64 > MAX_WORK {
                return Err(Error::TooLarge {
                    limit: Limit::BurnInWork,
                    size: b as usize,
                    max: (MAX_WORK / cols.nnz() as f64) as usize,
                    why: "without a real spectrum the burn-in law takes one sparse step per burn-in step"
                        .into(),
                });
            }
            let mut a = mu0.to_vec();
            for _ in 0..b {
                a = cols.left_mul(&a);
            }
            Ok(a)
        }
    }
}

/// Exact bias, variance and MSE of the window mean for every window in `windows` (one recursion to
/// the largest), after a burn-in of `burn_in` steps from `init`.
///
/// # Errors
///
/// [`Error::TooLarge`] with [`Limit::WindowWork`] when the recursion to the largest window would
/// take more than about ten minutes (1.8·10¹³ multiply-adds dense, 1.2·10¹² sparse), and the error
/// of [`burned_in_law`].
pub fn exact_window_stats(
    chain: &ExactChain,
    spec: Option<&Spectrum>,
    obs: &Observables,
    init: &Init,
    burn_in: u64,
    windows: &[u64],
) -> Result<Vec<WindowStats>> {
    exact_window_stats_with(chain, spec, obs, init, burn_in, windows, false)
}

/// [`exact_window_stats`], with `long_run` lifting its work limit (`[estimator] long_run = true`).
///
/// # Errors
///
/// As [`exact_window_stats`] (without the work limit when `long_run`).
pub fn exact_window_stats_with(
    chain: &ExactChain,
    spec: Option<&Spectrum>,
    obs: &Observables,
    init: &Init,
    burn_in: u64,
    windows: &[u64],
    long_run: bool,
) -> Result<Vec<WindowStats>> {
    let n = chain.n_states;
    let k = obs.len();
    // Route and work guard first, from the non-zero count alone: the column lists are built only for
    // the sparse route (on a dense P they would copy all n² entries for nothing).
    let nnz = chain.p.par_iter().filter(|&&p| p != 0.0).count();
    let kmax = windows.iter().copied().max().unwrap_or(0);
    let dense = nnz.saturating_mul(DENSE_RATIO) > n.saturating_mul(n);
    let per_step = if dense { n * n } else { nnz } as f64 * (k + 1) as f64;
    let limit = if dense {
        MAX_DENSE_WINDOW_WORK
    } else {
        MAX_SPARSE_WINDOW_WORK
    };
    if !long_run && kmax as f64 * per_step > limit {
        return Err(Error::TooLarge {
            limit: Limit::WindowWork,
            size: kmax as usize,
            max: (limit / per_step) as usize,
            why: format!(
                "the exact window recursion takes one step of {per_step:.2e} multiply-adds per window step \
                 ({} P, {k} observables)",
                if dense { "dense" } else { "sparse" }
            ),
        });
    }
    let mu0 = init.law(chain);
    let nu = if *init == Init::Stationary {
        chain.pi.clone()
    } else {
        burned_in_law(chain, spec, &mu0, burn_in)?
    };
    let fc: Vec<Vec<f64>> = obs.values.iter().map(|f| centered(&chain.pi, f)).collect();
    let mut out = Vec::new();
    let mut emit = |t: u64, m1: &[f64], m2: &[f64]| {
        if windows.contains(&t) {
            let tf = t as f64;
            let bias: Vec<f64> = m1.iter().map(|s| s / tf).collect();
            let mse: Vec<f64> = m2.iter().map(|s| s / (tf * tf)).collect();
            let variance = mse.iter().zip(&bias).map(|(m, b)| m - b * b).collect();
            out.push(WindowStats {
                burn_in,
                window: t,
                bias,
                variance,
                mse,
            });
        }
    };
    if dense {
        // Fold to the even flip sector when the chain was found flip-symmetric (the spectrum is
        // blocked) and the start law and every observable are exactly even: the recursion then
        // never leaves even measures, and a quarter of the work suffices.
        let fold = spec.and_then(Spectrum::flip_spins).filter(|&ns| {
            let even = |v: &[f64]| (0..n).all(|x| v[x] == v[global_flip(x, ns)]);
            even(&nu) && fc.iter().all(|f| even(f))
        });
        dense_window_recursion(chain, fold, &nu, &fc, kmax, &mut emit);
    } else {
        sparse_window_recursion(&Columns::new(chain), nu, &fc, kmax, &mut emit);
    }
    // Report in the order the windows were asked for.
    Ok(windows
        .iter()
        .filter_map(|w| out.iter().find(|s| s.window == *w).cloned())
        .collect())
}

/// Receives `(t, Σ a_s·f̄, E S²)` after window step `t`.
type Emit<'a> = dyn FnMut(u64, &[f64], &[f64]) + 'a;

/// Use the dense route when more than one entry in `DENSE_RATIO` of P is non-zero (block sweeps,
/// block Gibbs with large blocks): a dense GEMM step then beats the scalar sparse loop.
const DENSE_RATIO: usize = 32;

/// Refuse a window recursion above this many multiply-adds with a clear `TooLarge` error rather than
/// appear to hang: about ten minutes on two cores at the measured rates (dense GEMM steps ~3·10¹⁰
/// multiply-adds/s: Curie–Weiss N = 10 systematic sweep, 45 observables, 9.6·10¹¹ in 32 s; sparse
/// scalar steps ~2·10⁹/s: the random scan, 1.0·10¹¹ in 52 s). One limit for both routes let a sparse
/// window run for hours (issue 14 item 1).
const MAX_DENSE_WINDOW_WORK: f64 = 1.8e13;
/// The sparse route's limit (see [`MAX_DENSE_WINDOW_WORK`]).
const MAX_SPARSE_WINDOW_WORK: f64 = 1.2e12;

/// The window recursion (module docs): `a_t = a_{t−1} P` and `b_t = b_{t−1} P + a_t ⊙ f̄` per
/// observable, accumulating `m1 += a_t·f̄` and `m2 += (2 (b_{t−1}P) + a_t f̄)·f̄`; `emit(t, m1, m2)`
/// after every step. Sparse route: P by columns, rows in parallel chunks.
fn sparse_window_recursion(
    cols: &Columns,
    nu: Vec<f64>,
    fc: &[Vec<f64>],
    kmax: u64,
    emit: &mut Emit,
) {
    let n = cols.cols.len();
    let k = fc.len();
    // Row-major centered observables.
    let fr: Vec<f64> = (0..n).flat_map(|y| fc.iter().map(move |c| c[y])).collect();
    let mut a = nu;
    let mut b = vec![0.0; n * k];
    let mut a_new = vec![0.0; n];
    let mut b_new = vec![0.0; n * k];
    let mut m2 = vec![0.0; k];
    let mut m1 = vec![0.0; k];
    const CHUNK: usize = 128;
    for t in 1..=kmax {
        let partials: Vec<Vec<f64>> = a_new
            .par_chunks_mut(CHUNK)
            .zip(b_new.par_chunks_mut(CHUNK * k.max(1)))
            .enumerate()
            .map(|(c, (an, bn))| {
                let mut part = vec![0.0; 2 * k];
                for (i, av) in an.iter_mut().enumerate() {
                    let y = c * CHUNK + i;
                    let row = &mut bn[i * k..(i + 1) * k];
                    row.iter_mut().for_each(|v| *v = 0.0);
                    let mut acc = 0.0;
                    for &(x, p) in &cols.cols[y] {
                        let x = x as usize;
                        acc += a[x] * p;
                        for (r, &bx) in row.iter_mut().zip(&b[x * k..(x + 1) * k]) {
                            *r += p * bx;
                        }
                    }
                    *av = acc;
                    let f = &fr[y * k..(y + 1) * k];
                    for j in 0..k {
                        // 2 (b_{t−1}P)·f̄ + a_t f̄², and a_t f̄ for the mean.
                        part[j] += (2.0 * row[j] + acc * f[j]) * f[j];
                        part[k + j] += acc * f[j];
                        row[j] += acc * f[j];
                    }
                }
                part
            })
            .collect();
        for p in &partials {
            for j in 0..k {
                m2[j] += p[j];
                m1[j] += p[k + j];
            }
        }
        std::mem::swap(&mut a, &mut a_new);
        std::mem::swap(&mut b, &mut b_new);
        emit(t, &m1, &m2);
    }
}

/// The same recursion with P dense: the law and the k partial-sum measures are the columns of one
/// m × (k+1) matrix `M`, and each step is one GEMM `M ← Aᵀ M` (faer's fixed work split keeps the
/// bits independent of the thread count). Unfolded, `A = P` (m = n; the row-major P is read in place
/// as a column-major Pᵀ). Folded by the global flip on `ns` spins (every measure even), the states
/// are the representatives r < n/2 (top spin down; `Fr = n − 1 − r`) and
/// `A(r, r') = P(r, r') + P(r, Fr')`, exact for a flip-equivariant P; each sum over all states is
/// twice the sum over representatives.
fn dense_window_recursion(
    chain: &ExactChain,
    fold: Option<usize>,
    nu: &[f64],
    fc: &[Vec<f64>],
    kmax: u64,
    emit: &mut Emit,
) {
    use faer::{Mat, MatRef};
    let n = chain.n_states;
    let k = fc.len();
    let folded_t;
    let (pt, m, twice) = match fold {
        Some(ns) => {
            let h = n / 2;
            folded_t = Mat::from_fn(h, h, |r2, r| {
                chain.p(r, r2) + chain.p(r, global_flip(r2, ns))
            });
            (folded_t.as_ref(), h, 2.0)
        }
        None => (MatRef::from_column_major_slice(&chain.p, n, n), n, 1.0),
    };
    let mut cur = Mat::<f64>::zeros(m, k + 1);
    for y in 0..m {
        cur[(y, k)] = nu[y];
    }
    let mut next = Mat::<f64>::zeros(m, k + 1);
    let mut m2 = vec![0.0; k];
    let mut m1 = vec![0.0; k];
    for t in 1..=kmax {
        crate::exact::dense::matmul_into(next.as_mut(), pt, cur.as_ref());
        let law: Vec<f64> = (0..m).map(|y| next[(y, k)]).collect();
        for (j, f) in fc.iter().enumerate() {
            let col = next.col_mut(j);
            let (mut s2, mut s1) = (0.0, 0.0);
            for (y, r) in col.iter_mut().enumerate() {
                let af = law[y] * f[y];
                // 2 (b_{t−1}P)·f̄ + a_t f̄², and a_t f̄ for the mean.
                s2 += (2.0 * *r + af) * f[y];
                s1 += af;
                *r += af;
            }
            m2[j] += twice * s2;
            m1[j] += twice * s1;
        }
        std::mem::swap(&mut cur, &mut next);
        emit(t, &m1, &m2);
    }
}

/// The exact finite-K weight `W_K(σ) = Σ_{s,t=1}^K σ^{|s−t|}`.
pub fn finite_k_weight(sigma: f64, k: u64) -> f64 {
    let kf = k as f64;
    if kf * (1.0 - sigma) < 1.0 {
        // Direct: K + 2 Σ_{m=1}^{K−1} (K−m) σ^m.
        let mut s = 0.0;
        let mut p = 1.0;
        for m in 1..k {
            p *= sigma;
            s += (kf - m as f64) * p;
        }
        kf + 2.0 * s
    } else {
        let one_m = 1.0 - sigma;
        let sk = pow_u64(sigma, k);
        kf * (1.0 + sigma) / one_m - 2.0 * sigma * (1.0 - sk) / (one_m * one_m)
    }
}

/// Exact window variance with a stationary start, by the spectral sum with finite-K weights.
pub fn stationary_window_variance(spec: &Spectrum, overlap: &[Vec<f64>], window: u64) -> Vec<f64> {
    let w: Vec<f64> = spec
        .sigma
        .iter()
        .map(|&s| finite_k_weight(s, window))
        .collect();
    let k2 = (window as f64) * (window as f64);
    overlap
        .iter()
        .map(|c| (1..spec.n).map(|j| c[j] * c[j] * w[j]).sum::<f64>() / k2)
        .collect()
}

#[cfg(feature = "oracles")]
/// Brute force by dense matrix powers (validation on small chains): `μ_t = μ0 P^t`, `P^m f̄`, and
/// `E S² = Σ_s μ_s(f̄²) + 2 Σ_{s<t} μ_s(f̄ ⊙ P^{t−s} f̄)` over the window — O((B+K) n² + K² n).
pub fn brute_force_window_stats(
    chain: &ExactChain,
    obs: &Observables,
    mu0: &[f64],
    burn_in: u64,
    window: u64,
) -> WindowStats {
    let n = chain.n_states;
    let step = |a: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; n];
        for (x, &ax) in a.iter().enumerate() {
            for (o, &p) in out.iter_mut().zip(chain.row(x)) {
                *o += ax * p;
            }
        }
        out
    };
    let pf = |f: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|x| chain.row(x).iter().zip(f).map(|(p, v)| p * v).sum())
            .collect()
    };
    let mut mu = mu0.to_vec();
    for _ in 0..burn_in {
        mu = step(&mu);
    }
    let mut laws = Vec::with_capacity(window as usize);
    for _ in 0..window {
        mu = step(&mu);
        laws.push(mu.clone());
    }
    let kf = window as f64;
    let (mut bias, mut variance, mut mse) = (Vec::new(), Vec::new(), Vec::new());
    for f in &obs.values {
        let fb = centered(&chain.pi, f);
        let mut powers = vec![fb.clone()];
        for m in 1..window as usize {
            let next = pf(&powers[m - 1]);
            powers.push(next);
        }
        let mut s1 = 0.0;
        let mut s2 = 0.0;
        for s in 0..window as usize {
            let l = &laws[s];
            s1 += (0..n).map(|x| l[x] * fb[x]).sum::<f64>();
            s2 += (0..n).map(|x| l[x] * fb[x] * fb[x]).sum::<f64>();
            for t in s + 1..window as usize {
                let g = &powers[t - s];
                s2 += 2.0 * (0..n).map(|x| l[x] * fb[x] * g[x]).sum::<f64>();
            }
        }
        let bi = s1 / kf;
        let m = s2 / (kf * kf);
        bias.push(bi);
        mse.push(m);
        variance.push(m - bi * bi);
    }
    WindowStats {
        burn_in,
        window,
        bias,
        variance,
        mse,
    }
}

/// Monte Carlo estimate of `E‖m̂ − E_π f‖²` from runs of the kernel itself.
#[derive(Clone, Debug, Serialize)]
pub struct MonteCarlo {
    pub runs: usize,
    pub mean: f64,
    pub standard_error: f64,
}

/// `plan.chains` independent chains of `kernel` on `n_spins` spins (the Monte Carlo runner:
/// uniform random start, `plan.burn_in` steps, then a window of `plan.draws`); the squared error of
/// each chain's window mean summed over observables, averaged over chains with its standard error.
pub fn monte_carlo_mse(
    kernel: &Kernel,
    n_spins: usize,
    pi: &[f64],
    obs: &Observables,
    plan: McPlan,
) -> MonteCarlo {
    let means: Vec<f64> = obs.values.iter().map(|f| mean(pi, f)).collect();
    let window = plan.draws as f64;
    let sums = run_chains(
        kernel,
        n_spins,
        plan,
        || vec![0.0; obs.len()],
        |acc: &mut Vec<f64>, x| {
            let s = encode(x);
            for (a, f) in acc.iter_mut().zip(&obs.values) {
                *a += f[s];
            }
        },
    );
    let errs: Vec<f64> = sums
        .iter()
        .map(|sums| {
            sums.iter()
                .zip(&means)
                .map(|(s, m)| (s / window - m).powi(2))
                .sum()
        })
        .collect();
    let r = plan.chains as f64;
    let m = errs.iter().sum::<f64>() / r;
    let var = errs.iter().map(|e| (e - m).powi(2)).sum::<f64>() / (r - 1.0);
    MonteCarlo {
        runs: plan.chains,
        mean: m,
        standard_error: (var / r).sqrt(),
    }
}
