"""How long the version diff takes on the texts that used to stall it.

    .venv/bin/python bench/diff.py

The diff (alerts/diff.py) shows reviewers and the public what changed between two
versions. A word-by-word SequenceMatcher costs up to the product of the two texts'
lengths on repetitive text: an update to a 4,000-row table took over 300 seconds of a
worker, on every request for the versions page. Long texts now go line by line first
(WORD_DIFF_LIMIT). Issue 19's target: a 4,000-row update diffs in under 1 s.

Each case is timed five times in this process; the median and the worst are printed.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from alerts.diff import WORD_DIFF_LIMIT, diff_snapshots  # noqa: E402

TARGET_SECONDS = 1.0


def table(rows, *, every=None, inserted=None):
    lines = ["| Place | Deaths | Date | Source |", "|---|---|---|---|"]
    for i in range(rows):
        word = "dead" if every and i % every == 0 else "killed"
        lines.append(f"| Village {i} | {i * 3} {word} | 2020-10-{i % 28 + 1:02d} | [{i % 5 + 1}] |")
        if inserted == i:
            lines.append("| A new village | 7 killed | 2020-11-01 | [2] |")
    return "\n".join(lines)


def snapshot(background):
    return {
        "schema": 1,
        "title": "Mass killings reported",
        "slug": "mass-killings",
        "level": 3,
        "issued_on": "2020-11-01",
        "summary": "Killings in many villages [1].",
        "background": background,
        "legal_analysis": "",
        "assessment": "",
        "countries": [],
        "ratings": [],
        "evidence": [],
        "recommendations": [],
        "citations": [],
    }


CASES = {
    "4,000-row table, 80 rows changed and one added": (
        table(4000),
        table(4000, every=50, inserted=2000),
    ),
    "4,000 identical rows, one changed": (
        "\n".join(["| x | y |"] * 4000),
        "\n".join(["| x | y |"] * 2000 + ["| z | y |"] + ["| x | y |"] * 2000),
    ),
    "one 40,000-word paragraph, one word changed": (
        " ".join(f"w{i % 7}" for i in range(40000)),
        " ".join("CHANGED" if i == 20000 else f"w{i % 7}" for i in range(40000)),
    ),
    "a usual update (200 words)": (
        " ".join(f"word{i}" for i in range(200)),
        " ".join(f"word{i}" if i % 40 else "new" for i in range(200)),
    ),
}


def main():
    print(f"WORD_DIFF_LIMIT = {WORD_DIFF_LIMIT} words; diff_snapshots on two snapshots")
    print("\n| Case | median s | worst s | target |")
    print("| --- | --- | --- | --- |")
    worst_of_all = 0.0
    for name, (old, new) in CASES.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            diff_snapshots(snapshot(old), snapshot(new))
            times.append(time.perf_counter() - started)
        worst_of_all = max(worst_of_all, max(times))
        verdict = "met" if max(times) < TARGET_SECONDS else "MISSED"
        print(f"| {name} | {statistics.median(times):.3f} | {max(times):.3f} | {verdict} |")
    print(
        f"\nEvery case under {TARGET_SECONDS} s: {'yes' if worst_of_all < TARGET_SECONDS else 'NO'}"
    )


if __name__ == "__main__":
    main()
