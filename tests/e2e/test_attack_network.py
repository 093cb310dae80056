"""Attacks from the network (docs/threat-model.md): an unauthenticated
client that floods the agent port, and one that guesses the enrolment
password.

The manager runs with RLIMIT_NOFILE 1024 (soft and hard, so it cannot
raise it: its own limits must hold). 1,200 plain TCP connections from 40
loopback addresses are kept open against the agent port, each reopened as
soon as the manager closes it; meanwhile the REST API must answer, a real
brute force in the manager's auth.log must get its 5720 and its ban, and an
enrolled agent must still connect. Then one client loops connect/close and
the manager must not run out of descriptors. A second start with a soft
limit of 1024 under a higher hard limit shows the manager raising it.

Enrolment: a client guessing passwords in a loop gets a few checked, then
"too many failed attempts"; the right password goes through once the
back-off is over.
Usage: test_attack_network.py YAGURA SOURCE_ROOT"""
import math
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import sanitizer_reports, PASSWORD, Manager, RawAgent, free_port, text, wait_for, write  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FLOOD, SOURCES = 1200, 40


def limit_fds(soft, hard):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Flood:
    """FLOOD idle TCP connections to port from 127.0.0.2..SOURCES+1, each
    reopened when closed, for at most `seconds`."""

    def __init__(self, port, seconds):
        self.port, self.deadline = port, time.monotonic() + seconds
        self.socks, self.opened, self.stop = [], 0, False
        self.t = threading.Thread(target=self.run, daemon=True)

    def open_one(self, i):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.bind((f"127.0.0.{2 + i % SOURCES}", 0))
            s.connect(("127.0.0.1", self.port))
            s.setblocking(False)
            self.opened += 1
            return s
        except OSError:
            s.close()
            return None

    def run(self):
        self.socks = [self.open_one(i) for i in range(FLOOD)]
        while not self.stop and time.monotonic() < self.deadline:
            for i, s in enumerate(self.socks):
                alive = s is not None
                if alive:
                    try:
                        alive = s.recv(1, socket.MSG_PEEK) != b""
                    except BlockingIOError:
                        pass
                    except OSError:
                        alive = False
                if not alive:
                    if s:
                        s.close()
                    self.socks[i] = self.open_one(i)
            time.sleep(0.2)
        for s in self.socks:
            if s:
                s.close()

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop = True
        self.t.join(30)


def api_answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/alerts", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code  # 401: it answered
    except OSError:
        return None


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "mgr")
    authlog, banfile = os.path.join(tmp, "auth.log"), os.path.join(tmp, "banned_ips")
    write(authlog, "")
    api = free_port()
    m = Manager(YAGURA, ROOT, home, f"""
  <command><name>waf-ban</name><executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>waf-ban</command><location>local</location>
    <rules_id>5720</rules_id><timeout>600</timeout></active-response>
  <waf><ban_file>{banfile}</ban_file></waf>
  <localfile><log_format>syslog</log_format><location>{authlog}</location></localfile>
  <api><listen>127.0.0.1</listen><port>{api}</port></api>""")
    check("manager starts with 1024 descriptors", m.start(preexec_fn=limit_fds(1024, 1024)),
          m.log()[-2000:])
    try:
        ag = RawAgent(m, os.path.join(tmp, "ag"), "flood1")
        check("an agent enrols", ag.id, ag.enroll_output)
        check("the manager sized its listener on the limit",
              re.search(r"at most \d+ agent connections \(descriptor limit 1024", m.log()),
              m.log()[-1500:])
        with Flood(m.rport, 60) as fl:
            wait_for(lambda: fl.opened >= FLOOD, 30)
            check(f"{FLOOD} connections were opened", fl.opened >= FLOOD, str(fl.opened))
            print("# manager descriptors under the flood:", len(os.listdir(f"/proc/{m.proc.pid}/fd")))
            t0 = time.monotonic()
            st = api_answers(api)
            check("under the flood the API answers", st in (200, 401),
                  f"{st} after {time.monotonic() - t0:.1f}s")
            with open(authlog, "a") as f:
                for i in range(8):
                    f.write(f"Dec  8 10:00:0{i} web1 sshd[77]: Failed password for root from "
                            f"203.0.113.60 port 2222 ssh2\n")
            banned = wait_for(lambda: "203.0.113.60" in text(banfile), 30)
            check("under the flood a brute force is banned", banned, m.log()[-1500:])
            connected = False
            for _ in range(5):
                try:
                    connected = ag.connect(timeout=10)
                except OSError:
                    connected = False
                ag.close()
                if connected:
                    break
            check("under the flood an enrolled agent still connects", connected,
                  m.log()[-1500:])
            time.sleep(11)  # one handshake timeout: the flood's reopened ones come back
            check("the API still answers after a round of reconnections",
                  api_answers(api) in (200, 401))
        log = m.log()
        check("the flood hit the caps of unauthenticated connections",
              "too many unauthenticated connections" in log, log[-1500:])
        check("...and its refusals are summed up, not logged one by one",
              log.count("refused connection from") < 200 and
              "more connections refused in 10 s" in log, str(log.count("refused connection")))
        print("# manager descriptors after it:", len(os.listdir(f"/proc/{m.proc.pid}/fd")))
        # one client looping connect/close
        end, n = time.monotonic() + 3, 0
        while time.monotonic() < end:
            s = socket.socket()
            s.bind(("127.0.0.99", 0))
            try:
                s.connect(("127.0.0.1", m.rport))
                n += 1
            except OSError:
                pass
            s.close()
        check(f"a connect/close loop ({n} connections) exhausts no descriptors",
              n > 100 and "Too many open files" not in m.log(),
              "\n".join(ln for ln in m.log().splitlines() if "Too many open" in ln)[:1500])
        check("the API answers after it", api_answers(api) in (200, 401))
        check("no failed response", "cannot read the ban file" not in m.log())

        # ---- enrolment guessing ----
        def enroll(password, name="guess"):
            os.makedirs(os.path.join(tmp, name), exist_ok=True)
            return subprocess.run([YAGURA, "enroll", "-m", "127.0.0.1", "-p", str(m.aport),
                                   "-A", name, "-P", password, "--ca",
                                   os.path.join(home, "etc", "ca", "ca.crt"),
                                   "-D", os.path.join(tmp, name)],
                                  capture_output=True, text=True, timeout=60)
        n0 = m.log().count("refused: wrong password")
        t0, tries, held = time.monotonic(), 0, 0
        while tries < 12 and time.monotonic() - t0 < 40:
            p = enroll(f"guess{tries}")
            tries += 1
            held += "too many failed attempts" in p.stderr
        took = time.monotonic() - t0
        checked = m.log().count("refused: wrong password") - n0
        # two free, then one after 1, 2, 4, 8... s: at most this many in `took`
        allowed = 3 + int(math.log2(max(took, 1.0)))
        print(f"# {tries} guesses in {took:.1f} s: {checked} checked (at most {allowed}), "
              f"{held} held back")
        check("guessing: only a few passwords are checked", 2 <= checked <= allowed,
              f"{checked} of {tries} in {took:.1f}s")
        check("guessing: the rest are held back", held >= tries - allowed, f"{held} of {tries}")
        check("guessing is logged", re.search(r"\d+ failed attempts from 127\.0\.0\.1", m.log()),
              m.log()[-1000:])
        # wait (guessing on) for a hold with a few seconds left, so that a slow
        # (sanitized) client is still inside it
        for _ in range(10):
            r = re.search(r"retry in (\d+) s", enroll("wrong-again").stderr)
            if r and int(r.group(1)) >= 3:
                break
            time.sleep(int(r.group(1)) if r else 0)
        p = enroll(PASSWORD, "heldpass")
        check("the right password too waits for the back-off",
              "too many failed attempts" in p.stderr, p.stderr)
        ok = wait_for(lambda: enroll(PASSWORD, "rightpass").returncode == 0, 20, 1.0)
        check("...and goes through once it is over", ok, m.log()[-1000:])
        check("the manager is alive", m.proc.poll() is None)
    finally:
        m.stop()
    check("no sanitizer report", not sanitizer_reports(home), str(sanitizer_reports(home))[:1500])

    # the limit is raised when the hard limit allows
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or hard > 1024:
        check("manager starts with a soft limit of 1024",
              m.start(preexec_fn=limit_fds(1024, hard)), m.log()[-1500:])
        lim = text(f"/proc/{m.proc.pid}/limits")
        soft = re.search(r"Max open files\s+(\d+)", lim)
        check("it raised its descriptor limit to the hard one",
              soft and int(soft.group(1)) > 1024 and "descriptor limit raised from 1024" in
              m.log(), lim)
        m.stop()
finish()
