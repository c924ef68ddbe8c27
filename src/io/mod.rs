//! Reading data files: `.npy` arrays (here) and trajectory files ([`trace`]); writing reports ([`output`]). Arrays are read
//! defensively: the header's shape is checked against the file's length
//! *before* anything is allocated, so a truncated or absurd file is an error naming the file, never an
//! allocation failure or a panic.

use std::path::Path;

pub mod output;
pub mod trace;

use ndarray::ArrayD;
use ndarray_npy::ReadNpyExt;

use crate::error::{Error, Result};

/// Largest array accepted, in elements (2^31 ≈ 16 GiB of float64 — more than this machine class holds).
pub const MAX_ELEMENTS: usize = 1 << 31;

/// The bytes of a regular file of at most `cap` bytes. A device (`/dev/zero`), a FIFO or a folder
/// is refused before it is opened (opening a FIFO would block, reading a device never ends), and the
/// read stops at `cap + 1` bytes whatever the file's metadata said.
///
/// # Errors
///
/// An [`std::io::Error`] of kind `InvalidInput` for a file that is not regular, `InvalidData` for
/// one longer than `cap`, and the errors of opening and reading.
pub fn read_regular(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error as IoError, ErrorKind, Read};
    if !std::fs::metadata(path)?.is_file() {
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            "not a regular file (a device, a FIFO or a folder): refusing to read it",
        ));
    }
    let f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut buf = Vec::with_capacity(len.min(cap) as usize);
    f.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(IoError::new(
            ErrorKind::InvalidData,
            format!("longer than the limit of {cap} bytes"),
        ));
    }
    Ok(buf)
}

/// [`read_regular`] as UTF-8 text.
///
/// # Errors
///
/// Those of [`read_regular`], and `InvalidData` when the bytes are not UTF-8.
pub fn read_regular_text(path: &Path, cap: u64) -> std::io::Result<String> {
    String::from_utf8(read_regular(path, cap)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {e}"),
        )
    })
}

/// The largest `.npy` file read: [`MAX_ELEMENTS`] of 8 bytes plus a header.
pub const MAX_NPY_BYTES: u64 = (MAX_ELEMENTS as u64) * 8 + (1 << 16);

/// An array read from `.npy`, converted to f64, row-major (C order).
#[derive(Clone, Debug)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
    /// The file's dtype descriptor, e.g. `<f8`.
    pub dtype: String,
}

impl Array {
    /// The unit roundoff of the file's storage format: `2^-24` for float32, `2^-11` for float16, 0
    /// for float64 (the precision every computation runs at, so nothing is lost) and for integers
    /// and bools (stored exactly).
    pub fn unit_roundoff(&self) -> f64 {
        unit_roundoff(&self.dtype)
    }

    /// How the values were converted to float64, in words (for reports).
    pub fn conversion(&self) -> String {
        let bare = self.dtype.trim_start_matches(['<', '>', '|', '=']);
        let what = match bare {
            "f8" => return "float64, read as is".into(),
            "f4" => "float32",
            "f2" => "float16",
            "b1" => "bool (false = 0, true = 1)",
            d if d.starts_with('i') => "signed integers",
            _ => "unsigned integers",
        };
        let u = self.unit_roundoff();
        if u > 0.0 {
            format!(
                "{what} ({}), widened exactly to float64; each entry carries the format's rounding, unit roundoff 2^{}",
                self.dtype,
                u.log2()
            )
        } else {
            format!("{what} ({}), converted exactly to float64", self.dtype)
        }
    }
}

/// [`Array::unit_roundoff`] of a dtype descriptor.
pub fn unit_roundoff(descr: &str) -> f64 {
    match descr.trim_start_matches(['<', '>', '|', '=']) {
        "f4" => f64::from(f32::EPSILON) / 2.0,
        "f2" => 2f64.powi(-11),
        _ => 0.0,
    }
}

fn npy_err(file: &str, message: impl Into<String>) -> Error {
    Error::Npy {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Parses the header of an in-memory `.npy`: (descr, fortran_order, shape, data offset).
///
/// # Errors
///
/// [`Error::Npy`] naming `file`: no `\x93NUMPY` magic (empty, truncated or another format), an
/// unsupported format version, a truncated or non-UTF-8 header, a header without `descr` or
/// `shape`, or a shape entry that is not an integer.
pub fn parse_header(bytes: &[u8], file: &str) -> Result<(String, bool, Vec<usize>, usize)> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(npy_err(
            file,
            "missing the \\x93NUMPY magic (empty, truncated or not an .npy file)",
        ));
    }
    let major = bytes[6];
    let (hlen, start): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(npy_err(file, "truncated header"));
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(npy_err(file, format!("unsupported format version {v}"))),
    };
    let end = start
        .checked_add(hlen)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| npy_err(file, "truncated header"))?;
    let header =
        std::str::from_utf8(&bytes[start..end]).map_err(|_| npy_err(file, "header is not text"))?;
    // A supported header is one flat dict ('descr', 'fortran_order', 'shape' with a tuple); anything
    // nested is refused here, before the dict parser (which backtracks exponentially on nested
    // braces: a 137-byte header took 3 s, found by the trace fuzz target).
    let count = |c: char| header.chars().filter(|&h| h == c).count();
    if count('{') != 1 || count('}') != 1 || count('[') != 0 || count('(') > 1 {
        return Err(npy_err(
            file,
            "header is not one flat dict of 'descr', 'fortran_order' and 'shape' (nested or structured headers are not supported)",
        ));
    }
    let field = |key: &str| -> Option<&str> {
        let k = header.find(&format!("'{key}'"))?;
        Some(
            header[k + key.len() + 2..]
                .trim_start()
                .trim_start_matches(':')
                .trim_start(),
        )
    };
    let descr = field("descr")
        .and_then(|s| s.strip_prefix('\'').and_then(|s| s.split('\'').next()))
        .ok_or_else(|| npy_err(file, "header has no 'descr'"))?
        .to_string();
    let fortran = field("fortran_order")
        .map(|s| s.starts_with("True"))
        .unwrap_or(false);
    let shape_src = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| npy_err(file, "header has no 'shape'"))?;
    let mut shape = Vec::new();
    for part in shape_src
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        shape.push(
            part.parse::<usize>()
                .map_err(|_| npy_err(file, format!("bad shape entry `{part}`")))?,
        );
    }
    Ok((descr, fortran, shape, end))
}

fn item_size(descr: &str) -> Option<usize> {
    let d = descr.trim_start_matches(['<', '>', '|', '=']);
    match d {
        "f8" | "i8" | "u8" => Some(8),
        "f4" | "i4" | "u4" => Some(4),
        "f2" | "i2" | "u2" => Some(2),
        "i1" | "u1" | "b1" => Some(1),
        _ => None,
    }
}

/// Reads any numeric `.npy` (float64/32/16, signed/unsigned integers, bool) as f64 (every conversion
/// is exact: each of these values is a float64), with the size checks
/// described in the module docs. `allowed` restricts dtypes (e.g. `&["f8"]`); empty allows all.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, and the errors of [`read_npy_bytes`].
pub fn read_npy(path: &Path, allowed: &[&str]) -> Result<Array> {
    let file = path.display().to_string();
    let bytes = read_regular(path, MAX_NPY_BYTES).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    read_npy_bytes(&bytes, &file, allowed)
}

/// As [`read_npy`], from bytes already in memory (the fuzz entry point).
///
/// # Errors
///
/// [`Error::Npy`] naming `file`: the header errors of [`parse_header`], an unsupported dtype or one
/// outside `allowed`, a shape of more than [`MAX_ELEMENTS`] elements, fewer data bytes than the
/// shape needs, or a failure of the `.npy` decoder itself.
pub fn read_npy_bytes(bytes: &[u8], file: &str, allowed: &[&str]) -> Result<Array> {
    let (descr, fortran, shape, offset) = parse_header(bytes, file)?;
    let size =
        item_size(&descr).ok_or_else(|| npy_err(file, format!("unsupported dtype `{descr}`")))?;
    let bare = descr.trim_start_matches(['<', '>', '|', '=']);
    if !allowed.is_empty() && !allowed.contains(&bare) {
        return Err(npy_err(
            file,
            format!(
                "dtype `{descr}` is not accepted here (expected {})",
                allowed.join(" or ")
            ),
        ));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&c| c <= MAX_ELEMENTS)
        .ok_or_else(|| {
            npy_err(
                file,
                format!("shape {shape:?} is absurdly large (limit {MAX_ELEMENTS} elements)"),
            )
        })?;
    let need = count * size;
    let have = bytes.len() - offset;
    if have < need {
        return Err(npy_err(
            file,
            format!("truncated: shape {shape:?} needs {need} data bytes, file has {have}"),
        ));
    }
    let read = |e: ndarray_npy::ReadNpyError| npy_err(file, e.to_string());
    let arr: ArrayD<f64> = match bare {
        "f8" => ArrayD::<f64>::read_npy(bytes).map_err(read)?,
        "f4" => ArrayD::<f32>::read_npy(bytes)
            .map_err(read)?
            .mapv(f64::from),
        "i8" => ArrayD::<i64>::read_npy(bytes)
            .map_err(read)?
            .mapv(|v| v as f64),
        "i4" => ArrayD::<i32>::read_npy(bytes)
            .map_err(read)?
            .mapv(f64::from),
        "i2" => ArrayD::<i16>::read_npy(bytes)
            .map_err(read)?
            .mapv(f64::from),
        "i1" => ArrayD::<i8>::read_npy(bytes).map_err(read)?.mapv(f64::from),
        "u8" => ArrayD::<u64>::read_npy(bytes)
            .map_err(read)?
            .mapv(|v| v as f64),
        "u4" => ArrayD::<u32>::read_npy(bytes)
            .map_err(read)?
            .mapv(f64::from),
        "u2" => ArrayD::<u16>::read_npy(bytes)
            .map_err(read)?
            .mapv(f64::from),
        "u1" => ArrayD::<u8>::read_npy(bytes).map_err(read)?.mapv(f64::from),
        "b1" => ArrayD::<bool>::read_npy(bytes)
            .map_err(read)?
            .mapv(|b| if b { 1.0 } else { 0.0 }),
        "f2" => {
            // ndarray-npy has no float16: read the same bytes as u16 (a header with `f2` spelled `u2`,
            // the same length, so the data offset and byte order are unchanged) and widen each bit
            // pattern exactly. Only the header is copied; the data are read in place.
            use std::io::Read;
            let mut header = bytes[..offset].to_vec();
            let d = descr.as_bytes();
            let at = header
                .windows(d.len())
                .position(|w| w == d)
                .ok_or_else(|| npy_err(file, "float16 descriptor not found in the header"))?;
            header[at + d.len() - 2] = b'u';
            ArrayD::<u16>::read_npy(header.as_slice().chain(&bytes[offset..]))
                .map_err(read)?
                .mapv(|b| half::f16::from_bits(b).to_f64())
        }
        _ => return Err(npy_err(file, format!("unsupported dtype `{descr}`"))),
    };
    let _ = fortran; // ndarray-npy honours fortran_order; iter() below is logical (row-major) order.
    let shape = arr.shape().to_vec();
    let data = arr.iter().copied().collect();
    Ok(Array {
        shape,
        data,
        dtype: descr,
    })
}
