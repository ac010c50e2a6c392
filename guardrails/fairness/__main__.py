"""``python -m guardrails.fairness [--groups FILE] [--known-flips FILE]``

Exit 0 when no group flips outside the known list, 1 when one does, 2 for a bad file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guardrails.fairness import GROUPS_FILE, GroupsFileError, Report, load_groups, load_known_flips, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.fairness", description=__doc__)
    parser.add_argument("--groups", type=Path, default=GROUPS_FILE, help="groups JSONL file")
    parser.add_argument(
        "--known-flips",
        type=Path,
        default=None,
        help="group ids known to flip today, one a line: only a flip outside it fails",
    )
    args = parser.parse_args(argv)
    try:
        groups = load_groups(args.groups)
        known = load_known_flips(args.known_flips)
    except (GroupsFileError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = Report(tuple(run(groups)), known)
    print("\n".join(report.lines()))
    return 1 if report.new_flips else 0


if __name__ == "__main__":
    sys.exit(main())
