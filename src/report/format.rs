//! Number formatting for the text renderers: fixed notation for values of ordinary size, scientific
//! otherwise, `null` for an undefined value (the JSON renderers print numbers as JSON numbers).

pub use crate::checks::verdict::json_num;

/// How a renderer prints a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Decimals in fixed notation.
    pub fixed: usize,
    /// Decimals of the mantissa in scientific notation.
    pub sci: usize,
    /// Fixed notation for `lo ≤ |x| < hi` (and for 0).
    pub lo: f64,
    pub hi: f64,
}

/// `audit` tables.
pub const AUDIT: Style = Style {
    fixed: 6,
    sci: 3,
    lo: 1e-3,
    hi: 1e6,
};

/// `trace` tables.
pub const TRACE: Style = Style {
    fixed: 4,
    sci: 3,
    lo: 1e-3,
    hi: 1e6,
};

/// `reproduce` tables.
pub const REPRODUCE: Style = Style {
    fixed: 3,
    sci: 2,
    lo: 1e-2,
    hi: 1e5,
};

/// `compare` tables.
pub const COMPARE: Style = Style {
    fixed: 4,
    sci: 2,
    lo: 1e-3,
    hi: 1e6,
};

/// `x` in `style`.
pub fn num(x: f64, style: Style) -> String {
    if x == 0.0 || (x.abs() >= style.lo && x.abs() < style.hi) {
        format!("{x:.*}", style.fixed)
    } else {
        format!("{x:.*e}", style.sci)
    }
}

/// `x` in `style`, or `null`.
pub fn opt(x: Option<f64>, style: Style) -> String {
    x.map_or_else(|| "null".into(), |v| num(v, style))
}
