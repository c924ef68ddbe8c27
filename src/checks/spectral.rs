//! Checkers over the spectral engine's analysis ([`crate::trainability::analysis`]): A4 (observables
//! in L²(π)), A5 (burn-in), A6 (window, exact τ), A7 (bulk relaxation), A8 (threshold robustness), A9
//! (flip symmetry, with the parity of every eigenvector), O1.a (Π_C is an orthogonal projection in
//! L²(π)), O1.b (projection is not conditioning). Every checker judges data the pipeline computed
//! ([`SpectralEvidence`]); [`judge`] orders them and says why a check does not apply.

use serde_json::Value;

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::exact::spectrum::Parity;
use crate::exact::spectrum::flip::FlipResiduals;
use crate::numeric::tolerance::{Direction, Tolerance};
use crate::observables::L2Defects;
use crate::trainability::analysis::Analysis;
use crate::trainability::estimator::WindowStats;
use crate::trainability::predictors::{Cluster, SweepPoint};
use crate::trainability::projection::ProjectionResiduals;

//= spec:A4
/// Every observable takes finite values on every state and has a finite second moment under π.
pub fn check_a4(d: &L2Defects, n: usize, tol: &Tolerances) -> Verdict {
    let mut v = Verdict::new("A4", tol)
        .judge(d.defective as f64, n)
        .detail("observables", d.observables);
    if let Some(f) = &d.first {
        v = v.detail("first_offending", f.clone());
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
    let b = Verdict::new("A5.burn-in", tol);
    let b = match gamma_eff {
        Some(g) => b
            .judge(burn_in as f64 * g, 1)
            .detail("burn_in", burn_in)
            .detail("gamma_eff", json_num(g)),
        None => b.reason("no observable-relevant mode (empty cluster): gamma_eff undefined"),
    };
    let s = Verdict::new("A5.bias", tol);
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
            s.judge(worst.0, 1)
                .detail(
                    "worst_observable",
                    names.get(worst.1).cloned().unwrap_or_default(),
                )
                .detail("window", st.window)
                .detail("burn_in", st.burn_in)
        }
        None => s.reason("no exact window statistics (burn-in undefined)"),
    };
    let p = Verdict::parent("A5", &[&b, &s], tol);
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
    let v = Verdict::new("A6", tol);
    let worst = tau
        .iter()
        .enumerate()
        .filter_map(|(a, t)| t.map(|t| (a, t)))
        .fold(None, |m: Option<(usize, f64)>, (a, t)| match m {
            Some((_, tm)) if tm >= t => m,
            _ => Some((a, t)),
        });
    match worst {
        Some((a, t)) => v
            .judge(window as f64 / t, 1)
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
    let v = Verdict::new("A7", tol)
        .detail("cluster_size", c.cluster_size)
        .detail("bulk_size", c.bulk_size)
        .detail("ordering_gap", c.ordering_gap.map_or(Value::Null, json_num))
        .detail("gamma_eff", c.gamma_eff.map_or(Value::Null, json_num));
    match c.gamma_bulk {
        Some(g) => v.judge(g, 1),
        None => v
            .with_status(Status::Pass)
            .reason("no mode outside the cluster carries observable weight above the EVD resolution (vacuous)"),
    }
}

//= spec:A8
/// Threshold robustness: across the ε sweep, `T_O` (hence Q_struct⊥ at fixed g, K) and the weight
/// captured by C* stay within the relative tolerance of their values at the working ε.
pub fn check_a8(sweep: &[SweepPoint], working: &Cluster, tol: &Tolerances) -> Verdict {
    let v = Verdict::new("A8", tol);
    if sweep.is_empty() {
        return v.reason("no sweep");
    }
    let Some(t) = v.tolerance else {
        return v.with_status(Status::Inconclusive).reason("no tolerance");
    };
    let rel = |a: f64, b: f64| crate::numeric::tolerance::rel_diff(a, b);
    let mut worst = 0.0f64;
    let mut moved: Vec<f64> = Vec::new();
    for p in sweep {
        let d = rel(p.t_o, working.t_o).max(rel(p.captured_weight, working.captured_weight));
        worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
        if !t.accepts(d, 1) {
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
                "C* or Q_struct_perp moves by more than {} (relative) for epsilon in [{lo:e}, {hi:e}]",
                t.value
            ));
    }
    let span = tol.bound("A8", "sweep_decades");
    if !span.accepts(decades, 1) {
        v = v
            .with_status(Status::Inconclusive)
            .reason(format!("the sweep spans fewer than {} decades", span.value));
    }
    v
}

/// What A9 judges: the chain's flip residuals and the observables' distance from flip-even.
#[derive(Clone, Copy, Debug)]
pub struct FlipEvidence<'a> {
    pub residuals: &'a FlipResiduals,
    pub observables_abs: f64,
}

//= spec:A9
//= spec:A9.pi
//= spec:A9.kernel
//= spec:A9.observables
/// A9 for the global flip, with the parity of every eigenvector (a string of `e`/`o` in descending
/// eigenvalue order) when the decomposition is flip-blocked.
pub fn check_a9(
    f: FlipEvidence,
    n: usize,
    parity: Option<&[Parity]>,
    tol: &Tolerances,
) -> Vec<Verdict> {
    let p = Verdict::new("A9.pi", tol).judge(f.residuals.pi_rel, n);
    let k = Verdict::new("A9.kernel", tol).judge(f.residuals.kernel_abs, n);
    let o = Verdict::new("A9.observables", tol).judge(f.observables_abs, n);
    let mut a9 = Verdict::parent("A9", &[&p, &k, &o], tol);
    match parity {
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

//= spec:O1.a
/// Π_C is idempotent, self-adjoint in ⟨·,·⟩_π and satisfies Parseval: the largest of the three
/// residuals on the test vectors.
pub fn check_o1a(r: &ProjectionResiduals, n: usize, tol: &Tolerances) -> Verdict {
    Verdict::new("O1.a", tol)
        .judge(r.max(), n)
        .detail("idempotence", json_num(r.idempotence))
        .detail("self_adjointness", json_num(r.self_adjointness))
        .detail("parseval", json_num(r.parseval))
}

//= spec:O1.b
/// No non-trivial P-invariant set (one strongly connected component) and, for the candidate sets a
/// conditioning reading would use, multiplication by the indicator does not commute with P
/// (positive boundary flow; [`crate::trainability::projection::conditioning_flows`]).
pub fn check_o1b(
    components: usize,
    flows: &[(String, f64)],
    n: usize,
    tol: &Tolerances,
) -> Verdict {
    let min_flow = flows.iter().map(|f| f.1).fold(f64::INFINITY, f64::min);
    let mut v = Verdict::new("O1.b", tol)
        .judge(components as f64, n)
        .detail(
            "commutator_flows",
            flows
                .iter()
                .map(|(nm, f)| serde_json::json!({"set": nm, "flow": json_num(*f)}))
                .collect::<Vec<_>>(),
        );
    if !flows.is_empty()
        && !Tolerance::floor(0.0)
            .with_direction(Direction::Above)
            .accepts(min_flow, n)
    {
        v = v.with_status(Status::Fail).reason(
            "multiplication by an indicator commutes with P: a non-trivial P-invariant set exists",
        );
    }
    v
}

/// Whether the spectrum may be block-diagonalised by the global flip: the chain has spin structure
/// and its flip residuals meet A9.pi and A9.kernel at the *registry's* tolerances. A user override
/// of an A9 tolerance changes the verdict, never the numerical method, so a loosened A9 cannot make A3
/// or the spectral quantities use a flip-averaged operator. Returns the spin count to block by.
pub fn flip_blocking(flip: Option<&FlipResiduals>, n: usize) -> Option<usize> {
    let f = flip?;
    let registry = Tolerances::registry();
    let within = |id: &str, r: f64| registry.get(id).is_some_and(|t| t.accepts(r, n));
    (within("A9.pi", f.pi_rel) && within("A9.kernel", f.kernel_abs)).then_some(f.n_spins)
}

/// Everything the spectral checkers judge, computed by the pipeline's spectral stage.
#[derive(Clone, Debug)]
pub struct SpectralEvidence<'a> {
    pub n_states: usize,
    pub names: &'a [String],
    pub a4: L2Defects,
    /// The flip residuals and the observables' evenness (absent without spin structure).
    pub flip: Option<(FlipResiduals, f64)>,
    /// A3.irreducible passed.
    pub irreducible: bool,
    /// `[estimator]` was given (A5 and A6 are judged only then).
    pub judge_estimator: bool,
    /// The engine's analysis (absent when A3.irreducible or A4 fails: nothing is defined then).
    pub analysis: Option<&'a Analysis>,
    /// O1.a's residuals (present when the analysis has a real spectrum and a cluster).
    pub projection: Option<ProjectionResiduals>,
    /// Strongly connected components and the candidate sets' boundary flows (O1.b).
    pub components: usize,
    pub flows: Vec<(String, f64)>,
}

fn flip_verdicts(
    e: &SpectralEvidence,
    parity: Option<&[Parity]>,
    tol: &Tolerances,
) -> Vec<Verdict> {
    match &e.flip {
        Some((r, obs)) => check_a9(
            FlipEvidence {
                residuals: r,
                observables_abs: *obs,
            },
            e.n_states,
            parity,
            tol,
        ),
        None => vec![Verdict::not_applicable(
            "A9",
            tol,
            "no spin structure: the global flip is undefined",
        )],
    }
}

/// Every spectral verdict, sub-checks before their parents, each inapplicable one with its reason.
pub fn judge(e: &SpectralEvidence, tol: &Tolerances) -> Vec<Verdict> {
    let na = |id: &str, why: &str| Verdict::not_applicable(id, tol, why);
    let n = e.n_states;
    let mut out = vec![check_a4(&e.a4, n, tol)];
    let a4_ok = out[0].status == Status::Pass;
    let Some(a) = e.analysis.filter(|_| e.irreducible && a4_ok) else {
        let why = if a4_ok {
            "A3.irreducible fails: tau and the spectral quantities are undefined"
        } else {
            "A4 fails: an observable is not in L2(pi)"
        };
        for id in ["A5.burn-in", "A5.bias", "A5", "A6", "A7", "A8"] {
            out.push(na(id, why));
        }
        out.extend(flip_verdicts(e, None, tol));
        out.push(na("O1.a", why));
        out.push(check_o1b(e.components, &e.flows, n, tol));
        return out;
    };
    if e.judge_estimator {
        match (&a.cluster, a.burn_in) {
            (Some(c), Some(b)) => {
                out.extend(check_a5(b, c.gamma_eff, a.stats.as_ref(), e.names, tol))
            }
            _ => {
                let burn = na("A5.burn-in", "A2 fails: gamma_eff needs a real spectrum");
                let bias = match (&a.stats, a.burn_in) {
                    (Some(_), Some(b)) => {
                        check_a5(b, None, a.stats.as_ref(), e.names, tol).remove(1)
                    }
                    _ => na(
                        "A5.bias",
                        "burn_in = \"auto\" needs gamma_eff (a real spectrum)",
                    ),
                };
                let p = Verdict::parent("A5", &[&burn, &bias], tol);
                out.extend([burn, bias, p]);
            }
        }
        out.push(check_a6(a.window, &a.tau, e.names, a.tau_route, tol));
    } else {
        let why = "no [estimator] section: burn-in and window are not configured";
        for id in ["A5.burn-in", "A5.bias", "A5", "A6"] {
            out.push(na(id, why));
        }
    }
    match (&a.cluster, &a.spectrum, &e.projection) {
        (Some(c), Some(s), Some(r)) => {
            out.push(check_a7(c, tol));
            out.push(check_a8(&a.sweep, c, tol));
            out.extend(flip_verdicts(e, Some(s.parity.as_deref()).flatten(), tol));
            out.push(
                check_o1a(r, n, tol)
                    .detail("cluster_size", c.cluster_size)
                    .detail("test_vectors", r.test_vectors),
            );
        }
        _ => {
            let why = "A2 fails: the cluster needs a real spectrum (self-adjoint kernel)";
            out.push(na("A7", why));
            out.push(na("A8", why));
            out.extend(flip_verdicts(e, None, tol));
            out.push(na("O1.a", why));
        }
    }
    out.push(check_o1b(e.components, &e.flows, n, tol));
    out
}

/// Every spectral verdict inconclusive, when the spectral stage itself failed (`reason` says how).
pub fn inconclusive(reason: &str, tol: &Tolerances) -> Vec<Verdict> {
    [
        "A4",
        "A5.burn-in",
        "A5.bias",
        "A5",
        "A6",
        "A7",
        "A8",
        "A9",
        "O1.a",
        "O1.b",
    ]
    .iter()
    .map(|id| {
        Verdict::new(id, tol)
            .with_status(Status::Inconclusive)
            .reason(format!("spectral stage failed: {reason}"))
    })
    .collect()
}
