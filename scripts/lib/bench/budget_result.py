"""What the budget bench measures of one strategy on one simulated day.

Apart from the bench's runner (budget.py), which fills it, so the plot can read it without
importing the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Result:
    """One strategy on one day."""

    strategy: str
    kind: str
    seed: int
    miners: int
    scale: float
    usable_wh: float = 0.0
    used_wh: float = 0.0
    all_usable_wh: float = 0.0
    all_used_wh: float = 0.0
    import_wh: float = 0.0
    idle_import_wh: float = 0.0
    farm_wh: float = 0.0
    starts: float = 0.0
    stops: float = 0.0
    writes_per_hour: float = 0.0
    worst_ws: float = 0.0
    mined_eh: float = 0.0
    surplus_series: list[float] = field(default_factory=list)
    farm_series: list[float] = field(default_factory=list)
    import_series: list[float] = field(default_factory=list)

    @property
    def used_pct(self) -> float:
        """The share of the usable surplus used, in %."""
        return 100 * self.used_wh / self.usable_wh if self.usable_wh else 100.0

    @property
    def all_used_pct(self) -> float:
        """The share of all usable surplus used, however short-lived, in %."""
        return 100 * self.all_used_wh / self.all_usable_wh if self.all_usable_wh else 100.0

    @property
    def idle_pct(self) -> float:
        """The part of the import that the idle draw of stopped miners caused, in %."""
        return 100 * self.idle_import_wh / self.farm_wh if self.farm_wh else 0.0

    @property
    def import_pct(self) -> float:
        """The import caused, in % of the farm's energy."""
        return 100 * self.import_wh / self.farm_wh if self.farm_wh else 0.0
