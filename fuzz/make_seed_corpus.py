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
