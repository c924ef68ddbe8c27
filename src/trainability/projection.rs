//! Observables projected on the spectrum of a reversible chain ([`crate::exact::spectrum`]): overlaps
//! `c_aj = ⟨f_a − E_π f_a, φ_j⟩_π`, exact τ per observable and the asymptotic (CLT) variance.
//!
//! **τ and the CLT variance** (reversible, spectral route, Sokal 1997 §2; Levin–Peres 2017 §12):
//! `S_a = Σ_{j≥2} c_aj² (1+σ_j)/(1−σ_j)`, `τ_a = S_a / Var_π f_a` in the N/ESS convention
//! (`1 + 2Σ_t ρ(t)`, ArviZ/Stan/emcee); Sokal's `τ_int = τ/2` is available as [`TauConvention::Sokal`].

use serde::Serialize;

use super::predictors::Cluster;
use crate::exact::ExactChain;
use crate::exact::spectrum::Spectrum;
use crate::exact::structure::boundary_flow;
use crate::kernel::stream;
use crate::observables::{Observables, centered, variance};

/// Which τ convention a number uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TauConvention {
    /// `τ = 1 + 2 Σ_{t≥1} ρ(t)` = N/ESS (ArviZ, Stan, emcee, posterior).
    #[serde(rename = "N/ESS")]
    NOverEss,
    /// Sokal's `τ_int = ½ + Σ_{t≥1} ρ(t)`, half of the above.
    #[serde(rename = "sokal")]
    Sokal,
}

impl TauConvention {
    pub fn label(&self) -> &'static str {
        match self {
            TauConvention::NOverEss => "N/ESS",
            TauConvention::Sokal => "sokal",
        }
    }
}

/// Observables projected on the spectrum: overlaps, variances, τ and CLT variances.
#[derive(Clone, Debug)]
pub struct Projected {
    /// `overlap[a][j] = c_aj = ⟨f_a − E_π f_a, φ_j⟩_π` (j in the global mode order; j = 0 is σ_1).
    pub overlap: Vec<Vec<f64>>,
    /// `Var_π f_a`.
    pub var: Vec<f64>,
    /// Parseval residual `|Σ_{j≥2} c_aj² − Var_π f_a| / Var_π f_a` (0 for a constant observable).
    pub parseval_rel: Vec<f64>,
}

impl Projected {
    /// Projects every observable: `c_a = Uᵀ (√π ⊙ f̄_a)` in one matrix product.
    pub fn new(spec: &Spectrum, pi: &[f64], obs: &Observables) -> Self {
        let ws: Vec<Vec<f64>> = obs
            .values
            .iter()
            .map(|f| {
                centered(pi, f)
                    .iter()
                    .zip(&spec.sqrt_pi)
                    .map(|(c, s)| c * s)
                    .collect()
            })
            .collect();
        let overlap = spec.analyze(&ws);
        let var: Vec<f64> = obs.values.iter().map(|f| variance(pi, f)).collect();
        let parseval_rel = overlap
            .iter()
            .zip(&var)
            .map(|(c, &v)| {
                let s: f64 = c[1..].iter().map(|x| x * x).sum();
                if v > 0.0 { (s - v).abs() / v } else { s }
            })
            .collect();
        Projected {
            overlap,
            var,
            parseval_rel,
        }
    }

    /// Number of observables.
    pub fn len(&self) -> usize {
        self.var.len()
    }
    pub fn is_empty(&self) -> bool {
        self.var.is_empty()
    }

    /// Asymptotic (CLT) variance `S_a = Σ_{j≥2} c_aj² (1+σ_j)/(1−σ_j)` of each observable.
    pub fn asymptotic_variance(&self, spec: &Spectrum) -> Vec<f64> {
        self.overlap
            .iter()
            .map(|c| {
                (1..spec.n)
                    .map(|j| c[j] * c[j] * (1.0 + spec.sigma[j]) / (1.0 - spec.sigma[j]))
                    .sum()
            })
            .collect()
    }

    /// Exact τ of each observable in the given convention (`None` for a constant observable).
    pub fn tau(&self, spec: &Spectrum, conv: TauConvention) -> Vec<Option<f64>> {
        let half = match conv {
            TauConvention::NOverEss => 1.0,
            TauConvention::Sokal => 0.5,
        };
        self.asymptotic_variance(spec)
            .iter()
            .zip(&self.var)
            .map(|(&s, &v)| (v > 0.0).then(|| half * s / v))
            .collect()
    }

    /// Total observable weight `Σ_a c_aj²` of each mode.
    pub fn mode_weight(&self) -> Vec<f64> {
        let n = self.overlap.first().map_or(0, |c| c.len());
        (0..n)
            .map(|j| self.overlap.iter().map(|c| c[j] * c[j]).sum())
            .collect()
    }
}

/// The three residuals of `Π_C` on a set of test vectors (O1.a's data).
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectionResiduals {
    /// `max ‖Π(Πw) − Πw‖ / ‖w‖`.
    pub idempotence: f64,
    /// `max |⟨Πw, v⟩ − ⟨w, Πv⟩| / (‖w‖‖v‖)`.
    pub self_adjointness: f64,
    /// `max |‖Πw‖² − Σ_{j∈C} ⟨w, b_j⟩²| / ‖w‖²`.
    pub parseval: f64,
    pub test_vectors: usize,
}

impl ProjectionResiduals {
    /// The largest of the three.
    pub fn max(&self) -> f64 {
        self.idempotence
            .max(self.self_adjointness)
            .max(self.parseval)
    }
}

/// Seed of O1.a's Rademacher test vectors (stream 0).
pub const O1A_SEED: u64 = 0x01a;

/// A linear map applied to a batch of vectors (a basis's `Bᵀ·` or `B·`).
pub type BasisMap<'a> = &'a dyn Fn(&[Vec<f64>]) -> Vec<Vec<f64>>;

/// Residuals of `Π_C` as an operator on L²(π), evaluated on test vectors in the `√π`-weighted
/// coordinates `w = √π ⊙ u` (where ⟨·,·⟩_π is Euclidean and `Π_C = B_C B_Cᵀ`): relative
/// idempotence `‖Π(Πw) − Πw‖/‖w‖`, self-adjointness `|⟨Πw, v⟩ − ⟨w, Πv⟩|/(‖w‖‖v‖)` and Parseval
/// `|‖Πw‖² − Σ_{j∈C} ⟨w, b_j⟩²|/‖w‖²`. `analyze`/`synthesize` are the basis maps `Bᵀ·` and `B·`.
pub fn projection_residuals(
    analyze: BasisMap<'_>,
    synthesize: BasisMap<'_>,
    in_c: &[bool],
    ws: &[Vec<f64>],
) -> ProjectionResiduals {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let project = |vs: &[Vec<f64>]| -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut c = analyze(vs);
        for ci in c.iter_mut() {
            for (j, v) in ci.iter_mut().enumerate() {
                if !in_c[j] {
                    *v = 0.0;
                }
            }
        }
        let p = synthesize(&c);
        (p, c)
    };
    let (p1, c1) = project(ws);
    let (p2, _) = project(&p1);
    let (mut idem, mut adj, mut pars) = (0.0f64, 0.0f64, 0.0f64);
    for (i, w) in ws.iter().enumerate() {
        let nw = dot(w, w).sqrt();
        if nw == 0.0 {
            continue;
        }
        let d: f64 = p2[i]
            .iter()
            .zip(&p1[i])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        idem = idem.max(d / nw);
        let pp = dot(&p1[i], &p1[i]);
        let cc: f64 = c1[i].iter().map(|x| x * x).sum();
        pars = pars.max((pp - cc).abs() / (nw * nw));
        for (j, v) in ws.iter().enumerate().skip(i + 1) {
            let nv = dot(v, v).sqrt();
            if nv == 0.0 {
                continue;
            }
            adj = adj.max((dot(&p1[i], v) - dot(w, &p1[j])).abs() / (nw * nv));
        }
    }
    ProjectionResiduals {
        idempotence: idem,
        self_adjointness: adj,
        parseval: pars,
        test_vectors: ws.len(),
    }
}

/// Seeded test vectors for O1.a: the centered observables (weighted) and four Rademacher vectors.
fn o1a_vectors(spec: &Spectrum, obs: &Observables, pi: &[f64]) -> Vec<Vec<f64>> {
    use rand::Rng;
    let mut ws: Vec<Vec<f64>> = obs
        .values
        .iter()
        .take(8)
        .map(|f| {
            centered(pi, f)
                .iter()
                .zip(&spec.sqrt_pi)
                .map(|(a, b)| a * b)
                .collect()
        })
        .collect();
    let mut rng = stream(O1A_SEED, 0);
    for _ in 0..4 {
        ws.push(
            (0..spec.n)
                .map(|_| if rng.next_u64() >> 63 == 1 { 1.0 } else { -1.0 })
                .collect(),
        );
    }
    ws
}

/// O1.a's residuals for the cluster `c` of `spec`: the centered observables (weighted, at most
/// eight) and four seeded Rademacher vectors as test vectors.
pub fn cluster_projection_residuals(
    spec: &Spectrum,
    c: &Cluster,
    obs: &Observables,
    pi: &[f64],
) -> ProjectionResiduals {
    let mut in_c = vec![false; spec.n];
    c.members.iter().for_each(|&j| in_c[j] = true);
    let ws = o1a_vectors(spec, obs, pi);
    projection_residuals(&|w| spec.analyze(w), &|c| spec.synthesize(c), &in_c, &ws)
}

/// The candidate sets a conditioning reading of `Π_C` would use — the sign sets `{u_j > 0}` of the
/// slowest three cluster modes (when a spectrum exists) and `{x_0 = +1}` (for spin chains) — with
/// the π-weighted flow out of each (O1.b's data; non-trivial sets only).
pub fn conditioning_flows(
    chain: &ExactChain,
    spec: Option<(&Spectrum, &Cluster)>,
    spins: bool,
) -> Vec<(String, f64)> {
    let n = chain.n_states;
    let mut sets: Vec<(String, Vec<bool>)> = Vec::new();
    if let Some((s, c)) = spec {
        for &j in c.members.iter().take(3) {
            let u = s.vector(j);
            sets.push((
                format!("sign set of mode {}", j + 1),
                u.iter().map(|&v| v > 0.0).collect(),
            ));
        }
    }
    if spins {
        sets.push(("{x_0 = +1}".into(), (0..n).map(|x| x & 1 == 1).collect()));
    }
    sets.retain(|(_, a)| a.iter().any(|&b| b) && a.iter().any(|&b| !b));
    sets.iter()
        .map(|(nm, a)| (nm.clone(), boundary_flow(chain, a)))
        .collect()
}
