//! The people-first parts of the text reports (issue 15 item 1): the few lines that open a report —
//! the outcome, then each failing or inconclusive check with its explanation and hint — and the
//! quantities summarized (a map of τ values as min/median/max and the slowest entries, a spectrum as
//! its leading values, null reasons grouped) instead of raw JSON.

use serde_json::{Map, Value};

use crate::checks::explain::sig;
use crate::checks::{Status, Summary, Verdict};

/// How many entries of a long list or map the quantities block shows.
const SHOWN: usize = 6;

/// The opening lines: the outcome in one line, then each fail and inconclusive (leaves only: a
/// parent's explanation lists its sub-checks), its explanation and its hint (a hint shared by
/// consecutive checks is printed once).
pub fn outcome(verdicts: &[Verdict], s: &Summary) -> String {
    let required_fail = verdicts
        .iter()
        .any(|v| v.required && v.status == Status::Fail);
    let required_inconclusive = verdicts
        .iter()
        .any(|v| v.required && v.status == Status::Inconclusive);
    let head = if required_fail {
        "FAIL"
    } else if required_inconclusive {
        "INCONCLUSIVE"
    } else {
        "PASS"
    };
    let judged = s.pass + s.fail + s.inconclusive;
    let mut out = format!(
        "{head}: {} of {judged} judged checks pass, {} fail, {} inconclusive ({} not applicable, {} undefined)\n",
        s.pass, s.fail, s.inconclusive, s.not_applicable, s.undefined
    );
    let leaves: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| matches!(v.status, Status::Fail | Status::Inconclusive))
        .filter(|v| !v.detail.contains_key("sub_checks"))
        .collect();
    // One group per (check, status): a per-variable check of `trace` lists its variables once.
    let mut groups: Vec<Vec<&Verdict>> = Vec::new();
    for v in leaves {
        match groups
            .iter_mut()
            .find(|g| g[0].id == v.id && g[0].status == v.status)
        {
            Some(g) => g.push(v),
            None => groups.push(vec![v]),
        }
    }
    let idw = groups.iter().map(|g| g[0].id.len()).max().unwrap_or(0);
    let var = |v: &Verdict| {
        v.detail
            .get("variable")
            .and_then(Value::as_str)
            .map(String::from)
    };
    for (i, g) in groups.iter().enumerate() {
        let v = g[0];
        let tag = match (v.status, v.required) {
            (Status::Fail, true) => "fail",
            (Status::Fail, false) => "fail (informational)",
            (_, true) => "inconclusive",
            (_, false) => "inconclusive (informational)",
        };
        let blank = "";
        if g.len() == 1 {
            let on = var(v).map_or(String::new(), |x| format!(" [{x}]"));
            out += &format!("  {:<idw$}  {tag}{on}: {}\n", v.id, v.explanation);
        } else {
            let names: Vec<String> = g.iter().filter_map(|x| var(x)).collect();
            let shown = names
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = names.len().saturating_sub(SHOWN);
            let more = if more > 0 {
                format!(", +{more} more")
            } else {
                String::new()
            };
            out += &format!(
                "  {:<idw$}  {tag} for {} variables ({shown}{more})\n",
                v.id,
                g.len()
            );
            out += &format!(
                "  {blank:<idw$}  e.g. {}: {}\n",
                var(v).unwrap_or_default(),
                v.explanation
            );
        }
        let next_same = groups
            .get(i + 1)
            .is_some_and(|n| g.len() == 1 && n.len() == 1 && n[0].hint == v.hint);
        if let (Some(h), false) = (&v.hint, next_same) {
            out += &format!("  {blank:<idw$}  hint: {h}\n");
        }
    }
    out
}

/// The JSON-free rendering of a quantities map, one line per key.
pub fn quantities(q: &Map<String, Value>) -> String {
    let kw = q.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in q {
        if k == "undefined" {
            continue;
        }
        out += &format!("{k:<kw$} = {}\n", value(k, v));
    }
    if let Some(Value::Object(u)) = q.get("undefined") {
        let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
        for (f, why) in u {
            let why = why.as_str().unwrap_or("");
            match by_reason.iter_mut().find(|(w, _)| *w == why) {
                Some((_, fs)) => fs.push(f),
                None => by_reason.push((why, vec![f])),
            }
        }
        for (why, fs) in by_reason {
            let verb = if fs.len() == 1 { "is" } else { "are" };
            out += &format!("{} {verb} null: {why}\n", fs.join(", "));
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), sig),
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// One quantity: scalars as they are, numeric maps and lists summarized, lists of records shortened.
fn value(key: &str, v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() && m.values().all(Value::is_number) => numeric_map(m),
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_number) => numeric_list(key, a),
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object) => records(key, a),
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{k}: {}", compact(x)))
                .collect();
            parts.join("; ")
        }
        other => scalar(other),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{k} {}", compact(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        other => scalar(other),
    }
}

/// `45 values: min 18.05, median 18.05, max 18.05; largest: x2x3 18.05, …`.
fn numeric_map(m: &Map<String, Value>) -> String {
    let mut entries: Vec<(&str, f64)> = m
        .iter()
        .filter_map(|(k, v)| v.as_f64().map(|x| (k.as_str(), x)))
        .collect();
    entries.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    if entries.len() <= SHOWN {
        let parts: Vec<String> = entries
            .iter()
            .map(|(k, x)| format!("{k} {}", sig(*x)))
            .collect();
        return parts.join(", ");
    }
    let n = entries.len();
    let median = if n % 2 == 1 {
        entries[n / 2].1
    } else {
        0.5 * (entries[n / 2 - 1].1 + entries[n / 2].1)
    };
    let top: Vec<String> = entries
        .iter()
        .take(3)
        .map(|(k, x)| format!("{k} {}", sig(*x)))
        .collect();
    format!(
        "{n} values: max {}, median {}, min {}; largest: {}",
        sig(entries[0].1),
        sig(median),
        sig(entries[n - 1].1),
        top.join(", ")
    )
}

fn numeric_list(key: &str, a: &[Value]) -> String {
    let xs: Vec<f64> = a.iter().filter_map(Value::as_f64).collect();
    let shown: Vec<String> = xs.iter().take(SHOWN).map(|x| sig(*x)).collect();
    if xs.len() <= SHOWN {
        return shown.join(", ");
    }
    let last = xs.last().copied().unwrap_or(f64::NAN);
    let what = if key == "eigenvalues" {
        "listed, largest first"
    } else {
        "values"
    };
    format!(
        "{} {what}: {}, …, {} (the full list is in the JSON)",
        xs.len(),
        shown.join(", "),
        sig(last)
    )
}

/// A list of records: a complex spectrum as `re ± im i`, other records in braces.
fn records(key: &str, a: &[Value]) -> String {
    let one = |x: &Value| -> String {
        if key == "spectrum_complex" {
            let re = x["re"].as_f64().unwrap_or(f64::NAN);
            let im = x["im"].as_f64().unwrap_or(0.0);
            if im == 0.0 {
                sig(re)
            } else {
                format!(
                    "{}{}{}i",
                    sig(re),
                    if im < 0.0 { "−" } else { "+" },
                    sig(im.abs())
                )
            }
        } else {
            compact(x)
        }
    };
    let shown: Vec<String> = a.iter().take(SHOWN).map(one).collect();
    if a.len() <= SHOWN {
        shown.join("; ")
    } else {
        format!(
            "{} entries: {}; … (the full list is in the JSON)",
            a.len(),
            shown.join("; ")
        )
    }
}
