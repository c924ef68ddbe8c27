//! Verdicts that explain themselves (issue 15 item 1): every verdict gets an `explanation` — the
//! metric in words (the registry's `words`), the measured value in the check's own direction and what
//! passes — and, on fail or inconclusive, a `hint`: the nearest passing setting where the verdict's own
//! numbers give one ("burn_in ≥ 316", "window ≥ 50·τ = 9,025"), else the fix in one line ("make the
//! update lazy: ½(I + P)"). One convention everywhere: the value is the check's statement read as
//! "measured ⋛ threshold" (`K/τ ≥ 50`, `B/τ ≥ 5`, `R-hat ≤ 1.01`, `p ≥ α`), in `audit`, `trace`,
//! `compare` and the library gate alike; the text renderers and the gate print these lines.
//!
//! The hints only read what the checks already put in the verdicts (`detail`, `measured`, the
//! threshold), so explaining never changes a number.

use serde_json::Value;

use super::{Status, Verdict};
use crate::numeric::tolerance::{Direction, Kind, Scale};
use crate::spec::requirements;

/// Where the audited thing came from: it decides how a hint names the setting to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// An exact audit of a kernel built from a spec (or by the library) — the kernel's description.
    Kernel(&'a str),
    /// An exact audit of a transition matrix read from a file.
    Matrix,
    /// A sampled audit (`[sampling]` in the spec).
    Sampled,
    /// `mcmc-audit trace` of someone else's draws.
    Trace,
}

/// A number in at most four significant digits: fixed notation for `1e-3 ≤ |x| < 1e6`, else
/// scientific; trailing zeros dropped (`5`, `0.1067`, `3.6e-12`).
pub fn sig(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-3..1e6).contains(&a) {
        let e = a.log10().floor() as i32;
        let mut decimals = (3 - e).max(0) as usize;
        // 0.999995 rounds up to the next decade: one decimal fewer keeps four digits.
        if decimals > 0
            && format!("{a:.decimals$}").parse::<f64>().unwrap_or(0.0) >= 10f64.powi(e + 1)
        {
            decimals -= 1;
        }
        trim(format!("{x:.decimals$}"), x)
    } else {
        trim(format!("{x:.3e}"), x)
    }
}

/// Drops trailing zeros only when the shorter text still reads back as exactly `x` (`5.000` → `5`,
/// but `0.999995` stays `1.000`: four digits, not a rounded-up one).
fn trim(s: String, x: f64) -> String {
    let t = if s.contains('.') {
        let (m, e) = s
            .split_once('e')
            .map_or((s.as_str(), None), |(m, e)| (m, Some(e)));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        e.map_or_else(|| m.to_string(), |e| format!("{m}e{e}"))
    } else {
        s.clone()
    };
    if t.parse::<f64>().ok() == Some(x) {
        t
    } else {
        s
    }
}

/// A count with thousands separators (`9,025`).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The comparison as people write it (`≤`, `<`, `≥`, `>`, `=`).
pub fn sign(d: Direction) -> &'static str {
    match d {
        Direction::AtMost => "≤",
        Direction::Below => "<",
        Direction::AtLeast => "≥",
        Direction::Above => ">",
        Direction::Equal => "=",
    }
}

/// The threshold the verdict was judged by: the one `judge` recorded, else the tolerance's for `n`
/// states.
pub fn threshold(v: &Verdict, n: usize) -> Option<f64> {
    v.detail
        .get("threshold")
        .and_then(Value::as_f64)
        .or_else(|| v.tolerance.map(|t| t.threshold(n.max(1))))
}

/// What passes, in the check's own direction: `≤ 1e-12`, `≥ 5`, `≤ 3.638e-12 (64·n·u)`.
pub fn passes_at(v: &Verdict, n: usize) -> Option<String> {
    let t = v.tolerance?;
    let thr = threshold(v, n)?;
    let mut s = format!("{} {}", sign(t.direction), sig(thr));
    match (t.kind, t.scale) {
        (Kind::Bound, Some(Scale::NU)) => s += &format!(" ({}·n·u)", sig(t.value)),
        (Kind::Bound, Some(Scale::Unit)) => s += &format!(" ({}·u)", sig(t.value)),
        _ => {}
    }
    Some(s)
}

fn reason(v: &Verdict) -> Option<&str> {
    v.detail.get("reason").and_then(Value::as_str)
}

fn num(v: &Verdict, key: &str) -> Option<f64> {
    v.detail.get(key).and_then(Value::as_f64)
}

/// The explanation of one verdict (see the module doc).
pub fn explanation(v: &Verdict, n: usize) -> String {
    let words = requirements::all()
        .iter()
        .find(|r| r.id == v.id)
        .and_then(|r| r.words.clone())
        .unwrap_or_else(|| v.title.clone());
    let why = reason(v);
    match v.status {
        Status::Undefined => {
            return format!("undefined: {}", why.unwrap_or("no published definition"));
        }
        Status::NotApplicable if why.is_some() || !v.detail.contains_key("sub_checks") => {
            return format!("not applicable: {}", why.unwrap_or("nothing to check"));
        }
        _ => {}
    }
    if v.status == Status::NotApplicable && why.is_none() && v.detail.contains_key("sub_checks") {
        return "not applicable: no sub-check applies".into();
    }
    if let Some(subs) = v.detail.get("sub_checks").and_then(Value::as_array) {
        let off: Vec<&str> = subs
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.ends_with(": pass"))
            .collect();
        return if off.is_empty() {
            format!("{words}: every sub-check passes")
        } else {
            format!("{words}: {}", off.join(", "))
        };
    }
    let mut s = match v.measured {
        Some(m) if m.is_finite() => format!("{words} = {}", sig(m)),
        Some(m) => format!("{words} = {m}"),
        None => format!("{words}: not measured"),
    };
    if let (Some(p), true) = (
        passes_at(v, n),
        v.measured.is_some() || v.status != Status::Pass,
    ) {
        s += &format!("; passes at {p}");
    }
    if let Some(w) = why {
        s += &format!(" — {w}");
    }
    s
}

/// The nearest passing setting or the fix, for a verdict that fails or is inconclusive (`None`
/// where no setting of the audit would pass it, or the verdict passes). `all` is the whole report,
/// for hints that read a sibling verdict.
pub fn hint(v: &Verdict, all: &[Verdict], source: Source) -> Option<String> {
    if !matches!(v.status, Status::Fail | Status::Inconclusive) {
        return None;
    }
    let fail = v.status == Status::Fail;
    let lazy = match source {
        Source::Matrix => {
            "audit ½(I + P) instead: the lazy kernel's spectrum (1 + σ)/2 is non-negative and its chain aperiodic"
        }
        _ => {
            "make the update lazy: ½(I + P) (`lazy = true` under [kernel]); its spectrum (1 + σ)/2 is non-negative"
        }
    };
    let systematic = matches!(source, Source::Kernel(k) if k.contains("systematic"));
    let draws_flag = match source {
        Source::Trace => "draws per chain",
        _ => "`sweeps` under [sampling]",
    };
    let burn_flag = match source {
        Source::Trace => "--burn-in (discard that many draws first)",
        _ => "`burn_in` under [sampling]",
    };
    let h = match v.id.as_str() {
        "K.stochastic" if fail => {
            if num(v, "min_entry").is_some_and(|m| m < 0.0) {
                "a transition probability is negative: P must hold probabilities".to_string()
            } else {
                let row = v.detail.get("worst_row").map_or(String::new(), |r| format!(" (row {r} is worst)"));
                match source {
                    Source::Matrix => format!("every row of P must sum to 1{row}: divide each row by its sum, P / P.sum(axis=1, keepdims=True)"),
                    _ => format!("the kernel's transition probabilities out of a state do not sum to 1{row}: its update's law is not normalized"),
                }
            }
        }
        "K.invariance" if fail => match source {
            Source::Matrix => "pi is not stationary for P: give the pi that P targets (pi P = pi), or omit pi to have it computed".into(),
            _ => "the kernel does not leave the model's law invariant: its transition probabilities target another distribution".into(),
        },
        "K.step-consistency" if fail => {
            "the sampling code does not draw from the kernel's stated law: compare the update's sample() with its law() on the rows in detail".into()
        }
        "S.kernel-gtest" if fail => {
            "the sampler's steps do not follow the exact rows: its code, or the parameters it was built with (β, couplings, fields, clamps, block order), differ from the model's".into()
        }
        "S.stationary-gtest" if fail => "the sampler's long-run law is not the model's π: check the parameters it was built with (β, couplings, fields, clamps) and that no block updated in parallel has an internal coupling (K.parallel-blocks)".into(),
        "K.parallel-blocks" if fail => "split the block so that no two interacting sites share it (blocks = \"coloring\": a graph colouring; on thrml, one block per colour), or draw it jointly (update = \"gibbs\"), which is the exact block heat bath".into(),
        "A1" if fail => "the parameters changed during the audit: freeze them (no learning step) while the chain is audited".into(),
        "A2" | "A2.detailed-balance" | "A2.relative" | "A2.self-adjoint" if fail => {
            if systematic {
                "a systematic sweep is π-invariant but not reversible: use scan = \"symmetrized\" (forward then backward) or scan = \"random\" for a reversible kernel, or read the mixing measures that replace the spectral ones".into()
            } else {
                "the kernel is not π-reversible: A3's spectral form, A7, A8 and O1.a need a reversible kernel (a symmetrized sweep or a random scan is one); the mixing measures are reported instead".into()
            }
        }
        "A3.irreducible" if fail => {
            let k = v.measured.map_or(String::new(), |m| format!("{} ", sig(m)));
            format!("the transition graph has {k}components: no estimate mixes across them; add moves that connect them (e.g. single-site updates) or audit one class")
        }
        "A3.aperiodic" if fail => format!("the chain is periodic: {lazy}"),
        "A3.nonnegative" if fail => format!(
            "σ_min = {}: {lazy}",
            num(v, "min_eigenvalue").map_or("negative".into(), sig)
        ),
        "A3" if fail => {
            let sub = |id: &str| all.iter().find(|x| x.id == id).is_some_and(|x| x.status == Status::Fail);
            if sub("A3.nonnegative") || sub("A3.aperiodic") {
                lazy.to_string()
            } else if sub("A3.irreducible") {
                "the chain is reducible: see A3.irreducible".into()
            } else {
                "see the failing sub-check".into()
            }
        }
        "A3.spectral-gap" if fail => "σ₂ = 1: the chain has no spectral gap (reducible or periodic); see A3.irreducible and A3.aperiodic".into(),
        "A4" if fail => {
            let f = v.detail.get("first_offending").map_or(String::new(), |f| format!(" ({f})"));
            format!("an observable{f} is not finite on some state: drop it or fix its definition")
        }
        "A5.burn-in" if fail => {
            let g = num(v, "gamma_eff")?;
            let c = threshold(v, 1)?;
            let b = (c / g).ceil();
            let now = num(v, "burn_in").map_or(String::new(), |b| format!(" (now {})", count(b as u64)));
            format!("burn_in ≥ ⌈{}/γ_eff⌉ = {} under [estimator]{now}, or burn_in = \"auto\"", sig(c), count(b as u64))
        }
        "A5.bias" if fail => {
            let ratio = v.measured?;
            let c = threshold(v, 1)?;
            let g = all.iter().find(|x| x.id == "A5.burn-in").and_then(|x| num(x, "gamma_eff"))?;
            let b = num(v, "burn_in")?;
            // The bias decays like (1 − γ_eff)^B: the extra steps that shrink it by ratio / c.
            let extra = ((ratio / c).ln() / -(1.0 - g).ln()).ceil();
            if !extra.is_finite() || extra <= 0.0 {
                return None;
            }
            format!(
                "burn_in ≈ {} under [estimator]: the bias decays like (1 − γ_eff)^B, γ_eff = {}",
                count((b + extra) as u64),
                sig(g)
            )
        }
        "A6" if fail => {
            let t = num(v, "tau_max")?;
            let c = threshold(v, 1)?;
            format!("window ≥ {}·τ_max = {} under [estimator] (τ_max = {})", sig(c), count((c * t).ceil() as u64), sig(t))
        }
        "A7" if fail => "the bulk modes relax slowly: no estimator setting helps, the kernel must mix faster outside the cluster (compare kernels with `mcmc-audit compare`)".into(),
        "A8" if fail => "C*(O) moves with the threshold ε (range in detail): the cluster is not resolved; report Q over that range rather than at one ε".into(),
        "A9" | "A9.pi" | "A9.kernel" | "A9.observables" if fail => {
            let sub = |id: &str| v.id == id || all.iter().find(|x| x.id == id).is_some_and(|x| x.status == Status::Fail);
            if sub("A9.observables") && !sub("A9.pi") {
                "an observable is odd under the global flip: audit flip-even observables (pairs x_i x_j), or drop the symmetry from the spec".into()
            } else if sub("A9.pi") {
                "the model is not flip-symmetric (a non-zero field): set the fields to 0, or drop the symmetry from the spec".into()
            } else {
                "the kernel does not commute with the global flip: its update rule treats +1 and −1 differently".into()
            }
        }
        "O1.a" if fail => "the cluster projection is not orthogonal to rounding accuracy: the eigenvectors of the cluster are ill-resolved (see A8)".into(),
        "O1.b" if fail => "a set of states is closed under P: the chain is reducible (see A3.irreducible)".into(),
        "E.doubling" => {
            let steps: Vec<(f64, f64)> = v
                .detail
                .get("tau_by_length")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| Some((x.get("length")?.as_f64()?, x.get("tau")?.as_f64()?)))
                        .collect()
                })
                .unwrap_or_default();
            // The self-consistency bound L ≥ c·τ of the rule (never overridden).
            let c = requirements::get("E.doubling").bounds.get("self_consistent").map_or(5.0, |t| t.value);
            match steps.as_slice() {
                [.., (l, t0), (_, t1)] if *t0 > 0.0 && *t1 > 0.0 && t0.is_finite() && t1.is_finite() && (*l < c * t0 || 2.0 * l < c * t1) => format!(
                    "run longer: the final doubling needs L ≥ {c}·τ at L = half the draws, so at least {}·τ ≈ {} {draws_flag} (τ = {} at full length, and τ grows while the slowest mode is not crossed)",
                    sig(2.0 * c),
                    count((2.0 * c * t1).ceil() as u64),
                    sig(*t1)
                ),
                [.., (_, t0), (_, t1)] if *t0 > 0.0 && *t1 > 0.0 && t0.is_finite() && t1.is_finite() => format!(
                    "τ still moves by {}% at the final doubling ({} → {}): run at least twice as many {draws_flag}, until it moves by less than the threshold",
                    sig(100.0 * (t1 - t0).abs() / t0),
                    sig(*t0),
                    sig(*t1)
                ),
                _ => format!("run longer (more {draws_flag}) until τ stops moving between doublings"),
            }
        }
        "A6.sampled" => {
            if let (true, Some(t)) = (fail, num(v, "tau")) {
                let c = threshold(v, 1)?;
                format!("{draws_flag} ≥ {}·τ = {} (τ = {})", sig(c), count((c * t).ceil() as u64), sig(t))
            } else {
                "resolve τ first (E.doubling): run longer".into()
            }
        }
        "E.burn-in" => {
            if let (true, Some(t)) = (fail, num(v, "tau")) {
                let c = threshold(v, 1)?;
                format!("{burn_flag} ≥ {}·τ = {} (τ = {})", sig(c), count((c * t).ceil() as u64), sig(t))
            } else {
                "resolve τ first (E.doubling): run longer".into()
            }
        }
        "E.mixing" => {
            if v.detail.get("chains").and_then(Value::as_u64).is_some_and(|c| c < 2) {
                "run at least 2 chains from dispersed starts".into()
            } else if fail {
                "the chains have not met: run much longer, or use a kernel that crosses between modes (parallel tempering, `[tempering]`); more draws of the same kernel rarely fix an R-hat far above 1.01".into()
            } else {
                "no variable has a defined R-hat: check for constant or non-finite draws".into()
            }
        }
        "L.detailed-balance" | "L.conditional" if fail => {
            "the update's probabilities disagree with the model's energy differences at the pair in detail: check its acceptance rule or conditional".into()
        }
        "PT.swap-acceptance" if fail => "move the temperatures of the pairs outside [0.15, 0.60] closer together (acceptance too low) or apart (too high); an equal-acceptance ladder does both".into(),
        "PT.round-trips" if fail => "more sweeps, or a ladder whose hottest rung mixes fast (fewer, better-spaced temperatures)".into(),
        "S.reversibility" if fail => {
            "the lag-one cross moments are time-asymmetric: the kernel is not reversible (a systematic sweep?); use a symmetrized or random scan if A2's spectral form is needed".into()
        }
        _ if !fail => reason(v)
            .filter(|r| r.contains("not resolved"))
            .map(|_| "run longer".to_string())?,
        _ => return None,
    };
    Some(h)
}

/// Fills `explanation` and `hint` of every verdict; `n` is the number of states the tolerances
/// were scaled with (1 for sampled checks).
pub fn explain_all(verdicts: &mut [Verdict], n: usize, source: Source) {
    let hints: Vec<Option<String>> = verdicts.iter().map(|v| hint(v, verdicts, source)).collect();
    for (v, h) in verdicts.iter_mut().zip(hints) {
        v.explanation = explanation(v, n);
        v.hint = h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_counts_grouped() {
        assert_eq!(sig(5.0), "5");
        assert_eq!(sig(0.106651), "0.1067");
        assert_eq!(sig(1.584), "1.584");
        assert_eq!(sig(3.638e-12), "3.638e-12");
        assert_eq!(sig(1e-12), "1e-12");
        assert_eq!(sig(9025.0), "9025");
        assert_eq!(sig(-0.12368), "-0.1237");
        assert_eq!(sig(0.999995), "1.000");
        assert_eq!(sig(2.5e-7), "2.5e-7");
        assert_eq!(count(9025), "9,025");
        assert_eq!(count(316), "316");
        assert_eq!(count(1_000_000), "1,000,000");
    }
}
