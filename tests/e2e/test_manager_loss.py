#!/usr/bin/env python3
"""Loss and duplicate tests of the real `yagura manager` (issue 3, "Done
when"): a stream of numbered sshd failures with a `kill -9` in the middle,
rotation by rename and by copy-truncate, new files under a wildcard, FIM
changes made while the manager was stopped, and survival of a 10 MB line,
binary garbage and invalid UTF-8. Every collected line is
"sshd[..]: Failed password for <tag><number> from <ip> ..." with an IP unique
per line, so it gives exactly one 5716 alert and no frequency rule fires.
Skipped (exit 77) when the binary has no `manager` subcommand.
Usage: test_manager_loss.py YAGURA SOURCE_ROOT [N]"""
import collections
import json
import os
import sqlite3
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, wait_for  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("YG_LOSS_N", "100000"))

p = subprocess.run([YAGURA, "manager", "-h"], capture_output=True, text=True)
if "manager" not in (p.stdout + p.stderr) or "unknown command" in (p.stdout + p.stderr).lower():
    print("yagura has no manager subcommand: skipped")
    sys.exit(77)

TOKEN = re.compile(rb"Failed password for ([a-z]+)(\d+) from")
SEQ = [0]  # global line counter: makes every source IP unique


def sshd_line(tag, n):
    """One syslog sshd failure for user <tag><n>, from an IP used only once."""
    SEQ[0] += 1
    s = SEQ[0]
    ip = f"10.{(s >> 16) & 255}.{(s >> 8) & 255}.{s & 255}"
    return (f"Nov 28 05:00:00 loss sshd[{1000 + s % 30000}]: Failed password for "
            f"{tag}{n} from {ip} port {1024 + s % 60000} ssh2\n")


class Alerts:
    """Reads every file under logs/alerts incrementally, keyed by inode (a
    rotated alerts.json keeps its inode under its new name, so nothing is
    counted twice). Counts the (tag, number) of each 5716 alert's full_log and
    keeps the syscheck alerts."""

    def __init__(self, home):
        self.dir = os.path.join(home, "logs", "alerts")
        self.off = {}
        self.count = collections.Counter()
        self.rules = collections.Counter()
        self.fim = []
        self.bad_json = 0
        self.total = 0

    def update(self):
        for dp, _, files in os.walk(self.dir):
            for fn in files:
                if not fn.endswith(".json"):
                    continue
                path = os.path.join(dp, fn)
                try:
                    st = os.stat(path)
                    key = (st.st_dev, st.st_ino)
                    off = self.off.get(key, 0)
                    if st.st_size <= off:
                        continue
                    with open(path, "rb") as f:
                        f.seek(off)
                        data = f.read()
                except FileNotFoundError:
                    continue
                end = data.rfind(b"\n") + 1
                self.off[key] = off + end
                for line in data[:end].split(b"\n"):
                    if line:
                        self._line(line)
        return self

    def _line(self, line):
        self.total += 1
        try:
            a = json.loads(line)
        except ValueError:
            self.bad_json += 1
            m = TOKEN.search(line)
            if m:
                self.count[(m.group(1).decode(), int(m.group(2)))] += 1
            return
        self.rules[a.get("rule", {}).get("id")] += 1
        if "syscheck" in a:
            self.fim.append(a)
            return
        m = TOKEN.search(a.get("full_log", "").encode("utf-8", "surrogateescape"))
        if m and a.get("rule", {}).get("id") == "5716":
            self.count[(m.group(1).decode(), int(m.group(2)))] += 1

    def raw_has(self, needle):
        """True when some alert file holds needle (the bytes, not parsed)."""
        for dp, _, files in os.walk(self.dir):
            for fn in files:
                with open(os.path.join(dp, fn), "rb") as f:
                    if needle in f.read():
                        return True
        return False

    def of(self, tag, n):
        """(missing numbers, duplicated numbers) of tag among 0..n-1."""
        miss = [i for i in range(n) if self.count[(tag, i)] == 0]
        dup = sum(self.count[(tag, i)] - 1 for i in range(n) if self.count[(tag, i)] > 1)
        return miss, dup


def wait_all(al, tag, n, stall=30.0):
    """Waits until every number of tag is seen, or no progress for stall s."""
    last, last_t = -1, time.monotonic()
    while True:
        al.update()
        seen = sum(1 for i in range(n) if al.count[(tag, i)])
        if seen == n:
            return True
        if seen != last:
            last, last_t = seen, time.monotonic()
        elif time.monotonic() - last_t > stall:
            return False
        time.sleep(0.2)


def log_text(home):
    try:
        with open(os.path.join(home, "logs", "yagura.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def append(path, lines):
    with open(path, "a") as f:
        f.write("".join(lines))


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    logs = os.path.join(tmp, "logs")
    wild = os.path.join(tmp, "wild")
    fimd = os.path.join(tmp, "fim")
    for d in (home, logs, wild, fimd, os.path.join(home, "etc")):
        os.makedirs(d, exist_ok=True)
    stream = os.path.join(logs, "stream.log")
    rot = os.path.join(logs, "rot.log")
    ct = os.path.join(logs, "ct.log")
    garbage = os.path.join(logs, "garbage.log")
    for f_ in (stream, rot, ct, garbage):
        open(f_, "w").close()
    for name in ("a.txt", "b.txt", "c.txt"):
        with open(os.path.join(fimd, name), "w") as f:
            f.write(f"original {name}\n")
    conf = os.path.join(home, "etc", "ossec.conf")
    lf = "".join(f"""
  <localfile>
    <log_format>syslog</log_format>
    <location>{loc}</location>
  </localfile>""" for loc in (stream, rot, ct, garbage, os.path.join(wild, "*.log")))
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <syscheck>
    <frequency>86400</frequency>
    <scan_on_start>yes</scan_on_start>
    <directories check_all="yes" realtime="yes">{fimd}</directories>
  </syscheck>{lf}
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    procs = []

    def start():
        """Starts the manager in the foreground; waits for its FIM baseline."""
        mark = log_text(home).count("YG-1004")
        pr = subprocess.Popen([YAGURA, "manager", "-c", conf, "-D", home, "-f"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(pr)
        ok = wait_for(lambda: log_text(home).count("YG-1004") > mark or pr.poll() is not None, 60)
        return pr, bool(ok) and pr.poll() is None

    def stop(pr):
        pr.send_signal(signal.SIGTERM)
        try:
            return pr.wait(60)
        except subprocess.TimeoutExpired:
            pr.kill()
            pr.wait()
            return -999

    al = Alerts(home)
    try:
        proc, ok = start()
        check("manager started", ok, log_text(home)[-3000:])

        # 3. New files under a wildcard location.
        for k, name in enumerate(("new1.log", "new2.log")):
            append(os.path.join(wild, name), [sshd_line(f"w{'ab'[k]}", i) for i in range(300)])
        time.sleep(0.3)
        append(os.path.join(wild, "new2.log"), [sshd_line("wb", i) for i in range(300, 600)])
        ok = wait_all(al, "wa", 300, 15) and wait_all(al, "wb", 600, 15)
        time.sleep(1.5)
        al.update()
        ma, da = al.of("wa", 300)
        mb, db = al.of("wb", 600)
        check("wildcard: new files' lines all collected, once",
              ok and not ma and not mb and da == 0 and db == 0,
              f"missing {len(ma)}+{len(mb)} dup {da}+{db}")

        # 2a. Rotation by rename while lines are written.
        def writer_rename():
            f = open(rot, "a")
            for c in range(40):
                if c == 20:
                    f.close()
                    os.rename(rot, rot + ".1")
                    f = open(rot, "a")
                f.write("".join(sshd_line("r", c * 100 + i) for i in range(100)))
                f.flush()
                time.sleep(0.01)
            f.close()

        # 2b. Copy-truncate while lines are written. Lines still unread when
        # the file is truncated are in the copy only (the limit of every
        # tailer, docs/logcollector.md), so each truncate waits for the reader
        # to catch up, as logrotate's delay would. The first time the file
        # restarts small (size check); the second time it grows back past its
        # old size in one write, so only the head hash can notice.
        def writer_ct():
            f = open(ct, "a")
            n = 0
            for c in range(45):
                if c in (15, 30):
                    wait_all(al, "c", n, 20)
                    shutil.copyfile(ct, ct + f".{c}")
                    os.truncate(ct, 0)
                k = 2000 if c == 30 else 100
                f.write("".join(sshd_line("c", n + i) for i in range(k)))
                f.flush()
                n += k
                time.sleep(0.01)
            f.close()
            return n

        t0 = time.monotonic()
        writer_rename()
        nct = writer_ct()
        ok_r = wait_all(al, "r", 4000, 20)
        ok_c = wait_all(al, "c", nct, 20)
        time.sleep(1.5)
        al.update()
        mr, dr = al.of("r", 4000)
        mc, dc = al.of("c", nct)
        print(f"# rotation: {time.monotonic() - t0:.1f}s, rename missing {len(mr)} dup {dr}, "
              f"copy-truncate missing {len(mc)} dup {dc}")
        check("rotation by rename: no loss, no duplicates", ok_r and not mr and dr == 0,
              f"missing {mr[:20]} dup {dr}")
        check("copy-truncate: no loss, no duplicates", ok_c and not mc and dc == 0,
              f"missing {mc[:20]} ({len(mc)}) dup {dc}")

        # 5. Survival: a 10 MB line, binary garbage, invalid UTF-8.
        with open(garbage, "ab") as f:
            f.write(sshd_line("g", 0).encode())
            f.write(b"Nov 28 05:00:00 loss sshd[1]: Failed password for big from 10.255.255.1 "
                    + b"A" * (10 << 20) + b"\n")
            f.write(sshd_line("g", 1).encode())
            f.write(os.urandom(256 << 10))
            f.write(b"\n")
            f.write(bytes(range(256)) * 64 + b"\n")
            f.write(sshd_line("g", 2).encode())
            f.write(b"Nov 28 05:00:00 loss sshd[2]: Failed password for \xff\xfe\xc3\x28 from "
                    b"10.255.255.2 port 1 ssh2 \xed\xa0\x80 \xf8\x88\x80\x80\x80\n")
            f.write(b"\xc0\xaf\xe0\x80\xaf garbage \x00\x00 more \x80\n")
            f.write(sshd_line("g", 3).encode())
        ok = wait_all(al, "g", 4, 30)
        time.sleep(1.0)
        append(garbage, [sshd_line("g", i) for i in range(4, 20)])
        ok = wait_all(al, "g", 20, 20) and ok
        alive = proc.poll() is None
        mg, dg = al.of("g", 20)
        check("survival: manager still running after 10 MB line, garbage, bad UTF-8", alive,
              log_text(home)[-2000:])
        check("survival: normal lines before and after still alert, once",
              ok and not mg and dg == 0, f"missing {mg} dup {dg}")
        check("survival: the invalid UTF-8 sshd line still alerts",
              al.raw_has(b"10.255.255.2 port 1 ssh2"), "")
        check("survival: every alert line is valid JSON", al.bad_json == 0,
              f"{al.bad_json} bad lines")

        # 1. A stream of N lines, kill -9 in the middle, restart.
        lines = [sshd_line("s", i) for i in range(N)]
        half = N // 2
        t0 = time.monotonic()
        for c in range(0, half, 2000):
            append(stream, lines[c:min(c + 2000, half)])
        # kill while it is busy with the first half
        wait_for(lambda: sum(v for (t, _), v in al.update().count.items() if t == "s")
                 >= N // 4, 120, 0.05)
        before = sum(v for (t, _), v in al.count.items() if t == "s")
        proc.kill()
        proc.wait()
        for c in range(half, half + N // 10, 2000):
            append(stream, lines[c:min(c + 2000, half + N // 10)])
        proc, ok = start()
        check("restarted after kill -9", ok, log_text(home)[-2000:])
        for c in range(half + N // 10, N, 2000):
            append(stream, lines[c:min(c + 2000, N)])
        ok = wait_all(al, "s", N, 30)
        dt = time.monotonic() - t0
        time.sleep(1.5)
        al.update()
        ms, ds = al.of("s", N)
        print(f"# stream: N={N} in {dt:.1f}s ({N / dt:.0f} lines/s), killed after {before} "
              f"alerts, missing {len(ms)}, duplicates {ds}")
        check(f"kill -9 mid-stream: all {N} lines alerted (no loss)", ok and not ms,
              f"missing {len(ms)}: {ms[:20]}")
        check("kill -9 mid-stream: no duplicates in alerts.json", ds == 0, f"{ds} duplicates")
        db = sqlite3.connect(os.path.join(home, "var", "db", "manager.db"))
        q = ("from alerts where rule_id = '5716' and"
             " json_extract(json, '$.full_log') glob '*Failed password for s[0-9]* from*'")
        stored = db.execute("select count(*) " + q).fetchone()[0]
        distinct = db.execute("select count(distinct json_extract(json, '$.full_log')) " + q
                              ).fetchone()[0]
        db.close()
        check("kill -9 mid-stream: the alert store holds each line's alert once",
              stored == N and distinct == N, f"{stored} rows, {distinct} distinct, want {N}")

        # 4. FIM changes while the manager is stopped.
        rc = stop(proc)
        check("SIGTERM: clean exit", rc == 0, f"rc {rc}")
        nfim = len(al.update().fim)
        with open(os.path.join(fimd, "a.txt"), "a") as f:
            f.write("changed while stopped\n")
        with open(os.path.join(fimd, "d.txt"), "w") as f:
            f.write("added while stopped\n")
        os.unlink(os.path.join(fimd, "b.txt"))
        proc, ok = start()
        check("restarted after SIGTERM", ok, log_text(home)[-2000:])

        def fim_of(rule, name):
            return [a for a in al.fim[nfim:] if a["rule"]["id"] == rule and
                    a["syscheck"].get("path") == os.path.join(fimd, name)]
        wait_for(lambda: al.update() and fim_of("550", "a.txt") and fim_of("554", "d.txt")
                 and fim_of("553", "b.txt"), 20)
        time.sleep(2.0)
        al.update()
        got = {k: len(fim_of(*k)) for k in (("550", "a.txt"), ("554", "d.txt"),
                                             ("553", "b.txt"))}
        check("FIM while stopped: modified, added, deleted each reported once",
              all(v == 1 for v in got.values()), str(got))
        others = [a["syscheck"].get("path") for a in al.fim[nfim:]
                  if a["syscheck"].get("path") not in (os.path.join(fimd, n)
                                                       for n in ("a.txt", "b.txt", "d.txt"))]
        check("FIM while stopped: nothing else reported", not others, str(others))
        rc = stop(proc)
        check("SIGTERM: clean exit at the end", rc == 0, f"rc {rc}")
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
                pr.wait()
finish()
