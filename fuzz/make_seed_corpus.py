"""Writes the seed corpus for the fuzz targets (no third-party packages needed).
Run from the repository root: python3 fuzz/make_seed_corpus.py"""
import math, os, struct

def npy(shape, values, descr="<f8", fmt="d", declared=None):
    shp = declared if declared is not None else shape
    inner = "(" + ", ".join(str(s) for s in shp) + ("," if len(shp) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, inner)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"".join(struct.pack("<" + fmt, v) for v in values)

d = "fuzz/corpus/npy_matrix"
os.makedirs(d, exist_ok=True)
cases = {
    "ok_2x2": npy((2, 2), [0.9, 0.1, 0.2, 0.8]),
    "ok_cycle4": npy((4, 4), [0, .5, 0, .5, .5, 0, .5, 0, 0, .5, 0, .5, .5, 0, .5, 0]),
    "reducible": npy((2, 2), [1.0, 0.0, 0.0, 1.0]),
    "nan": npy((2, 2), [math.nan, 1.0, 0.5, 0.5]),
    "inf": npy((2, 2), [math.inf, 0.0, 0.5, 0.5]),
    "negative": npy((2, 2), [1.5, -0.5, 0.5, 0.5]),
    "not_square": npy((2, 3), [0.5, 0.5, 0, 0.5, 0.5, 0]),
    "f4": npy((2, 2), [0.5, 0.5, 0.5, 0.5], descr="<f4", fmt="f"),
    "truncated": npy((4, 4), [0.25] * 5),
    "absurd_shape": npy((2, 2), [0.5] * 4, declared=(10**9, 10**9)),
    "overflow_shape": npy((2, 2), [0.5] * 4, declared=(2**40, 2**40)),
    "empty": b"",
    "magic_only": b"\x93NUMPY",
    "not_stochastic": npy((2, 2), [0.5, 0.6, 0.5, 0.5]),
    "three_d": npy((1, 2, 2), [0.5] * 4),
}
for name, data in cases.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

d = "fuzz/corpus/spec"
os.makedirs(d, exist_ok=True)
specs = {
    "curie_weiss": '[model]\nfamily = "curie-weiss"\nn = 4\nbeta = 1.0\n',
    "ising": '[model]\nfamily = "ising"\nn = 3\ncouplings = [[0, 1, 0.5], [1, 2, -1.0]]\nfields = [0.1, 0.0, -0.2]\n',
    "bad_coupling_index": '[model]\nfamily = "ising"\nn = 3\ncouplings = [[0, 7, 0.5]]\n',
    "fractional_index": '[model]\nfamily = "ising"\nn = 3\ncouplings = [[0.5, 1, 0.5]]\n',
    "unknown_key": '[model]\nfamily = "sk"\nn = 4\nbogus = 1\n',
    "huge_n": '[model]\nfamily = "sk"\nn = 18446744073709551615\n',
    "nan_beta": '[model]\nfamily = "sk"\nn = 4\nbeta = nan\n',
    "rbm_odd": '[model]\nfamily = "rbm"\nn = 5\n',
    "blocks": '[model]\nfamily = "hopfield"\nn = 4\npatterns = 0\n[kernel]\nblocks = [[0, 1], [1, 2]]\n',
    "not_toml": "[[[ this is not toml",
    "checks": '[model]\nfamily = "sk"\nn = 4\n[checks]\nonly = ["A9"]\n[checks.tolerance]\nA2 = -1.0\n',
}
for name, text in specs.items():
    with open(os.path.join(d, name), "w") as f:
        f.write(text)

# trace: the first byte picks the layout (0 .npy, 1 .npz, 2 .csv), the rest is the file.
import io, zipfile, warnings
d = "fuzz/corpus/trace"
os.makedirs(d, exist_ok=True)
def npz(members):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are a case
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                z.writestr(name, data)
    return buf.getvalue()
x = npy((2, 8), [0.1 * i for i in range(16)])
y = npy((2, 8), [math.sin(i) for i in range(16)])
traces = {
    "npy_2x8": b"\x00" + x,
    "npy_3d": b"\x00" + npy((2, 4, 2), [float(i % 5) for i in range(16)]),
    "npy_1d": b"\x00" + npy((8,), [1.0] * 8),
    "npy_nan": b"\x00" + npy((2, 4), [1.0, math.nan, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0]),
    "npy_f4": b"\x00" + npy((2, 4), [0.5] * 8, descr="<f4", fmt="f"),
    "npy_truncated": b"\x00" + npy((2, 8), [0.5] * 3),
    "npz_two": b"\x01" + npz([("x.npy", x), ("y.npy", y)]),
    "npz_dup": b"\x01" + npz([("x.npy", x), ("x.npy", x)]),
    "npz_stem": b"\x01" + npz([("x.npy", x), ("x", x)]),
    "npz_3d_member": b"\x01" + npz([("x.npy", npy((1, 2, 2), [0.5] * 4))]),
    "npz_not_zip": b"\x01PK\x03\x04garbage",
    "csv_chains": b"\x02chain,x,y\n0,1,2\n0,2,3\n0,3,1\n1,1,1\n1,2,2\n1,0,3\n",
    "csv_bom": b"\x02\xef\xbb\xbfchain,x\n0,1\n0,2\n1,1\n1,3\n",
    "csv_pandas": b"\x02,chain,draw,x\n0,0,0,1\n1,0,1,2\n2,1,0,3\n3,1,1,1\n",
    "csv_ragged": b"\x02chain,x\n0,1\n1,2\n1,3\n",
    "csv_na": b"\x02x,y\nNA,1\n2,nan\n3,4\n",
    "csv_empty": b"\x02",
    "empty": b"",
}
for name, data in traces.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
