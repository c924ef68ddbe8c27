//! Reading trajectories for `mcmc-audit trace` (docs/cli.md):
//!
//! - `.npy`: shape `(chains, draws)` (one variable, named `x`) or `(chains, draws, variables)`
//!   (named `x0, x1, …`); any numeric dtype `io::read_npy` accepts.
//! - `.npz`: one array per named variable, each `(chains, draws)`; every member goes through the same
//!   defensive `.npy` reader (shape checked against the bytes before anything is allocated).
//! - `.csv`: a header row of variable names, one row per draw; a column named `chain` (any labels)
//!   assigns rows to chains in order of first appearance, and every chain must have as many rows. A
//!   leading UTF-8 byte-order mark is skipped; a `draw` or `iteration` column and an unnamed first
//!   column (pandas' row index) are labels, not variables.
//!
//! Every error names the file and the variable, member, row or column.

use std::io::Read;
use std::path::Path;

use super::{Array, MAX_ELEMENTS, MAX_NPY_BYTES, parse_header, read_npy, read_npy_bytes};
use crate::diagnostics::Draws;
use crate::error::{Error, Result};

/// A named variable's draws.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub draws: Draws,
}

/// Reads a trajectory file, dispatching on the extension.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Npy`] and [`Error::Shape`] from the `.npy`
/// and `.npz` readers ([`from_npy`]); the [`Error::Field`] errors of [`parse_csv`]; and
/// [`Error::Field`] for an extension other than `.npy`, `.npz` or `.csv`, or a file that holds no
/// variable.
pub fn read_trace(path: &Path) -> Result<Vec<Variable>> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let vars = match ext.as_deref() {
        Some("npy") => match npy_f8_direct(path, &file) {
            Some(vars) => vars?,
            None => from_npy(read_npy(path, &[])?, &file)?,
        },
        Some("npz") => read_npz(path, &file)?,
        Some("csv") => {
            let text = super::read_regular_text(path, MAX_CSV_BYTES).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
            parse_csv(&text, &file)?
        }
        _ => {
            return Err(Error::field(
                &file,
                "extension",
                "unknown trajectory format (expected .npy, .npz or .csv)",
            ));
        }
    };
    if vars.is_empty() {
        return Err(Error::field(
            &file,
            "variables",
            "the file holds no variable",
        ));
    }
    Ok(vars)
}

/// The common `.npy` that NumPy writes for a trace (little-endian float64, C order, shape `(chains,
/// draws)` or `(chains, draws, variables)` with none zero, exactly header + data bytes, within
/// [`MAX_NPY_BYTES`]) read straight into the variables' chain-major buffers: the file is streamed in
/// blocks and never held whole, so the memory is that of the draws alone (not the bytes, an array
/// and the variables at once). The values are the same bits (`f64::from_le_bytes`). `None` for any
/// other file: [`read_npy`] then reads it, and reports its errors.
fn npy_f8_direct(path: &Path, file: &str) -> Option<Result<Vec<Variable>>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_NPY_BYTES {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut head = Vec::with_capacity(1 << 16);
    (&mut f).take(1 << 16).read_to_end(&mut head).ok()?;
    let (descr, fortran, shape, offset) = parse_header(&head, file).ok()?;
    let text = String::from_utf8_lossy(&head[..offset]);
    if descr != "<f8"
        || fortran
        || !text.contains("'fortran_order': False")
        || !text.contains("'descr': '<f8'")
    {
        return None;
    }
    let (m, n, k) = match *shape.as_slice() {
        [m, n] => (m, n, 1),
        [m, n, k] => (m, n, k),
        _ => return None,
    };
    let count = m.checked_mul(n)?.checked_mul(k)?;
    if m == 0 || n == 0 || k == 0 || count > MAX_ELEMENTS {
        return None;
    }
    if meta.len() != (offset as u64).checked_add((count as u64).checked_mul(8)?)? {
        return None;
    }
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut data: Vec<Vec<f64>> = (0..k).map(|_| Vec::with_capacity(m * n)).collect();
    // The bytes after the header already read, then the rest in blocks of whole rows.
    let mut pending: Vec<u8> = head[offset..].to_vec();
    let row = 8 * k;
    let block = row * ((1 << 20) / row).max(1);
    let mut buf = vec![0u8; block];
    let mut left = count * 8 - pending.len();
    loop {
        let whole = pending.len() / row * row;
        for r in pending[..whole].chunks_exact(row) {
            for (v, b) in data.iter_mut().zip(r.chunks_exact(8)) {
                let bytes: [u8; 8] = b.try_into().unwrap_or([0; 8]);
                v.push(f64::from_le_bytes(bytes));
            }
        }
        pending.drain(..whole);
        if left == 0 {
            break;
        }
        let want = block.min(left);
        if let Err(e) = f.read_exact(&mut buf[..want]) {
            return Some(Err(io(e)));
        }
        left -= want;
        pending.extend_from_slice(&buf[..want]);
    }
    let names: Vec<String> = if shape.len() == 2 {
        vec!["x".into()]
    } else {
        (0..k).map(|v| format!("x{v}")).collect()
    };
    Some(Ok(names
        .into_iter()
        .zip(data)
        .map(|(name, data)| Variable {
            name,
            draws: Draws {
                chains: m,
                draws: n,
                data,
            },
        })
        .collect()))
}

fn shape_err(file: &str, field: &str, found: &[usize], expected: &str) -> Error {
    Error::Shape {
        file: file.to_string(),
        field: field.to_string(),
        found: found.to_vec(),
        expected: expected.to_string(),
    }
}

/// Variables from one `.npy` array (a `(chains, draws)` array's data are moved, not copied).
///
/// # Errors
///
/// As [`from_view`].
pub fn from_npy(a: Array, file: &str) -> Result<Vec<Variable>> {
    if let &[m, n] = a.shape.as_slice() {
        nonempty(file, "x", m, n, &a.shape)?;
        return Ok(vec![Variable {
            name: "x".into(),
            draws: Draws::new(m, n, a.data)?,
        }]);
    }
    from_view(&a.shape, &a.data, file)
}

/// Variables from a row-major array held elsewhere (a NumPy array's memory, read in place by the
/// Python package): `(chains, draws)` is the variable `x`, `(chains, draws, variables)` the variables
/// `x0, x1, …`. The data are copied once, into the chain-major layout of [`Draws`].
///
/// # Errors
///
/// [`Error::Shape`] naming `file` unless the shape is `(chains, draws)` or `(chains, draws,
/// variables)` with at least one chain, draw and variable; [`Error::Mismatch`] when `data` does not
/// fill the shape.
///
/// # Examples
///
/// ```
/// use mcmc_audit::io::trace::from_view;
///
/// // 2 chains × 3 draws × 2 variables, row-major.
/// let data = [0.0, 10.0, 1.0, 11.0, 2.0, 12.0, 3.0, 13.0, 4.0, 14.0, 5.0, 15.0];
/// let vars = from_view(&[2, 3, 2], &data, "draws")?;
/// assert_eq!((vars[0].name.as_str(), vars[1].name.as_str()), ("x0", "x1"));
/// assert_eq!(vars[1].draws.data, vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
/// assert!(from_view(&[2, 0], &[], "draws").is_err());
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn from_view(shape: &[usize], data: &[f64], file: &str) -> Result<Vec<Variable>> {
    match *shape {
        [m, n] => {
            nonempty(file, "x", m, n, shape)?;
            Ok(vec![Variable {
                name: "x".into(),
                draws: Draws::new(m, n, data.to_vec())?,
            }])
        }
        [m, n, k] => {
            nonempty(file, "x", m, n, shape)?;
            if k == 0 {
                return Err(shape_err(file, "x", shape, "at least one variable"));
            }
            if m.checked_mul(n).and_then(|c| c.checked_mul(k)) != Some(data.len()) {
                return Err(shape_err(file, "x", shape, "data filling the shape"));
            }
            Ok((0..k)
                .map(|v| {
                    let data = (0..m * n).map(|i| data[i * k + v]).collect();
                    Variable {
                        name: format!("x{v}"),
                        draws: Draws {
                            chains: m,
                            draws: n,
                            data,
                        },
                    }
                })
                .collect())
        }
        _ => Err(shape_err(
            file,
            "x",
            shape,
            "(chains, draws) or (chains, draws, variables)",
        )),
    }
}

fn nonempty(file: &str, field: &str, m: usize, n: usize, shape: &[usize]) -> Result<()> {
    if m == 0 || n == 0 {
        return Err(shape_err(
            file,
            field,
            shape,
            "at least one chain and one draw",
        ));
    }
    Ok(())
}

/// The most uncompressed bytes the members of one `.npz` may declare together (4 GiB: the sampled
/// audit's trace budget, `pipeline::budget`).
pub const MAX_NPZ_BYTES: u64 = 4 << 30;

/// A member that declares more than this many uncompressed bytes (256 MiB) at a compression ratio
/// above [`BOMB_RATIO`] is refused as a zip bomb.
pub const BOMB_FLOOR: u64 = 256 << 20;
/// The largest compression ratio of a large member: a sampler's floating-point draws deflate by a
/// small factor; a ratio of 64 means (nearly) constant data or a bomb.
pub const BOMB_RATIO: u64 = 64;

/// The largest `.csv` trajectory read (about [`MAX_ELEMENTS`] cells of 16 characters).
pub const MAX_CSV_BYTES: u64 = (MAX_ELEMENTS as u64) * 16;

fn read_npz(path: &Path, file: &str) -> Result<Vec<Variable>> {
    let regular = std::fs::metadata(path).map(|m| m.is_file());
    if let Ok(false) = regular {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file (a device, a FIFO or a folder): refusing to read it",
            ),
        });
    }
    let f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    read_npz_from(f, file)
}

/// The `.npz` reader of [`read_trace`], from any seekable source (a file, or bytes in memory: the fuzz entry point).
///
/// # Errors
///
/// [`Error::Npy`] naming `file` and the member: not a zip archive, a repeated member name, a member
/// inflating past its declared size, declared sizes over [`MAX_NPZ_BYTES`] or a zip bomb, and the
/// errors of the `.npy` reader; [`Error::Shape`] for a member that is not `(chains, draws)`.
pub fn read_npz_from<R: Read + std::io::Seek>(mut source: R, file: &str) -> Result<Vec<Variable>> {
    let npz = |m: String| Error::Npy {
        file: file.to_string(),
        message: m,
    };
    let declared = declared_entries(&mut source);
    let mut zip =
        zip::ZipArchive::new(source).map_err(|e| npz(format!("not a zip archive: {e}")))?;
    // The zip reader keeps one entry per name: fewer entries than the archive declares means a
    // repeated member name, whose other copies would be silently dropped.
    if let Some(d) = declared
        && d != zip.len()
    {
        return Err(npz(format!(
            "the archive lists {d} members but only {} distinct names: a member name is repeated",
            zip.len()
        )));
    }
    let mut out: Vec<Variable> = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| npz(format!("member {i}: {e}")))?;
        let raw = entry.name().to_string();
        let name = raw.strip_suffix(".npy").unwrap_or(&raw).to_string();
        if out.iter().any(|v| v.name == name) {
            return Err(npz(format!(
                "member `{raw}`: the variable `{name}` is already given by another member"
            )));
        }
        let label = format!("{file}[{name}]");
        // The member's declared uncompressed size bounds what is read (a member that inflates past
        // it is an error, not an allocation), and the declared sizes together stay within
        // MAX_NPZ_BYTES, checked before anything is inflated.
        let declared_size = entry.size();
        let packed = entry.compressed_size().max(1);
        if declared_size > BOMB_FLOOR && declared_size / packed > BOMB_RATIO {
            return Err(npz(format!(
                "member `{name}`: {packed} compressed bytes declare {declared_size} uncompressed \
                 (ratio {}, over {BOMB_RATIO}): refusing a zip bomb (sampled draws do not compress \
                 that well)",
                declared_size / packed
            )));
        }
        total = total.saturating_add(declared_size);
        if total > MAX_NPZ_BYTES {
            return Err(npz(format!(
                "member `{name}`: the members declare more than {MAX_NPZ_BYTES} bytes uncompressed; \
                 split the draws into smaller files"
            )));
        }
        let mut bytes = Vec::with_capacity(declared_size.min(1 << 26) as usize);
        (&mut entry)
            .take(declared_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| npz(format!("member `{name}`: {e}")))?;
        if bytes.len() as u64 > declared_size {
            return Err(npz(format!(
                "member `{name}`: inflates past its declared size of {declared_size} bytes"
            )));
        }
        let a = read_npy_bytes(&bytes, &label, &[])?;
        let (m, n) = match a.shape.as_slice() {
            &[m, n] => (m, n),
            s => return Err(shape_err(file, &name, s, "(chains, draws)")),
        };
        nonempty(file, &name, m, n, &a.shape)?;
        out.push(Variable {
            name,
            draws: Draws::new(m, n, a.data)?,
        });
    }
    Ok(out)
}

/// The member count an archive's end-of-central-directory record declares (`None` when the record
/// is not found or is a ZIP64 placeholder): read from the last 64 KiB + 22 bytes only.
fn declared_entries<R: Read + std::io::Seek>(f: &mut R) -> Option<usize> {
    use std::io::SeekFrom;
    let len = f.seek(SeekFrom::End(0)).ok()?;
    let tail = len.min(65_557);
    f.seek(SeekFrom::Start(len - tail)).ok()?;
    let mut buf = Vec::with_capacity(tail as usize);
    f.by_ref().take(tail).read_to_end(&mut buf).ok()?;
    f.seek(SeekFrom::Start(0)).ok()?;
    let at = buf
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x05, 0x06])?;
    let rec = buf.get(at..at + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != u16::MAX).then_some(usize::from(total))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s)
}

/// Parses the CSV layout described in the module docs.
///
/// # Errors
///
/// [`Error::Field`] naming `file` and the line or column: no header row, no variable column, an
/// empty or repeated column name, a row with the wrong number of cells, a cell that is not a number
/// (`NA`, `NaN` and `nan` read as NaN), no data rows, or chains of different lengths.
///
/// # Examples
///
/// ```
/// use mcmc_audit::io::trace::parse_csv;
///
/// let text = "chain,x,y\na,1,10\nb,2,20\na,3,30\nb,4,40\n";
/// let vars = parse_csv(text, "draws.csv")?;
/// assert_eq!(vars.len(), 2); // the `chain` column labels rows, it is not a variable
/// assert_eq!((vars[0].name.as_str(), vars[0].draws.chains, vars[0].draws.draws), ("x", 2, 2));
/// assert_eq!(vars[0].draws.data, [1.0, 3.0, 2.0, 4.0]); // chain-major: chain a, then chain b
///
/// assert!(parse_csv("chain,x\na,1\nb,2\nb,3\n", "ragged.csv").is_err());
/// # Ok::<(), mcmc_audit::Error>(())
/// ```
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<Variable>> {
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first column's name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| Error::field(file, "header", "empty file (expected a header row)"))?;
    let names: Vec<String> = header.split(',').map(|s| unquote(s).to_string()).collect();
    let chain_col = names.iter().position(|n| n == "chain");
    // Index columns are labels, not variables: `draw` (ArviZ's and pandas' draw index),
    // `iteration` (PyMC's and Stan-style exports) and an unnamed first column (the row index pandas'
    // `to_csv` writes).
    let is_index = |i: usize| {
        names[i] == "draw"
            || names[i] == "iteration"
            || (i == 0 && names[0].is_empty() && names.len() > 1)
    };
    let var_cols: Vec<usize> = (0..names.len())
        .filter(|&i| Some(i) != chain_col && !is_index(i))
        .collect();
    if var_cols.is_empty() {
        return Err(Error::field(file, "header", "no variable columns"));
    }
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() && !is_index(i) {
            return Err(Error::field(
                file,
                format!("header column {}", i + 1),
                "empty name",
            ));
        }
        if names[..i].contains(n) {
            return Err(Error::field(
                file,
                format!("header column {}", i + 1),
                format!("duplicate name `{n}`"),
            ));
        }
    }
    let mut labels: Vec<String> = Vec::new();
    // per chain, per variable column
    let mut cols: Vec<Vec<Vec<f64>>> = Vec::new();
    for (ln, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != names.len() {
            return Err(Error::field(
                file,
                format!("line {}", ln + 1),
                format!("{} cells, header has {}", cells.len(), names.len()),
            ));
        }
        let c = match chain_col {
            None => 0,
            Some(ci) => {
                let lab = unquote(cells[ci]).to_string();
                match labels.iter().position(|l| *l == lab) {
                    Some(p) => p,
                    None => {
                        labels.push(lab);
                        labels.len() - 1
                    }
                }
            }
        };
        if c == cols.len() {
            cols.push(vec![Vec::new(); var_cols.len()]);
        }
        for (v, &ci) in var_cols.iter().enumerate() {
            let s = unquote(cells[ci]);
            let x: f64 = match s {
                "NA" | "NaN" | "nan" => f64::NAN,
                _ => s.parse().map_err(|_| {
                    Error::field(
                        file,
                        format!("line {}, column `{}`", ln + 1, names[ci]),
                        format!("`{s}` is not a number"),
                    )
                })?,
            };
            cols[c][v].push(x);
        }
    }
    if cols.is_empty() {
        return Err(Error::field(file, "rows", "no data rows"));
    }
    let n = cols[0][0].len();
    for (c, ch) in cols.iter().enumerate() {
        if ch[0].len() != n {
            let lab = labels.get(c).cloned().unwrap_or_default();
            return Err(Error::field(
                file,
                "chain",
                format!(
                    "chain `{lab}` has {} draws, the first chain has {n}",
                    ch[0].len()
                ),
            ));
        }
    }
    let m = cols.len();
    Ok(var_cols
        .iter()
        .enumerate()
        .map(|(v, &ci)| {
            let mut data = Vec::with_capacity(m * n);
            for ch in &cols {
                data.extend_from_slice(&ch[v]);
            }
            Variable {
                name: names[ci].clone(),
                draws: Draws {
                    chains: m,
                    draws: n,
                    data,
                },
            }
        })
        .collect())
}
