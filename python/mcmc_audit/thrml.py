"""The thrml bridge: audit the Ising samplers of thrml (extropic-ai's JAX library) exactly.

    import mcmc_audit.thrml as mt
    model = mt.from_thrml(program)            # or from_thrml(program, model=ebm), from_thrml(ebm, blocks)
    mt.audit_thrml(program)                   # the exact audit of the sweep thrml runs, block by block
    mt.trace_thrml(samples, model, nodes)     # diagnostics of thrml's sample_states output
    mt.check_thrml_sampler(program, model=ebm)  # thrml's sampler against the exact law

**Conventions, translated exactly** (thrml 0.1.4; docs/python.md has the same table):

- Spins: thrml stores a spin as a `bool`, `True` = +1, `False` = -1. mcmc-audit's site i is the i-th
  node of the program's free blocks concatenated in `gibbs_spec.free_blocks` order, and a state is
  the integer whose bit i is set exactly when site i is +1.
- Energy: thrml's `IsingEBM` has `E(s) = -beta (sum_i b_i s_i + sum_(i,j) J_ij s_i s_j)` and samples
  `exp(-E)`; mcmc-audit's `ising` family has `E(x) = -sum J_ij x_i x_j - sum h_i x_i` and samples
  `exp(-beta E)`. So `J = weights`, `h = biases`, `beta = beta`: no sign flip, no factor 2. The
  conditional both use is `P(s_i = +1 | rest) = sigmoid(2 beta (h_i + sum_j J_ij s_j))`.
- Edges listed twice add their weights (thrml sums every factor); a self-edge is an error (thrml
  would feed a spin's own old value into its field, which no Ising model does); edges of weight 0
  are dropped.
- Clamped blocks are fixed: a clamped neighbour j of a free site i adds `J_ij s_j` to `h_i`. Their
  values must be given (`clamp=`), in `gibbs_spec.clamped_blocks` order.
- The sweep: thrml visits the superblocks in `gibbs_spec.sampling_order`; every site of a superblock
  (all its blocks) is drawn at once from its conditional given the state before the superblock.
  That is mcmc-audit's `update = "parallel-gibbs"`, `scan = "systematic"`, one block per superblock.
  A superblock with two interacting sites is not a Gibbs update: `K.parallel-blocks` fails.
- A program alone holds `beta * J` and `beta * b` (in JAX's float dtype, float32 unless x64 is
  enabled), not beta: `from_thrml(program)` reads those products with `beta = 1`; give `model=` to
  keep beta apart and to judge the program against the model you meant.

Only pairwise spin models (`SpinNode`, `SpinGibbsConditional`, spin factors of one or two spins) are
supported; any other node type, sampler, interaction or higher-order factor is an `InputError`
naming it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import Report, TraceReport, _native, _toml, audit, trace
from ._native import InputError

__all__ = [
    "ThrmlModel",
    "ThrmlAudit",
    "SamplerCheck",
    "from_thrml",
    "audit_thrml",
    "thrml_draws",
    "trace_thrml",
    "check_thrml_sampler",
]


@dataclass(frozen=True)
class ThrmlModel:
    """A thrml Ising program as an exact mcmc-audit model and kernel (conventions: module docs)."""

    nodes: tuple  # site i -> the thrml node
    beta: float
    fields: np.ndarray  # h_i, clamped neighbours included
    couplings: tuple  # ((i, j, J_ij), ...) with i < j, duplicates summed, zeros dropped
    sweep: tuple  # the sites of each superblock, in thrml's sampling order
    blocks: tuple  # the sites of each free block, in gibbs_spec.free_blocks order
    clamped: tuple = ()  # the clamped nodes
    clamp_values: tuple = ()  # their values, +1 / -1
    source: str = "model"  # "model": beta kept apart; "program": beta absorbed (beta = 1)
    _site: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.nodes)

    def site(self, node) -> int:
        """The mcmc-audit site index of a thrml node."""
        try:
            return self._site[node]
        except KeyError:
            raise InputError(f"node {node!r} is not a free site of this model") from None

    def spec(self, kernel: Optional[Mapping[str, Any]] = None, **tables) -> dict:
        """The mcmc-audit spec (docs/spec.md) of this model and thrml's sweep; `kernel` replaces
        the sweep (e.g. `{"scan": "random", "blocks": "sites"}`), `tables` add `observables`,
        `estimator`, `gradient`, `checks`, `mixing`."""
        model = {
            "family": "ising",
            "n": self.n,
            "beta": self.beta,
            "couplings": [[i, j, J] for i, j, J in self.couplings],
            "fields": [float(h) for h in self.fields],
        }
        k = {"update": "parallel-gibbs", "scan": "systematic", "blocks": [list(b) for b in self.sweep]}
        spec: dict = {"model": model, "kernel": dict(kernel) if kernel is not None else k}
        for name, table in tables.items():
            if table is not None:
                spec[name] = dict(table)
        return spec

    def energy(self, spins: np.ndarray) -> np.ndarray:
        """`E(x) = -sum J x_i x_j - sum h x_i` (without beta) of `(..., n)` states of +-1 or bool."""
        x = _pm1(np.asarray(spins), "spins").astype(np.float64)
        e = -(x @ np.asarray(self.fields, dtype=np.float64))
        for i, j, J in self.couplings:
            e = e - J * x[..., i] * x[..., j]
        return e

    def encode(self, spins: np.ndarray) -> np.ndarray:
        """State indices (bit i set <=> site i is +1) of `(..., n)` states of bool or +-1."""
        x = _pm1(np.asarray(spins), "spins") > 0
        if x.shape[-1] != self.n:
            raise InputError(f"spins: last axis has {x.shape[-1]} sites, the model has {self.n}")
        return (x.astype(np.int64) << np.arange(self.n, dtype=np.int64)).sum(axis=-1)


def _pm1(a: np.ndarray, what: str) -> np.ndarray:
    """Spins as int8 +-1 from bool (True = +1, thrml's encoding) or integers already +-1."""
    if a.dtype == np.bool_:
        return np.where(a, 1, -1).astype(np.int8)
    if a.dtype.kind in "iu":
        if a.size and not np.isin(a, (-1, 1)).all():
            raise InputError(f"{what}: integer spins must be -1 or +1 (thrml's bool: True = +1)")
        return a.astype(np.int8)
    raise InputError(f"{what}: dtype {a.dtype}: thrml spin states are bool (True = +1) or integers +-1")


def _thrml():
    try:
        import thrml  # noqa: F401
        from thrml.models import SpinGibbsConditional
        from thrml.models.discrete_ebm import DiscreteEBMInteraction
        from thrml.pgm import SpinNode
    except ImportError as e:  # pragma: no cover - the tests run with thrml installed
        raise ImportError("mcmc_audit.thrml needs thrml (pip install thrml)") from e
    return SpinNode, SpinGibbsConditional, DiscreteEBMInteraction


def _superblocks(blocks: Sequence[Any], where: str) -> list:
    """thrml's free super blocks (a Block or a tuple of Blocks each) as lists of Blocks."""
    out = []
    for k, sb in enumerate(blocks):
        group = [sb] if hasattr(sb, "nodes") else list(sb)
        for b in group:
            if not hasattr(b, "nodes"):
                raise InputError(f"{where}[{k}]: a {type(b).__name__} is not a thrml Block")
        out.append(group)
    return out


def from_thrml(
    obj: Any,
    blocks: Optional[Sequence[Any]] = None,
    *,
    clamped_blocks: Sequence[Any] = (),
    clamp: Optional[Sequence[Any]] = None,
    model: Any = None,
) -> ThrmlModel:
    """Reads a thrml Ising program into an exact mcmc-audit model and kernel.

    - `from_thrml(program)`: the program's own interactions (beta absorbed into J and h);
    - `from_thrml(program, model=ebm)`: the program's blocks and clamps with the `IsingEBM`'s
      nodes, edges, biases, weights and beta;
    - `from_thrml(ebm, blocks, clamped_blocks=..., clamp=...)`: the blocks as `IsingSamplingProgram`
      takes them (a list of Blocks or tuples of Blocks, the superblocks, in sweep order).

    `clamp` holds the values of the clamped blocks (bool, True = +1, or +-1), one array per block.
    """
    SpinNode, SpinGibbsConditional, DiscreteEBMInteraction = _thrml()
    program = obj if hasattr(obj, "gibbs_spec") else None
    if program is not None:
        if blocks is not None:
            raise InputError("blocks: a program carries its own blocks; pass blocks only with an IsingEBM")
        gs = program.gibbs_spec
        supers = [[gs.free_blocks[i] for i in group] for group in gs.sampling_order]
        clamped = list(gs.clamped_blocks)
        for k, s in enumerate(program.samplers):
            if type(s) is not SpinGibbsConditional:
                raise InputError(
                    f"program.samplers[{k}]: {type(s).__name__} is not supported yet "
                    "(only SpinGibbsConditional, thrml's Ising heat bath)"
                )
    else:
        if model is not None:
            raise InputError("model: give model= only with a program (from_thrml(program, model=ebm))")
        model = obj
        if not all(hasattr(model, a) for a in ("nodes", "edges", "biases", "weights", "beta")):
            raise InputError(
                f"from_thrml: a {type(obj).__name__} is neither a thrml sampling program nor an IsingEBM "
                "(non-Ising thrml models are not supported yet)"
            )
        if blocks is None:
            raise InputError("blocks: from_thrml(ebm, blocks) needs the free blocks in sweep order")
        supers = _superblocks(blocks, "blocks")
        clamped = list(clamped_blocks)

    # Sites: the free blocks concatenated; every node a SpinNode, in one block only.
    nodes: list = []
    site: dict = {}
    block_sites: list = []
    sweep: list = []
    for k, group in enumerate(supers):
        sw = []
        for b in group:
            if len(b.nodes) == 0:
                raise InputError(f"blocks[{k}]: an empty block")
            sites = []
            for node in b.nodes:
                if not isinstance(node, SpinNode):
                    raise InputError(
                        f"blocks[{k}]: a {type(node).__name__} is not supported yet (only SpinNode: Ising models)"
                    )
                if node in site:
                    raise InputError(f"blocks[{k}]: node {node!r} is already in an earlier block")
                site[node] = len(nodes)
                sites.append(len(nodes))
                nodes.append(node)
            block_sites.append(tuple(sites))
            sw.extend(sites)
        sweep.append(tuple(sw))
    n = len(nodes)

    clamp_of: dict = {}
    clamped_nodes: list = []
    if clamped:
        if clamp is None or len(clamp) != len(clamped):
            got = 0 if clamp is None else len(clamp)
            raise InputError(
                f"clamp: the program has {len(clamped)} clamped blocks and {got} value arrays were given "
                "(clamp=[values of each clamped block])"
            )
        for k, (b, vals) in enumerate(zip(clamped, clamp)):
            v = _pm1(np.asarray(vals).reshape(-1), f"clamp[{k}]")
            if v.shape[0] != len(b.nodes):
                raise InputError(f"clamp[{k}]: {v.shape[0]} values for a block of {len(b.nodes)} nodes")
            for node, s in zip(b.nodes, v):
                if node in site:
                    raise InputError(f"clamped_blocks[{k}]: node {node!r} is also free")
                clamp_of[node] = int(s)
                clamped_nodes.append(node)
    elif clamp:
        raise InputError(f"clamp: {len(clamp)} value arrays for a program without clamped blocks")

    fields = np.zeros(n)
    pair: dict = {}

    def node_name(where: str, node) -> str:
        return f"{where}: node {node!r}"

    if model is not None:
        beta = np.asarray(model.beta, dtype=np.float64)
        if beta.size != 1:
            raise InputError(f"model.beta: shape {beta.shape} is not a scalar")
        beta = float(beta.reshape(()))
        biases = np.asarray(model.biases, dtype=np.float64).reshape(-1)
        weights = np.asarray(model.weights, dtype=np.float64).reshape(-1)
        if biases.shape[0] != len(model.nodes):
            raise InputError(f"model.biases: {biases.shape[0]} biases for {len(model.nodes)} nodes")
        if weights.shape[0] != len(model.edges):
            raise InputError(f"model.weights: {weights.shape[0]} weights for {len(model.edges)} edges")
        for k, (node, b) in enumerate(zip(model.nodes, biases)):
            if node in site:
                fields[site[node]] += b
            elif node not in clamp_of:
                raise InputError(node_name(f"model.nodes[{k}]", node) + " is in no free or clamped block")
        for k, (edge, w) in enumerate(zip(model.edges, weights)):
            a, b = edge
            if a is b or a == b:
                raise InputError(
                    f"model.edges[{k}]: a self-edge on {a!r}: thrml would feed the spin's own old value "
                    "into its field, which no Ising model does"
                )
            for end in (a, b):
                if end not in site and end not in clamp_of:
                    raise InputError(node_name(f"model.edges[{k}]", end) + " is in no free or clamped block")
            if a in site and b in site:
                i, j = sorted((site[a], site[b]))
                pair[(i, j)] = pair.get((i, j), 0.0) + w
            elif a in site:
                fields[site[a]] += w * clamp_of[b]
            elif b in site:
                fields[site[b]] += w * clamp_of[a]
        source = "model"
    else:
        beta = 1.0
        _read_interactions(program, site, clamp_of, fields, pair, DiscreteEBMInteraction)
        source = "program"

    couplings = tuple((i, j, float(J)) for (i, j), J in sorted(pair.items()) if J != 0.0)
    for what, value in (("model.beta", beta), ("fields", fields), ("couplings", [J for _, _, J in couplings])):
        if not np.all(np.isfinite(value)):
            raise InputError(f"{what}: not finite")
    return ThrmlModel(
        nodes=tuple(nodes),
        beta=beta,
        fields=fields,
        couplings=couplings,
        sweep=tuple(sweep),
        blocks=tuple(block_sites),
        clamped=tuple(clamped_nodes),
        clamp_values=tuple(clamp_of[c] for c in clamped_nodes),
        source=source,
        _site=site,
    )


def _read_interactions(program, site, clamp_of, fields, pair, DiscreteEBMInteraction) -> None:
    """The fields and couplings a program's sampler computes, from its per-block interactions
    (thrml's `BlockSamplingProgram` layout): a one-spin group adds to a field, a two-spin group
    couples the head to its tail (a clamped tail adds `J s_tail` to the field). Each pair is seen from
    both ends; the two views must agree, or no Ising model is sampled."""
    gs = program.gibbs_spec
    at = {loc: node for node, loc in gs.node_global_location_map.items()}
    seen: dict = {}
    for b, block in enumerate(gs.free_blocks):
        groups = zip(
            program.per_block_interactions[b],
            program.per_block_interaction_active[b],
            program.per_block_interaction_global_inds[b],
            program.per_block_interaction_global_slices[b],
        )
        for g, (inter, active, inds, slices) in enumerate(groups):
            where = f"program.per_block_interactions[{b}][{g}]"
            if not isinstance(inter, DiscreteEBMInteraction):
                raise InputError(f"{where}: a {type(inter).__name__} interaction is not supported yet")
            w = np.asarray(inter.weights, dtype=np.float64)
            if w.ndim != 2 or len(inds) != inter.n_spin:
                raise InputError(f"{where}: a factor with categorical variables is not supported yet")
            if inter.n_spin > 1:
                raise InputError(
                    f"{where}: a {inter.n_spin + 1}-spin factor: only one- and two-spin (Ising) factors are supported"
                )
            act = np.asarray(active, dtype=bool)
            tails = [np.asarray(s) for s in slices]
            for p, head in enumerate(block.nodes):
                i = site[head]
                for j in np.flatnonzero(act[p]):
                    if inter.n_spin == 0:
                        fields[i] += w[p, j]
                        continue
                    tail = at[(inds[0], int(tails[0][p, j]))]
                    if tail == head:
                        raise InputError(f"{where}: a self-edge on {head!r}")
                    if tail in site:
                        key = (i, site[tail])
                        seen[key] = seen.get(key, 0.0) + w[p, j]
                    else:
                        fields[i] += w[p, j] * clamp_of[tail]
    for (i, j), J in seen.items():
        back = seen.get((j, i))
        if back != J:
            raise InputError(
                f"program: site {i} sees coupling {J!r} from site {j}, which sees {back!r} back: "
                "the interactions are not symmetric, so the program samples no Ising model"
            )
        if i < j:
            pair[(i, j)] = J


# --- running the native checks on a spec -----------------------------------------------------------


def _on_spec(spec: Mapping[str, Any], fn, *args):
    with tempfile.TemporaryDirectory(prefix="mcmc-audit-") as d:
        path = os.path.join(d, "spec.toml")
        Path(path).write_text(_toml(spec), encoding="utf-8")
        try:
            return fn(path, *args)
        except InputError as e:
            raise InputError(str(e).replace(path, "thrml model")) from None


def exact_chain(model: ThrmlModel, kernel: Optional[Mapping[str, Any]] = None):
    """`(P, pi, log_pi)` of the model's exact chain (thrml's sweep unless `kernel` says otherwise),
    built by mcmc-audit's own kernel code (N <= 13 spins)."""
    P, pi, log_pi, _ = _on_spec(model.spec(kernel), _native.exact_chain)
    return P, pi, log_pi


# --- audit_thrml -----------------------------------------------------------------------------------


class ThrmlAudit:
    """The exact audit of thrml's sweep (`.report`) and of each superblock's own update
    (`.updates`: sites, nodes and the K.stochastic, K.invariance and A2 verdicts of that update alone)."""

    def __init__(self, model: ThrmlModel, report: Report, updates: list):
        self.model = model
        self.report = report
        self.updates = updates

    @property
    def passed(self) -> bool:
        return self.report.passed

    @property
    def verdicts(self) -> list:
        return self.report.verdicts

    def status(self, id: str) -> Optional[str]:
        return self.report.status(id)

    def __repr__(self) -> str:
        lines = [self.report.text.rstrip("\n"), "", "thrml superblocks, each update on its own (against the model's pi):"]
        all_rev = True
        for k, u in enumerate(self.updates):
            st = {v["id"]: v["status"] for v in u["verdicts"]}
            rev = st.get("A2") == "pass"
            all_rev &= rev
            lines.append(
                f"  superblock {k} (sites {list(u['sites'])}): A2 {st.get('A2')}"
                f" ({'reversible' if rev else 'not reversible'}), K.invariance {st.get('K.invariance')}"
            )
        if self.report.status("A2") == "fail" and all_rev:
            lines.append(
                "  every block's update is reversible, their sweep is not: a systematic sweep P_1...P_m is"
                " pi-invariant but not reversible, so the spectral quantities give way to the mixing"
                " measures above (scan = \"symmetrized\" would be reversible)"
            )
        return "\n".join(lines)


def audit_thrml(
    obj: Any,
    blocks: Optional[Sequence[Any]] = None,
    *,
    clamped_blocks: Sequence[Any] = (),
    clamp: Optional[Sequence[Any]] = None,
    model: Any = None,
    eigenvalues: Optional[int] = 32,
    html: bool = False,
    **tables,
) -> ThrmlAudit:
    """The full exact audit of the sweep thrml runs (small models: N <= 13 spins), with each
    superblock's update audited alone. Arguments as `from_thrml`; `tables` are the spec's
    `observables`, `estimator`, `gradient`, `checks`, `mixing`."""
    m = from_thrml(obj, blocks, clamped_blocks=clamped_blocks, clamp=clamp, model=model)
    spec = m.spec(**tables)
    # The per-update audits first: they are dense, so a model past the dense limit is refused
    # before the whole-sweep audit runs.
    raw = json.loads(_on_spec(spec, _native.update_verdicts))
    report = audit(spec, eigenvalues=eigenvalues, html=html)
    updates = []
    for sites, u in zip(m.sweep, raw):
        updates.append(
            {"sites": sites, "nodes": [m.nodes[i] for i in sites], "update": u["update"], "verdicts": u["verdicts"]}
        )
    return ThrmlAudit(m, report, updates)


# --- trace_thrml -----------------------------------------------------------------------------------


def thrml_draws(
    samples: Any,
    model: Optional[ThrmlModel] = None,
    nodes: Optional[Sequence[Any]] = None,
    *,
    observables: Sequence[str] = ("spins", "magnetization", "energy"),
) -> dict:
    """thrml's `sample_states` output as the named `(chains, draws)` arrays `trace` reads.

    `samples`: one array per sampled block, each `(n_samples, block_size)` or, vmapped over chains,
    `(chains, n_samples, block_size)`, of bool (True = +1) or +-1. `nodes`: the blocks passed to
    `sample_states` (their nodes name the spins `x{site}` of `model`); without them the spins are
    `s0, s1, ...` in sampled order. `observables`: `spins` (each spin, int8 +-1), `magnetization`
    (their sum), `energy` (`E` without beta, needs `model` and every site sampled)."""
    arrays = list(samples) if isinstance(samples, (list, tuple)) else [samples]
    if not arrays:
        raise InputError("samples: no arrays")
    parts = []
    for k, a in enumerate(arrays):
        a = np.asarray(a)
        if a.ndim not in (2, 3):
            raise InputError(
                f"samples[{k}]: shape {a.shape}: expected (n_samples, block) or (chains, n_samples, block)"
            )
        parts.append(_pm1(a if a.ndim == 3 else a[None], f"samples[{k}]"))
    lead = {p.shape[:2] for p in parts}
    if len(lead) != 1:
        raise InputError(
            f"samples: ragged blocks: (chains, n_samples) differ between blocks: {sorted(lead)}"
        )
    x = np.concatenate(parts, axis=2)
    if nodes is not None:
        flat = [node for b in nodes for node in (b.nodes if hasattr(b, "nodes") else [b])]
        if len(flat) != x.shape[2]:
            raise InputError(f"nodes: {len(flat)} nodes for {x.shape[2]} sampled spins")
        if model is None:
            raise InputError("nodes: naming spins by node needs the model (thrml_draws(samples, model, nodes))")
        sites = [model.site(node) for node in flat]
    else:
        sites = None
    known = {"spins", "magnetization", "energy"}
    for o in observables:
        if o not in known:
            raise InputError(f"observables: `{o}` is none of {sorted(known)}")
    out: dict = {}
    if "spins" in observables:
        for c in range(x.shape[2]):
            out[f"x{sites[c]}" if sites is not None else f"s{c}"] = np.ascontiguousarray(x[:, :, c])
    if "magnetization" in observables:
        out["magnetization"] = x.sum(axis=2, dtype=np.int64)
    if "energy" in observables:
        if model is not None and sites is not None and sorted(sites) == list(range(model.n)):
            full = np.empty_like(x)
            full[:, :, sites] = x
            out["energy"] = model.energy(full)
        elif model is not None and sites is None and x.shape[2] == model.n:
            out["energy"] = model.energy(x)
    return out


def trace_thrml(
    samples: Any,
    model: Optional[ThrmlModel] = None,
    nodes: Optional[Sequence[Any]] = None,
    *,
    observables: Sequence[str] = ("spins", "magnetization", "energy"),
    convention: str = "posterior",
    burn_in: Optional[int] = None,
    window: Optional[int] = None,
    doubling_from: Optional[int] = None,
    html: bool = False,
) -> TraceReport:
    """Diagnostics of thrml's `sample_states` output with the estimator rules (E.doubling,
    A6.sampled K >= 50 tau, E.burn-in B >= 5 tau, E.mixing), as `mcmc-audit trace` on the arrays
    `thrml_draws` makes (a draw is one thrml sample: `steps_per_sample` sweeps)."""
    draws = thrml_draws(samples, model, nodes, observables=observables)
    return trace(draws, convention=convention, burn_in=burn_in, window=window, doubling_from=doubling_from, html=html)


# --- check_thrml_sampler ---------------------------------------------------------------------------


class SamplerCheck:
    """thrml's sampler judged against the exact law: `S.kernel-gtest` (one-sweep transitions
    against the exact sweep rows) and `S.stationary-gtest` (the final states of independent chains
    against the exact pi)."""

    def __init__(self, model: ThrmlModel, verdicts: list, burn_in: int, settled: float, parameters: Optional[dict]):
        self.model = model
        self.verdicts = verdicts
        self.burn_in = burn_in  # sweeps before the stationary draws
        self.settled = settled  # exact TV distance of the draws' law from pi
        self.parameters = parameters  # program vs model: largest |difference| of beta*J, beta*h

    @property
    def passed(self) -> bool:
        return all(v["status"] in ("pass", "not-applicable") for v in self.verdicts)

    def status(self, id: str) -> Optional[str]:
        return next((v["status"] for v in self.verdicts if v["id"] == id), None)

    def __repr__(self) -> str:
        head = "PASS" if self.passed else "FAIL"
        lines = [f"{head}: thrml's sampler against the exact law of {self.model.n} spins"]
        for v in self.verdicts:
            lines.append(f"  {v['status']:<14} {v['id']}: {v['explanation']}")
            if v.get("hint"):
                lines.append(f"  {'':<14} hint: {v['hint']}")
        lines.append(f"  stationary draws after {self.burn_in} sweeps (exact TV from pi then {self.settled:.3g})")
        if self.parameters:
            lines.append(
                "  program vs model: largest |beta*J difference| {couplings:.3g}, |beta*h difference| {fields:.3g}".format(
                    **self.parameters
                )
            )
        return "\n".join(lines)


def check_thrml_sampler(
    program: Any,
    *,
    model: Any = None,
    clamp: Optional[Sequence[Any]] = None,
    starts: int = 8,
    chains: int = 4096,
    draws: int = 20000,
    seed: int = 0,
    settle: float = 1e-6,
) -> SamplerCheck:
    """Audits thrml's sampler against its own law (or `model`'s, an `IsingEBM`).

    1. `starts` start states (all -1, all +1, then uniform ones from PCG64(seed)), `chains` one-sweep
       transitions each through thrml's `sample_states`: `S.kernel-gtest` against the exact rows of
       the sweep thrml runs (parallel-gibbs in its sampling order) on the target model.
    2. `draws` independent chains from uniform starts, run `B` sweeps: their final states, by
       `S.stationary-gtest` against the exact pi. `B` is the first power of two at which the exact
       law of the chain moves by less than `settle` in TV between B and 2B sweeps; the exact TV of
       that law from pi is recorded (a kernel that does not keep pi keeps a large one).

    Both tests have false-alarm rate 1e-6 (their alpha, specs/assumptions.toml). The model must
    enumerate (N <= 13 spins)."""
    import jax.numpy as jnp

    target = from_thrml(program, clamp=clamp, model=model)
    parameters = None
    if model is not None:
        own = from_thrml(program, clamp=clamp)
        dj = _pair_difference(own, target)
        dh = float(np.max(np.abs(own.fields - target.beta * target.fields), initial=0.0))
        parameters = {"couplings": dj, "fields": dh}
    spec = target.spec()
    P, pi, _, _ = _on_spec(spec, _native.exact_chain)
    n = target.n
    rng = np.random.Generator(np.random.PCG64(seed))
    gs = program.gibbs_spec
    sizes = [len(b.nodes) for b in gs.free_blocks]
    cut = np.cumsum([0] + sizes)

    def as_blocks(states: np.ndarray) -> list:
        return [states[:, cut[k] : cut[k + 1]] for k in range(len(sizes))]

    clamp_state = []
    for b, vals in zip(gs.clamped_blocks, clamp or []):
        clamp_state.append(jnp.asarray(_pm1(np.asarray(vals).reshape(-1), "clamp") > 0))

    def clamp_for(c: int) -> list:
        return [jnp.broadcast_to(v, (c, v.shape[0])) for v in clamp_state]

    # 1. one-sweep transitions from chosen starts
    first = [np.zeros(n, bool), np.ones(n, bool)] + [rng.integers(0, 2, n).astype(bool) for _ in range(max(starts - 2, 0))]
    first = first[:starts]
    init = np.repeat(np.stack(first), chains, axis=0)
    ends = _run_thrml(program, as_blocks(init), clamp_for(init.shape[0]), 1, seed + 1)
    a, b = target.encode(init), target.encode(ends)
    transitions = [(int(x), int(y)) for x, y in zip(a, b)]

    # 2. stationary draws: B from the exact law of the chain started uniformly
    mu = np.full(P.shape[0], 1.0 / P.shape[0])
    burn, settled = _settle(P, pi, mu, settle)
    starts2 = rng.integers(0, 2, (draws, n)).astype(bool)
    final = _run_thrml(program, as_blocks(starts2), clamp_for(draws), burn, seed + 2)
    states = [int(s) for s in target.encode(final)]

    raw = _on_spec(spec, _native.sampler_verdicts, transitions, states, settled)
    return SamplerCheck(target, json.loads(raw), burn, settled, parameters)


def _run_thrml(program, init: list, clamp_state: list, sweeps: int, key: int) -> np.ndarray:
    """Final states (chains, n) bool after `sweeps` sweeps of thrml's own `sample_states`, one chain
    per row of the `init` block arrays (vmapped, jit-compiled)."""
    import jax
    import jax.numpy as jnp
    from thrml import SamplingSchedule, sample_states

    gs = program.gibbs_spec
    schedule = SamplingSchedule(n_warmup=sweeps, n_samples=1, steps_per_sample=1)
    chains = init[0].shape[0]

    def one(k, state, clamped):
        return sample_states(k, program, schedule, list(state), list(clamped), gs.free_blocks)

    keys = jax.random.split(jax.random.key(key), chains)
    out = jax.jit(jax.vmap(one))(keys, tuple(jnp.asarray(b) for b in init), tuple(clamp_state))
    return np.concatenate([np.asarray(o)[:, 0, :] for o in out], axis=1)


def _settle(P: np.ndarray, pi: np.ndarray, mu: np.ndarray, settle: float, limit: int = 1 << 14):
    """The first power of two B with TV(mu P^B, mu P^2B) <= settle, and TV(mu P^B, pi)."""
    v = mu.copy()
    t = 0
    at = {}
    B = 1
    while True:
        while t < 2 * B:
            v = v @ P
            t += 1
            if t == B:
                at[B] = v.copy()
        if 0.5 * np.abs(v - at[B]).sum() <= settle or 2 * B > limit:
            return B, float(0.5 * np.abs(at[B] - pi).sum())
        B *= 2
        at[B] = v.copy()


def _pair_difference(a: ThrmlModel, b: ThrmlModel) -> float:
    """Largest |beta_a J_a - beta_b J_b| over all pairs of either model."""
    ja = {(i, j): a.beta * J for i, j, J in a.couplings}
    jb = {(i, j): b.beta * J for i, j, J in b.couplings}
    keys = set(ja) | set(jb)
    return max((abs(ja.get(k, 0.0) - jb.get(k, 0.0)) for k in keys), default=0.0)
