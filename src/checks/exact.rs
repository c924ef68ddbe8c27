//! Checkers over an exact chain: stochasticity, π-invariance, A1, A2 (detailed balance and
//! self-adjointness), A3 (irreducibility, aperiodicity, `σ_1 = 1 > σ_2`, `σ_min ≥ 0`).

use serde::Serialize;

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::exact::{ExactChain, residuals, structure};
use crate::trainability::spectral::{Spectrum, eigenvalues_only};

/// How A3 obtains the spectrum of the symmetrized operator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpectrumPlan {
    /// Block by the global flip on this many spins (the caller has established the symmetry,
    /// [`crate::checks::spectral::flip_blocking`]): two half-size problems instead of one.
    pub flip: Option<usize>,
    /// Also compute eigenvectors, because a later stage (the spectral engine) will reuse them.
    pub vectors: bool,
}

/// Quantities an exact audit reports beside its verdicts (CLI.md `quantities`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ExactQuantities {
    pub n_states: usize,
    /// All eigenvalues of the symmetrized operator, descending (present once A2 holds).
    #[serde(skip)]
    pub eigenvalues: Option<Vec<f64>>,
    /// The eigendecomposition behind `eigenvalues`, when the plan asked for eigenvectors (handed on
    /// to the spectral stage).
    #[serde(skip)]
    pub spectrum: Option<Spectrum>,
    pub sigma2: Option<f64>,
    pub gamma: Option<f64>,
    pub min_eigenvalue: Option<f64>,
    pub stationary_l1_residual: f64,
}

//= spec:K.stochastic
/// Row sums equal one and entries are non-negative.
pub fn check_stochastic(chain: &ExactChain, tol: &Tolerances) -> Verdict {
    let s = residuals::stochasticity(chain);
    let n = chain.n_states;
    let bound = chain.p_rel_err + crate::numeric::gamma(n.ilog2() as usize + 2);
    let mut v = Verdict::new("K.stochastic", tol.get("K.stochastic"))
        .judge(s.max_row_sum_residual, n)
        .detail("worst_row", s.worst_row)
        .detail("min_entry", json_num(s.min_entry));
    v.bound = Some(bound);
    if s.min_entry < 0.0 {
        v = v
            .with_status(Status::Fail)
            .reason("a transition probability is negative");
    }
    v
}

//= spec:K.invariance
/// `‖πP − π‖₁` in double-double.
pub fn check_invariance(chain: &ExactChain, tol: &Tolerances) -> (Verdict, f64) {
    let r = residuals::invariance_l1(chain);
    let mut v = Verdict::new("K.invariance", tol.get("K.invariance")).judge(r, chain.n_states);
    // Each (πP)_y carries the relative errors of its terms: Σ_y Σ_x π_x P_xy (e_π + e_P) = e_π + e_P,
    // plus the same for π_y itself.
    v.bound = Some(chain.invariance_bound());
    v = v.detail(
        "pi_source",
        serde_json::to_value(chain.pi_source).unwrap_or_default(),
    );
    (v, r)
}

//= spec:A1
/// The parameter fingerprint is unchanged across the audit.
pub fn check_fixed_parameters(before: u64, after: &[u64]) -> Verdict {
    let changes = after.iter().filter(|&&f| f != before).count();
    Verdict::new(
        "A1",
        Some(
            crate::spec::requirements::get("A1")
                .tolerance
                .expect("A1 has a tolerance"),
        ),
    )
    .judge(changes as f64, 1)
    .detail("fingerprint", format!("{before:016x}"))
    .detail("observations", after.len())
}

//= spec:A2.detailed-balance
//= spec:A2.relative
/// Detailed balance in double-double: the absolute residual with its derived rounding bound, and the
/// relative residual (which sees rare states the absolute one cannot). One pass computes both.
pub fn check_detailed_balance(chain: &ExactChain, tol: &Tolerances) -> (Verdict, Verdict) {
    let d = residuals::detailed_balance(chain);
    let mut abs = Verdict::new("A2.detailed-balance", tol.get("A2.detailed-balance"))
        .judge(d.max_abs, chain.n_states)
        .detail("max_relative", json_num(d.max_rel))
        .detail("worst_pair", vec![d.worst_pair.0, d.worst_pair.1])
        .detail("pairs_above_rounding_bound", d.pairs_above_bound)
        .detail("within_rounding_bound", d.pairs_above_bound == 0);
    abs.bound = Some(d.bound);
    let mut rel =
        Verdict::new("A2.relative", tol.get("A2.relative")).judge(d.max_rel, chain.n_states);
    rel.bound = Some(chain.flow_rel_bound());
    (abs, rel)
}

//= spec:A2.self-adjoint
/// Symmetry of `S = D^{1/2} P D^{−1/2}`.
pub fn check_self_adjoint(chain: &ExactChain, tol: &Tolerances) -> Verdict {
    let r = residuals::self_adjointness(chain);
    Verdict::new("A2.self-adjoint", tol.get("A2.self-adjoint")).judge(r, chain.n_states)
}

/// The parent verdict: pass iff every sub-check passes.
pub fn parent(id: &str, subs: &[&Verdict]) -> Verdict {
    let status = if subs.iter().any(|v| v.status == Status::Fail) {
        Status::Fail
    } else if subs.iter().all(|v| v.status == Status::Pass) {
        Status::Pass
    } else if subs.iter().any(|v| v.status == Status::Inconclusive) {
        Status::Inconclusive
    } else {
        Status::NotApplicable
    };
    let mut v = Verdict::new(id, None).with_status(status);
    v.detail.insert(
        "sub_checks".into(),
        subs.iter()
            .map(|s| format!("{}: {}", s.id, s.status.as_str()))
            .collect::<Vec<_>>()
            .into(),
    );
    v
}

//= spec:A3.irreducible
//= spec:A3.aperiodic
/// Irreducibility (one strongly connected component) and aperiodicity (period 1).
pub fn check_structure(chain: &ExactChain, tol: &Tolerances) -> (Verdict, Verdict) {
    let (n_comp, comp) = structure::scc(chain);
    let (period, n_recurrent) = structure::period(chain, &comp, n_comp);
    let irr = Verdict::new("A3.irreducible", tol.get("A3.irreducible"))
        .judge(n_comp as f64, chain.n_states)
        .detail("recurrent_classes", n_recurrent);
    let ap =
        Verdict::new("A3.aperiodic", tol.get("A3.aperiodic")).judge(period as f64, chain.n_states);
    (irr, ap)
}

//= spec:A3.spectral-gap
//= spec:A3.nonnegative
/// Spectrum of the symmetrized operator: `|σ_1 − 1|`, the gap, and `σ_min`. Needs A2.
pub fn check_spectrum(
    chain: &ExactChain,
    tol: &Tolerances,
    reversible: bool,
    plan: &SpectrumPlan,
    q: &mut ExactQuantities,
) -> (Verdict, Verdict) {
    let n = chain.n_states;
    let gap_v = Verdict::new("A3.spectral-gap", tol.get("A3.spectral-gap"));
    let neg_v = Verdict::new("A3.nonnegative", tol.get("A3.nonnegative"));
    if !reversible {
        let why = "A2 fails: the spectrum of a non-reversible kernel is complex and no symmetric form exists";
        return (gap_v.reason(why), neg_v.reason(why));
    }
    let computed = if plan.vectors {
        Spectrum::new(chain, plan.flip).map(|s| (s.sigma.clone(), Some(s)))
    } else {
        eigenvalues_only(chain, plan.flip).map(|(v, _)| (v, None))
    };
    let vals = match computed {
        Ok((v, s)) => {
            q.spectrum = s;
            v
        }
        Err(e) => {
            let why = e.to_string();
            return (
                gap_v.with_status(Status::Inconclusive).reason(why.clone()),
                neg_v.with_status(Status::Inconclusive).reason(why),
            );
        }
    };
    let s1 = vals[0];
    let s2 = vals.get(1).copied().unwrap_or(f64::NAN);
    let smin = *vals.last().unwrap_or(&f64::NAN);
    let mut gap_v = gap_v
        .judge((s1 - 1.0).abs(), n)
        .detail("sigma1", json_num(s1))
        .detail("sigma2", json_num(s2));
    let eps = gap_v.tolerance.map(|t| t.threshold(n)).unwrap_or(0.0);
    if n > 1 && (1.0 - s2).partial_cmp(&eps) != Some(std::cmp::Ordering::Greater) {
        gap_v = gap_v.with_status(Status::Fail).reason(format!(
            "sigma2 = {s2} is not below 1 by more than the solver bound {eps:e}"
        ));
    }
    let neg_v = neg_v
        .judge((-smin).max(0.0), n)
        .detail("min_eigenvalue", json_num(smin));
    q.sigma2 = Some(s2);
    q.gamma = Some(1.0 - s2);
    q.min_eigenvalue = Some(smin);
    q.eigenvalues = Some(vals);
    (gap_v, neg_v)
}

/// Every exact check in order; returns verdicts (parents after their sub-checks) and quantities.
pub fn run_all(
    chain: &ExactChain,
    tol: &Tolerances,
    plan: &SpectrumPlan,
) -> (Vec<Verdict>, ExactQuantities) {
    let mut q = ExactQuantities {
        n_states: chain.n_states,
        ..Default::default()
    };
    let stoch = check_stochastic(chain, tol);
    let (inv, l1) = check_invariance(chain, tol);
    q.stationary_l1_residual = l1;
    let (db, rel) = check_detailed_balance(chain, tol);
    let sa = check_self_adjoint(chain, tol);
    //= spec:A2
    let a2 = parent("A2", &[&db, &rel, &sa]);
    let (irr, ap) = check_structure(chain, tol);
    let (gap, neg) = check_spectrum(chain, tol, a2.status == Status::Pass, plan, &mut q);
    //= spec:A3
    let a3 = parent("A3", &[&irr, &ap, &gap, &neg]);
    (vec![stoch, inv, db, rel, sa, a2, irr, ap, gap, neg, a3], q)
}
