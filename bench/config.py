"""How much the bench does: the full run, and a quick smoke run."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    instances: int  # live instances while measuring
    samples: int  # timed calls per single-instance operation
    warmup: int  # untimed calls before each measurement
    sweep_rounds: int  # timed sweeps per setting, after one untimed round
    due_per_round: int = 100


FULL = Sizes(instances=10_000, samples=200, warmup=10, sweep_rounds=15)
QUICK = Sizes(instances=1_000, samples=30, warmup=5, sweep_rounds=5)
