//! Checkers over an exact chain: stochasticity, π-invariance, the sampling step, A1, A2 (detailed
//! balance and self-adjointness), A3 (irreducibility, aperiodicity, `σ_1 = 1 > σ_2`, `σ_min ≥ 0`).
//! Each judges residuals the exact backend measured ([`crate::exact::residuals`],
//! [`crate::exact::structure`], [`crate::exact::spectrum`], [`crate::diagnostics::gtest`]).

use super::{Status, Tolerances, Verdict};
use crate::checks::verdict::json_num;
use crate::diagnostics::gtest::StepTest;
use crate::exact::PiSource;
use crate::exact::residuals::{DetailedBalance, Stochasticity};
use crate::exact::structure::Structure;
use crate::numeric::tolerance::Direction;

//= spec:K.stochastic
/// Row sums equal one and entries are non-negative; `bound` is the derived rounding bound of a row
/// sum of this chain.
pub fn check_stochastic(s: &Stochasticity, bound: f64, n: usize, tol: &Tolerances) -> Verdict {
    let mut v = Verdict::new("K.stochastic", tol)
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
/// `‖πP − π‖₁` (double-double) with its derived bound and where π came from.
pub fn check_invariance(
    l1: f64,
    bound: f64,
    source: PiSource,
    n: usize,
    tol: &Tolerances,
) -> Verdict {
    let mut v = Verdict::new("K.invariance", tol).judge(l1, n);
    v.bound = Some(bound);
    v.detail(
        "pi_source",
        serde_json::to_value(source).unwrap_or_default(),
    )
}

/// [`check_invariance`] of a π computed on the closed classes of a chain that is not irreducible:
/// the verdict says which law was checked.
pub fn check_invariance_of_classes(
    l1: f64,
    bound: f64,
    classes: &crate::exact::PiClasses,
    n: usize,
    tol: &Tolerances,
) -> Verdict {
    check_invariance(l1, bound, PiSource::Gth, n, tol).detail("pi_law", classes.describe())
}

//= spec:K.step-consistency
/// The G-test of the kernel's own sampling step against its exact rows: the p-value against the
/// false-alarm rate, or a fail when the step made an impossible move.
pub fn check_step_consistency(t: &StepTest, n: usize, tol: &Tolerances) -> Verdict {
    let mut v = Verdict::new("K.step-consistency", tol)
        .detail("draws_per_state", t.draws_per_state)
        .detail("g_statistic", json_num(t.test.g))
        .detail("dof", t.test.dof)
        .detail("seed", t.seed);
    if let Some((x, y)) = t.test.impossible {
        v.measured = Some(0.0);
        return v.with_status(Status::Fail).reason(format!(
            "the step moved {x} → {y}, a transition of exact probability 0"
        ));
    }
    v.judge(t.test.p_value, n)
}

//= spec:K.parallel-blocks
/// `K.parallel-blocks` over the kernel's parallel updates, each given as its name and the interacting
/// site pairs inside its block: not applicable without a parallel update, else the number of such
/// pairs must be 0.
pub fn check_parallel_blocks(
    blocks: &[(String, Vec<(usize, usize)>)],
    tol: &Tolerances,
) -> Verdict {
    let v = Verdict::new("K.parallel-blocks", tol);
    if blocks.is_empty() {
        return v.reason("no update draws a block in parallel");
    }
    let pairs: usize = blocks.iter().map(|(_, p)| p.len()).sum();
    let mut v = v
        .detail("parallel_blocks", blocks.len())
        .judge(pairs as f64, 1);
    if let Some((name, p)) = blocks.iter().find(|(_, p)| !p.is_empty()) {
        let shown: Vec<String> = p.iter().take(4).map(|(i, j)| format!("{i}–{j}")).collect();
        v = v
            .detail("first_block", name.as_str())
            .detail(
                "coupled_pairs",
                p.iter().map(|&(i, j)| vec![i, j]).collect::<Vec<_>>(),
            )
            .reason(format!(
                "{name} draws coupled sites ({}) from conditionals on the old state: that is not the heat bath of the block, and need not leave pi invariant",
                shown.join(", ")
            ));
    }
    v
}

//= spec:A1
/// The parameter fingerprint is unchanged across the audit.
pub fn check_fixed_parameters(before: u64, after: &[u64], tol: &Tolerances) -> Verdict {
    let changes = after.iter().filter(|&&f| f != before).count();
    Verdict::new("A1", tol)
        .judge(changes as f64, 1)
        .detail("fingerprint", format!("{before:016x}"))
        .detail("observations", after.len())
}

//= spec:A2.detailed-balance
//= spec:A2.relative
/// Detailed balance: the absolute residual with its derived rounding bound, and the relative
/// residual (which sees rare states the absolute one cannot) with its own bound `rel_bound`.
pub fn check_detailed_balance(
    d: &DetailedBalance,
    rel_bound: f64,
    n: usize,
    tol: &Tolerances,
) -> (Verdict, Verdict) {
    let mut abs = Verdict::new("A2.detailed-balance", tol)
        .judge(d.max_abs, n)
        .detail("max_relative", json_num(d.max_rel))
        .detail("worst_pair", vec![d.worst_pair.0, d.worst_pair.1])
        .detail("pairs_above_rounding_bound", d.pairs_above_bound)
        .detail("within_rounding_bound", d.pairs_above_bound == 0);
    abs.bound = Some(d.bound);
    let mut rel = Verdict::new("A2.relative", tol).judge(d.max_rel, n);
    rel.bound = Some(rel_bound);
    (abs, rel)
}

//= spec:A2.self-adjoint
/// Symmetry of `S = D^{1/2} P D^{−1/2}`: `max |S_xy − S_yx|`.
pub fn check_self_adjoint(asymmetry: f64, n: usize, tol: &Tolerances) -> Verdict {
    Verdict::new("A2.self-adjoint", tol).judge(asymmetry, n)
}

//= spec:A3.irreducible
//= spec:A3.aperiodic
/// Irreducibility (one strongly connected component) and aperiodicity (period 1).
pub fn check_structure(s: &Structure, n: usize, tol: &Tolerances) -> (Verdict, Verdict) {
    let mut irr = Verdict::new("A3.irreducible", tol)
        .judge(s.components as f64, n)
        .detail("recurrent_classes", s.recurrent_classes);
    if s.components > 1 {
        irr = irr.detail("transient_states", s.transient_states);
        if irr.status == Status::Fail {
            irr = irr.reason(format!(
                "{} strongly connected components: {} closed class(es) and {} transient state(s); no state reaches every other",
                s.components, s.recurrent_classes, s.transient_states
            ));
        }
    }
    let ap = Verdict::new("A3.aperiodic", tol).judge(s.period as f64, n);
    (irr, ap)
}

/// What A3's spectral sub-checks have to judge.
#[derive(Clone, Copy, Debug)]
pub enum SpectrumOutcome<'a> {
    /// A2 fails: no symmetric form exists.
    NotReversible,
    /// The eigensolver failed.
    Failed(&'a str),
    /// The symmetrized operator does not exist for another reason (π vanishes somewhere).
    NotApplicable(&'a str),
    /// The eigenvalues of the symmetrized operator, descending.
    Eigenvalues(&'a [f64]),
}

//= spec:A3.spectral-gap
//= spec:A3.nonnegative
/// Spectrum of the symmetrized operator: `|σ_1 − 1|` within the solver bound and the gap `1 − σ_2`
/// above it (the same tolerance bounds both, from opposite sides), and `σ_min ≥ 0`.
pub fn check_spectrum(s: SpectrumOutcome, n: usize, tol: &Tolerances) -> (Verdict, Verdict) {
    let gap_v = Verdict::new("A3.spectral-gap", tol);
    let neg_v = Verdict::new("A3.nonnegative", tol);
    let vals = match s {
        SpectrumOutcome::NotReversible => {
            let why = "A2 fails: the spectrum of a non-reversible kernel is complex and no symmetric form exists";
            return (gap_v.reason(why), neg_v.reason(why));
        }
        SpectrumOutcome::NotApplicable(why) => return (gap_v.reason(why), neg_v.reason(why)),
        SpectrumOutcome::Failed(why) => {
            return (
                gap_v.with_status(Status::Inconclusive).reason(why),
                neg_v.with_status(Status::Inconclusive).reason(why),
            );
        }
        SpectrumOutcome::Eigenvalues(v) => v,
    };
    let s1 = vals[0];
    let s2 = vals.get(1).copied().unwrap_or(f64::NAN);
    let smin = *vals.last().unwrap_or(&f64::NAN);
    let mut gap_v = gap_v
        .judge((s1 - 1.0).abs(), n)
        .detail("sigma1", json_num(s1))
        .detail("sigma2", json_num(s2));
    if n > 1 && s2.is_nan() {
        gap_v = gap_v
            .with_status(Status::Inconclusive)
            .reason("sigma2 is NaN: the eigensolver produced a non-finite value");
    } else if let Some(t) = gap_v.tolerance
        && n > 1
        && !t.with_direction(Direction::Above).accepts(1.0 - s2, n)
    {
        gap_v = gap_v.with_status(Status::Fail).reason(format!(
            "sigma2 = {s2} is not below 1 by more than the solver bound {:e}",
            t.threshold(n)
        ));
    }
    let neg_v = neg_v
        .judge((-smin).max(0.0), n)
        .detail("min_eigenvalue", json_num(smin));
    (gap_v, neg_v)
}

/// What the exact checks judge: the exact backend's measurements of one chain.
#[derive(Clone, Debug)]
pub struct ExactEvidence<'a> {
    pub n_states: usize,
    pub stochasticity: &'a Stochasticity,
    pub row_sum_bound: f64,
    pub invariance_l1: f64,
    pub invariance_bound: f64,
    pub pi_source: PiSource,
    pub detailed_balance: &'a DetailedBalance,
    pub flow_rel_bound: f64,
    pub self_asymmetry: f64,
    pub structure: &'a Structure,
    /// Set when π is not strictly positive (transient states): why A2 cannot be judged.
    pub zero_pi: Option<&'a str>,
    /// The closed classes a computed π lives on, when the chain is not irreducible.
    pub pi_classes: Option<&'a crate::exact::PiClasses>,
}

/// K.stochastic, K.invariance and A2 with its sub-checks, in report order. A2's verdict decides
/// whether a symmetric spectrum exists for A3 ([`judge_a3`]).
pub fn judge_a2(e: &ExactEvidence, tol: &Tolerances) -> Vec<Verdict> {
    let n = e.n_states;
    let stoch = check_stochastic(e.stochasticity, e.row_sum_bound, n, tol);
    let inv = match e.pi_classes {
        Some(c) => check_invariance_of_classes(e.invariance_l1, e.invariance_bound, c, n, tol),
        None => check_invariance(e.invariance_l1, e.invariance_bound, e.pi_source, n, tol),
    };
    let (db, rel, sa) = match e.zero_pi {
        Some(why) => (
            Verdict::not_applicable("A2.detailed-balance", tol, why),
            Verdict::not_applicable("A2.relative", tol, why),
            Verdict::not_applicable("A2.self-adjoint", tol, why),
        ),
        None => {
            let (db, rel) = check_detailed_balance(e.detailed_balance, e.flow_rel_bound, n, tol);
            (db, rel, check_self_adjoint(e.self_asymmetry, n, tol))
        }
    };
    //= spec:A2
    let a2 = Verdict::parent("A2", &[&db, &rel, &sa], tol);
    vec![stoch, inv, db, rel, sa, a2]
}

/// A3 with its sub-checks, in report order.
pub fn judge_a3(e: &ExactEvidence, spectrum: SpectrumOutcome, tol: &Tolerances) -> Vec<Verdict> {
    let (irr, ap) = check_structure(e.structure, e.n_states, tol);
    let (gap, neg) = check_spectrum(spectrum, e.n_states, tol);
    //= spec:A3
    let a3 = Verdict::parent("A3", &[&irr, &ap, &gap, &neg], tol);
    vec![irr, ap, gap, neg, a3]
}
