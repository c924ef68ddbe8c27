"""A thrml Ising model from scratch to a verdict: the exact audit of the sweep thrml runs, then
thrml's own sampler judged against the exact law.  Run: python examples/python/audit_thrml.py"""

import jax.numpy as jnp
from thrml import Block, SpinNode
from thrml.models import IsingEBM, IsingSamplingProgram

import mcmc_audit.thrml as mt

# A 3 x 3 ferromagnetic grid at beta = 0.5, sampled by thrml's two-colour (checkerboard) sweep.
nodes = [SpinNode() for _ in range(9)]
edges = [(nodes[i], nodes[i + 1]) for i in range(9) if i % 3 < 2]
edges += [(nodes[i], nodes[i + 3]) for i in range(6)]
model = IsingEBM(nodes, edges, jnp.zeros(9), jnp.ones(len(edges)), jnp.asarray(0.5))
colours = [Block([nodes[i] for i in range(9) if (i // 3 + i % 3) % 2 == c]) for c in (0, 1)]
program = IsingSamplingProgram(model, colours, clamped_blocks=[])

audit = mt.audit_thrml(program, model=model, estimator={"burn_in": 20, "window": 1000})
print(audit)  # the sweep is pi-invariant but not reversible; each colour's update is

check = mt.check_thrml_sampler(program, model=model)
print(check)  # thrml's transitions and stationary draws against the exact rows and pi
