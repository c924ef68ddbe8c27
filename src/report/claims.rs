//! Renderers of the `claims` report: one line per claim, status first, with the published and
//! recomputed values and the note under every checked claim (text); the report itself (JSON).

use serde_json::Value;

use crate::claims::{ClaimResult, ClaimStatus, ClaimsReport, Kind};

/// JSON (pretty).
pub fn json(r: &ClaimsReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The human-readable table.
pub fn text(r: &ClaimsReport) -> String {
    let idw = r
        .claims
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!(
        "mcmc-audit {} claims — {} of the ledger specs/claims.toml\n\n",
        r.version,
        plural(r.summary.total)
    );
    out += &format!("{:<9} {:<9} {:<idw$}  {}\n", "STATUS", "KIND", "ID", "TAG");
    for c in &r.claims {
        let status = match &c.finding {
            Some(f) if f.reproduces => "FINDING".to_string(),
            Some(_) => "STALE".to_string(),
            None => c.status.as_str().to_uppercase(),
        };
        out += &format!(
            "{:<9} {:<9} {:<idw$}  {}\n",
            status,
            c.kind.as_str(),
            c.id,
            tag_text(c)
        );
        out += &format!("          published:  {}\n", compact(&c.published, 110));
        if c.kind != Kind::Record && !c.recomputed.is_null() {
            out += &format!("          recomputed: {}\n", headline(&c.recomputed, 110));
        }
        if let Some(t) = &c.tolerance {
            out += &format!("          criterion:  {}\n", criterion(t));
        }
        if let Some(j) = &c.judged_by {
            out += &format!("          rule:       {}\n", j.rule);
            out += &format!("          frozen:     {}\n", j.frozen);
        }
        if c.status != ClaimStatus::Pass && !c.note.is_empty() && c.kind != Kind::Record {
            out += &format!("          note: {}\n", c.note);
        }
        if let Some(f) = &c.finding {
            out += &format!(
                "          finding `{}` (recorded {}){}: {}\n",
                f.name,
                f.recorded,
                if f.reproduces {
                    ", reproduces"
                } else {
                    ", NO LONGER REPRODUCES: the check now passes; update the ledger"
                },
                f.analysis
            );
        }
    }
    let s = &r.summary;
    out += &if s.unexpected == 0 {
        "\nas recorded: no result differs from the ledger\n".to_string()
    } else {
        format!(
            "\n{} result(s) differ from the ledger (a new failure, or a finding that no longer reproduces)\n",
            s.unexpected
        )
    };
    out += &format!(
        "{}: {} pass, {} fail ({} of them recorded findings), {} pending, {} recorded ({} recompute, {} derive, {} record)\n",
        plural(s.total),
        s.pass,
        s.fail,
        s.known_findings,
        s.pending,
        s.recorded,
        s.recompute,
        s.derive,
        s.record
    );
    out
}

/// The pass criterion of a checked claim in words: the tolerance kind, the side that passes and the
/// value (the claim's own tolerance in specs/claims.toml).
fn criterion(t: &crate::numeric::tolerance::Tolerance) -> String {
    use crate::numeric::tolerance::Direction;
    let kind = serde_json::to_value(t.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let side = match t.direction {
        Direction::AtMost => "<=",
        Direction::Below => "<",
        Direction::AtLeast => ">=",
        Direction::Above => ">",
        Direction::Equal => "==",
    };
    let scale = t
        .scale
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(|s| format!(" x {s}")))
        .unwrap_or_default();
    let v = t.value;
    let value = if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    };
    format!("{kind} {side} {value}{scale}")
}

fn plural(n: usize) -> String {
    format!("{n} claim{}", if n == 1 { "" } else { "s" })
}

/// The tag, with the outcome token beside it when it is not the tag itself.
fn tag_text(c: &ClaimResult) -> String {
    match &c.outcome {
        Some(o) if o != c.tag.as_str() => format!("{} [{o}]", c.tag.as_str()),
        _ => c.tag.as_str().to_string(),
    }
}

/// The top-level numbers of a recomputed value (per-cell details are left to the JSON), cut at `max`.
fn headline(v: &Value, max: usize) -> String {
    match v {
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .filter(|(_, x)| !matches!(x, Value::Array(a) if a.iter().any(Value::is_object)))
                .map(|(k, x)| format!("{k}={}", compact(x, max)))
                .collect();
            let s = parts.join(", ");
            if s.chars().count() > max {
                format!("{}…", s.chars().take(max).collect::<String>())
            } else {
                s
            }
        }
        other => compact(other, max),
    }
}

/// One-line JSON, cut at `max` characters.
fn compact(v: &Value, max: usize) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() > max {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    } else {
        s
    }
}
