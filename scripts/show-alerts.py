#!/usr/bin/env python3
"""Prints Wazuh-format alerts (one JSON object per line) as a short table.

Usage: show-alerts.py ALERTS.json

One line per alert: level, rule id, description, source IP or user, and
the file it came from, with a run of alike alerts (same rule, source and
file) shown once with its count; then a count per rule. Lines that are not JSON are
printed as they are, so nothing is hidden if the format changes.
"""

import collections
import json
import os
import sys


def field(alert, *paths):
    """First non-empty value among dotted paths like 'data.srcip'."""
    for path in paths:
        v = alert
        for key in path.split("."):
            v = v.get(key) if isinstance(v, dict) else None
        if v not in (None, "", [], {}):
            return str(v)
    return ""


def main(path):
    per_rule = collections.Counter()
    sources = collections.defaultdict(set)
    first_desc = {}
    n = 0
    run = None  # (key, text, count): consecutive alerts alike, shown once

    def flush():
        if run:
            key, text, count = run
            print(text + (f"  (x{count})" if count > 1 else ""))

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                alert = json.loads(line)
            except json.JSONDecodeError:
                alert = None
            if not isinstance(alert, dict):
                flush()
                run = None
                print(line)
                continue
            n += 1
            rid = field(alert, "rule.id") or "?"
            level = field(alert, "rule.level") or "?"
            desc = field(alert, "rule.description")
            who = field(alert, "data.srcip", "srcip", "data.srcuser", "data.dstuser")
            where = os.path.basename(field(alert, "location"))
            per_rule[(rid, level)] += 1
            sources[rid].add(who)
            first_desc.setdefault(rid, desc)
            key = (rid, level, who, where)
            if run and run[0] == key:
                run = (key, run[1], run[2] + 1)
                continue
            flush()
            extra = "  ".join(x for x in (who and "from " + who, where and "[" + where + "]") if x)
            run = (key, f"  level {level:>2}  rule {rid:>6}  {desc}  {extra}".rstrip(), 1)
    flush()
    if n:
        print(f"\n{n} alert(s) by rule:")
        order = sorted(per_rule.items(),
                       key=lambda kv: (-int(kv[0][1]) if kv[0][1].isdigit() else 0, kv[0][0]))
        for (rid, level), k in order:
            src = len(sources[rid] - {""})
            src = f"  ({src} source{'s' if src != 1 else ''})" if src else ""
            print(f"  {k:4d} x rule {rid:>6} (level {level:>2})  {first_desc.get(rid, '')}{src}")
    return n


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    main(sys.argv[1])
