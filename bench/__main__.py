"""`make bench`: every benchmark in one run, printed as tables of ratios measured side by side.

Each module bench/bench_*.py exposes `run() -> list[Table]`. Run one with
`python -m bench lesson_page`. `python -m bench load` (`make load`) runs bench/load.py, which
`make bench` leaves out: it takes minutes.
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from bench.common import print_table

# Run only when named: not part of `make bench`.
EXTRA = {"load": "bench.load"}


def main(argv: list[str]) -> int:
    names = sorted(
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.startswith("bench_")
    )
    wanted = argv or names
    failed = False
    summary: list[tuple[str, str, bool]] = []
    for name in wanted:
        module = importlib.import_module(EXTRA.get(name, f"bench.bench_{name}"))
        started = time.monotonic()
        print(f"\n## {name}", flush=True)
        for table in module.run():
            print_table(table)
            failed = failed or not table.goal_met
            if table.goal:
                summary.append((name, table.goal, table.goal_met))
        print(f"({time.monotonic() - started:.0f} s)", flush=True)
    if summary:
        print("\n## goals")
        for name, goal, met in summary:
            print(f"{'met    ' if met else 'NOT MET'}  {name}: {goal}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
