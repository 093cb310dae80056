#!/usr/bin/env python3
"""Sums up meson test logs (meson-logs/testlog.json) of several builds.

Usage: testlog-summary.py [--log LABEL TESTLOG RC]... [--broken LABEL WHY]...

Each testlog holds one JSON object per test run. OK and EXPECTEDFAIL count
as passed; SKIP as skipped; anything else (FAIL, TIMEOUT, ERROR,
UNEXPECTEDPASS, INTERRUPT, ...) as failed. A missing testlog counts as no
tests. RC is `meson test`'s exit status: when it is non-zero but the log
shows no failed test (meson itself failed), that counts as one failure.
--broken adds one failure for a build that could not run its tests at all
(configure or compile failed), so it cannot pass silently.

Prints one line per build, the names of failed tests, and last the line
"N passed, N failed" (", N skipped" appended when some were skipped).
Exits 1 when anything failed, else 0.
"""

import json
import os
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def read_log(path):
    """Returns (passed, failed, skipped, [failed test names]) for one log."""
    passed = failed = skipped = 0
    failures = []
    if not os.path.exists(path):
        return passed, failed, skipped, failures
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                failed += 1
                failures.append(f"{path}:{lineno}: unreadable testlog line")
                continue
            result = str(rec.get("result", "ERROR"))
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                failed += 1
                failures.append(f"{rec.get('name', '?')} ({result})")
    return passed, failed, skipped, failures


def main(argv):
    logs = []
    broken = []
    i = 0
    while i < len(argv):
        if argv[i] == "--log" and i + 3 < len(argv):
            logs.append((argv[i + 1], argv[i + 2], int(argv[i + 3])))
            i += 4
        elif argv[i] == "--broken" and i + 2 < len(argv):
            broken.append((argv[i + 1], argv[i + 2]))
            i += 3
        else:
            print(f"testlog-summary: bad arguments: {argv[i:]}", file=sys.stderr)
            return 2

    tot_p = tot_f = tot_s = 0
    for label, path, rc in logs:
        p, f, s, failures = read_log(path)
        if rc != 0 and f == 0:
            f += 1
            failures.append(f"meson test exited with {rc} but logged no failed test")
        tot_p, tot_f, tot_s = tot_p + p, tot_f + f, tot_s + s
        print(f"  {label}: {p} passed, {f} failed, {s} skipped")
        for name in failures:
            print(f"    FAILED: {name}")
    for label, why in broken:
        print(f"  {label}: BROKEN, {why} (counted as 1 failed)")
        tot_f += 1

    line = f"{tot_p} passed, {tot_f} failed"
    if tot_s:
        line += f", {tot_s} skipped"
    print(line)
    return 1 if tot_f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
