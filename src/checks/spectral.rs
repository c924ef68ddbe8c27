//! Checkers over the spectral engine ([`crate::trainability`]): A4 (observables in L²(π)), A5
//! (burn-in), A6 (window, exact τ), A7 (bulk relaxation), A8 (threshold robustness), A9 (flip
//! symmetry, with the parity of every eigenvector), O1.a (Π_C is an orthogonal projection in
//! L²(π)), O1.b (projection is not conditioning). Floors (`ratio` tolerances) pass when the measured
//! value is at least the threshold; every other tolerance as in [`Verdict::judge`].

use serde_json::Value;

use super::{Status, Tolerances, Verdict, exact::parent};
use crate::checks::verdict::json_num;
use crate::exact::{ExactChain, structure};
use crate::model::symmetry::global_flip;
use crate::trainability::estimator::WindowStats;
use crate::trainability::observables::Observables;
use crate::trainability::predictors::{Cluster, SweepPoint};
use crate::trainability::spectral::{Parity, Spectrum, flip_residuals};

/// A floor: pass iff `measured ≥ threshold` (NaN never passes).
fn floor(mut v: Verdict, measured: f64) -> Verdict {
    v.measured = Some(measured);
    v.status = match v.tolerance {
        Some(t) if measured >= t.value => Status::Pass,
        Some(_) => Status::Fail,
        None => Status::Inconclusive,
    };
    if let Some(t) = v.tolerance {
        v.detail.insert("threshold".into(), json_num(t.value));
    }
    v
}

/// A ceiling on a ratio: pass iff `measured ≤ threshold`.
fn ceiling(mut v: Verdict, measured: f64) -> Verdict {
    v.measured = Some(measured);
    v.status = match v.tolerance {
        Some(t) if measured <= t.value => Status::Pass,
        Some(_) => Status::Fail,
        None => Status::Inconclusive,
    };
    if let Some(t) = v.tolerance {
        v.detail.insert("threshold".into(), json_num(t.value));
    }
    v
}

//= spec:A4
/// Every observable takes finite values on every state and has a finite second moment under π.
pub fn check_a4(obs: &Observables, pi: &[f64], tol: &Tolerances) -> Verdict {
    let mut bad = 0usize;
    let mut first: Option<String> = None;
    for (name, f) in obs.names.iter().zip(&obs.values) {
        let nonfinite = f.iter().filter(|x| !x.is_finite()).count();
        let m2: f64 = f.iter().zip(pi).map(|(x, p)| p * x * x).sum();
        if nonfinite > 0 || !m2.is_finite() {
            bad += 1;
            first.get_or_insert_with(|| name.clone());
        }
    }
    let mut v = Verdict::new("A4", tol.get("A4"))
        .judge(bad as f64, pi.len())
        .detail("observables", obs.len());
    if let Some(f) = first {
        v = v.detail("first_offending", f);
    }
    v
}

//= spec:A5
//= spec:A5.burn-in
//= spec:A5.bias
/// A5: `B · γ_eff ≥ c` and the exact residual bias of the window mean against its standard error.
pub fn check_a5(
    burn_in: u64,
    gamma_eff: Option<f64>,
    stats: Option<&WindowStats>,
    names: &[String],
    tol: &Tolerances,
) -> Vec<Verdict> {
    let b = Verdict::new("A5.burn-in", tol.get("A5.burn-in"));
    let b = match gamma_eff {
        Some(g) => floor(b, burn_in as f64 * g)
            .detail("burn_in", burn_in)
            .detail("gamma_eff", json_num(g)),
        None => b.reason("no observable-relevant mode (empty cluster): gamma_eff undefined"),
    };
    let s = Verdict::new("A5.bias", tol.get("A5.bias"));
    let s = match stats {
        Some(st) => {
            let mut worst = (0.0f64, 0usize);
            for (a, (bi, var)) in st.bias.iter().zip(&st.variance).enumerate() {
                let r = if *var > 0.0 {
                    bi.abs() / var.sqrt()
                } else if *bi == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                };
                if r > worst.0 || r.is_nan() {
                    worst = (r, a);
                }
            }
            ceiling(s, worst.0)
                .detail(
                    "worst_observable",
                    names.get(worst.1).cloned().unwrap_or_default(),
                )
                .detail("window", st.window)
                .detail("burn_in", st.burn_in)
        }
        None => s.reason("no exact window statistics (burn-in undefined)"),
    };
    let p = parent("A5", &[&b, &s]);
    vec![b, s, p]
}

//= spec:A6
/// Window adequacy: `K / τ_max ≥ 50` with the exact τ (N/ESS) of the slowest observable.
pub fn check_a6(
    window: u64,
    tau: &[Option<f64>],
    names: &[String],
    route: &str,
    tol: &Tolerances,
) -> Verdict {
    let v = Verdict::new("A6", tol.get("A6"));
    let worst = tau
        .iter()
        .enumerate()
        .filter_map(|(a, t)| t.map(|t| (a, t)))
        .fold(None, |m: Option<(usize, f64)>, (a, t)| match m {
            Some((_, tm)) if tm >= t => m,
            _ => Some((a, t)),
        });
    match worst {
        Some((a, t)) => floor(v, window as f64 / t)
            .detail("window", window)
            .detail("tau_max", json_num(t))
            .detail(
                "slowest_observable",
                names.get(a).cloned().unwrap_or_default(),
            )
            .detail("tau_convention", "N/ESS")
            .detail("tau_route", route),
        None => v.reason("every observable is constant under pi: tau undefined"),
    }
}

//= spec:A7
/// Bulk relaxation: `γ_bulk` against a floor; the ordering gap is reported even when negative.
pub fn check_a7(c: &Cluster, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("A7", tol.get("A7"))
        .detail("cluster_size", c.cluster_size)
        .detail("bulk_size", c.bulk_size)
        .detail("ordering_gap", c.ordering_gap.map_or(Value::Null, json_num))
        .detail("gamma_eff", c.gamma_eff.map_or(Value::Null, json_num));
    match c.gamma_bulk {
        Some(g) => floor(v, g),
        None => v
            .with_status(Status::Pass)
            .reason("no mode outside the cluster carries observable weight above the EVD resolution (vacuous)"),
    }
}

//= spec:A8
/// Threshold robustness: across the ε sweep, `T_O` (hence Q_struct⊥ at fixed g, K) and the weight
/// captured by C* stay within the relative tolerance of their values at the working ε.
pub fn check_a8(sweep: &[SweepPoint], working: &Cluster, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("A8", tol.get("A8"));
    if sweep.is_empty() {
        return v.reason("no sweep");
    }
    let thr = v.tolerance.map_or(0.0, |t| t.value);
    let rel = |a: f64, b: f64| crate::numeric::tolerance::rel_diff(a, b);
    let mut worst = 0.0f64;
    let mut moved: Vec<f64> = Vec::new();
    for p in sweep {
        let d = rel(p.t_o, working.t_o).max(rel(p.captured_weight, working.captured_weight));
        worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
        if d.is_nan() || d > thr {
            moved.push(p.epsilon);
        }
    }
    let decades = (sweep.iter().map(|p| p.epsilon).fold(0.0, f64::max)
        / sweep
            .iter()
            .map(|p| p.epsilon)
            .fold(f64::INFINITY, f64::min))
    .log10();
    let mut v = v
        .judge(worst, 1)
        .detail("epsilon", json_num(working.epsilon))
        .detail("decades", json_num(decades))
        .detail(
            "sweep",
            sweep
                .iter()
                .map(|p| {
                    serde_json::json!({"epsilon": json_num(p.epsilon), "cluster_size": p.cluster_size,
                        "captured_weight": json_num(p.captured_weight), "t_o": json_num(p.t_o)})
                })
                .collect::<Vec<_>>(),
        );
    if !moved.is_empty() {
        let lo = moved.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = moved.iter().copied().fold(0.0, f64::max);
        v = v
            .detail("moved_epsilon_range", vec![json_num(lo), json_num(hi)])
            .reason(format!(
                "C* or Q_struct_perp moves by more than {thr} (relative) for epsilon in [{lo:e}, {hi:e}]"
            ));
    }
    if decades < 6.0 {
        v = v
            .with_status(Status::Inconclusive)
            .reason("the sweep spans fewer than six decades");
    }
    v
}

/// Residuals of the global-flip symmetry (A9).
#[derive(Clone, Debug)]
pub struct FlipResiduals {
    pub pi_rel: f64,
    pub kernel_abs: f64,
    pub observables_abs: f64,
}

/// Measures the three A9 residuals.
pub fn flip_symmetry(chain: &ExactChain, n_spins: usize, obs: &Observables) -> FlipResiduals {
    let (pi_rel, kernel_abs) = flip_residuals(chain, n_spins);
    let observables_abs = obs
        .values
        .iter()
        .map(|f| {
            (0..f.len())
                .map(|x| (f[global_flip(x, n_spins)] - f[x]).abs())
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max);
    FlipResiduals {
        pi_rel,
        kernel_abs,
        observables_abs,
    }
}

//= spec:A9
//= spec:A9.pi
//= spec:A9.kernel
//= spec:A9.observables
/// A9 for the global flip, with the parity of every eigenvector (a string of `e`/`o` in descending
/// eigenvalue order) when the decomposition is flip-blocked.
pub fn check_a9(
    r: &FlipResiduals,
    n: usize,
    spec: Option<&Spectrum>,
    tol: &Tolerances,
) -> Vec<Verdict> {
    let p = Verdict::new("A9.pi", tol.get("A9.pi")).judge(r.pi_rel, n);
    let k = Verdict::new("A9.kernel", tol.get("A9.kernel")).judge(r.kernel_abs, n);
    let o = Verdict::new("A9.observables", tol.get("A9.observables")).judge(r.observables_abs, n);
    let mut a9 = parent("A9", &[&p, &k, &o]);
    match spec.and_then(|s| s.parity.as_ref()) {
        Some(par) => {
            let s: String = par
                .iter()
                .map(|x| if *x == Parity::Even { 'e' } else { 'o' })
                .collect();
            let odd = par.iter().filter(|x| **x == Parity::Odd).count();
            a9 = a9
                .detail("parities", s)
                .detail("even_modes", par.len() - odd)
                .detail("odd_modes", odd)
                .detail("phi2_parity", par.get(1).map_or("none", |x| x.as_str()));
        }
        None => {
            a9 = a9.detail("parities", Value::Null);
        }
    }
    vec![p, k, o, a9]
}

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
) -> (f64, f64, f64) {
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
    (idem, adj, pars)
}

/// Seeded test vectors for O1.a: the centered observables (weighted) and four Rademacher vectors.
fn o1a_vectors(spec: &Spectrum, obs: &Observables, pi: &[f64]) -> Vec<Vec<f64>> {
    use rand::{Rng, SeedableRng};
    let mut ws: Vec<Vec<f64>> = obs
        .values
        .iter()
        .take(8)
        .map(|f| {
            crate::trainability::observables::centered(pi, f)
                .iter()
                .zip(&spec.sqrt_pi)
                .map(|(a, b)| a * b)
                .collect()
        })
        .collect();
    let mut rng = crate::kernel::ChainRng::seed_from_u64(0x01a);
    for _ in 0..4 {
        ws.push(
            (0..spec.n)
                .map(|_| if rng.next_u64() >> 63 == 1 { 1.0 } else { -1.0 })
                .collect(),
        );
    }
    ws
}

//= spec:O1.a
/// Π_C is idempotent, self-adjoint in ⟨·,·⟩_π and satisfies Parseval (largest of the three
/// residuals), on the observables and four seeded random vectors.
pub fn check_o1a(
    spec: &Spectrum,
    c: &Cluster,
    obs: &Observables,
    pi: &[f64],
    tol: &Tolerances,
) -> Verdict {
    let mut in_c = vec![false; spec.n];
    c.members.iter().for_each(|&j| in_c[j] = true);
    let ws = o1a_vectors(spec, obs, pi);
    let r = projection_residuals(&|w| spec.analyze(w), &|c| spec.synthesize(c), &in_c, &ws);
    judge_o1a(r, spec.n, tol)
        .detail("cluster_size", c.cluster_size)
        .detail("test_vectors", ws.len())
}

//= spec:O1.a
/// The O1.a verdict from the three residuals of [`projection_residuals`] (any basis).
pub fn judge_o1a(r: (f64, f64, f64), n: usize, tol: &Tolerances) -> Verdict {
    let (i, a, p) = r;
    Verdict::new("O1.a", tol.get("O1.a"))
        .judge(i.max(a).max(p), n)
        .detail("idempotence", json_num(i))
        .detail("self_adjointness", json_num(a))
        .detail("parseval", json_num(p))
}

/// `Σ_{x∈A, y∉A} π_x P_xy`: the π-weighted flow out of A, which is the size of the commutator
/// `[1_A, P]` in L²(π) (zero iff multiplication by 1_A commutes with P, i.e. A is P-invariant).
pub fn boundary_flow(chain: &ExactChain, in_a: &[bool]) -> f64 {
    let n = chain.n_states;
    let mut s = crate::numeric::NeumaierSum::new();
    for x in (0..n).filter(|&x| in_a[x]) {
        for (y, &p) in chain.row(x).iter().enumerate() {
            if !in_a[y] && p != 0.0 {
                s.add(chain.pi[x] * p);
            }
        }
    }
    s.value()
}

//= spec:O1.b
/// No non-trivial P-invariant set (one strongly connected component) and, for the candidate sets a
/// conditioning reading would use — the sign sets `{u_j > 0}` of the slowest cluster modes and
/// `{x_0 = +1}` — multiplication by the indicator does not commute with P (positive boundary flow).
pub fn check_o1b(
    chain: &ExactChain,
    spec: Option<&Spectrum>,
    c: Option<&Cluster>,
    n_spins: Option<usize>,
    tol: &Tolerances,
) -> Verdict {
    let n = chain.n_states;
    let (n_comp, _) = structure::scc(chain);
    let mut sets: Vec<(String, Vec<bool>)> = Vec::new();
    if let (Some(s), Some(c)) = (spec, c) {
        for &j in c.members.iter().take(3) {
            let u = s.vector(j);
            sets.push((
                format!("sign set of mode {}", j + 1),
                u.iter().map(|&v| v > 0.0).collect(),
            ));
        }
    }
    if n_spins.is_some() {
        sets.push(("{x_0 = +1}".into(), (0..n).map(|x| x & 1 == 1).collect()));
    }
    sets.retain(|(_, a)| a.iter().any(|&b| b) && a.iter().any(|&b| !b));
    let flows: Vec<(String, f64)> = sets
        .iter()
        .map(|(nm, a)| (nm.clone(), boundary_flow(chain, a)))
        .collect();
    let min_flow = flows.iter().map(|f| f.1).fold(f64::INFINITY, f64::min);
    let mut v = Verdict::new("O1.b", tol.get("O1.b"))
        .judge(n_comp as f64, n)
        .detail(
            "commutator_flows",
            flows
                .iter()
                .map(|(nm, f)| serde_json::json!({"set": nm, "flow": json_num(*f)}))
                .collect::<Vec<_>>(),
        );
    if !flows.is_empty() && (min_flow.is_nan() || min_flow <= 0.0) {
        v = v.with_status(Status::Fail).reason(
            "multiplication by an indicator commutes with P: a non-trivial P-invariant set exists",
        );
    }
    v
}

/// Whether the spectrum may be block-diagonalised by the global flip: the states are the
/// `2^n_spins` spin configurations and π, P meet A9.pi and A9.kernel at the registry's tolerances.
/// A user override of an A9 tolerance changes the verdict, never the numerical method, so a loosened
/// A9 cannot make A3 or the spectral quantities use a flip-averaged operator. Returns `n_spins`.
pub fn flip_blocking(chain: &ExactChain, n_spins: Option<usize>) -> Option<usize> {
    let n = chain.n_states;
    let ns = n_spins.filter(|&ns| ns < usize::BITS as usize && n == 1usize << ns)?;
    let (pi_rel, kernel_abs) = flip_residuals(chain, ns);
    let registry = Tolerances::default();
    let within = |id: &str, r: f64| registry.get(id).is_some_and(|t| t.accepts(r, n));
    (within("A9.pi", pi_rel) && within("A9.kernel", kernel_abs)).then_some(ns)
}

/// What the spectral stage of an audit needs besides the chain.
#[derive(Clone, Debug)]
pub struct SpectralInputs {
    /// Spins per state (the global flip needs them; `None` for a matrix).
    pub n_spins: Option<usize>,
    /// The flip-blocking decision ([`flip_blocking`]), made once per audit.
    pub flip: Option<usize>,
    /// The spectrum A3 already computed with eigenvectors (reused instead of a second EVD).
    pub spectrum: Option<Spectrum>,
    /// A2 passed.
    pub reversible: bool,
    /// A3.irreducible passed.
    pub irreducible: bool,
    /// The `[estimator]` section was given (A5 and A6 are judged only then).
    pub judge_estimator: bool,
    pub config: crate::trainability::AnalysisConfig,
}

/// A9, O1.a and O1.b when no usable spectrum exists: A9 from the flip residuals alone (or not
/// applicable without spin structure), O1.a not applicable for `why`, O1.b from the graph alone.
fn without_spectrum(
    chain: &ExactChain,
    flip: Option<&FlipResiduals>,
    n_spins: Option<usize>,
    why: &str,
    tol: &Tolerances,
) -> Vec<Verdict> {
    let mut out = match flip {
        Some(r) => check_a9(r, chain.n_states, None, tol),
        None => vec![na(
            "A9",
            tol,
            "no spin structure: the global flip is undefined",
        )],
    };
    out.push(na("O1.a", tol, why));
    out.push(check_o1b(chain, None, None, n_spins, tol));
    out
}

fn na(id: &str, tol: &Tolerances, why: &str) -> Verdict {
    Verdict::new(id, tol.get(id)).reason(why)
}

/// Runs the spectral engine and every spectral checker; returns the verdicts (sub-checks before
/// their parents) and the quantities CLI.md lists (gamma_eff, gamma_bulk, cluster_size, tau,
/// tau_convention, q_op, q_struct_perp, q_single_gap, …).
pub fn run_all(
    chain: &ExactChain,
    obs: &Observables,
    inp: &SpectralInputs,
    tol: &Tolerances,
) -> crate::error::Result<(Vec<Verdict>, serde_json::Map<String, Value>)> {
    use crate::trainability::analyze_with;
    let n = chain.n_states;
    let mut out = vec![check_a4(obs, &chain.pi, tol)];
    let mut q = serde_json::Map::new();
    let flip = inp
        .n_spins
        .filter(|&ns| ns < usize::BITS as usize && n == 1usize << ns)
        .map(|ns| (ns, flip_symmetry(chain, ns, obs)));
    let a4_ok = out[0].status == Status::Pass;
    if !inp.irreducible || !a4_ok {
        let why = if a4_ok {
            "A3.irreducible fails: tau and the spectral quantities are undefined"
        } else {
            "A4 fails: an observable is not in L2(pi)"
        };
        for id in ["A5.burn-in", "A5.bias", "A5", "A6", "A7", "A8"] {
            out.push(na(id, tol, why));
        }
        out.extend(without_spectrum(
            chain,
            flip.as_ref().map(|f| &f.1),
            inp.n_spins,
            why,
            tol,
        ));
        return Ok((out, q));
    }
    let a = analyze_with(
        chain,
        obs,
        inp.spectrum.clone(),
        inp.flip,
        inp.reversible,
        &inp.config,
    )?;
    // A5, A6.
    if inp.judge_estimator {
        match (&a.cluster, a.burn_in) {
            (Some(c), Some(b)) => {
                out.extend(check_a5(b, c.gamma_eff, a.stats.as_ref(), &obs.names, tol))
            }
            _ => {
                let why = "A2 fails: gamma_eff needs a real spectrum";
                out.push(na("A5.burn-in", tol, why));
                let bias = match (&a.stats, a.burn_in) {
                    (Some(_), Some(b)) => {
                        check_a5(b, None, a.stats.as_ref(), &obs.names, tol).remove(1)
                    }
                    _ => na(
                        "A5.bias",
                        tol,
                        "burn_in = \"auto\" needs gamma_eff (a real spectrum)",
                    ),
                };
                let p = parent("A5", &[&out[out.len() - 1], &bias]);
                out.push(bias);
                out.push(p);
            }
        }
        out.push(check_a6(a.window, &a.tau, &obs.names, a.tau_route, tol));
    } else {
        let why = "no [estimator] section: burn-in and window are not configured";
        for id in ["A5.burn-in", "A5.bias", "A5", "A6"] {
            out.push(na(id, tol, why));
        }
    }
    match (&a.cluster, &a.spectrum, &a.projected) {
        (Some(c), Some(s), Some(_)) => {
            out.push(check_a7(c, tol));
            out.push(check_a8(&a.sweep, c, tol));
            match &flip {
                Some((_, r)) => out.extend(check_a9(r, n, Some(s), tol)),
                None => out.push(na(
                    "A9",
                    tol,
                    "no spin structure: the global flip is undefined",
                )),
            }
            out.push(check_o1a(s, c, obs, &chain.pi, tol));
            out.push(check_o1b(chain, Some(s), Some(c), inp.n_spins, tol));
        }
        _ => {
            let why = "A2 fails: the cluster needs a real spectrum (self-adjoint kernel)";
            out.push(na("A7", tol, why));
            out.push(na("A8", tol, why));
            out.extend(without_spectrum(
                chain,
                flip.as_ref().map(|f| &f.1),
                inp.n_spins,
                why,
                tol,
            ));
        }
    }
    // Quantities (CLI.md names).
    let opt = |x: Option<f64>| x.map_or(Value::Null, json_num);
    if let Some(c) = &a.cluster {
        q.insert("gamma_eff".into(), opt(c.gamma_eff));
        q.insert("gamma_bulk".into(), opt(c.gamma_bulk));
        q.insert("cluster_size".into(), c.cluster_size.into());
        q.insert("ordering_gap".into(), opt(c.ordering_gap));
        q.insert("t_o".into(), json_num(c.t_o));
        q.insert("epsilon".into(), json_num(c.epsilon));
    }
    let tau: serde_json::Map<String, Value> = obs
        .names
        .iter()
        .zip(&a.tau)
        .map(|(nm, t)| (nm.clone(), opt(*t)))
        .collect();
    q.insert("tau".into(), Value::Object(tau));
    q.insert("tau_convention".into(), "N/ESS".into());
    q.insert("tau_route".into(), a.tau_route.into());
    if let Some(st) = &a.stats {
        q.insert("burn_in".into(), st.burn_in.into());
        q.insert("window".into(), st.window.into());
        q.insert("init".into(), inp.config.init.label().into());
        q.insert("exact_mse".into(), json_num(st.total_mse()));
    }
    if inp.config.gradient.is_some() {
        q.insert("q_op".into(), opt(a.q_op));
        q.insert("q_struct_perp".into(), opt(a.q_struct_perp));
        q.insert(
            "q_single_gap".into(),
            opt(a.single_gap.as_ref().map(|s| s.q)),
        );
        q.insert(
            "q_single_gap_is_lower_bound".into(),
            a.single_gap
                .as_ref()
                .map_or(Value::Null, |s| s.lower_bound.into()),
        );
        q.insert("q_single_relevant_gap".into(), opt(a.q_single_relevant_gap));
        if let Some(tf) = &a.three_factor {
            q.insert(
                "three_factor".into(),
                serde_json::to_value(tf).unwrap_or(Value::Null),
            );
        }
    }
    Ok((out, q))
}
