#!/usr/bin/env python3
"""journald input (issue 12) with journal files written by
systemd-journal-remote from journal export format (the machine has no
journald: ../shared/scenarios/README.md, "Journal files without journald"):

1. `yagura replay --log-format journald` on a journal file of ten sshd
   failures from one address: 5716 for each, 5720 at the eighth, exactly as
   the same lines replayed from a syslog text file; the pre-decoded fields
   are Wazuh's (program_name, hostname, timestamp) and the location is
   "journald".
2. `yagura manager` reading a journal directory (<location>journald:DIR) while
   entries are appended: `kill -9` in the middle, restart, and every entry
   gives exactly one alert (in alerts.json and in the store): nothing lost,
   nothing repeated.
3. `<only-future-events max-size="2KB">no</only-future-events>` (Wazuh's
   max-size): a backlog written while the manager was stopped is read when
   it is under max-size, and skipped (logged) when over; what comes after
   the restart is read; a bad max-size is refused by -t with file:line.
4. A `yagura agent` reading a journal directory and sending to a manager,
   the agent killed with `kill -9` in the middle: the journal's cursor
   travels in the spool's state frames, so every entry is alerted once.
Skipped (77) without systemd-journal-remote.
Usage: test_journald.py YAGURA SOURCE_ROOT [N]"""
import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
from agentlib import (Agent, Manager, read_alerts, sanitizer_reports,  # noqa: E402
                      stderr_file, stop_proc, text, wait_for)

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
JREMOTE = "/lib/systemd/systemd-journal-remote"
if not os.access(JREMOTE, os.X_OK):
    print(f"{JREMOTE} not installed: skipped")
    sys.exit(77)

T0 = 1765155000  # entry times: T0 + i seconds
TOKEN = re.compile(r"Failed password for ([a-z]+)(\d+) from")


def export_entry(i, user, ip):
    return (f"__REALTIME_TIMESTAMP={(T0 + i) * 1000000}\n__MONOTONIC_TIMESTAMP={i + 1}\n"
            f"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=web01\n"
            f"SYSLOG_IDENTIFIER=sshd\n_PID={2000 + i % 30000}\nPRIORITY=5\n"
            f"_SYSTEMD_UNIT=ssh.service\n"
            f"MESSAGE=Failed password for {user} from {ip} port {1024 + i % 60000} ssh2\n\n")


def journal_append(path, entries):
    """Appends export-format entries to the journal file `path`."""
    p = subprocess.run([JREMOTE, "-o", path, "-"], input="".join(entries).encode(),
                       capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"systemd-journal-remote: {p.stderr.decode(errors='replace')}")


def ruleset_conf(tmp):
    conf = os.path.join(tmp, "ruleset.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config><ruleset>
  <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
  <rule_dir>{ROOT}/ruleset/rules</rule_dir>
</ruleset></ossec_config>
""")
    return conf


def replay(conf, fmt, path):
    p = subprocess.run([YAGURA, "replay", "-c", conf, "-D", ROOT, "--log-format", fmt, path],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()], p.stderr


def test_replay(tmp):
    conf = ruleset_conf(tmp)
    jfile = os.path.join(tmp, "ten.journal")
    journal_append(jfile, [export_entry(i, "root", "203.0.113.45") for i in range(10)])
    rc, alerts, err = replay(conf, "journald", jfile)
    ids = [a.get("rule", {}).get("id") for a in alerts]
    check("replay journald: exit 0", rc == 0, err)
    check("replay journald: ten alerts, 5716 for each failure and 5720 at the eighth",
          ids == ["5716"] * 7 + ["5720"] + ["5716"] * 2, f"{ids} {err}")
    a = alerts[0] if alerts else {}
    ts = time.strftime("%b %d %H:%M:%S", time.gmtime(T0))
    check("replay journald: Wazuh's syslog line and pre-decoded fields",
          a.get("full_log", "").startswith(f"{ts} web01 sshd[2000]: Failed password for root")
          and a.get("predecoder") == {"program_name": "sshd", "hostname": "web01",
                                      "timestamp": ts}
          and a.get("location") == "journald", json.dumps(a)[:600])
    check("replay journald: srcip decoded", a.get("data", {}).get("srcip") == "203.0.113.45",
          json.dumps(a.get("data")))
    # the same lines from a syslog file give the same rules
    sfile = os.path.join(tmp, "ten.log")
    with open(sfile, "w") as f:
        f.write("".join(a["full_log"] + "\n" for a in alerts))
    rc2, alerts2, err2 = replay(conf, "syslog", sfile)
    check("replay journald: same rules as the syslog text of the same entries",
          [x.get("rule", {}).get("id") for x in alerts2] == ids, err2)
    rc, _, err = replay(conf, "journald", os.path.join(tmp, "missing.journal"))
    check("replay journald: a missing file is an error", rc != 0 and "missing" in err, err)


class Alerts:
    """Counts the (user, n) of each 5716 alert in alerts.json, incrementally."""

    def __init__(self, home):
        self.path = os.path.join(home, "logs", "alerts", "alerts.json")
        self.off = 0
        self.count = collections.Counter()
        self.other = collections.Counter()

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return self
        end = data.rfind(b"\n") + 1
        self.off += end
        for line in data[:end].split(b"\n"):
            if not line:
                continue
            a = json.loads(line)
            m = TOKEN.search(a.get("full_log", ""))
            if m and a.get("rule", {}).get("id") == "5716" and a.get("location") == "journald":
                self.count[(m.group(1), int(m.group(2)))] += 1
            else:
                self.other[a.get("rule", {}).get("id")] += 1
        return self

    def seen(self, user, n):
        return sum(1 for i in range(n) if self.count[(user, i)])


def test_manager_kill9(tmp):
    home = os.path.join(tmp, "home")
    jdir = os.path.join(tmp, "journal")
    os.makedirs(os.path.join(home, "etc"))
    os.makedirs(jdir)
    jfile = os.path.join(jdir, "remote-x.journal")
    conf = os.path.join(home, "etc", "ossec.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <localfile>
    <log_format>journald</log_format>
    <location>journald:{jdir}</location>
    <filter field="_SYSTEMD_UNIT">^ssh\\.service$</filter>
  </localfile>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    p = subprocess.run([YAGURA, "manager", "-D", home, "-c", conf, "-t"], capture_output=True,
                       text=True, timeout=120)
    check("manager -t accepts the journald localfile", p.returncode == 0, p.stderr)

    def entry(i):
        # a unique address per entry: one 5716 each, no frequency rule
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        return export_entry(i, f"u{i}", ip)

    def start():
        n0 = text(os.path.join(home, "logs", "yagura.log")).count("YG-1001")
        with stderr_file(home) as err:
            pr = subprocess.Popen([YAGURA, "manager", "-D", home, "-c", conf, "-f"],
                                  stdout=subprocess.DEVNULL, stderr=err)
        ok = wait_for(lambda: text(os.path.join(home, "logs", "yagura.log")).count("YG-1001")
                      > n0 or pr.poll() is not None, 60)
        return pr, bool(ok) and pr.poll() is None

    # entries already there before the first start are not read
    # (only-future-events yes, the default)
    journal_append(jfile, [export_entry(i, f"old{i}", "192.0.2.1") for i in range(5)])
    proc, ok = start()
    check("manager started on a journal directory", ok,
          text(os.path.join(home, "logs", "yagura.log"))[-2000:])
    al = Alerts(home)
    batch = 1000
    half = N // 2
    # the first half at once, so the kill comes while it is being read
    journal_append(jfile, [entry(i) for i in range(half)])
    wait_for(lambda: al.update().seen("u", N) >= N // 10, 120, 0.02)
    before = al.seen("u", N)
    proc.kill()
    proc.wait()
    # written while it is down
    for c in range(half, half + N // 4, batch):
        journal_append(jfile, [entry(i) for i in range(c, min(c + batch, half + N // 4))])
    proc, ok = start()
    check("restarted after kill -9", ok, text(os.path.join(home, "logs", "yagura.log"))[-2000:])
    for c in range(half + N // 4, N, batch):
        journal_append(jfile, [entry(i) for i in range(c, min(c + batch, N))])
    # an entry of another unit is not selected by the filter
    journal_append(jfile, [export_entry(N, f"cron{N}", "192.0.2.9").replace(
        "ssh.service", "cron.service")])
    last, last_t = -1, time.monotonic()
    while al.update().seen("u", N) < N and time.monotonic() - last_t < 60:
        if al.seen("u", N) != last:
            last, last_t = al.seen("u", N), time.monotonic()
        time.sleep(0.2)
    time.sleep(1.5)
    al.update()
    missing = [i for i in range(N) if al.count[("u", i)] == 0]
    dup = sum(v - 1 for (u, _), v in al.count.items() if u == "u" and v > 1)
    print(f"# {N} entries, {before} alerted before kill -9; missing {len(missing)}, dup {dup}")
    check("kill -9 while reading the journal: every entry alerted", not missing,
          f"missing {missing[:20]} ({len(missing)})")
    check("kill -9 while reading the journal: no entry alerted twice", dup == 0, f"dup {dup}")
    check("kill -9 happened while entries were still unread", 0 < before < half,
          f"before {before}")
    alerts_text = text(os.path.join(home, "logs", "alerts", "alerts.json"))
    check("entries written before the first start are not read (only-future-events)",
          "Failed password for old" not in alerts_text, str(al.other))
    check("an entry not selected by the filter gives nothing",
          f"Failed password for cron{N}" not in alerts_text, "")
    rc = stop_proc(proc)
    check("SIGTERM: exit 0", rc == 0, f"rc {rc}")
    db = sqlite3.connect(os.path.join(home, "var", "db", "manager.db"))
    try:
        cur = db.execute("SELECT source, cursor FROM lc_cursors").fetchall()
        stored = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
    except sqlite3.Error as e:
        cur, stored = [], f"error {e}"
    db.close()
    n_json = len(read_alerts(home))
    check("the journal's cursor is stored with the positions",
          len(cur) == 1 and cur[0][0] == f"journald:{jdir}" and cur[0][1].startswith("s="),
          str(cur))
    check("the store holds as many alerts as alerts.json", stored == n_json,
          f"store {stored} json {n_json}")
    rep = sanitizer_reports(home)
    check("no sanitizer report", not rep, "\n".join(rep[:10]))


def test_manager_max_size(tmp):
    home = os.path.join(tmp, "home-maxsize")
    jdir = os.path.join(tmp, "journal-maxsize")
    os.makedirs(os.path.join(home, "etc"))
    os.makedirs(jdir)
    jfile = os.path.join(jdir, "remote-m.journal")
    conf = os.path.join(home, "etc", "ossec.conf")
    log = os.path.join(home, "logs", "yagura.log")
    flog = os.path.join(tmp, "maxsize-auth.log")

    def file_append(user, n):
        with open(flog, "a") as f:
            for k in range(n):
                f.write(f"Dec  8 10:00:00 web01 sshd[77]: Failed password for {user}{k} from "
                        f"10.8.{k >> 8 & 255}.{k & 255} port 22 ssh2\n")

    def file_seen(user):
        return sum(1 for a in read_alerts(home) if a.get("location") == flog and
                   f"Failed password for {user}" in a.get("full_log", ""))

    def write_conf(future):
        with open(conf, "w") as f:
            f.write(f"""<ossec_config>
  <localfile>
    <log_format>journald</log_format>
    <location>journald:{jdir}</location>
    {future}
  </localfile>
  <localfile>
    <log_format>syslog</log_format>
    <location>{flog}</location>
    {future}
  </localfile>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    write_conf('<only-future-events max-size="lots">no</only-future-events>')
    p = subprocess.run([YAGURA, "manager", "-D", home, "-c", conf, "-t"], capture_output=True,
                       text=True, timeout=120)
    check("max-size: a bad value is refused with file:line",
          p.returncode == 1 and "ossec.conf:5" in p.stderr and "max-size" in p.stderr, p.stderr)
    write_conf('<only-future-events max-size="2KB">no</only-future-events>')
    seq = iter(range(10 ** 6))

    def entries(user, n):
        out = []
        for k in range(n):
            i = next(seq)
            out.append(export_entry(i, f"{user}{k}", f"10.9.{i >> 8 & 255}.{i & 255}"))
        return out

    def run_until(want):
        n0 = text(log).count("YG-1001")
        with stderr_file(home) as err:
            pr = subprocess.Popen([YAGURA, "manager", "-D", home, "-c", conf, "-f"],
                                  stdout=subprocess.DEVNULL, stderr=err)
        ok = wait_for(lambda: text(log).count("YG-1001") > n0 or pr.poll() is not None, 60)
        return pr, bool(ok) and pr.poll() is None

    al = Alerts(home)
    file_append("ffirst", 3)
    journal_append(jfile, entries("first", 3))
    proc, ok = run_until(None)
    check("max-size: the manager starts; only-future-events no reads what is there",
          ok and wait_for(lambda: al.update().seen("first", 3) == 3, 60), text(log)[-1500:])
    stop_proc(proc)
    journal_append(jfile, entries("small", 5))  # about 300 bytes of messages
    proc, ok = run_until(None)
    check("max-size: a backlog under max-size is read after the restart",
          ok and wait_for(lambda: al.update().seen("small", 5) == 5, 60), text(log)[-1500:])
    stop_proc(proc)
    check("max-size: the file's lines before the first start are read",
          wait_for(lambda: file_seen("ffirst") == 3, 30), str(file_seen("ffirst")))
    file_append("fbig", 100)  # about 9 KB
    journal_append(jfile, entries("big", 100))  # about 6 KB
    proc, ok = run_until(None)
    warned = wait_for(lambda: "more than max-size: reading from its end" in text(log), 60)
    fwarned = wait_for(lambda: "over max-size" in text(log) and
                       "reading from its end" in text(log), 60)
    journal_append(jfile, entries("after", 3))
    file_append("fafter", 3)
    got_after = wait_for(lambda: al.update().seen("after", 3) == 3, 60)
    check("max-size: a file that grew over max-size while stopped is read from its end",
          fwarned and wait_for(lambda: file_seen("fafter") == 3, 60) and
          file_seen("fbig") == 0, f"fbig {file_seen('fbig')}: {text(log)[-1500:]}")
    time.sleep(1.0)
    check("max-size: a backlog over max-size is skipped and logged, later entries are read",
          ok and warned and got_after and al.update().seen("big", 100) == 0,
          f"big {al.seen('big', 100)} after {al.seen('after', 3)}: {text(log)[-1500:]}")
    check("max-size: nothing alerted twice",
          all(v == 1 for v in al.count.values()), str(al.count.most_common(3)))
    rc = stop_proc(proc)
    check("max-size: SIGTERM: exit 0", rc == 0, f"rc {rc}")


def test_agent_kill9(tmp):
    base = os.path.join(tmp, "pair")
    jdir = os.path.join(tmp, "ajournal")
    os.makedirs(jdir)
    jfile = os.path.join(jdir, "remote-a.journal")
    m = Manager(YAGURA, ROOT, os.path.join(base, "mgr"))
    check("agent: manager starts", m.start(), m.log()[-2000:])
    ag = Agent(YAGURA, os.path.join(base, "agent"), m)
    check("agent: enrolled", ag.enroll("journal1"), getattr(ag, "enroll_output", ""))
    ag.write_config(f"""<localfile>
    <log_format>journald</log_format>
    <location>journald:{jdir}</location>
    <only-future-events>no</only-future-events>
  </localfile>""")
    rc, err = ag.check_config()
    check("agent -t accepts the journald localfile", rc == 0, err)
    n = N // 4

    def entry(i):
        ip = f"10.{100 + ((i >> 16) & 127)}.{(i >> 8) & 255}.{i & 255}"
        return export_entry(i, f"a{i}", ip)

    def counts():
        c = collections.Counter()
        for a in m.alerts():
            mm = TOKEN.search(a.get("full_log", ""))
            if mm and mm.group(1) == "a" and a.get("rule", {}).get("id") == "5716" and \
                    a.get("agent", {}).get("id") == ag.id:
                c[int(mm.group(2))] += 1
        return c
    journal_append(jfile, [entry(i) for i in range(n // 2)])
    check("agent: starts and connects", ag.start(), ag.log()[-2000:])
    wait_for(lambda: len(counts()) >= n // 10, 120, 0.05)
    before = len(counts())
    ag.proc.kill()
    ag.proc.wait()
    journal_append(jfile, [entry(i) for i in range(n // 2, 3 * n // 4)])
    check("agent: restarts after kill -9", ag.start(), ag.log()[-2000:])
    journal_append(jfile, [entry(i) for i in range(3 * n // 4, n)])
    wait_for(lambda: len(counts()) >= n, 180, 0.5)
    time.sleep(2.0)
    c = counts()
    missing = [i for i in range(n) if c[i] == 0]
    dup = sum(v - 1 for v in c.values() if v > 1)
    print(f"# agent: {n} entries, {before} alerted before kill -9; missing {len(missing)}, "
          f"dup {dup}")
    check("agent kill -9 while reading the journal: every entry alerted once",
          not missing and dup == 0, f"missing {missing[:20]} ({len(missing)}) dup {dup}")
    check("agent: killed while entries were still unsent", 0 < before < n // 2,
          f"before {before}")
    ag.stop()
    m.stop()
    rep = sanitizer_reports(m.home, ag.home)
    check("agent: no sanitizer report", not rep, "\n".join(rep[:10]))


with tempfile.TemporaryDirectory() as tmp:
    test_replay(tmp)
    test_manager_kill9(tmp)
    test_manager_max_size(tmp)
    test_agent_kill9(tmp)
finish()
