//! Renderers of the `reproduce` report: the per-cell table (text), the report itself (JSON), and
//! the rounding the committed snapshots use.

use serde_json::Value;

use super::format::{REPRODUCE, json_num, num};
use crate::pipeline::reproduce::a2a6::A2a6Report;
use crate::pipeline::reproduce::scaling::ScalingReport;
use crate::pipeline::reproduce::{Cell, ReproduceReport, Reproduction};

/// `x` rounded to `digits` significant digits (non-finite unchanged).
pub fn round_sig(x: f64, digits: u32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let s = format!("{:.*e}", digits.saturating_sub(1) as usize, x);
    s.parse().unwrap_or(x)
}

/// A JSON value with every float rounded to `digits` significant digits (for snapshots).
pub fn rounded(v: &Value, digits: u32) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .map(|x| json_num(round_sig(x, digits)))
            .unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a.iter().map(|x| rounded(x, digits)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), rounded(x, digits)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn fmt(x: f64) -> String {
    num(x, REPRODUCE)
}

/// `x`, or "-" when it is not finite: `Q_struct⊥` over no resolved mode (T_O = 0) is undefined,
/// as the JSON's `null` says.
fn fmt_defined(x: f64) -> String {
    if x.is_finite() { fmt(x) } else { "-".into() }
}

/// The FAMILY column: the family, with the pattern count and the scan for rbm1 cells.
pub fn label(c: &Cell) -> String {
    {
        match (&c.patterns, &c.kernel) {
            (Some(p), Some(k)) => {
                let scan = if k.starts_with("symmetrized") {
                    "sym"
                } else {
                    "rand"
                };
                format!("{} M={p} {scan}", c.family)
            }
            _ => c.family.clone(),
        }
    }
}

/// The human-readable table.
pub fn text(r: &ReproduceReport) -> String {
    let mut out = format!(
        "mcmc-audit reproduce {} — tracking: {} <= Q_pred/Q_op <= {}\n\n",
        r.experiment, r.criterion.low, r.criterion.high
    );
    let labels: Vec<String> = r.cells.iter().map(label).collect();
    let w = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    out += &format!(
        "{:<w$} {:>3} {:>5} {:>5} {:>10} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n",
        "FAMILY",
        "N",
        "BETA",
        "K",
        "B",
        "PHI2",
        "MAX|c_a2|",
        "OVERPRED",
        "Q_OP",
        "Q_STRUCT",
        "Q_SRG",
        "T_SP",
        "T_SRG"
    );
    for (c, label) in r.cells.iter().zip(&labels) {
        out += &format!(
            "{:<w$} {:>3} {:>5} {:>5} {:>10} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n",
            label,
            c.n,
            c.beta,
            c.window,
            c.burn_in,
            c.phi2_parity,
            fmt(c.max_overlap_phi2),
            format!(
                "{}{}",
                if c.single_gap_overprediction_is_lower_bound {
                    ">"
                } else {
                    ""
                },
                fmt(c.single_gap_overprediction)
            ),
            fmt(c.q_op),
            fmt_defined(c.q_struct_perp),
            c.q_single_relevant_gap.map_or("null".into(), fmt),
            if c.tracks_struct_perp { "yes" } else { "no" },
            if c.tracks_single_relevant_gap {
                "yes"
            } else {
                "no"
            },
        );
    }
    out += &format!(
        "\nsummary: {}\n",
        serde_json::to_string(&r.summary).unwrap_or_default()
    );
    out
}

/// JSON (pretty).
pub fn json(r: &ReproduceReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// The a2a6 table: one line per kernel of each cell, then the summary in words.
pub fn a2a6_text(r: &A2a6Report) -> String {
    let g = &r.grid;
    let mut out = format!(
        "mcmc-audit reproduce a2a6 — {} (not reversible) against its reversible forms; costs in site updates; \
         W_nr = first 2^j sweeps with W >= {}·tau_max({})\n\n",
        g.non_reversible, g.a6_factor, g.non_reversible
    );
    out += &format!(
        "{:<12} {:>3} {:>5} {:<12} {:>5} {:>5} {:>10} {:>8} {:>10} {:>10} {:>10} {:>6} {:>8} {:>8}\n",
        "FAMILY",
        "N",
        "BETA",
        "KERNEL",
        "A2",
        "C",
        "TAU_MAX",
        "SLOWEST",
        "GPS/C",
        "TAU_RATIO",
        "GAP_RATIO",
        "COSTS",
        "W_NR",
        "A6@W_NR"
    );
    let opt = |x: Option<f64>| x.map_or("-".to_string(), fmt);
    let yes = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    for c in &r.cells {
        for k in &c.kernels {
            out += &format!(
                "{:<12} {:>3} {:>5} {:<12} {:>5} {:>5} {:>10} {:>8} {:>10} {:>10} {:>10} {:>6} {:>8} {:>8}\n",
                c.family,
                c.n,
                c.beta,
                k.kernel,
                k.a2,
                fmt(k.site_updates_per_step),
                fmt(k.tau_max_site_updates),
                k.slowest,
                fmt(k.pseudo_gap_per_site_update),
                opt(k.tau_ratio),
                opt(k.gap_ratio),
                yes(k.reversibility_costs_mixing),
                c.nr_window_sweeps
                    .map_or("null".to_string(), |w| w.to_string()),
                yes(k.meets_a6_at_nr_window),
            );
        }
    }
    out += &format!(
        "\nsummary ({} cells; {} fails A2 in {}):\n",
        r.summary["cells"], g.non_reversible, r.summary["non_reversible_a2_fail"]
    );
    if let Some(per) = r.summary["against_non_reversible"].as_object() {
        for (name, v) in per {
            let f = |key: &str| v[key].as_f64().map_or("null".to_string(), fmt);
            out += &format!(
                "  {name}: reversibility costs mixing (tau ratio > {}) in {} of {} cells ({} ties); tau ratio \
                 median {}, max {}, min {}; gap ratio median {}; misses A6 at W_nr in {} cells\n",
                g.costs_above,
                v["reversibility_costs_mixing"],
                v["cells"],
                v["ties"],
                f("median_tau_ratio"),
                f("max_tau_ratio"),
                f("min_tau_ratio"),
                f("median_gap_ratio"),
                v["misses_a6_at_nr_window"],
            );
        }
    }
    out
}

/// The scaling table: one line per cell, then the fitted growth rates in N.
pub fn scaling_text(r: &ScalingReport) -> String {
    let g = &r.grid;
    let obs: Vec<String> = g
        .observables
        .iter()
        .map(|[i, j]| format!("x{i}x{j}"))
        .collect();
    let mut out = format!(
        "mcmc-audit reproduce scaling — {}, matrix-free; observables {}; stationary window K = {} steps; \
         epsilon = {:e}; mode basis <= {}\n\n",
        g.kernel,
        obs.join(", "),
        g.window,
        g.epsilon,
        g.modes_dim
    );
    out += &format!(
        "{:<12} {:>3} {:>5} {:>10} {:>5} {:>10} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n",
        "FAMILY",
        "N",
        "BETA",
        "GAMMA",
        "PHI2",
        "GAMMA_EFF",
        "|C*|",
        "UNRESOLVED",
        "TAU_MAX",
        "Q_OP",
        "Q_STRUCT",
        "Q_ALL",
        "Q_SG/Q_OP"
    );
    let opt = |x: Option<f64>| x.map_or("-".to_string(), fmt);
    for c in &r.cells {
        out += &format!(
            "{:<12} {:>3} {:>5} {:>10} {:>5} {:>10} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n",
            c.family,
            c.n,
            c.beta,
            fmt(c.gamma),
            if c.phi2_flip < 0.0 { "odd" } else { "even" },
            opt(c.gamma_eff),
            format!(
                "{}{}",
                c.cluster_size,
                if c.cluster_truncated { "+" } else { "" }
            ),
            fmt(c.unresolved_weight),
            fmt(c.tau_max),
            fmt(c.q_op),
            fmt_defined(c.q_struct_perp),
            fmt(c.q_struct_perp_all_modes),
            format!(
                "{}{}",
                if c.single_gap_overprediction_is_lower_bound {
                    ">="
                } else {
                    ""
                },
                fmt(c.single_gap_overprediction)
            ),
        );
    }
    out += "\n(|C*|+ : truncated, the unresolved weight is >= epsilon, so |C*|, GAMMA_EFF and Q_STRUCT describe the \
            resolved modes only; Q_ALL = Q_struct_perp with every mode, from the exact tau; >= : a floored \
            single-gap prediction, the observables do not see phi_2)\n\ngrowth in N (OLS on ln y over values, \
            not bounds; slope ± standard error):\n";
    let slope = |s: &Option<crate::pipeline::reproduce::scaling::Slope>| match s {
        Some(s) => match s.standard_error {
            Some(e) => format!("{} ± {}", fmt(s.slope), fmt(e)),
            None => fmt(s.slope),
        },
        None => "-".into(),
    };
    for f in &r.fits {
        out += &format!(
            "  {:<12} beta {:<5} {:<26} per spin {:<24} power {:<24} ({} sizes)\n",
            f.family,
            f.beta,
            f.quantity,
            slope(&f.rate_per_spin),
            slope(&f.power),
            f.n.len()
        );
    }
    out
}

/// The text of any experiment.
pub fn reproduction_text(r: &Reproduction) -> String {
    match r {
        Reproduction::Tracking(t) => text(t),
        Reproduction::A2a6(a) => a2a6_text(a),
        Reproduction::Scaling(s) => scaling_text(s),
    }
}

/// The JSON (pretty) of any experiment.
pub fn reproduction_json(r: &Reproduction) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}
