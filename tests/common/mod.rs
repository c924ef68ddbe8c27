//! Helpers shared by the integration tests (each test crate includes this with `mod common;`).

use serde_json::Value;

/// Rounds every non-integer JSON number to 3 significant digits and replaces run-dependent strings
/// (`version`, and `file` when `mask_file`) by placeholders, so a snapshot pins the report's values
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
            if mask_file && o.contains_key("file") {
                o.insert("file".into(), Value::String("[file]".into()));
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
