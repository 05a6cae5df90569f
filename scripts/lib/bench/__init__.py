"""`scripts/bench`: what one poll costs our client and pyasic, measured side by side.

Why several processes: pyasic is a benchmark dependency only, so it lives in its own venv
(.venv-bench) and can never be imported next to the integration; and the simulated miners'
work must not land in either client's CPU figures. So a run is:

* `run` (the project's .venv): the orchestrator; it starts everything below (`processes`),
  asks one process at a time for a measurement, and prints the tables (`report`). Its two
  phases: `perpoll` (one miner per client, polled in turns) and `farm` (N miners on one
  event loop); `checks` verifies on every run that each client really reads the miner;
* `simhost` (.venv): the simulated miners (tests/simulator) on loopback, counting per miner
  the connections, requests and bytes it served;
* `driver_ours` (.venv) and `driver_pyasic` (.venv-bench): one process per client variant,
  polling only when told; `worker` times the polls the same way for both.

They speak JSON lines over pipes (`wire`), the one thing both venvs share. Every module a
pyasic process imports (`wire`, `worker`, `measure`) uses the standard library only.
"""
