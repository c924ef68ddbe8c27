//! Helpers shared by the integration tests (each test crate includes this with `mod common;`).

use serde_json::Value;

/// Rounds every non-integer JSON number (and every decimal in a verdict's `explanation` and `hint`)
/// to 3 significant digits and replaces run-dependent strings
/// (`version`; `kernel_fingerprint`, which hashes the last bits of every `P_xy` and so of the
/// platform's `exp`; and `file` when `mask_file`) by placeholders, so a snapshot pins the report's values
/// at the digits a reader compares, not the last bits.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn round_json(v: &mut Value, mask_file: bool) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64()
                && !n.is_u64()
                && !n.is_i64()
                && f != 0.0
            {
                let r: f64 = format!("{f:.2e}").parse().unwrap();
                *v = serde_json::Number::from_f64(r)
                    .map(Value::Number)
                    .unwrap_or(Value::Null);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| round_json(x, mask_file)),
        Value::Object(o) => {
            if o.contains_key("version") {
                o.insert("version".into(), Value::String("[version]".into()));
            }
            if o.contains_key("kernel_fingerprint") {
                o.insert(
                    "kernel_fingerprint".into(),
                    Value::String("[kernel fingerprint]".into()),
                );
            }
            if mask_file && o.contains_key("file") {
                o.insert("file".into(), Value::String("[file]".into()));
            }
            // The explanation and hint repeat the measured values in words: rounded alike.
            for k in ["explanation", "hint"] {
                if let Some(Value::String(s)) = o.get(k) {
                    let r = round_text(s);
                    o.insert(k.into(), Value::String(r));
                }
            }
            o.values_mut().for_each(|x| round_json(x, mask_file))
        }
        _ => {}
    }
}

/// The `status` of verdict `id` in a JSON report (`audit` or `trace`); panics if absent.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn verdict_status(r: &Value, id: &str) -> String {
    r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no verdict {id}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The exact checks of one chain, each measured by the exact backend and judged (what the audit
/// pipeline does, one check at a time).
#[allow(dead_code)]
pub mod exact {
    use mcmc_audit::checks::exact as ck;
    use mcmc_audit::checks::{Tolerances, Verdict};
    use mcmc_audit::exact::{ExactChain, residuals};

    pub fn stochastic(c: &ExactChain, tol: &Tolerances) -> Verdict {
        ck::check_stochastic(
            &residuals::stochasticity(c),
            c.row_sum_bound(),
            c.n_states,
            tol,
        )
    }
    pub fn invariance(c: &ExactChain, tol: &Tolerances) -> Verdict {
        let l1 = residuals::invariance_l1(c);
        ck::check_invariance(l1, c.invariance_bound(), c.pi_source, c.n_states, tol)
    }
    pub fn detailed_balance(c: &ExactChain, tol: &Tolerances) -> (Verdict, Verdict) {
        let d = residuals::detailed_balance(c);
        ck::check_detailed_balance(&d, c.flow_rel_bound(), c.n_states, tol)
    }
    pub fn self_adjoint(c: &ExactChain, tol: &Tolerances) -> Verdict {
        ck::check_self_adjoint(residuals::self_adjointness(c), c.n_states, tol)
    }
}

/// The bytes of a version-1 `.npy` file of `shape` holding `values` as `descr` (`<f8`, `<f4` or
/// `<i8`), for tests that write inputs the way NumPy does.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn npy(shape: &[usize], values: &[f64], descr: &str) -> Vec<u8> {
    let inner = shape
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
        + if shape.len() == 1 { "," } else { "" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({inner}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    for v in values {
        match descr {
            "<f4" => out.extend((*v as f32).to_le_bytes()),
            "<f2" => out.extend(half::f16::from_f64(*v).to_le_bytes()),
            "<i8" => out.extend((*v as i64).to_le_bytes()),
            "|u1" => out.push(*v as u8),
            "|b1" => out.push(u8::from(*v != 0.0)),
            _ => out.extend(v.to_le_bytes()),
        }
    }
    out
}

/// Rounds every decimal number in a text report (a token with a `.` or an exponent, not part of a
/// name such as `x0x1`) to 3 significant digits, as [`round_json`] does for JSON numbers, so a text
/// snapshot pins what a reader compares and not the last bits.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn round_text(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let starts = c[i].is_ascii_digit()
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_' || c[i - 1] == '.'));
        if !starts {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < c.len() && c[j].is_ascii_digit() {
            j += 1;
        }
        let mut decimal = false;
        if j + 1 < c.len() && c[j] == '.' && c[j + 1].is_ascii_digit() {
            decimal = true;
            j += 1;
            while j < c.len() && c[j].is_ascii_digit() {
                j += 1;
            }
        }
        if j + 1 < c.len() && c[j] == 'e' {
            let k = if c[j + 1] == '-' || c[j + 1] == '+' {
                j + 2
            } else {
                j + 1
            };
            if k < c.len() && c[k].is_ascii_digit() {
                decimal = true;
                j = k;
                while j < c.len() && c[j].is_ascii_digit() {
                    j += 1;
                }
            }
        }
        let token: String = c[i..j].iter().collect();
        // `0.1.0` (a version) and `x1e` are names, not numbers.
        let followed_by_name = j < c.len()
            && (c[j].is_alphabetic()
                || c[j] == '_'
                || (c[j] == '.' && c.get(j + 1).is_some_and(char::is_ascii_digit)));
        match token.parse::<f64>() {
            Ok(x) if decimal && !followed_by_name && x != 0.0 => out += &format!("{x:.2e}"),
            _ => out += &token,
        }
        i = j;
    }
    out
}
