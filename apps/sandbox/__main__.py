"""Check a machine or try the jail without Django:

python -m apps.sandbox preflight
python -m apps.sandbox run {javascript,python} FILE
"""

from __future__ import annotations

import argparse
import json
import sys

from . import SandboxUnavailable, preflight, run
from .languages import LANGUAGE_KEYS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("preflight", help="build the jail and run both runtimes in it")
    run_parser = commands.add_parser("run", help="run one file in the jail, print the JSON result")
    run_parser.add_argument("language", choices=LANGUAGE_KEYS)
    run_parser.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "preflight":
        try:
            preflight()
        except SandboxUnavailable as exc:
            print(f"sandbox unavailable: {exc.reason}", file=sys.stderr)
            return 1
        print("sandbox ok: both runtimes ran confined in the jail")
        return 0
    with open(args.file, encoding="utf-8") as handle:
        code = handle.read()
    print(json.dumps(run(language=args.language, code=code).to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
