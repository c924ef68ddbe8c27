"""Shared fixtures of the Python suite."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The mcmc-audit binary: $MCMC_AUDIT_CLI, else the release or debug build of this checkout
    (.ci/run's `cargo test` leaves the debug one), else a fresh release build."""
    if os.environ.get("MCMC_AUDIT_CLI"):
        return Path(os.environ["MCMC_AUDIT_CLI"])
    for profile in ("release", "debug"):
        binary = ROOT / "target" / profile / "mcmc-audit"
        if binary.exists():
            return binary
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "mcmc-audit"
