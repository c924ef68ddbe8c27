"""thrml peer of the fast engine's sweep (issue 16 item 2): the same 60x60 degree-12 torus (nearest
neighbours + knight moves, random +-0.5 couplings, beta = 0.5, no fields) sampled by thrml's own
4-colour block Gibbs sweep (blocks (x mod 2, y mod 2), visited in order: a systematic sweep), with the
chains vmapped and the whole run jit-compiled on JAX CPU. Compile time is measured apart (the first
call of the compiled function minus the second); the figure is the second call.

Then runs mcmc-audit's engine on the same graph with the same chains and sweeps
(`cargo run --release --example torus_sweeps`, from benches/) and prints both and the ratio.

Run (from the repository root, in a venv with thrml: pip install thrml==0.1.4 jax==0.10.2):
    python benches/peers/gibbs_thrml.py [chains] [sweeps]
"""
import json
import os
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import thrml
from thrml import Block, SamplingSchedule, SpinNode, sample_states
from thrml.models import IsingEBM, IsingSamplingProgram

L, BETA = 60, 0.5
FWD = [(1, 0), (0, 1), (2, 1), (2, -1), (1, 2), (1, -2)]


def torus(seed=0):
    rng = np.random.default_rng(seed)
    nodes = [SpinNode() for _ in range(L * L)]
    edges, weights = [], []
    for i in range(L * L):
        x, y = i % L, i // L
        for dx, dy in FWD:
            j = ((y + dy) % L) * L + (x + dx) % L
            edges.append((nodes[i], nodes[j]))
            weights.append(0.5 if rng.random() < 0.5 else -0.5)
    ebm = IsingEBM(nodes, edges, jnp.zeros(L * L), jnp.asarray(weights, dtype=jnp.float32), jnp.asarray(BETA))
    colour = [2 * ((i // L) % 2) + (i % L) % 2 for i in range(L * L)]
    blocks = [Block([nodes[i] for i in range(L * L) if colour[i] == c]) for c in range(4)]
    return ebm, blocks


def main():
    chains = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    sweeps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    ebm, blocks = torus()
    program = IsingSamplingProgram(ebm, blocks, [])
    gs = program.gibbs_spec
    schedule = SamplingSchedule(n_warmup=sweeps, n_samples=1, steps_per_sample=1)
    rng = np.random.default_rng(1)
    init = tuple(jnp.asarray(rng.integers(0, 2, (chains, len(b.nodes))).astype(bool)) for b in gs.free_blocks)
    keys = jax.random.split(jax.random.key(0), chains)
    run = jax.jit(jax.vmap(lambda k, s: sample_states(k, program, schedule, list(s), [], gs.free_blocks)))
    t0 = time.perf_counter()
    jax.block_until_ready(run(keys, init))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(run(jax.random.split(jax.random.key(1), chains), init))
    secs = time.perf_counter() - t0
    ups = chains * L * L * sweeps / secs
    peer = {
        "engine": f"thrml {thrml.__version__} on JAX {jax.__version__} CPU, 4-block systematic, vmapped chains, jit",
        "chains": chains,
        "sweeps": sweeps,
        "seconds": secs,
        "compile_seconds": first - secs,
        "updates_per_second": ups,
    }
    print(json.dumps(peer))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        ["cargo", "run", "--release", "--quiet", "--example", "torus_sweeps", "--", str(chains), str(sweeps), "systematic"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(ours))
    print(f"ratio mcmc-audit / thrml: {ours['updates_per_second'] / ups:.2f}x")


if __name__ == "__main__":
    main()
