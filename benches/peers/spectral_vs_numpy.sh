#!/usr/bin/env bash
# Issue #3 peer comparison, both measured in one run on the same machine and interleaved round by
# round (so load drift hits both): T_O and Q_struct⊥ for the 66 pair observables of Curie–Weiss
# N = 12 (4096 states), β = 1, random-scan heat bath, from P (chain construction untimed).
#   rust:  benches/examples/spectral_t_o.rs (the code criterion times in benches/spectral.rs)
#   numpy: benches/peers/spectral_numpy.py
# Each side does one untimed warm-up, then REPS timed repeats (best and median printed).
# The peer venv needs numpy, scipy, threadpoolctl.
# Usage (from the repository root): PY=/path/to/venv/bin/python ROUNDS=3 REPS=3 ROUTE=blocked \
#        bash benches/peers/spectral_vs_numpy.sh        (ROUTE: blocked | unblocked | both)
set -euo pipefail
PY=${PY:-python3}
ROUNDS=${ROUNDS:-3}
REPS=${REPS:-3}
ROUTE=${ROUTE:-both}
(cd benches && cargo build --release -q --example spectral_t_o)
"$PY" - <<'PYEOF'
import numpy, scipy
from threadpoolctl import threadpool_info
libs = ", ".join(f"{i['internal_api']} {i.get('version')} {i['num_threads']} threads ({i.get('architecture')})"
                 for i in threadpool_info())
print(f"peer: numpy {numpy.__version__}, scipy {scipy.__version__} [{libs}]")
PYEOF
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)"
for i in $(seq "$ROUNDS"); do
  echo "round $i"
  benches/target/release/examples/spectral_t_o "$REPS" "$ROUTE"
  "$PY" benches/peers/spectral_numpy.py "$REPS" "$ROUTE" | grep -v '^numpy '
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
