#!/usr/bin/env python3
"""test_determinism.py: the same alerts for any number of engine workers.

The rules (tests/unit/data/det) depend on order: a per-agent frequency
through if_matched_sid and through if_matched_group, a global_frequency rule
across agents, a rule-wide ignore window and a first-time-seen (FTS) rule.

1. `yagura replay -j N` for N = 1, 2, 4 gives byte-identical alerts on a
   corpus of several agents (--log-format archives, so with their agents and
   times) and on two single-agent ones (the manager's own lines, agent 000,
   and one agent's): ids included, as they number events in input order.
2. `yagura manager -j N` for N = 1, 2, 4 fed by four agents over TLS (their
   events interleaved in the manager's batches): its alerts.json equals, but
   for alert ids, `yagura replay -j 1, 2 and 4` of its own archives.json, and
   the per-agent rules give the same alerts for every N.

Usage: test_determinism.py YAGURA SRCROOT
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import Manager, RawAgent, evrec, read_alerts, sanitizer_reports, text, wait_for, write  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DATA = os.path.join(ROOT, "tests", "unit", "data")
DET = os.path.join(DATA, "det")
BASE = 1796700000  # 2026-12-08: the corpora's clock
ACTIONS = ["fail"] * 6 + ["scan"] * 4 + ["deny"] * 3 + ["login"] * 4 + ["alarm", "noop", "noop"]
PER_AGENT = ("100910", "100912")
WORKERS = (1, 2, 4)


def line(rng, t):
    act = rng.choice(ACTIONS)
    src = f"198.51.100.{rng.randrange(3)}" if act == "scan" else f"10.0.{rng.randrange(4)}.{rng.randrange(6)}"
    user = f"user{rng.randrange(5)}"
    stamp = f"Dec  8 10:{(t // 60) % 60:02d}:{t % 60:02d}"
    return f"{stamp} host{rng.randrange(3)} detapp: {act} user={user} src={src}"


def archived(agent, name, t, log):
    """A line as a manager's archives.json has it."""
    ts = __import__("time").strftime("%Y-%m-%dT%H:%M:%S.000+0000", __import__("time").gmtime(t))
    return json.dumps({"timestamp": ts, "agent": {"id": agent, "name": name, "ip": "127.0.0.1"},
                       "manager": {"name": "mgr"}, "full_log": log, "location": "/var/log/det.log"})


def corpora(tmp):
    rng = random.Random(20261208)
    multi, one, local = [], [], []
    for i in range(3000):
        a = rng.randrange(6) + 1
        multi.append(archived(f"{a:03d}", f"det{a}", BASE + i // 10, line(rng, i // 10)))
    for i in range(1500):
        one.append(archived("007", "det7", BASE + i // 10, line(rng, i // 10)))
        local.append(line(rng, i // 10))
    paths = {}
    for name, lines in (("multi", multi), ("one", one), ("local", local)):
        paths[name] = os.path.join(tmp, name + ".log")
        write(paths[name], "\n".join(lines) + "\n")
    return paths


def replay(conf, home, path, j, fmt, out):
    args = [YAGURA, "replay", "-c", conf, "-D", home, "-j", str(j), "--clock", "event",
            "-o", out, path]
    if fmt:
        args[2:2] = ["--log-format", fmt]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stderr


def rules_of(path):
    out = {}
    for a in (json.loads(l) for l in text(path).splitlines() if l.strip()):
        rid = a["rule"]["id"]
        out[rid] = out.get(rid, 0) + 1
    return out


def replay_part(tmp):
    paths = corpora(tmp)
    conf = os.path.join(DATA, "det.conf")
    for name, fmt in (("multi", "archives"), ("one", "archives"), ("local", None)):
        outs = []
        for j in WORKERS:
            out = os.path.join(tmp, f"{name}-j{j}.json")
            rc, err = replay(conf, DET, paths[name], j, fmt, out)
            check(f"replay -j {j} of the {name} corpus runs", rc == 0, err[-800:])
            outs.append(text(out))
        counts = rules_of(os.path.join(tmp, f"{name}-j1.json"))
        for j, o in zip(WORKERS[1:], outs[1:]):
            check(f"{name}: replay -j {j} gives byte-identical alerts to -j 1", o == outs[0],
                  f"{len(o)} vs {len(outs[0])} bytes; -j1 rules {counts}, -j{j} rules "
                  f"{rules_of(os.path.join(tmp, f'{name}-j{j}.json'))}")
        for rid in ("100910", "100912", "100913", "100911" if name == "multi" else "100901"):
            check(f"{name}: rule {rid} fires", counts.get(rid, 0) > 0, str(counts))
        check(f"{name}: the ignore window is the rule's (100903 once)",
              counts.get("100903") == 1, str(counts))


def strip_ids(path):
    out = []
    for l in text(path).splitlines():
        if l.strip():
            a = json.loads(l)
            a.pop("id", None)
            out.append(json.dumps(a, sort_keys=True))
    return out


def manager_run(tmp, j, streams):
    """A manager with -j j fed by the agents; (its alerts, its home)."""
    home = os.path.join(tmp, f"mgr{j}")
    m = Manager(YAGURA, ROOT, home, "<global><logall_json>yes</logall_json></global>")
    write(os.path.join(home, "etc", "decoders", "det_decoders.xml"),
          text(os.path.join(DET, "decoders", "det_decoders.xml")))
    write(os.path.join(home, "etc", "rules", "det_rules.xml"),
          text(os.path.join(DET, "rules", "0100-det.xml")))
    check(f"manager -j {j} starts", m.start(args=["-j", str(j)]), m.log()[-2000:])
    total = 0
    try:
        agents = []
        for k in range(len(streams)):
            ag = RawAgent(m, os.path.join(tmp, f"ag{j}-{k}"), f"det{k + 1}")
            check(f"-j {j}: agent {k + 1} enrols and connects", ag.id and ag.connect(),
                  ag.enroll_output)
            agents.append(ag)
        # round robin, 25 records a frame: the batches mix the agents
        for start in range(0, max(len(s) for s in streams), 25):
            for ag, s in zip(agents, streams):
                recs = [evrec(l, BASE, "/var/log/det.log") for l in s[start:start + 25]]
                if recs:
                    ag.send(recs)
                    total += len(recs)
        arch = os.path.join(home, "logs", "archives", "archives.json")
        done = wait_for(lambda: sum(1 for l in text(arch).splitlines()
                                    if '"detapp"' in l) >= total, 240)
        check(f"-j {j}: the manager archived all {total} events", done, m.log()[-1500:])
        for ag in agents:
            ag.close()
    finally:
        m.stop()
    return home


def manager_part(tmp):
    rng = random.Random(8)
    streams = [[line(rng, i) for i in range(400)] for _ in range(4)]
    per_agent = {}
    for j in WORKERS:
        home = manager_run(tmp, j, streams)
        alerts = os.path.join(home, "logs", "alerts", "alerts.json")
        arch = os.path.join(home, "logs", "archives", "archives.json")
        mine = strip_ids(alerts)
        conf = os.path.join(home, "etc", "ossec.conf")
        for rj in WORKERS:
            out = os.path.join(tmp, f"mgr{j}-replay{rj}.json")
            rc, err = replay(conf, home, arch, rj, "archives", out)
            check(f"replay -j {rj} of manager -j {j}'s archives runs", rc == 0, err[-800:])
            got = strip_ids(out)
            diff = next((i for i, (a, b) in enumerate(zip(mine, got)) if a != b), None)
            check(f"manager -j {j}: replay -j {rj} of its archives gives its alerts",
                  got == mine, f"{len(mine)} vs {len(got)} alerts, first difference at "
                  f"{diff}: {mine[diff] if diff is not None else ''}\n"
                  f"{got[diff] if diff is not None else ''}")
        per_agent[j] = sorted((a["agent"]["name"], a["rule"]["id"], a["full_log"])
                              for a in read_alerts(home) if a["rule"]["id"] in PER_AGENT)
        check(f"manager -j {j}: per-agent rules fire", len(per_agent[j]) > 0)
        check(f"manager -j {j}: no sanitizer reports", not sanitizer_reports(home),
              "\n".join(sanitizer_reports(home))[:2000])
    for j in WORKERS[1:]:
        check(f"manager -j {j}: the per-agent rules give what -j 1 gives",
              per_agent[j] == per_agent[1], f"{len(per_agent[j])} vs {len(per_agent[1])}")


with tempfile.TemporaryDirectory() as tmp:
    replay_part(tmp)
    manager_part(tmp)
finish()
