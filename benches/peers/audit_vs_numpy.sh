#!/usr/bin/env bash
# Issue #2 peer comparison, both measured in one run on the same machine:
#   (a) the full exact audit of Curie–Weiss N = 12, random-scan Gibbs (mcmc-audit release binary, wall time)
#   (b) NumPy's eigh alone on the same symmetrized 4096×4096 matrix (exported by mcmc-audit).
# Usage: PY=/path/to/venv/bin/python benches/peers/audit_vs_numpy.sh   (from the repository root)
#        N=13 ... for issue 16 item 4 (8192 states; the default N = 12 is issue #2's case)
set -euo pipefail
PY=${PY:-python3}
REPS=${REPS:-3}
N=${N:-12}
work=$(mktemp -d)
cargo build --release -q
(cd benches && cargo build --release -q --example export_symmetrized)
benches/target/release/examples/export_symmetrized "$N" 1.0 "$work/S.npy"
printf '[model]\nfamily = "curie-weiss"\nn = %s\nbeta = 1.0\n' "$N" > "$work/cw.toml"
for i in $(seq "$REPS"); do
  s=$(date +%s.%N); /usr/bin/time -f "%M" -o "$work/rss" ./target/release/mcmc-audit audit "$work/cw.toml" > /dev/null || true; e=$(date +%s.%N)
  echo "mcmc-audit full audit: $(echo "$e - $s" | bc) s, peak RSS $(cat "$work/rss") kB"
  "$PY" - "$work/S.npy" <<'PYEOF'
import sys, time, numpy as np
from threadpoolctl import threadpool_info
S = np.load(sys.argv[1])
t = time.perf_counter(); np.linalg.eigh(S); dt = time.perf_counter() - t
libs = ", ".join(f"{i['internal_api']} {i.get('version')} {i['num_threads']} threads ({i.get('architecture')})" for i in threadpool_info())
print(f"numpy {np.__version__} eigh {S.shape[0]}: {dt:.3f} s  [{libs}]")
PYEOF
done
rm -rf "$work"
