"""tests/e2e/test_notify.py YAGURA SRCROOT

The manager under systemd's protocols, without systemd: a datagram socket
stands in for NOTIFY_SOCKET and the test checks what a Type=notify unit
relies on: READY=1 once the pipeline runs, WATCHDOG=1 pings when
WATCHDOG_USEC is set, RELOADING=1 then READY=1 around SIGHUP (a refused
reload as well), STOPPING=1 on SIGTERM. Then the log sink: with
JOURNAL_STREAM naming the manager's stderr, messages go to the journal
(a socket at /run/systemd/journal/socket, made by the test when no journald
runs and it is root) with PRIORITY, SYSLOG_IDENTIFIER and YAGURA_MSG_ID,
and no logs/yagura.log is written; without it, to logs/yagura.log."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib  # noqa: E402
from harness import check, finish  # noqa: E402

yagura, root = sys.argv[1], sys.argv[2]
JOURNAL = "/run/systemd/journal/socket"


def recv_until(sock, want, timeout):
    """Datagrams until one contains `want`; all of them, joined."""
    got = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            got.append(sock.recv(65536).decode(errors="replace"))
        except socket.timeout:
            break
        if want in got[-1]:
            break
    return got


def start(home, env, stderr):
    return subprocess.Popen([yagura, "manager", "-D", home, "-f"], stdout=subprocess.DEVNULL,
                            stderr=stderr, env=env)


with tempfile.TemporaryDirectory() as tmp:
    m = agentlib.Manager(yagura, root, os.path.join(tmp, "mgr"))
    rc, err = m.check_config()
    check("manager -t", rc == 0, err)

    # ---- sd_notify ----
    sock_path = os.path.join(tmp, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    env.pop("JOURNAL_STREAM", None)
    with open(os.path.join(tmp, "stderr1"), "w") as err:
        p = start(m.home, env, err)
    try:
        got = recv_until(sock, "READY=1", 120)
        check("READY=1 once the pipeline runs", any("READY=1" in g for g in got), got)
        check("READY=1 comes with a STATUS line",
              any("STATUS=running:" in g and "rules" in g for g in got), got)
        check("READY=1 comes after YG-1001 started", "YG-1001 started" in m.log(), m.log())
        got = recv_until(sock, "WATCHDOG=1", 10)
        check("WATCHDOG=1 pings with WATCHDOG_USEC set", any("WATCHDOG=1" in g for g in got),
              got)
        p.send_signal(signal.SIGHUP)
        got = recv_until(sock, "READY=1", 120)
        joined = "\n".join(got)
        check("SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1",
              "RELOADING=1" in joined and "MONOTONIC_USEC=" in joined and
              joined.index("RELOADING=1") < joined.rindex("READY=1"), got)
        # a configuration with an error is refused, and systemd still hears READY=1
        with open(m.conf, "a") as f:
            f.write("<ossec_config><alerts><log_alert_level>x</log_alert_level></alerts>"
                    "</ossec_config>\n")
        p.send_signal(signal.SIGHUP)
        got = recv_until(sock, "READY=1", 120)
        check("a refused reload still ends with READY=1",
              any("RELOADING=1" in g for g in got) and any("READY=1" in g for g in got), got)
        check("the refusal is logged (YG-1007)",
              agentlib.wait_for(lambda: "YG-1007" in m.log(), 30), m.log()[-2000:])
        p.send_signal(signal.SIGTERM)
        got = recv_until(sock, "STOPPING=1", 60)
        check("SIGTERM: STOPPING=1", any("STOPPING=1" in g for g in got), got)
        check("exits 0", p.wait(timeout=60) == 0)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    m.write_config()

    # ---- the journal sink ----
    made_journal = False
    jsock = None
    if os.geteuid() == 0 and not os.path.exists(JOURNAL):
        try:
            os.makedirs(os.path.dirname(JOURNAL), exist_ok=True)
            jsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            jsock.bind(JOURNAL)
            made_journal = True
        except OSError as e:
            print(f"     (no journal socket of our own: {e})")
            jsock = None
    log = os.path.join(m.home, "logs", "yagura.log")
    if os.path.exists(log):
        os.unlink(log)
    errpath = os.path.join(tmp, "stderr2")
    try:
        with open(errpath, "w") as err:
            st = os.fstat(err.fileno())
            env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
            env.pop("NOTIFY_SOCKET", None)
            p = start(m.home, env, err)
        try:
            if jsock:
                got = recv_until(jsock, "YAGURA_MSG_ID=1001", 120)
                joined = "\n".join(got)
                check("journal: YG-1001 as an entry with YAGURA_MSG_ID=1001",
                      "YAGURA_MSG_ID=1001" in joined and "MESSAGE=YG-1001 started" in joined,
                      got[-3:])
                check("journal: PRIORITY and SYSLOG_IDENTIFIER fields",
                      "PRIORITY=6" in joined and "SYSLOG_IDENTIFIER=yagura-manager" in joined,
                      got[-3:])
            else:
                agentlib.wait_for(lambda: "YG-1001" in open(errpath).read() or
                                  p.poll() is not None, 20)
                time.sleep(3)
            check("journal: the manager runs", p.poll() is None)
            check("journal: no logs/yagura.log is written", not os.path.exists(log))
            check("journal: nothing doubled on stderr", "YG-1001" not in open(errpath).read(),
                  open(errpath).read()[-1000:])
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
    finally:
        if made_journal:
            jsock.close()
            os.unlink(JOURNAL)
            for d in ("/run/systemd/journal",):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
finish()
