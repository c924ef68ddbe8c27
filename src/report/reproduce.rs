//! Renderers of the `reproduce` report: the per-cell table (text), the report itself (JSON), and
//! the rounding the committed snapshots use.

use serde_json::Value;

use super::format::{REPRODUCE, json_num, num};
use crate::pipeline::reproduce::{Cell, ReproduceReport};

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
            fmt(c.q_struct_perp),
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
