#!/usr/bin/env python3
"""bench/agents/agent_idle.py BUILD_DIR [SETTLE_S=10] [MEASURE_S=60] [yagura|yagura-agent]

Memory and CPU of an idle `yagura agent`: a real manager and a real agent
enrolled to it on 127.0.0.1 (tests/e2e/agentlib.py), the agent with a
realtime <syscheck> directory of 100 files and one collected log, nothing
happening. After SETTLE_S seconds it reads /proc/PID/status (VmRSS, VmHWM,
RssAnon, RssFile), /proc/PID/smaps_rollup (Private = Private_Clean +
Private_Dirty, Pss), utime+stime over MEASURE_S seconds, and the resident
kB per mapping (/proc/PID/smaps, mappings of 64 kB or more). The last
argument picks the agent's binary: `yagura agent` (the one binary, the
default) or the agent-only `yagura-agent` (package yagura-agent)."""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import agentlib  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
settle = float(sys.argv[2]) if len(sys.argv) > 2 else 10
measure = float(sys.argv[3]) if len(sys.argv) > 3 else 60
which = sys.argv[4] if len(sys.argv) > 4 else "yagura"
yagura = os.path.abspath(os.path.join(build, "src", "cli", "yagura"))
agent_bin = (os.path.abspath(os.path.join(build, "src", "cli", "yagura-agent"))
             if which == "yagura-agent" else None)


def status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            out[k] = int(v.split()[0])
    for line in open(f"/proc/{pid}/smaps_rollup"):
        k, _, v = line.partition(":")
        if k in ("Pss", "Private_Clean", "Private_Dirty"):
            out[k] = int(v.split()[0])
    return out


def by_mapping(pid):
    """Rss and Private_Dirty in kB per mapped file ([heap], [stack], anon)."""
    out, name = {}, None
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = head[5] if len(head) > 5 else "[anon]"
            out.setdefault(name, [0, 0])
        elif head[0] == "Rss:":
            out[name][0] += int(head[1])
        elif head[0] == "Private_Dirty:":
            out[name][1] += int(head[1])
    return sorted(out.items(), key=lambda kv: -kv[1][0])


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def failed(name, ok, detail=""):
    if not ok:
        sys.exit(f"agent_idle: {name} failed: {detail}")


with tempfile.TemporaryDirectory() as tmp:
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    for i in range(100):
        with open(os.path.join(www, f"f{i}.php"), "w") as f:
            f.write("<?php echo %d;\n" % i)
    log = os.path.join(tmp, "app.log")
    open(log, "w").close()
    agent_conf = lambda _id: (  # noqa: E731
        f"<syscheck><directories realtime=\"yes\">{www}</directories></syscheck>"
        f"<localfile><log_format>syslog</log_format><location>{log}</location></localfile>")
    m, ag = agentlib.start_pair(yagura, ROOT, tmp, agentlib.shared_dirs(ROOT)[0], {},
                                lambda _id: "", agent_conf, failed,
                                agent_bin=agent_bin)
    try:
        pid = ag.proc.pid
        time.sleep(settle)
        c0, t0 = cpu(pid), time.monotonic()
        time.sleep(measure)
        c1, t1 = cpu(pid), time.monotonic()
        st = status(pid)
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        print(f"$ bench/agents/agent_idle.py {build} {settle:g} {measure:g} {which}")
        print(f"machine: {os.cpu_count()} CPU(s), load average "
              f"{' '.join(open('/proc/loadavg').read().split()[:3])}; yagura {commit}")
        print()
        print("| VmRSS MB | VmHWM MB | RssAnon MB | RssFile MB | Private MB | Pss MB |"
              " threads | CPU % |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        mb = lambda k: st[k] / 1024  # noqa: E731
        print(f"| {mb('VmRSS'):.1f} | {mb('VmHWM'):.1f} | {mb('RssAnon'):.1f} | "
              f"{mb('RssFile'):.1f} | {(st['Private_Clean'] + st['Private_Dirty']) / 1024:.1f} | "
              f"{mb('Pss'):.1f} | {st['Threads']} | {100 * (c1 - c0) / (t1 - t0):.3f} |")
        print()
        print("| mapping | Rss kB | Private_Dirty kB |")
        print("| --- | ---: | ---: |")
        for name, (rss, dirty) in by_mapping(pid):
            if rss >= 64:
                print(f"| {os.path.basename(name) or name} | {rss} | {dirty} |")
    finally:
        ag.stop()
        m.stop()
