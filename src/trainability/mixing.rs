//! Exact mixing of any ergodic kernel, reversible or not (the dense route). Data only; the report
//! labels these as measurements, not passes.
//!
//! - **Complex spectrum.** The eigenvalues `λ_j` of P (Hessenberg reduction and multishift QR, faer),
//!   sorted by modulus; `|λ₂|` is the largest modulus after the Perron eigenvalue 1 and
//!   `γ_abs = 1 − |λ₂|` the absolute spectral gap (Levin–Peres 2017 §12.2). Each eigenvalue carries
//!   its residual `‖P v − λ v‖₂ / ‖v‖₂` (the backward error: λ is an exact eigenvalue of `P + E` with
//!   `‖E‖₂` that small), its condition number `κ = ‖u‖‖v‖ / |uᴴv|` (u the left eigenvector) and the
//!   first-order forward bound `κ · max(residual, ε‖P‖₁)` (Wilkinson; Golub–Van Loan 2013 §7.2.2):
//!   a residual computed in floating point is itself only good to about `ε‖P‖₁`, so the bound never
//!   uses less (LAPACK Users' Guide §4.8.1, `EERRBD = ε‖A‖₁/RCONDE`).
//! - **Reversibilizations.** With `P* = D⁻¹PᵀD` the time reversal, the similarity transform
//!   `S = D^{1/2} P D^{−1/2}` maps `P*` to `Sᵀ`, so `D^{1/2}(P*)ᵏPᵏD^{−1/2} = (Sᵏ)ᵀSᵏ`, whose eigenvalues
//!   are the squared singular values of `Sᵏ`. The multiplicative reversibilization `PP*` (Fill 1991)
//!   has gap `γ(PP*) = 1 − s₂(S)²`; the pseudo-spectral gap (Paulin 2015, Def. 3.3) is
//!   `γ_ps = max_{1≤k≤K} γ((P*)ᵏPᵏ)/k = max_k (1 − s₂(Sᵏ)²)/k`. On a reversible P, `s₂(Sᵏ) = |λ₂|ᵏ`,
//!   so `γ(PP*) = 1 − |λ₂|²` and `γ_ps = max_k (1 − |λ₂|^{2k})/k` ([`reversible_gaps`]).
//! - **Distance to stationarity.** `d(t) = max_x ‖Pᵗ(x,·) − π‖_TV` and `d_μ(t) = ‖μPᵗ − π‖_TV`, both
//!   non-increasing in t (Levin–Peres 2017 §4.4); `t_mix(ε) = min{t : d(t) ≤ ε}`, found by repeated
//!   squaring (`P, P², P⁴, …` until `d ≤ ε`) and then bisection composed from the stored powers, so
//!   the cost is `O(log t_mix)` dense products rather than `t_mix` of them.
//! - **Identical rows.** When P has m < n distinct rows (a sweep that starts with a heat bath), every
//!   measure above goes through the exact factorization `P = B R` of [`crate::exact::lumping`]: the
//!   spectrum of the m × m matrix `M = R B` plus n − m structural zeros, `Pᵗ = B Mᵗ⁻¹ R`, and the
//!   singular values of `Sᵗ` from m-row matrices. The `*_with` functions take the route explicitly,
//!   so the tests hold the lumped route against the dense one.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::exact::ExactChain;
use crate::exact::dense::{general_evd, matmul, sym_eigenvalues};
use crate::exact::lumping::Lumping;
use crate::exact::residuals::s_entry;
use crate::numeric::tolerance::{Direction, Tolerance};

/// The ε of `t_mix(ε)` always reported (Levin–Peres 2017 eq. 4.33: `t_mix = t_mix(1/4)`).
pub const QUARTER: f64 = 0.25;

/// The largest k of the pseudo-spectral gap when `[mixing]` does not say.
pub const DEFAULT_MAX_K: usize = 8;

/// Dense products a mixing-time search may spend before it stops without an answer (about the work
/// of the exact window recursion's limit: a few minutes on two cores).
pub const MAX_MIXING_WORK: f64 = 2e13;

/// `[mixing]`: which mixing measures to report (they are computed for every non-reversible kernel,
/// and for a reversible one when the section is given).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MixingSettings {
    /// A second ε for `t_mix(ε)`, besides 1/4.
    pub epsilon: Option<f64>,
    /// The largest k of the pseudo-spectral gap.
    pub pseudo_gap_max_k: usize,
}

impl Default for MixingSettings {
    fn default() -> Self {
        MixingSettings {
            epsilon: None,
            pseudo_gap_max_k: DEFAULT_MAX_K,
        }
    }
}

impl MixingSettings {
    /// The ε values of `t_mix`, 1/4 first.
    pub fn epsilons(&self) -> Vec<f64> {
        let mut e = vec![QUARTER];
        if let Some(x) = self.epsilon
            && x != QUARTER
        {
            e.push(x);
        }
        e
    }
}

/// One eigenvalue of P with its a-posteriori accuracy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Eigenvalue {
    pub re: f64,
    pub im: f64,
    pub modulus: f64,
    /// `‖P v − λ v‖₂ / ‖v‖₂`.
    pub residual: f64,
    /// `κ = ‖u‖‖v‖ / |uᴴv|`.
    pub condition: f64,
    /// `κ · max(residual, ε‖P‖₁)`, the first-order bound on the distance to an exact eigenvalue.
    pub error_bound: f64,
    /// A zero forced by identical rows of P ([`crate::exact::lumping`]): exact, so residual and bound
    /// are 0; its condition is undefined (a multiple eigenvalue), reported as `null`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub structural: bool,
}

/// The spectrum of a general P.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComplexSpectrum {
    /// Every eigenvalue, by modulus descending (ties: real part descending, then imaginary part
    /// descending); the first is the Perron eigenvalue 1.
    pub values: Vec<Eigenvalue>,
    /// `|λ₂|`.
    pub lambda2_modulus: f64,
    /// `1 − |λ₂|`.
    pub absolute_gap: f64,
}

/// `S = D^{1/2} P D^{−1/2}` as a dense matrix (from `log π`, so tiny probabilities stay exact).
pub fn similarity(chain: &ExactChain) -> Mat<f64> {
    let n = chain.n_states;
    Mat::from_fn(n, n, |x, y| s_entry(chain, x, y))
}

fn column(m: &Mat<f64>, j: usize) -> Vec<f64> {
    (0..m.nrows()).map(|i| m[(i, j)]).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The complex spectrum of P with residuals and condition numbers, through the identical-row
/// factorization `P = B R` when P has identical rows ([`Lumping`]), else from P itself.
///
/// # Errors
///
/// [`crate::Error::Numerical`] when the QR iteration does not converge.
pub fn complex_spectrum(chain: &ExactChain) -> Result<ComplexSpectrum> {
    complex_spectrum_with(chain, Lumping::of(chain).as_ref())
}

/// [`complex_spectrum`] by a given route: `Some(lumping)` decomposes `M = R B` and maps its
/// eigenvectors to P's (`v = B w`, `uᴴ = yᴴ R`), adding the `n − m` structural zeros; `None`
/// decomposes P (what the lumped route is tested against).
///
/// # Errors
///
/// As [`complex_spectrum`].
pub fn complex_spectrum_with(
    chain: &ExactChain,
    lumping: Option<&Lumping>,
) -> Result<ComplexSpectrum> {
    let n = chain.n_states;
    let p = faer::MatRef::from_row_major_slice(&chain.p, n, n);
    // ε‖P‖₁: the rounding level of a computed residual (the largest column sum of P).
    let mut columns = vec![0.0; n];
    for x in 0..n {
        columns
            .iter_mut()
            .zip(chain.row(x))
            .for_each(|(c, p)| *c += p.abs());
    }
    let floor = f64::EPSILON * columns.iter().copied().fold(0.0, f64::max);
    let (mut values, zeros) = match lumping {
        None => (eigen_table(p, None, floor)?, 0),
        Some(l) => {
            let r = l.rows(chain);
            let m = l.lumped(chain);
            (eigen_table(m.as_ref(), Some((l, &r)), floor)?, n - l.len())
        }
    };
    values.extend((0..zeros).map(|_| Eigenvalue {
        re: 0.0,
        im: 0.0,
        modulus: 0.0,
        residual: 0.0,
        condition: f64::NAN,
        error_bound: 0.0,
        structural: true,
    }));
    values.sort_by(|x, y| {
        y.modulus
            .total_cmp(&x.modulus)
            .then(y.re.total_cmp(&x.re))
            .then(y.im.total_cmp(&x.im))
    });
    let lambda2_modulus = values.get(1).map_or(0.0, |v| v.modulus);
    Ok(ComplexSpectrum {
        values,
        lambda2_modulus,
        absolute_gap: 1.0 - lambda2_modulus,
    })
}

/// The eigenvalues of `a` with residual, condition and bound as eigenvalues of P: `a = P` (`lump`
/// `None`), or `a = M = R B` with `lump = (classes, R)`, where a right eigenvector `w` of M stands for
/// `v = B w` (so `‖v‖² = Σ_c |c| |w_c|²` and `‖P v − λ v‖² = Σ_c |c| |(M w − λ w)_c|²`) and a left
/// one `y` for `u = Rᵀ y`. `floor` is the rounding level of a residual (`ε‖P‖₁`).
fn eigen_table(
    a: faer::MatRef<'_, f64>,
    lump: Option<(&Lumping, &Mat<f64>)>,
    floor: f64,
) -> Result<Vec<Eigenvalue>> {
    let k = a.nrows();
    let evd = general_evd(a, true)?;
    let (left, right) = match (&evd.left, &evd.right) {
        (Some(l), Some(r)) => (l, r),
        _ => unreachable!("vectors were requested"),
    };
    let av = matmul(a, right.as_ref());
    // Left eigenvectors over the states, and the class and weight of each state and row.
    let states_left = lump.map(|(_, r)| matmul(r.transpose(), left.as_ref()));
    let u_mat = states_left.as_ref().unwrap_or(left);
    let n_states = u_mat.nrows();
    let class = |x: usize| lump.map_or(x, |(l, _)| l.class_of[x]);
    let size = |c: usize| lump.map_or(1.0, |(l, _)| l.sizes[c] as f64);
    let mut values = Vec::with_capacity(k);
    let mut j = 0;
    while j < k {
        let (re, im) = (evd.re[j], evd.im[j]);
        if im == 0.0 {
            let v = column(right, j);
            let u = column(u_mat, j);
            let r: f64 = (0..k)
                .map(|c| size(c) * (av[(c, j)] - re * v[c]).powi(2))
                .sum();
            let vv: f64 = (0..k).map(|c| size(c) * v[c] * v[c]).sum();
            let uv: f64 = (0..n_states).map(|x| u[x] * v[class(x)]).sum();
            let kappa = (dot(&u, &u) * vv).sqrt() / uv.abs();
            let residual = (r / vv).sqrt();
            values.push(Eigenvalue {
                re,
                im: 0.0,
                modulus: re.abs(),
                residual,
                condition: kappa,
                error_bound: kappa * residual.max(floor),
                structural: false,
            });
            j += 1;
        } else {
            // v = e + i f for λ = re + i im; the conjugate pair shares residual and condition.
            let (e, f) = (column(right, j), column(right, j + 1));
            let (c, d) = (column(u_mat, j), column(u_mat, j + 1));
            let r: f64 = (0..k)
                .map(|i| {
                    size(i)
                        * ((av[(i, j)] - (re * e[i] - im * f[i])).powi(2)
                            + (av[(i, j + 1)] - (re * f[i] + im * e[i])).powi(2))
                })
                .sum();
            let weighted = |a: &[f64]| (0..k).map(|i| size(i) * a[i] * a[i]).sum::<f64>();
            let vv = weighted(&e) + weighted(&f);
            let uu = dot(&c, &c) + dot(&d, &d);
            let on_states =
                |u: &[f64], w: &[f64]| (0..n_states).map(|x| u[x] * w[class(x)]).sum::<f64>();
            let (ure, uim) = (
                on_states(&c, &e) + on_states(&d, &f),
                on_states(&c, &f) - on_states(&d, &e),
            );
            let kappa = (uu * vv).sqrt() / ure.hypot(uim);
            let residual = (r / vv).sqrt();
            for sign in [im, -im] {
                values.push(Eigenvalue {
                    re,
                    im: sign,
                    modulus: re.hypot(im),
                    residual,
                    condition: kappa,
                    error_bound: kappa * residual.max(floor),
                    structural: false,
                });
            }
            j += 2;
        }
    }
    Ok(values)
}

/// The gaps of the reversibilizations `(P*)ᵏPᵏ`, k = 1..K.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PseudoGap {
    /// `γ((P*)ᵏPᵏ) = 1 − s₂(Sᵏ)²` for k = 1..K.
    pub gap_by_k: Vec<f64>,
    /// `γ(PP*) = γ((P*)P)` (k = 1; PP* and P*P share their spectrum).
    pub gap_multiplicative: f64,
    /// `max_k γ_k / k`.
    pub pseudo_gap: f64,
    /// The maximizing k.
    pub k: usize,
}

fn pseudo_from(gap_by_k: Vec<f64>) -> PseudoGap {
    let (k, pseudo_gap) = gap_by_k
        .iter()
        .enumerate()
        .map(|(i, g)| (i + 1, g / (i + 1) as f64))
        .fold(
            (0, f64::NEG_INFINITY),
            |best, c| if c.1 > best.1 { c } else { best },
        );
    PseudoGap {
        gap_multiplicative: gap_by_k.first().copied().unwrap_or(f64::NAN),
        gap_by_k,
        pseudo_gap,
        k,
    }
}

/// The reversibilization gaps of a general P from the powers of S, through the identical-row
/// factorization when P has identical rows ([`Lumping`]: the singular values of `M_s^{k−1} R_s`),
/// else from the dense powers of S.
///
/// # Errors
///
/// [`crate::Error::Numerical`] when a symmetric eigensolve does not converge.
pub fn reversibilization_gaps(chain: &ExactChain, max_k: usize) -> Result<PseudoGap> {
    reversibilization_gaps_with(chain, max_k, Lumping::of(chain).as_ref())
}

/// [`reversibilization_gaps`] by a given route (`None`: the dense powers of S).
///
/// # Errors
///
/// As [`reversibilization_gaps`].
pub fn reversibilization_gaps_with(
    chain: &ExactChain,
    max_k: usize,
    lumping: Option<&Lumping>,
) -> Result<PseudoGap> {
    let mut gaps = Vec::with_capacity(max_k);
    match lumping {
        None => {
            let s = similarity(chain);
            let mut power = s.clone();
            for k in 1..=max_k.max(1) {
                if k > 1 {
                    power = matmul(power.as_ref(), s.as_ref());
                }
                let gram = matmul(power.transpose(), power.as_ref());
                let vals = sym_eigenvalues(gram.as_ref())?;
                gaps.push(1.0 - vals.get(1).copied().unwrap_or(0.0));
            }
        }
        Some(l) => {
            // Singular values of S^k = those of M_s^{k-1} R_s: eigenvalues of N W Nᵀ with
            // N = M_s^{k-1} and W = R_s R_sᵀ (the module docs of `exact::lumping`).
            let (r, m, lnu) = (l.rows(chain), l.lumped(chain), l.log_nu(chain));
            let rs = Mat::from_fn(r.nrows(), r.ncols(), |c, y| {
                r[(c, y)] * (lnu[c] - 0.5 * chain.log_pi[y]).exp()
            });
            let ms = Mat::from_fn(m.nrows(), m.ncols(), |c, d| {
                m[(c, d)] * (lnu[c] - lnu[d]).exp()
            });
            let w = matmul(rs.as_ref(), rs.transpose());
            let mut power: Option<Mat<f64>> = None;
            for k in 1..=max_k.max(1) {
                let gram = if k == 1 {
                    w.clone()
                } else {
                    let next = match &power {
                        None => ms.clone(),
                        Some(p) => matmul(p.as_ref(), ms.as_ref()),
                    };
                    let nw = matmul(next.as_ref(), w.as_ref());
                    let g = matmul(nw.as_ref(), next.transpose());
                    power = Some(next);
                    g
                };
                let vals = sym_eigenvalues(gram.as_ref())?;
                gaps.push(1.0 - vals.get(1).copied().unwrap_or(0.0));
            }
        }
    }
    Ok(pseudo_from(gaps))
}

/// The same gaps of a reversible P from its real spectrum (descending): `s₂(Sᵏ) = |λ₂|ᵏ` with `|λ₂|`
/// the largest modulus after σ₁ = 1.
pub fn reversible_gaps(sigma: &[f64], max_k: usize) -> PseudoGap {
    let m = sigma.iter().skip(1).map(|s| s.abs()).fold(0.0, f64::max);
    pseudo_from(
        (1..=max_k.max(1))
            .map(|k| 1.0 - m.powi(2 * k as i32))
            .collect(),
    )
}

/// `d(t)` and `d_μ(t)` at one t of the squaring sequence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistancePoint {
    pub t: u64,
    /// `max_x ‖Pᵗ(x,·) − π‖_TV`.
    pub worst: f64,
    /// `‖μPᵗ − π‖_TV` from the start law.
    pub from_start: f64,
}

/// `t_mix(ε)` from the worst state and from the start law (`None`: not reached within the work
/// limit).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixingTime {
    pub epsilon: f64,
    pub worst: Option<u64>,
    pub from_start: Option<u64>,
    /// Why `worst` or `from_start` is `null` (absent when neither is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Distances to stationarity at t = 1, 2, 4, … and the mixing times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixingProfile {
    pub distance: Vec<DistancePoint>,
    pub mixing_time: Vec<MixingTime>,
    /// Dense products spent.
    pub products: usize,
}

/// `max_x ½ Σ_y |M(x,y) − π_y|` of a row-stochastic M.
fn worst_tv(m: &Mat<f64>, pi: &[f64]) -> f64 {
    (0..m.nrows())
        .map(|x| tv(&(0..m.ncols()).map(|y| m[(x, y)]).collect::<Vec<_>>(), pi))
        .fold(0.0, f64::max)
}

/// `½ Σ_y |a_y − π_y|`.
fn tv(a: &[f64], pi: &[f64]) -> f64 {
    0.5 * a.iter().zip(pi).map(|(x, p)| (x - p).abs()).sum::<f64>()
}

fn row_times(mu: &[f64], m: &Mat<f64>) -> Vec<f64> {
    let n = m.ncols();
    (0..n)
        .map(|y| mu.iter().enumerate().map(|(x, &a)| a * m[(x, y)]).sum())
        .collect()
}

/// `P^t` as the route keeps it: dense, `a = P^t`; lumped, `m = M^t` and `a = M^{t−1} R` (the
/// distinct rows of `P^t`, one per class).
#[derive(Clone)]
struct Power {
    m: Option<Mat<f64>>,
    a: Mat<f64>,
}

impl Power {
    /// `P^{s+t}` from `P^s` (self) and `P^t`: `M^{s+t} = M^s M^t`, `M^{s+t−1} R = M^s (M^{t−1} R)`.
    fn then(&self, next: &Power) -> Power {
        match (&self.m, &next.m) {
            (Some(ms), Some(mt)) => Power {
                m: Some(matmul(ms.as_ref(), mt.as_ref())),
                a: matmul(ms.as_ref(), next.a.as_ref()),
            },
            _ => Power {
                m: None,
                a: matmul(self.a.as_ref(), next.a.as_ref()),
            },
        }
    }
}

/// `μ P^t` from `μ` over the states: `(μ B) (M^{t−1} R)` when lumped.
fn push(mu: &[f64], power: &Power, lumping: Option<&Lumping>) -> Vec<f64> {
    match lumping {
        Some(l) => row_times(&l.lump_vector(mu), &power.a),
        None => row_times(mu, &power.a),
    }
}

/// The first t with `distance(t) ≤ ε`, by bisection below the first power of two that reaches ε:
/// `powers[j] = P^{2^j}`, `reach` is the index of that power and `first` the state at
/// `t = 2^{reach−1}` (which misses ε). Since d is non-increasing, adding the lower powers from the
/// largest down, each kept only while the sum still misses ε, ends one step below `t_mix`.
fn bisect<T>(
    first: T,
    powers: &[Power],
    reach: usize,
    within: &dyn Fn(&T) -> bool,
    step: &dyn Fn(&T, &Power) -> T,
    products: &mut usize,
) -> u64 {
    if reach == 0 {
        return 1;
    }
    let mut t = 1u64 << (reach - 1);
    let mut cur = first;
    for j in (0..reach - 1).rev() {
        let cand = step(&cur, &powers[j]);
        *products += 1;
        if !within(&cand) {
            cur = cand;
            t += 1u64 << j;
        }
    }
    t + 1
}

/// `d(t)`, `d_μ(t)` along t = 1, 2, 4, … and `t_mix(ε)` for every ε, both from the worst state and
/// from `start`; through the identical-row factorization when P has identical rows ([`Lumping`]).
pub fn mixing_profile(chain: &ExactChain, start: &[f64], epsilons: &[f64]) -> MixingProfile {
    mixing_profile_with(chain, start, epsilons, Lumping::of(chain).as_ref())
}

/// [`mixing_profile`] by a given route (`None`: dense powers of P).
pub fn mixing_profile_with(
    chain: &ExactChain,
    start: &[f64],
    epsilons: &[f64],
    lumping: Option<&Lumping>,
) -> MixingProfile {
    let n = chain.n_states;
    let pi = &chain.pi;
    let (first, per_product) = match lumping {
        None => (
            Power {
                m: None,
                a: Mat::from_fn(n, n, |x, y| chain.p(x, y)),
            },
            (n as f64).powi(3),
        ),
        Some(l) => {
            let m = l.len() as f64;
            (
                Power {
                    m: Some(l.lumped(chain)),
                    a: l.rows(chain),
                },
                m * m * (m + n as f64),
            )
        }
    };
    let max_products = (MAX_MIXING_WORK / per_product).max(1.0) as usize;
    let mut powers = vec![first];
    let mut distance = Vec::new();
    let mut products = 0usize;
    let eps_min = epsilons.iter().copied().fold(f64::INFINITY, f64::min);
    let reached = |d: f64| {
        Tolerance::floor(eps_min)
            .with_direction(Direction::AtMost)
            .accepts(d, n)
    };
    loop {
        let j = powers.len() - 1;
        let last = &powers[j];
        let w = worst_tv(&last.a, pi);
        let s = tv(&push(start, last, lumping), pi);
        distance.push(DistancePoint {
            t: 1u64 << j,
            worst: w,
            from_start: s,
        });
        if (reached(w) && reached(s)) || j >= 62 || products + 1 > max_products {
            break;
        }
        let sq = last.then(last);
        products += 1;
        powers.push(sq);
    }
    let mut mixing_time = Vec::new();
    for &eps in epsilons {
        let within = Tolerance::floor(eps).with_direction(Direction::AtMost);
        let reach_w = distance.iter().position(|p| within.accepts(p.worst, n));
        let reach_s = distance
            .iter()
            .position(|p| within.accepts(p.from_start, n));
        let worst = reach_w.map(|r| {
            bisect(
                powers[r.saturating_sub(1)].clone(),
                &powers,
                r,
                &|m: &Power| within.accepts(worst_tv(&m.a, pi), n),
                &|m: &Power, q: &Power| m.then(q),
                &mut products,
            )
        });
        let from_start = reach_s.map(|r| {
            bisect(
                push(start, &powers[r.saturating_sub(1)], lumping),
                &powers,
                r,
                &|v: &Vec<f64>| within.accepts(tv(v, pi), n),
                &|v: &Vec<f64>, q: &Power| push(v, q, lumping),
                &mut products,
            )
        });
        let reason = (worst.is_none() || from_start.is_none()).then(|| {
            format!(
                "the distance stays above epsilon up to t = {}, the last power the work limit allows",
                distance.last().map_or(0, |d: &DistancePoint| d.t)
            )
        });
        mixing_time.push(MixingTime {
            epsilon: eps,
            worst,
            from_start,
            reason,
        });
    }
    MixingProfile {
        distance,
        mixing_time,
        products,
    }
}
