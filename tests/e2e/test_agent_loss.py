#!/usr/bin/env python3
"""Exactly once under crashes, end to end: a real `yagura agent` collects a
file growing by 100,000 numbered sshd lines (each alerts as rule 5715 on the
manager) and streams them to a real `yagura manager` on 127.0.0.1, while the
manager is killed with kill -9 and restarted twice and the agent is killed
with kill -9 and restarted once, at different moments of the stream. In the
end every line's alert is in alerts.json once and in the alert store
(var/db/manager.db, table alerts) once: none missing, none twice. Prints the
throughput and how long each outage lasted.
Skipped (exit 77) when ../shared is absent.
Usage: test_agent_loss.py YAGURA SOURCE_ROOT [N]"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, free_port, text, wait_for, write  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if not os.path.isdir(os.path.join(ROOT, "..", "shared")):
    print("../shared not found: skipped")
    sys.exit(77)

N = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("YG_AGENT_LOSS_N", "100000"))
RATE = 2000              # lines per second written to the collected file
CHUNK_S = 0.05           # the writer appends every CHUNK_S seconds
# moments of the stream (fraction of N written) and what happens there
PLAN = [(0.20, "manager"), (0.45, "agent"), (0.70, "manager")]
DOWN_S = {"manager": 3.0, "agent": 2.0}   # how long each stays down
LINE_RE = re.compile(rb"Accepted password for u(\d+) from")


SAN_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:")


def errfile(tmp, name):
    """An append-mode file for a child's stderr (sanitizer reports land there)."""
    return open(os.path.join(tmp, f"{name}.stderr"), "ab")


def sanitizer_reports(tmp):
    """Lines of sanitizer reports in the children's stderr files."""
    out = []
    for f in sorted(os.listdir(tmp)):
        if f.endswith(".stderr"):
            for ln in text(os.path.join(tmp, f)).splitlines():
                if SAN_RE.search(ln):
                    out.append(f"{f}: {ln}")
    return out


def sshd_line(n):
    return (f"Jan 12 10:00:01 web1 sshd[{n % 30000}]: Accepted password for u{n} "
            f"from 10.1.2.3 port {n % 60000 + 1} ssh2\n")


class AlertCounter:
    """Reads alerts.json incrementally (complete lines only) and counts the
    alerts of each numbered line; also remembers when the count last moved."""

    def __init__(self, path):
        self.path = path
        self.off = 0
        self.counts = {}
        self.other = 0
        self.total = 0
        self.last_change = time.monotonic()
        self.agent_ids = set()
        self.samples = []          # (time, distinct lines) after each read
        self.lock = threading.Lock()

    def update(self):
        with self.lock:
            self._update()
            self.samples.append((time.monotonic(), len(self.counts)))
        return self

    def peak_rate(self, window=2.0):
        """The highest number of new lines alerted per second over `window`."""
        best, j = 0.0, 0
        for i, (t, d) in enumerate(self.samples):
            while self.samples[j][0] < t - window:
                j += 1
            t0, d0 = self.samples[j]
            if t - t0 >= window / 2:
                best = max(best, (d - d0) / (t - t0))
        return best

    def _update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self.off += end + 1
        for line in data[:end].split(b"\n"):
            m = LINE_RE.search(line)
            if not m:
                self.other += 1
                continue
            n = int(m.group(1))
            self.counts[n] = self.counts.get(n, 0) + 1
            self.total += 1
            a = re.search(rb'"agent":\{"id":"(\d+)"', line)
            self.agent_ids.add(a.group(1).decode() if a else None)
        self.last_change = time.monotonic()

    def distinct(self):
        return len(self.counts)


with tempfile.TemporaryDirectory() as tmp:
    mgr = os.path.join(tmp, "mgr")
    ag = os.path.join(tmp, "agent")
    log = os.path.join(tmp, "sshd.log")
    for d in (mgr, ag):
        os.makedirs(d)
    rport, aport = free_port(), free_port()
    write(os.path.join(mgr, "etc", "ossec.conf"), f"""<ossec_config>
  <remote><local_ip>127.0.0.1</local_ip><port>{rport}</port></remote>
  <auth><port>{aport}</port></auth>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    write(os.path.join(mgr, "etc", "authd.pass"), "loss-test-pass\n")
    mlog = os.path.join(mgr, "logs", "yagura.log")
    alog = os.path.join(ag, "logs", "yagura-agent.log")
    alerts_json = os.path.join(mgr, "logs", "alerts", "alerts.json")

    def start_manager():
        n0 = text(mlog).count("YG-1001 started")
        with errfile(tmp, "manager") as err:
            p = subprocess.Popen([YAGURA, "manager", "-D", mgr, "-f"],
                                 stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: text(mlog).count("YG-1001 started") > n0 or p.poll() is not None, 60)
        return p

    def start_agent():
        n0 = text(alog).count("YG-2001 started")
        with errfile(tmp, "agent") as err:
            p = subprocess.Popen([YAGURA, "agent", "-D", ag, "-f"],
                                 stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: text(alog).count("YG-2001 started") > n0 or p.poll() is not None, 60)
        return p

    def stop(p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            return p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    manager = start_manager()
    check("manager started", manager.poll() is None, text(mlog)[-2000:])
    e = subprocess.run([YAGURA, "enroll", "-m", "127.0.0.1", "-p", str(aport), "-A", "loss1",
                        "-P", "loss-test-pass", "--ca", os.path.join(mgr, "etc", "ca", "ca.crt"),
                        "-D", ag], capture_output=True, text=True, timeout=60)
    agent_id = e.stdout.strip()
    check("agent enrolled", e.returncode == 0 and agent_id.isdigit(), e.stdout + e.stderr)
    write(os.path.join(ag, "etc", "ossec.conf"), f"""<ossec_config>
  <client>
    <server><address>127.0.0.1</address><port>{rport}</port></server>
    <notify_time>2</notify_time>
  </client>
  <localfile>
    <log_format>syslog</log_format>
    <location>{log}</location>
  </localfile>
</ossec_config>
""")
    write(log, "")
    agent = start_agent()
    check("agent connected", wait_for(lambda: "connected to the manager" in text(alog), 30),
          text(alog)[-2000:])

    counter = AlertCounter(alerts_json)
    written = [0]
    writer_done = threading.Event()

    def writer():
        """Appends lines 1..N at RATE lines/s, one write per chunk."""
        per = max(1, int(RATE * CHUNK_S))
        t0 = time.monotonic()
        with open(log, "a") as f:
            n = 1
            while n <= N:
                last = min(N, n + per - 1)
                f.write("".join(sshd_line(i) for i in range(n, last + 1)))
                f.flush()
                written[0] = last
                n = last + 1
                # keep the average rate, whatever the kills cost us
                delay = t0 + written[0] / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        writer_done.set()

    outages = []
    t_start = time.monotonic()
    wt = threading.Thread(target=writer, daemon=True)
    wt.start()
    sampling = [True]

    def sampler():
        """Reads alerts.json a few times a second, for the throughput figures."""
        while sampling[0]:
            counter.update()
            time.sleep(0.25)
    st = threading.Thread(target=sampler, daemon=True)
    st.start()
    try:
        for frac, who in PLAN:
            while written[0] < frac * N:
                time.sleep(0.05)
            counter.update()
            at_kill = counter.distinct()
            w_kill = written[0]
            t_kill = time.monotonic()
            if who == "manager":
                manager.kill()
                manager.wait()
            else:
                agent.kill()
                agent.wait()
            time.sleep(DOWN_S[who])
            if who == "manager":
                manager = start_manager()
                ok = manager.poll() is None
            else:
                agent = start_agent()
                ok = agent.poll() is None
            t_up = time.monotonic()
            check(f"{who} restarted after kill -9 at line {w_kill}", ok,
                  text(mlog if who == "manager" else alog)[-2000:])
            # delivery resumed: the number of distinct lines moves again
            base = counter.update().distinct()
            wait_for(lambda: counter.update().distinct() > base, 60)
            t_flow = time.monotonic()
            outages.append((who, w_kill, at_kill, t_up - t_kill, t_flow - t_kill))
            print(f"# kill -9 {who} with {at_kill} of {N} lines alerted "
                  f"({w_kill} written): process back after {t_up - t_kill:.1f}s, "
                  f"alerts flowing again after {t_flow - t_kill:.1f}s", flush=True)
        writer_done.wait(600)
        t_written = time.monotonic()
        # wait until everything arrived, or nothing moved for 60 s
        while counter.update().distinct() < N and time.monotonic() - counter.last_change < 60:
            time.sleep(0.3)
        t_end = time.monotonic()
        time.sleep(2)     # anything arriving late would be a duplicate: give it time
        counter.update()
    finally:
        sampling[0] = False
        rc_agent = stop(agent)
        rc_manager = stop(manager)

    dt = t_end - t_start
    print(f"# {N} lines written in {t_written - t_start:.1f}s "
          f"({N / (t_written - t_start):.0f} lines/s); all alerted after {dt:.1f}s: "
          f"{counter.distinct() / dt:.0f} events/s end to end including "
          f"{sum(o[4] for o in outages):.1f}s of outages; peak {counter.peak_rate():.0f} "
          f"events/s (2 s window, catching up after an outage)")
    for who, w, at, up, flow in outages:
        print(f"# outage: {who} kill -9 at {w} written/{at} alerted: down {up:.1f}s "
              f"(to process up), {flow:.1f}s until alerts flowed again")
    missing = [n for n in range(1, N + 1) if n not in counter.counts]
    twice = [n for n, c in counter.counts.items() if c > 1]
    extra = [n for n in counter.counts if n < 1 or n > N]
    print(f"# alerts.json: {counter.total} alerts for {counter.distinct()} lines, "
          f"missing {len(missing)}, twice {len(twice)}")
    check(f"alerts.json: every one of {N} lines alerted (none missing)", not missing,
          f"missing {len(missing)}: {missing[:20]}")
    check("alerts.json: no line alerted twice", not twice and not extra,
          f"twice {len(twice)}: {twice[:20]}; unexpected {extra[:5]}")
    check("alerts.json: every alert carries the agent's id", counter.agent_ids == {agent_id},
          str(counter.agent_ids))

    db = sqlite3.connect(os.path.join(mgr, "var", "db", "manager.db"))
    rows = db.execute("select json from alerts where rule_id = '5715'").fetchall()
    db.close()
    store = {}
    for (j,) in rows:
        m = LINE_RE.search(j.encode())
        if m:
            n = int(m.group(1))
            store[n] = store.get(n, 0) + 1
    smissing = [n for n in range(1, N + 1) if n not in store]
    stwice = [n for n, c in store.items() if c > 1]
    print(f"# alert store: {len(rows)} rows of rule 5715 for {len(store)} lines")
    check(f"alert store: every one of {N} lines once", not smissing and not stwice and
          len(rows) == N, f"{len(rows)} rows, missing {len(smissing)} {smissing[:10]}, "
          f"twice {len(stwice)} {stwice[:10]}")
    check("agent stopped cleanly at the end", rc_agent == 0, f"rc {rc_agent}")
    check("manager stopped cleanly at the end", rc_manager == 0, f"rc {rc_manager}")
    gaps = [l for l in text(mlog).splitlines() if "are missing (the agent lost them)" in l]
    check("the manager saw no seq gap", not gaps, "\n".join(gaps[:5]))
    errors = [l for l in text(alog).splitlines() if ": ERROR:" in l]
    check("no errors in the agent's log", not errors, "\n".join(errors[:10]))
    san = sanitizer_reports(tmp)
    check("no sanitizer report from any process", not san, "\n".join(san[:10]))
finish()
