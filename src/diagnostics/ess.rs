//! ESS, R-hat and MCSE (docs/peers.md §4.4–4.7; Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021).
//!
//! **Geyer's ESS** on a matrix of `m` chains × `n` draws (already split or transformed):
//! `γ̄(t)` = chain-averaged biased autocovariance; `W = γ̄(0)·n/(n−1)`;
//! `V⁺ = W(n−1)/n + [m > 1]·var₁(x̄_j)`; `ρ̂(t) = 1 − (W − γ̄(t))/V⁺`. Initial positive sequence over
//! pairs `(ρ̂(2k), ρ̂(2k+1))` until a pair sum is ≤ 0; initial monotone sequence (pair sums made
//! non-increasing by averaging); `τ̂ = −1 + 2 Σ_{t<T} ρ̂(t) + ρ̂(T)` (the last positive even lag added
//! once, Stan's antithetic end correction); `τ̂ ← max(τ̂, 1/log10(mn))`, i.e. ESS ≤ mn·log10(mn)
//! (the cap: a warning when it binds); `ESS = mn/τ̂`.
//!
//! **Variants**: bulk = ESS(z(split x)); mean = ESS(split x); sd = ESS(split |x − x̄|) (posterior) or
//! ESS(split (x − x̄)²) (ArviZ 0.23); quantile p = ESS(split 1{x ≤ q̂_p}); tail = min(q 0.05, q 0.95);
//! median = quantile 0.5.
//!
//! **R-hat** on `m` chains × `n`: `W` = mean chain variance (ddof 1), `B = n·var₁(x̄_j)`,
//! `R̂ = √((B/W + n − 1)/n)`; the default is `max(R̂(z(split x)), R̂(z(split |x − med|)))`.
//!
//! **MCSE**: mean = `sd₁(x)/√ESS_mean`; sd = `√(Var(var)/(4E))` with `E = mean(c²)`,
//! `Var(var) = (mean(c⁴) − E²)/ESS_mean(c²)`, `c = x − x̄` (Kenney & Keeping 1951); quantile p =
//! half the distance between the order statistics at `qbeta({0.1586553, 0.8413447}, ESS_p·p + 1,
//! ESS_p(1−p) + 1)`.
//!
//! Conventions (where posterior 1.7.1 and ArviZ 0.23 differ) are applied here and listed in
//! `specs/conventions.toml`.

use crate::numeric::tolerance::{CONSTANT_ARVIZ, CONSTANT_POSTERIOR};
use std::cell::OnceCell;

use statrs::distribution::{Beta, ContinuousCDF};

use super::acf::LazyAcov;
use super::rank::{
    RADIX_MIN, argsort_with_values, median_sorted, quantile_mquantiles, quantile_r7,
    radix_argsort32, z_fold_sorted, z_scale_sorted,
};
use super::{Convention, Draws, Stat, Undefined};

/// Fewer draws per chain than this make every statistic undefined (both conventions).
pub const MIN_DRAWS: usize = 4;

/// Result of Geyer's estimator on one matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geyer {
    pub ess: f64,
    /// `τ̂` after the cap (N/ESS convention).
    pub tau: f64,
    /// Whether the `mn·log10(mn)` cap bound.
    pub capped: bool,
    /// The truncation lag `T` (last even lag of the initial positive sequence).
    pub max_lag: usize,
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn var1(x: &[f64]) -> f64 {
    let mu = mean(x);
    x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (x.len() as f64 - 1.0)
}

fn range(x: &[f64]) -> f64 {
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    hi - lo
}

/// Whether the values count as constant under the convention (posterior: range < ε = 2.2e-16;
/// ArviZ: range < 1e-15, NumPy's `finfo(float).resolution`).
pub fn is_constant(x: &[f64], conv: Convention) -> bool {
    let tol = match conv {
        Convention::Posterior => CONSTANT_POSTERIOR,
        Convention::Arviz => CONSTANT_ARVIZ,
    };
    x.is_empty() || tol.accepts(range(x), 1)
}

/// Geyer's initial positive + monotone sequence ESS on `m` chains × `n` draws.
///
/// # Errors
///
/// [`Undefined::NonFinite`] for NaN or infinite values; [`Undefined::TooFewDraws`] below 3 draws
/// per chain (posterior) or 2 (ArviZ); [`Undefined::Constant`] for constant values under the
/// posterior convention (ArviZ returns ESS = `m·n` there); [`Undefined::NotANumber`] when the
/// autocorrelations are NaN.
pub fn geyer(x: &[f64], m: usize, n: usize, conv: Convention) -> Result<Geyer, Undefined> {
    geyer_cow(std::borrow::Cow::Borrowed(x), m, n, conv)
}

/// [`geyer`] on a borrowed matrix or on one the caller gives away (centred in place: no copy); the
/// same result either way.
fn geyer_cow(
    x: std::borrow::Cow<'_, [f64]>,
    m: usize,
    n: usize,
    conv: Convention,
) -> Result<Geyer, Undefined> {
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Undefined::NonFinite);
    }
    let size = (m * n) as f64;
    match conv {
        Convention::Posterior => {
            if n < 3 {
                return Err(Undefined::TooFewDraws);
            }
            if is_constant(&x, conv) {
                return Err(Undefined::Constant);
            }
        }
        Convention::Arviz => {
            if n < 2 {
                return Err(Undefined::TooFewDraws);
            }
            if is_constant(&x, conv) {
                // ArviZ 0.23 `_ess`: constant input has ESS equal to its size.
                return Ok(Geyer {
                    ess: size,
                    tau: 1.0,
                    capped: false,
                    max_lag: 0,
                });
            }
        }
    }
    // The chain means are those the centring subtracts (the same sums).
    let (mut acov, means) = match x {
        std::borrow::Cow::Borrowed(x) => (
            LazyAcov::new(x, m, n),
            (0..m).map(|j| mean(&x[j * n..(j + 1) * n])).collect(),
        ),
        std::borrow::Cow::Owned(x) => LazyAcov::new_owned(x, m, n),
    };
    let nf = n as f64;
    let mean_var = acov.mean(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var1(&means);
    }
    let mut r = |t: usize| 1.0 - (mean_var - acov.mean(t)) / var_plus;
    let mut rho = vec![0.0; n];
    rho[0] = 1.0;
    let mut e = 1.0;
    let mut o = r(1);
    rho[1] = o;
    let (tau, max_lag) = match conv {
        Convention::Posterior => {
            let mut t = 0usize;
            while t + 5 < n && !(e + o).is_nan() && e + o > 0.0 {
                t += 2;
                e = r(t);
                o = r(t + 1);
                if e + o >= 0.0 {
                    rho[t] = e;
                    rho[t + 1] = o;
                }
            }
            let max_t = t;
            if e > 0.0 {
                rho[max_t] = e;
            }
            let mut t = 0usize;
            while t + 4 <= max_t {
                t += 2;
                if rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1] {
                    rho[t] = (rho[t - 2] + rho[t - 1]) / 2.0;
                    rho[t + 1] = rho[t];
                }
            }
            // R's `rho_hat_t[1:max_t]` with max_t = 0 is `rho_hat_t[1]` (1:0 = c(1, 0)), so
            // posterior adds ρ̂(0) twice there; reproduced on purpose (specs/conventions.toml).
            let head: f64 = if max_t == 0 {
                rho[0]
            } else {
                rho[..max_t].iter().sum()
            };
            (-1.0 + 2.0 * head + rho[max_t], max_t)
        }
        Convention::Arviz => {
            let n = n as isize;
            let mut t: isize = 1;
            while t < n - 3 && e + o > 0.0 {
                e = r((t + 1) as usize);
                o = r((t + 2) as usize);
                if e + o >= 0.0 {
                    rho[(t + 1) as usize] = e;
                    rho[(t + 2) as usize] = o;
                }
                t += 2;
            }
            let max_t = t - 2;
            if e > 0.0 {
                rho[(max_t + 1) as usize] = e;
            }
            let mut t: isize = 1;
            while t <= max_t - 2 {
                let tu = t as usize;
                if rho[tu + 1] + rho[tu + 2] > rho[tu - 1] + rho[tu] {
                    rho[tu + 1] = (rho[tu - 1] + rho[tu]) / 2.0;
                    rho[tu + 2] = rho[tu + 1];
                }
                t += 2;
            }
            let head: f64 = rho[..(max_t + 1) as usize].iter().sum();
            let tail = rho.get((max_t + 1) as usize).copied().unwrap_or(0.0);
            (-1.0 + 2.0 * head + tail, (max_t + 1) as usize)
        }
    };
    if tau.is_nan() || rho.iter().any(|v| v.is_nan()) {
        return Err(Undefined::NotANumber);
    }
    let bound = 1.0 / size.log10();
    let capped = tau < bound;
    let tau = if capped { bound } else { tau };
    Ok(Geyer {
        ess: size / tau,
        tau,
        capped,
        max_lag,
    })
}

/// R-hat of `m` chains × `n` draws (no transformation).
///
/// # Errors
///
/// [`Undefined::NonFinite`] for NaN or infinite values, [`Undefined::TooFewDraws`] below two chains
/// or two draws, [`Undefined::Constant`] for constant values under the posterior convention, and
/// [`Undefined::NotANumber`] when the ratio is 0/0.
pub fn rhat_matrix(x: &[f64], m: usize, n: usize, conv: Convention) -> Stat {
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Undefined::NonFinite);
    }
    if m < 2 || n < 2 {
        return Err(Undefined::TooFewDraws);
    }
    if conv == Convention::Posterior && is_constant(x, conv) {
        return Err(Undefined::Constant);
    }
    let means: Vec<f64> = (0..m).map(|j| mean(&x[j * n..(j + 1) * n])).collect();
    let w = (0..m).map(|j| var1(&x[j * n..(j + 1) * n])).sum::<f64>() / m as f64;
    let b = n as f64 * var1(&means);
    let nf = n as f64;
    let r = ((b / w + nf - 1.0) / nf).sqrt();
    if r.is_nan() {
        Err(Undefined::NotANumber)
    } else {
        Ok(r)
    }
}

/// Split every chain into its first and last `⌊n/2⌋` draws (the middle draw of an odd count is
/// dropped); the first halves come first (ArviZ's `vstack` order). Returns `(data, 2m, ⌊n/2⌋)`.
pub fn split(x: &[f64], m: usize, n: usize) -> (Vec<f64>, usize, usize) {
    let h = n / 2;
    let mut out = Vec::with_capacity(2 * m * h);
    for j in 0..m {
        out.extend_from_slice(&x[j * n..j * n + h]);
    }
    for j in 0..m {
        out.extend_from_slice(&x[(j + 1) * n - h..(j + 1) * n]);
    }
    (out, 2 * m, h)
}

/// [`split`] of `f(x)`, built directly (no unsplit copy of `f(x)`); the same values in the same order.
pub fn split_map(
    x: &[f64],
    m: usize,
    n: usize,
    f: impl Fn(f64) -> f64,
) -> (Vec<f64>, usize, usize) {
    let h = n / 2;
    let mut out = Vec::with_capacity(2 * m * h);
    for j in 0..m {
        out.extend(x[j * n..j * n + h].iter().map(|&v| f(v)));
    }
    for j in 0..m {
        out.extend(x[(j + 1) * n - h..(j + 1) * n].iter().map(|&v| f(v)));
    }
    (out, 2 * m, h)
}

/// The split draws' ascending order (`u32` indices where they fit, half the memory) and their
/// sorted values, from one sort.
enum SplitSorting {
    Narrow(Vec<u32>, Vec<f64>),
    Wide(Vec<usize>, Vec<f64>),
}

impl SplitSorting {
    fn sorted(&self) -> &[f64] {
        match self {
            SplitSorting::Narrow(_, s) | SplitSorting::Wide(_, s) => s,
        }
    }
    fn z_scale(&self) -> Vec<f64> {
        match self {
            SplitSorting::Narrow(o, s) => z_scale_sorted(s, o),
            SplitSorting::Wide(o, s) => z_scale_sorted(s, o),
        }
    }
    fn z_fold(&self, centre: f64) -> Vec<f64> {
        match self {
            SplitSorting::Narrow(o, s) => z_fold_sorted(s, o, centre),
            SplitSorting::Wide(o, s) => z_fold_sorted(s, o, centre),
        }
    }
}

/// A variable's draws with the sorts and splits the statistics share, computed once.
pub struct Prepared<'a> {
    pub d: &'a Draws,
    pub conv: Convention,
    split: OnceCell<(Vec<f64>, usize, usize)>,
    /// The split draws' ascending order and their sorted values (one sort).
    split_order: OnceCell<SplitSorting>,
    sorted_all: OnceCell<Vec<f64>>,
    z_split: OnceCell<Vec<f64>>,
    ess_mean: OnceCell<Stat>,
    ess_q: std::cell::RefCell<Vec<(f64, Stat)>>,
    /// Warnings collected while computing (the ESS cap binding).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

impl<'a> Prepared<'a> {
    pub fn new(d: &'a Draws, conv: Convention) -> Self {
        Prepared {
            d,
            conv,
            split: OnceCell::new(),
            split_order: OnceCell::new(),
            sorted_all: OnceCell::new(),
            z_split: OnceCell::new(),
            ess_mean: OnceCell::new(),
            ess_q: Default::default(),
            warnings: Default::default(),
        }
    }

    /// The checks every statistic shares: finite draws, at least [`MIN_DRAWS`] per chain.
    ///
    /// # Errors
    ///
    /// [`Undefined::NonFinite`] for NaN or infinite draws, [`Undefined::TooFewDraws`] below
    /// [`MIN_DRAWS`] draws per chain or without a chain.
    pub fn check(&self) -> Result<(), Undefined> {
        if self.d.data.iter().any(|v| !v.is_finite()) {
            return Err(Undefined::NonFinite);
        }
        if self.d.draws < MIN_DRAWS || self.d.chains == 0 {
            return Err(Undefined::TooFewDraws);
        }
        Ok(())
    }

    fn constant_na(&self) -> Result<(), Undefined> {
        if self.conv == Convention::Posterior && is_constant(&self.d.data, self.conv) {
            return Err(Undefined::Constant);
        }
        Ok(())
    }

    fn split(&self) -> &(Vec<f64>, usize, usize) {
        self.split
            .get_or_init(|| split(&self.d.data, self.d.chains, self.d.draws))
    }
    /// `(2m, ⌊n/2⌋)`, the shape of the split draws.
    fn split_shape(&self) -> (usize, usize) {
        (2 * self.d.chains, self.d.draws / 2)
    }
    fn split_sorting(&self) -> &SplitSorting {
        self.split_order.get_or_init(|| {
            let (m, n) = (self.d.chains, self.d.draws);
            let (m2, h) = self.split_shape();
            let total = m2 * h;
            if total >= RADIX_MIN && u32::try_from(total).is_ok() {
                // The split draws in their order (first halves, then last halves), read in place.
                let x = &self.d.data;
                let first = (0..m).flat_map(|j| &x[j * n..j * n + h]);
                let last = (0..m).flat_map(|j| &x[(j + 1) * n - h..(j + 1) * n]);
                let (o, s) = radix_argsort32(total, first.chain(last).copied());
                SplitSorting::Narrow(o, s)
            } else {
                let (o, s) = argsort_with_values(&self.split().0);
                SplitSorting::Wide(o, s)
            }
        })
    }
    /// All draws, sorted ascending.
    pub fn sorted_all(&self) -> &[f64] {
        // An even number of draws per chain: the split halves hold every draw, so their sorted
        // values are these (one sort for both).
        if self.d.draws.is_multiple_of(2) {
            return self.split_sorting().sorted();
        }
        self.sorted_all.get_or_init(|| {
            let mut v = self.d.data.clone();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
    }
    fn z_split(&self) -> &[f64] {
        self.z_split.get_or_init(|| self.split_sorting().z_scale())
    }

    /// The centre the folded R-hat folds around: posterior the median of all draws, ArviZ that of
    /// the split draws.
    fn fold_centre(&self) -> f64 {
        match self.conv {
            Convention::Posterior => median_sorted(self.sorted_all()),
            Convention::Arviz => median_sorted(self.split_sorting().sorted()),
        }
    }

    /// `(ess_bulk(), rhat())`, the same values, holding fewer buffers at once: R-hat's bulk part is
    /// taken on the rank-normalised draws, which the bulk ESS then centres in place (no copy)
    /// before the folded ranks are built. The report's path (`trace` on millions of draws).
    pub fn ess_bulk_and_rhat(&mut self) -> (Stat, Stat) {
        let common = self.check().and_then(|()| self.constant_na());
        if common.is_err() || (self.conv == Convention::Arviz && self.d.chains < 2) {
            // The error paths, as the two methods take them.
            return (self.ess_bulk(), self.rhat());
        }
        let (m2, h) = self.split_shape();
        let z = match self.z_split.take() {
            Some(z) => z,
            None => self.split_sorting().z_scale(),
        };
        let bulk = rhat_matrix(&z, m2, h, self.conv);
        let ess = self.ess_cow(std::borrow::Cow::Owned(z), m2, h);
        let rhat = bulk.and_then(|b| {
            let zf = self.split_sorting().z_fold(self.fold_centre());
            Ok(b.max(rhat_matrix(&zf, m2, h, self.conv)?))
        });
        (ess, rhat)
    }

    /// Frees the sort, the ranks and the split copy (the cached statistics stay): what the
    /// statistics computed afterwards need is rebuilt on demand.
    pub fn release(&mut self) {
        self.split.take();
        self.split_order.take();
        self.sorted_all.take();
        self.z_split.take();
    }

    fn ess_of(&self, y: &[f64], m: usize, n: usize) -> Stat {
        self.ess_cow(std::borrow::Cow::Borrowed(y), m, n)
    }

    fn ess_cow(&self, y: std::borrow::Cow<'_, [f64]>, m: usize, n: usize) -> Stat {
        let g = geyer_cow(y, m, n, self.conv)?;
        if g.capped {
            self.warnings.borrow_mut().push(format!(
                "ESS capped at S·log10(S) = {:.6e} (Geyer τ̂ below 1/log10(S); antithetic draws)",
                g.ess
            ));
        }
        Ok(g.ess)
    }

    /// ESS of the split `f(x)`.
    fn ess_split_map(&self, f: impl Fn(f64) -> f64) -> Stat {
        let (s, m2, h) = split_map(&self.d.data, self.d.chains, self.d.draws, f);
        self.ess_cow(std::borrow::Cow::Owned(s), m2, h)
    }

    /// Bulk ESS: ESS of the rank-normalised split draws.
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::Constant`] for constant draws under the
    /// posterior convention, and those of [`geyer`] on the rank-normalised split draws.
    pub fn ess_bulk(&self) -> Stat {
        self.check()?;
        self.constant_na()?;
        let (m2, h) = self.split_shape();
        let z = self.z_split();
        self.ess_of(z, m2, h)
    }

    /// The quantile `p` of all draws under the convention.
    pub fn quantile(&self, p: f64) -> f64 {
        let s = self.sorted_all();
        match self.conv {
            Convention::Posterior => {
                let p = if p == 1.0 {
                    (s.len() as f64 - 0.5) / s.len() as f64
                } else {
                    p
                };
                quantile_r7(s, p)
            }
            Convention::Arviz => quantile_mquantiles(s, p),
        }
    }

    /// ESS of the indicator `1{x ≤ q̂_p}` (cached per `p`).
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::Constant`] for constant draws under the
    /// posterior convention, and those of [`geyer`] on the split indicator.
    pub fn ess_quantile(&self, p: f64) -> Stat {
        if let Some((_, s)) = self.ess_q.borrow().iter().find(|(q, _)| *q == p) {
            return *s;
        }
        let s = self.ess_quantile_uncached(p);
        self.ess_q.borrow_mut().push((p, s));
        s
    }

    fn ess_quantile_uncached(&self, p: f64) -> Stat {
        self.check()?;
        self.constant_na()?;
        let q = self.quantile(p);
        self.ess_split_map(|v| if v <= q { 1.0 } else { 0.0 })
    }

    /// Tail ESS: the smaller of the 5 % and 95 % quantile ESS (undefined if either is).
    ///
    /// # Errors
    ///
    /// Those of [`Prepared::ess_quantile`] at 0.05 or 0.95.
    pub fn ess_tail(&self) -> Stat {
        let lo = self.ess_quantile(0.05)?;
        let hi = self.ess_quantile(0.95)?;
        Ok(lo.min(hi))
    }

    /// ESS of the split raw draws (the ESS of the mean; cached).
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::Constant`] for constant draws under the
    /// posterior convention, and those of [`geyer`] on the split draws.
    pub fn ess_mean(&self) -> Stat {
        *self.ess_mean.get_or_init(|| self.ess_mean_uncached())
    }

    fn ess_mean_uncached(&self) -> Stat {
        self.check()?;
        self.constant_na()?;
        let (s, m2, h) = self.split();
        self.ess_of(s, *m2, *h)
    }

    /// ESS for the sd: posterior `|x − x̄|`, ArviZ `(x − x̄)²`.
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::Constant`] for constant draws under the
    /// posterior convention, and those of [`geyer`] on the split transformed draws.
    pub fn ess_sd(&self) -> Stat {
        self.check()?;
        self.constant_na()?;
        let mu = mean(&self.d.data);
        match self.conv {
            Convention::Posterior => self.ess_split_map(|v| (v - mu).abs()),
            Convention::Arviz => self.ess_split_map(|v| (v - mu) * (v - mu)),
        }
    }

    /// Rank-normalised split R-hat: the larger of the bulk and folded values. posterior folds all
    /// draws around their median and then splits; ArviZ splits first and folds around the median of
    /// the split draws, and needs two chains.
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::SingleChain`] for one chain under ArviZ,
    /// [`Undefined::Constant`] for constant draws under the posterior convention, and those of
    /// [`rhat_matrix`] on the rank-normalised or folded split draws.
    pub fn rhat(&self) -> Stat {
        self.check()?;
        if self.conv == Convention::Arviz && self.d.chains < 2 {
            return Err(Undefined::SingleChain);
        }
        self.constant_na()?;
        let (m2, h) = self.split_shape();
        let bulk = rhat_matrix(self.z_split(), m2, h, self.conv)?;
        let zf = self.split_sorting().z_fold(self.fold_centre());
        let tail = rhat_matrix(&zf, m2, h, self.conv)?;
        Ok(bulk.max(tail))
    }

    /// Basic R-hat on the unsplit raw draws (needs two chains).
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::SingleChain`] for one chain, and those of
    /// [`rhat_matrix`].
    pub fn rhat_basic(&self) -> Stat {
        self.check()?;
        if self.d.chains < 2 {
            return Err(Undefined::SingleChain);
        }
        rhat_matrix(&self.d.data, self.d.chains, self.d.draws, self.conv)
    }

    /// Split R-hat on the raw draws.
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::SingleChain`] for one chain under ArviZ, and
    /// those of [`rhat_matrix`] on the split draws.
    pub fn rhat_split(&self) -> Stat {
        self.check()?;
        if self.conv == Convention::Arviz && self.d.chains < 2 {
            return Err(Undefined::SingleChain);
        }
        let (s, m2, h) = self.split();
        rhat_matrix(s, *m2, *h, self.conv)
    }

    /// Mean and sample standard deviation (ddof 1) of all draws.
    pub fn mean_sd(&self) -> (f64, f64) {
        let x = &self.d.data;
        (mean(x), var1(x).sqrt())
    }

    /// MCSE of the mean: `sd₁(x)/√ESS_mean`.
    ///
    /// # Errors
    ///
    /// Those of [`Prepared::ess_mean`].
    pub fn mcse_mean(&self) -> Stat {
        let ess = self.ess_mean()?;
        Ok(self.mean_sd().1 / ess.sqrt())
    }

    /// MCSE of the sd (Kenney–Keeping moments, delta method; ESS of `(x − x̄)²` in both conventions).
    ///
    /// # Errors
    ///
    /// The errors of [`Prepared::check`], [`Undefined::Constant`] for constant draws under the
    /// posterior convention, those of [`geyer`] on the split squared deviations, and
    /// [`Undefined::NotANumber`] when the delta-method variance is NaN.
    pub fn mcse_sd(&self) -> Stat {
        self.check()?;
        self.constant_na()?;
        let mu = mean(&self.d.data);
        let sq = |v: f64| (v - mu) * (v - mu);
        let ess = self.ess_split_map(sq)?;
        // The moments of c² = (x − x̄)², summed in the draws' order (no copy of c²).
        let len = self.d.data.len() as f64;
        let evar = self.d.data.iter().map(|&v| sq(v)).sum::<f64>() / len;
        let m4 = self.d.data.iter().map(|&v| sq(v) * sq(v)).sum::<f64>() / len;
        let varvar = (m4 - evar * evar) / ess;
        let v = (varvar / evar / 4.0).sqrt();
        if v.is_nan() {
            Err(Undefined::NotANumber)
        } else {
            Ok(v)
        }
    }

    /// MCSE of the quantile `p` (order statistics at Beta quantiles of the quantile ESS).
    ///
    /// # Errors
    ///
    /// Those of [`Prepared::ess_quantile`], and [`Undefined::NotANumber`] when the Beta quantiles
    /// are undefined.
    pub fn mcse_quantile(&self, p: f64) -> Stat {
        let ess = self.ess_quantile(p)?;
        let s = self.sorted_all();
        let size = s.len();
        let beta =
            Beta::new(ess * p + 1.0, ess * (1.0 - p) + 1.0).map_err(|_| Undefined::NotANumber)?;
        let a1 = beta.inverse_cdf(0.158_655_3);
        let a2 = beta.inverse_cdf(0.841_344_7);
        if a1.is_nan() || a2.is_nan() {
            return Err(Undefined::NotANumber);
        }
        let sf = size as f64;
        let i1 = ((a1 * sf).floor() as usize).max(1);
        let i2 = ((a2 * sf).ceil() as usize).min(size).max(1);
        Ok((s[i2 - 1] - s[i1 - 1]) / 2.0)
    }
}
