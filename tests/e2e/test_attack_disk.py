"""Attacks on the manager's disk (docs/threat-model.md): a log flood that
fills the file system of HOME/var/db, and a damaged manager.db.

Full disk: HOME/var/db is a 6 MiB tmpfs (skipped when mount is not
permitted). Once it is full, a collected line cannot be committed: the
manager must say "no space left" (once, not per retry), wait between
retries instead of spinning, and say "recovered" when space is back, with
the held-back alert then committed.

Damaged manager.db: the manager refuses to start and names the way out;
`--recover-db` sets the file aside and starts; a file damaged past its
header keeps what can be read.
Usage: test_attack_disk.py YAGURA SOURCE_ROOT"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import sanitizer_reports, Manager, read_alerts, text, wait_for, write  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = text(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
    return (int(f[11]) + int(f[12])) / TICK if len(f) > 12 else 0.0


def line(tag):
    return (f"Dec  8 10:00:00 web1 sshd[77]: Accepted password for {tag} from 10.1.2.3 "
            "port 2222 ssh2\n")


def has(home, tag):
    return any(tag in a.get("full_log", "") for a in read_alerts(home))


with tempfile.TemporaryDirectory() as tmp:
    # ---- full disk ----
    home = os.path.join(tmp, "full")
    db = os.path.join(home, "var", "db")
    os.makedirs(db)
    authlog = os.path.join(tmp, "auth.log")
    write(authlog, "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", db],
                             capture_output=True, text=True).returncode == 0
    if not mounted:
        print("# mount not permitted here: the full-disk part is skipped")
    else:
        try:
            m = Manager(YAGURA, ROOT, home, f"""
  <localfile><log_format>syslog</log_format><location>{authlog}</location></localfile>""")
            check("manager starts on a small file system", m.start(), m.log()[-1500:])
            with open(authlog, "a") as f:
                f.write(line("before"))
            check("an alert is committed", wait_for(lambda: has(home, "before"), 20))
            filler = os.path.join(db, "filler")
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"],
                           capture_output=True)
            with open(authlog, "a") as f:
                f.write(line("during"))
            said = wait_for(lambda: "no space left" in m.log(), 20)
            check("a full disk is named: no space left", said, m.log()[-1500:])
            c0, t0 = cpu_s(m.proc.pid), time.monotonic()
            time.sleep(6)
            used = (cpu_s(m.proc.pid) - c0) / (time.monotonic() - t0)
            print(f"# CPU while the disk is full: {used * 100:.1f}% of a core")
            check("no spinning while it is full (under 10% of a core)", used < 0.10,
                  f"{used * 100:.1f}%")
            check("said once, not per retry", m.log().count("no space left") == 1,
                  str(m.log().count("no space left")))
            check("the held-back alert is not written meanwhile", not has(home, "during"))
            os.unlink(filler)
            back = wait_for(lambda: "(recovered)" in m.log(), 20)
            check("space back: a 'recovered' line", back, m.log()[-1500:])
            check("...and the held-back alert is committed",
                  wait_for(lambda: has(home, "during"), 20))
            m.stop()
        finally:
            if mounted:
                subprocess.run(["umount", db], capture_output=True)

    # ---- damaged manager.db ----
    home = os.path.join(tmp, "dmg")
    write(authlog, "")
    m = Manager(YAGURA, ROOT, home, f"""
  <localfile><log_format>syslog</log_format><location>{authlog}</location></localfile>""")
    check("manager starts", m.start(), m.log()[-1500:])
    with open(authlog, "a") as f:
        for i in range(200):
            f.write(line(f"kept{i}"))
    check("alerts are committed", wait_for(lambda: has(home, "kept199"), 30))
    m.stop()
    mdb = os.path.join(home, "var", "db", "manager.db")
    with open(mdb, "r+b") as f:
        f.write(b"not a database!!" * 64)
    check("a damaged manager.db: the manager refuses to start", not m.start(timeout=20))
    m.stop()
    err = text(os.path.join(home, "logs", "stderr.log")) + m.log()
    check("...and names the way out (--recover-db)", "is damaged" in err and
          "--recover-db" in err, err[-1500:])
    p = subprocess.Popen([YAGURA, "manager", "-D", home, "-f", "--recover-db"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    m.proc = p
    up = wait_for(lambda: m.log().count("YG-1001 started") >= 2 or p.poll() is not None, 30)
    check("--recover-db: the manager starts", up and p.poll() is None, m.log()[-1500:])
    aside = [f for f in os.listdir(os.path.dirname(mdb)) if f.startswith("manager.db.corrupt-")]
    check("...with the damaged file set aside", len(aside) == 1, str(aside))
    with open(authlog, "a") as f:
        f.write(line("afterwards"))
    check("...and it works", wait_for(lambda: has(home, "afterwards"), 20))
    # damage past the header: the schema and some rows are still readable
    with open(authlog, "a") as f:
        for i in range(300):
            f.write(line(f"more{i}"))
    check("more alerts are committed", wait_for(lambda: has(home, "more299"), 30))
    m.stop()
    size = os.path.getsize(mdb)
    with open(mdb, "r+b") as f:  # a page in the middle: the alerts' data
        f.seek(size // 2 // 4096 * 4096)
        f.write(b"\xff" * 4096)
    p = subprocess.Popen([YAGURA, "manager", "-D", home, "-f", "--recover-db"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    m.proc = p
    up = wait_for(lambda: m.log().count("YG-1001 started") >= 3 or p.poll() is not None, 30)
    log = m.log()
    print("#", "\n# ".join(ln for ln in log.splitlines() if "recover-db" in ln)[-1500:])
    kept = re.search(r"table alerts: (\d+) rows kept", log)
    check("a page damaged: --recover-db keeps the alerts it can read",
          up and p.poll() is None and kept and int(kept.group(1)) >= 250, log[-1500:])
    m.stop()
    reports = sanitizer_reports(os.path.join(tmp, "full"), home)
    check("no sanitizer report", not reports, str(reports)[:1500])
finish()
