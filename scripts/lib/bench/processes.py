"""Starting the benchmark's child processes, each in the venv it belongs to.

Why `python -m bench.<module>` with a chosen PYTHONPATH: the pyasic process gets only
scripts/lib on its path, so it cannot import the integration (or the simulator) even by
mistake; our processes get the repository root as well.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import sys

from .wire import Child

REPO_ROOT = Path(__file__).resolve().parents[3]
LIB = REPO_ROOT / "scripts" / "lib"


@dataclass(frozen=True, slots=True)
class Launcher:
    """Where the logs go and which interpreters run which side."""

    log_dir: Path
    pyasic_python: Path | None
    deadline: float

    def simulator(self) -> Child:
        """Start the simulated miners (the project's venv)."""
        return self._start("simulator", Path(sys.executable), "simhost", with_repo=True)

    def ours(self, name: str) -> Child:
        """Start a process polling with our client (the project's venv)."""
        return self._start(name, Path(sys.executable), "driver_ours", with_repo=True)

    def pyasic(self, name: str) -> Child:
        """Start a process polling with pyasic (.venv-bench)."""
        if self.pyasic_python is None:
            raise RuntimeError("no pyasic interpreter given")
        return self._start(name, self.pyasic_python, "driver_pyasic", with_repo=False)

    def _start(self, name: str, python: Path, module: str, *, with_repo: bool) -> Child:
        env = dict(os.environ)
        path = [str(REPO_ROOT), str(LIB)] if with_repo else [str(LIB)]
        env["PYTHONPATH"] = os.pathsep.join(path)
        env.pop("PYTHONHOME", None)
        env.pop("VIRTUAL_ENV", None)
        argv = [str(python), "-m", f"bench.{module}"]
        return Child(name, argv, env, self.log_dir / f"{name}.log", self.deadline)
