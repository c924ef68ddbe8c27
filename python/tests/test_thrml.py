"""The thrml bridge against the real thrml (0.1.4) on JAX CPU: conventions, sweep audits, traces of
thrml's own output, its sampler judged against the exact law, and bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # thrml's conditionals in float64, for the 1e-12 round trip

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from thrml import Block, SamplingSchedule, SpinNode, sample_single_block, sample_states
from thrml.models import (
    CategoricalEBMFactor,
    CategoricalGibbsConditional,
    IsingEBM,
    IsingSamplingProgram,
    SpinGibbsConditional,
)
from thrml.factor import FactorSamplingProgram
from thrml.block_sampling import BlockGibbsSpec
from thrml.pgm import CategoricalNode

import mcmc_audit as ma
import mcmc_audit.thrml as mt

ROOT = Path(__file__).resolve().parents[2]
# Relative tolerance of the conventions round trip (issue 11): thrml's float64 conditional
# sigmoid(2 gamma) against mcmc-audit's exact operator, n * P[x, x + e_i] (a few roundings).
CONDITIONAL_REL = 1e-12


def grid(rows, cols, seed, beta=0.6, fields=True):
    """An Ising model on a rows x cols open grid with random couplings (and fields), its nodes and
    the checkerboard's two blocks."""
    rng = np.random.default_rng(seed)
    nodes = [SpinNode() for _ in range(rows * cols)]
    edges = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                edges.append((nodes[i], nodes[i + 1]))
            if r + 1 < rows:
                edges.append((nodes[i], nodes[i + cols]))
    w = jnp.asarray(rng.uniform(-1.0, 1.0, len(edges)))
    b = jnp.asarray(rng.uniform(-0.5, 0.5, len(nodes)) if fields else np.zeros(len(nodes)))
    ebm = IsingEBM(nodes, edges, b, w, jnp.asarray(beta))
    even = [nodes[r * cols + c] for r in range(rows) for c in range(cols) if (r + c) % 2 == 0]
    odd = [nodes[r * cols + c] for r in range(rows) for c in range(cols) if (r + c) % 2 == 1]
    return ebm, nodes, [Block(even), Block(odd)]


class Probe(SpinGibbsConditional):
    """thrml's own Ising conditional, returning P(s = +1) = sigmoid(2 gamma) instead of a draw."""

    def sample_given_parameters(self, key, parameters, sampler_state, output_sd):
        return jax.nn.sigmoid(2 * parameters), sampler_state


def thrml_conditionals(program, states):
    """P(s_i = +1 | rest) for every free site (in mcmc-audit's site order) and state, computed by
    thrml's code: its state gathering, its compute_parameters and its sigmoid."""
    probe = eqx.tree_at(lambda p: p.samplers, program, [Probe() for _ in program.samplers])
    sizes = [len(b.nodes) for b in program.gibbs_spec.free_blocks]
    cut = np.cumsum([0] + sizes)
    out = np.empty(states.shape)
    for s, x in enumerate(states):
        free = [jnp.asarray(x[cut[k] : cut[k + 1]]) for k in range(len(sizes))]
        for k in range(len(sizes)):
            p, _ = sample_single_block(jax.random.key(0), free, [], probe, k, None)
            out[s, cut[k] : cut[k + 1]] = np.asarray(p)
    return out


def our_conditionals(model, states):
    """The same from mcmc-audit's exact random-scan single-site operator: n * P[x0, x0 | 2^i] with
    x0 the state with site i at -1."""
    P, _, _ = mt.exact_chain(model, kernel={"update": "gibbs", "scan": "random", "blocks": "sites"})
    n = model.n
    idx = model.encode(states)
    out = np.empty(states.shape)
    for s, x in enumerate(idx):
        for i in range(n):
            x0 = x & ~(1 << i)
            out[s, i] = n * P[x0, x0 | (1 << i)]
    return out


def test_conventions_round_trip_on_thrml_conditionals():
    ebm, nodes, blocks = grid(3, 3, seed=1, beta=0.7)
    # A duplicated edge: thrml sums the two factors, and so must the export.
    edges = ebm.edges + [ebm.edges[0]]
    weights = jnp.concatenate([ebm.weights, jnp.asarray([0.25])])
    ebm = IsingEBM(nodes, edges, ebm.biases, weights, ebm.beta)
    program = IsingSamplingProgram(ebm, blocks, [])
    rng = np.random.default_rng(7)
    states = rng.integers(0, 2, (24, 9)).astype(bool)
    theirs = thrml_conditionals(program, states)
    for m in (mt.from_thrml(program), mt.from_thrml(program, model=ebm), mt.from_thrml(ebm, blocks)):
        ours = our_conditionals(m, states)
        rel = np.max(np.abs(ours - theirs) / theirs)
        assert rel <= CONDITIONAL_REL, (m.source, rel)
    m = mt.from_thrml(ebm, blocks)
    assert m.beta == pytest.approx(0.7) and mt.from_thrml(program).beta == 1.0
    a, b = m.site(edges[0][0]), m.site(edges[0][1])
    J = dict(((i, j), w) for i, j, w in m.couplings)[tuple(sorted((a, b)))]
    assert J == pytest.approx(float(ebm.weights[0]) + 0.25, abs=0, rel=1e-15)
    # True is +1: the state index has bit i set exactly when site i is True.
    assert m.encode(np.array([True] + [False] * 8)) == 1


def test_clamped_blocks_fold_into_fields():
    ebm, nodes, blocks = grid(2, 3, seed=2)
    clamped = Block([nodes[0], nodes[5]])
    free_a = Block([n for n in blocks[0].nodes if n not in clamped.nodes])
    free_b = Block([n for n in blocks[1].nodes if n not in clamped.nodes])
    program = IsingSamplingProgram(ebm, [free_a, free_b], [clamped])
    values = [np.array([True, False])]
    m = mt.from_thrml(program, model=ebm, clamp=values)
    assert m.n == 4 and m.clamp_values == (1, -1)
    rng = np.random.default_rng(3)
    states = rng.integers(0, 2, (16, 4)).astype(bool)
    probe = eqx.tree_at(lambda p: p.samplers, program, [Probe() for _ in program.samplers])
    sizes = [len(free_a.nodes), len(free_b.nodes)]
    theirs = np.empty(states.shape)
    for s, x in enumerate(states):
        free = [jnp.asarray(x[: sizes[0]]), jnp.asarray(x[sizes[0] :])]
        for k in range(2):
            p, _ = sample_single_block(jax.random.key(0), free, [jnp.asarray(values[0])], probe, k, None)
            theirs[s, sum(sizes[:k]) : sum(sizes[: k + 1])] = np.asarray(p)
    ours = our_conditionals(m, states)
    assert np.max(np.abs(ours - theirs) / theirs) <= CONDITIONAL_REL
    with pytest.raises(ma.InputError, match="clamp: the program has 1 clamped blocks"):
        mt.from_thrml(program, model=ebm)
    with pytest.raises(ma.InputError, match=r"clamp\[0\]: 3 values for a block of 2 nodes"):
        mt.from_thrml(program, model=ebm, clamp=[np.array([True, False, True])])


def test_sweep_audit_of_a_12_spin_thrml_model():
    ebm, nodes, blocks = grid(3, 4, seed=4, beta=0.5, fields=False)
    program = IsingSamplingProgram(ebm, blocks, [])
    a = mt.audit_thrml(program, model=ebm, observables={"set": "energy"}, estimator={"burn_in": 50, "window": 200})
    assert a.report.subject["n_states"] == 4096
    assert a.status("K.invariance") == "pass" and a.status("K.parallel-blocks") == "pass"
    assert a.status("K.step-consistency") == "pass"
    # A two-colour sweep P_even P_odd is not reversible; each colour's update on its own is.
    assert a.status("A2") == "fail"
    assert [{v["id"]: v["status"] for v in u["verdicts"]}["A2"] for u in a.updates] == ["pass", "pass"]
    assert "every block's update is reversible, their sweep is not" in repr(a)
    q = a.report.quantities
    assert q["pseudo_gap"] > 0 and q["tau_route"] == "poisson"  # the non-reversible measures
    # The symmetrized sweep of the same blocks is reversible: A2 passes and the spectrum is real.
    sym = ma.audit(a.model.spec(kernel={"update": "parallel-gibbs", "scan": "symmetrized", "blocks": [list(b) for b in a.model.sweep]}))
    assert sym.status("A2") == "pass" and sym.quantities["sigma2"] < 1


def run_thrml(program, chains, samples, seed, steps=1):
    gs = program.gibbs_spec
    rng = np.random.default_rng(seed)
    init = [jnp.asarray(rng.integers(0, 2, (chains, len(b.nodes))).astype(bool)) for b in gs.free_blocks]
    sched = SamplingSchedule(n_warmup=20, n_samples=samples, steps_per_sample=steps)
    keys = jax.random.split(jax.random.key(seed), chains)
    f = jax.jit(jax.vmap(lambda k, s: sample_states(k, program, sched, list(s), [], gs.free_blocks)))
    return [np.asarray(o) for o in f(keys, tuple(init))]


def test_trace_of_thrml_output_equals_the_cli_bit_for_bit(tmp_path, cli):
    ebm, nodes, blocks = grid(3, 4, seed=5, beta=0.4, fields=False)
    program = IsingSamplingProgram(ebm, blocks, [])
    samples = run_thrml(program, chains=4, samples=3000, seed=11)
    assert samples[0].dtype == np.bool_ and samples[0].shape == (4, 3000, 6)
    m = mt.from_thrml(program, model=ebm)
    draws = mt.thrml_draws(samples, m, program.gibbs_spec.free_blocks)
    assert list(draws)[:3] == ["x0", "x1", "x2"] and "energy" in draws and "magnetization" in draws
    t = mt.trace_thrml(samples, m, program.gibbs_spec.free_blocks)
    path = tmp_path / "draws.npz"
    np.savez(path, **draws)
    out = subprocess.run([str(cli), "trace", str(path), "--format", "json"], capture_output=True, text=True)
    assert out.returncode in (0, 1, 3), out.stderr
    # The same document byte for byte (the CLI ends its output with a newline).
    assert t.to_json() + "\n" == out.stdout.replace(str(path), "draws")
    assert t.exit_code == out.returncode
    assert {v["id"] for v in t.verdicts} >= {"E.doubling", "A6.sampled", "E.mixing"}
    # Without a chain axis: one chain, and E.mixing cannot be judged.
    one = mt.trace_thrml([s[0] for s in samples], m, program.gibbs_spec.free_blocks)
    assert one.status("E.mixing") == "inconclusive"


def test_check_thrml_sampler_passes_the_correct_program_and_flags_broken_ones():
    ebm, nodes, blocks = grid(3, 3, seed=6, beta=0.6)
    good = IsingSamplingProgram(ebm, blocks, [])
    c = mt.check_thrml_sampler(good, model=ebm)
    assert c.passed, repr(c)
    assert c.parameters == {"couplings": 0.0, "fields": 0.0}
    # A wrong beta passed to the sampler only: the program is built from the model at 1.5 beta.
    hot = IsingEBM(ebm.nodes, ebm.edges, ebm.biases, ebm.weights, 1.5 * ebm.beta)
    wrong = IsingSamplingProgram(hot, blocks, [])
    c = mt.check_thrml_sampler(wrong, model=ebm)
    assert c.status("S.kernel-gtest") == "fail" and c.status("S.stationary-gtest") == "fail", repr(c)
    assert c.parameters["couplings"] > 0.1
    # A block with two adjacent spins updated in parallel (thrml does not check): thrml follows
    # its own parallel rows, but its long-run law is not pi; the audit names the coupled pair.
    n = [SpinNode() for _ in range(3)]
    chain = IsingEBM(n, [(n[0], n[1]), (n[1], n[2])], jnp.zeros(3), jnp.asarray([1.0, 1.0]), jnp.asarray(1.0))
    coupled = IsingSamplingProgram(chain, [Block([n[0], n[1]]), Block([n[2]])], [])
    c = mt.check_thrml_sampler(coupled, model=chain)
    assert c.status("S.kernel-gtest") == "pass" and c.status("S.stationary-gtest") == "fail", repr(c)
    assert c.settled > 0.1  # the exact TV from pi of the parallel kernel's long run
    a = mt.audit_thrml(coupled, model=chain)
    assert a.status("K.parallel-blocks") == "fail" and a.status("K.invariance") == "fail"
    colouring = IsingSamplingProgram(chain, [Block([n[0], n[2]]), Block([n[1]])], [])
    assert mt.check_thrml_sampler(colouring, model=chain).passed


def test_bad_input_is_a_clear_value_error():
    ebm, nodes, blocks = grid(2, 2, seed=8)
    program = IsingSamplingProgram(ebm, blocks, [])
    m = mt.from_thrml(program, model=ebm)
    good = run_thrml(program, chains=2, samples=50, seed=1)
    # wrong dtype
    with pytest.raises(ValueError, match=r"samples\[0\]: dtype float32: thrml spin states are bool"):
        mt.trace_thrml([good[0].astype(np.float32), good[1]], m, program.gibbs_spec.free_blocks)
    # ragged blocks
    with pytest.raises(ma.InputError, match="ragged blocks"):
        mt.trace_thrml([good[0], good[1][:, :40]], m, program.gibbs_spec.free_blocks)
    with pytest.raises(ma.InputError, match=r"samples\[0\]: shape \(50,\)"):
        mt.trace_thrml([good[0][0, :, 0]])
    # a self-edge
    selfish = IsingEBM(nodes, [(nodes[0], nodes[0])], jnp.zeros(4), jnp.asarray([1.0]), jnp.asarray(1.0))
    with pytest.raises(ma.InputError, match=r"model.edges\[0\]: a self-edge"):
        mt.from_thrml(selfish, blocks)
    # a node in no block
    with pytest.raises(ma.InputError, match="in no free or clamped block"):
        mt.from_thrml(ebm, [blocks[0]])
    # a non-Ising thrml model: categorical nodes with their softmax sampler
    cat = [CategoricalNode() for _ in range(2)]
    factor = CategoricalEBMFactor([Block([cat[0]]), Block([cat[1]])], jnp.ones((1, 3, 3)))
    spec = BlockGibbsSpec([Block([cat[0]]), Block([cat[1]])], [], {CategoricalNode: jax.ShapeDtypeStruct((), jnp.uint8)})
    cprog = FactorSamplingProgram(spec, [CategoricalGibbsConditional(3), CategoricalGibbsConditional(3)], [factor], [])
    with pytest.raises(ValueError, match="CategoricalGibbsConditional is not supported yet"):
        mt.from_thrml(cprog)
    with pytest.raises(ValueError, match="neither a thrml sampling program nor an IsingEBM"):
        mt.from_thrml(factor, blocks)
    # too large to enumerate: the CLI's own message
    big, _, big_blocks = grid(4, 4, seed=9)
    with pytest.raises(ma.InputError, match="model.n.*size 16 exceeds the limit 13"):
        mt.audit_thrml(big, big_blocks)


def test_audit_thrml_example_runs():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "audit_thrml.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "thrml superblocks" in out.stdout
