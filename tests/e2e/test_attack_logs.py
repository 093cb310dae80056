"""Attacks on the logs and the ban file of a real `yagura manager` and
`yagura agent`, replayed as an attacker would:

  - an enrolled agent (or a stolen agent key) says HELLO with a name and a
    version holding newlines and terminal escapes: no forged line, no raw
    control byte reaches yagura.log;
  - a file whose name holds a newline, in a directory the agent's YARA
    scanner watches, matches a rule: no forged line in yagura-agent.log;
  - a client loops connect/close on the agents' port: yagura.log grows by
    a bounded amount and says how many similar messages it suppressed;
  - log lines whose source address is loopback, unspecified, broadcast,
    multicast or link-local (IPv4, IPv6, v4-mapped) trigger the built-in
    ban through the real manager: none reaches the ban file, each is
    refused with a clear message, and a plain address still is banned.

Usage: test_attack_logs.py YAGURA SOURCE_ROOT"""
import json
import os
import re
import socket
import ssl
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
F_HELLO = 1
FORGED = "2026/01/01 00:00:00 yagura-manager: ERROR: YG-9999 FORGED"
SPECIAL = ["127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "169.254.3.4", "::1",
           "ff02::1", "fe80::1", "::ffff:127.0.0.1"]
CONTROL = "198.51.100.20"


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def forged_lines(log, marker="FORGED"):
    """Lines of log that begin with the forged text (a line an attacker wrote)."""
    return [ln for ln in log.splitlines() if ln.startswith(FORGED[:19]) and marker in ln]


def control_bytes(path):
    """Control bytes other than newline in the file (a raw escape got through)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return b""
    return bytes(b for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f)


def hello_forgery(m, ag_home):
    cafile = os.path.join(m.home, "etc", "ca", "ca.crt")
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.load_cert_chain(os.path.join(ag_home, "etc", "agent.crt"),
                        os.path.join(ag_home, "etc", "agent.key"))
    hello = json.dumps({"name": "web1\n" + FORGED + " name\x1b[2J\x1b]0;pwn\x07",
                        "version": "1.0\r\n" + FORGED + " version\x1b[31m\x9b"}).encode()
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", m.rport), timeout=10),
                        server_hostname="127.0.0.1")
    s.sendall(frame(F_HELLO, hello))
    got = al.wait_for(lambda: "calls itself" in m.log() or "connected from" in m.log(), 20)
    time.sleep(0.5)
    s.close()
    log = m.log()
    check("HELLO: the manager logged the connection", got, log[-1500:])
    check("HELLO: no forged line in yagura.log (name, version)", not forged_lines(log),
          "\n".join(forged_lines(log)))
    check("HELLO: no raw control byte in yagura.log",
          not control_bytes(os.path.join(m.home, "logs", "yagura.log")),
          repr(control_bytes(os.path.join(m.home, "logs", "yagura.log"))[:40]))
    check("HELLO: the name is shown escaped (\\n, \\x1b)",
          "web1\\n2026" in log and "\\x1b[2J" in log, log[-1500:])


def connect_flood(m):
    logf = os.path.join(m.home, "logs", "yagura.log")
    size0 = os.path.getsize(logf)
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 10:
        try:
            s = socket.create_connection(("127.0.0.1", m.rport), timeout=2)
            s.sendall(b"\x16\x03\x01\x00\x05hello")  # a broken TLS record
            s.close()
            n += 1
        except OSError:
            time.sleep(0.01)
    grown = os.path.getsize(logf) - size0
    print(f"note: {n} connect/close in 10 s; yagura.log grew by {grown} bytes")
    check(f"flood: {n} connections in 10 s", n >= 500, str(n))
    # 20 similar lines per 10 s, 200 in all: far below the 2 MB seen before
    check("flood: yagura.log grew by less than 64 kB in 10 s", grown < 64 * 1024, str(grown))
    # the next window tells how many were left out
    time.sleep(10.5)
    for _ in range(3):
        try:
            socket.create_connection(("127.0.0.1", m.rport), timeout=2).close()
        except OSError:
            pass
    # the log's limiter, or the listener's own count of refused connections
    got = al.wait_for(lambda: re.search(r"\d+ (similar messages suppressed|more connections "
                                        r"refused)", m.log()), 20)
    check("flood: the log says how many similar messages it suppressed", got,
          m.log()[-1500:])


def special_bans(m, sshlog, banfile):
    lines = [f"Jan 12 10:00:{i:02d} web1 sshd[{900 + i}]: Failed password for invalid user "
             f"admin from {a} port 4242 ssh2\n" for i, a in enumerate(SPECIAL + [CONTROL])]
    with open(sshlog, "a") as f:
        f.writelines(lines)
    got = al.wait_for(lambda: CONTROL in al.text(banfile), 40)
    check(f"log line: the plain address {CONTROL} is banned through the manager", got,
          m.log()[-2000:])
    al.wait_for(lambda: len(al.ar_results(m.home, "yagura-waf-ban", "failed")) >=
                len(SPECIAL), 30)
    refused = al.ar_results(m.home, "yagura-waf-ban", "failed")
    msgs = [a["data"]["yagura"].get("message", "") for a in refused]
    check("log lines: each special address is refused by the ban (990040)",
          len(refused) == len(SPECIAL) and all("refused" in x for x in msgs), "\n".join(msgs))
    check("log lines: the refusal names the range (loopback, multicast...)",
          all(re.search(r"loopback|unspecified|broadcast|multicast|link-local", x)
              for x in msgs), "\n".join(msgs))
    entries = [ln for ln in al.text(banfile).splitlines() if ln and not ln.startswith("#")]
    check("log lines: no special address in the ban file", entries == [CONTROL], str(entries))
    rc, out, err = m.ctl("bans", "list", json_out=True)
    listed = json.dumps(out)
    check("log lines: the ledger holds none of them", rc == 0 and CONTROL in listed and
          not any(f'"{a}"' in listed for a in SPECIAL), listed[:800])


def yara_filename(m, base):
    ag_home = os.path.join(base, "yagent")
    www = os.path.join(base, "www")
    os.makedirs(www)
    rules = os.path.join(base, "mark.yar")
    al.write(rules, 'rule mark { strings: $a = "EVILMARK-1234" condition: $a }\n')
    ag = al.Agent(YAGURA, ag_home, m)
    check("yara agent enrols", ag.enroll("yara1"), getattr(ag, "enroll_output", ""))
    ag.write_config(extra_conf=f"""
  <syscheck><frequency>43200</frequency>
    <directories realtime="yes" check_all="yes">{www}</directories></syscheck>
  <yara><rules>{rules}</rules><directories>{www}</directories><settle_ms>300</settle_ms></yara>
""")
    check("yara agent starts", ag.start(), ag.log()[-1500:])
    try:
        time.sleep(1.0)
        # a file name cannot hold "/", so the forged line has no date
        evil = os.path.join(www, "shell\nyagura-agent: ERROR: YG-9999 FORGED file\x1b[2J.php")
        with open(evil, "w") as f:
            f.write("<?php // EVILMARK-1234 ?>\n")
        got = al.wait_for(lambda: "matched" in ag.log(), 30)
        log = ag.log()
        check("YARA: the agent scanned and matched the file", got, log[-1500:])
        forged = [ln for ln in log.splitlines() if ln.startswith("yagura-agent:")]
        check("YARA: no forged line in yagura-agent.log", not forged, "\n".join(forged))
        check("YARA: the file name is shown escaped", "shell\\nyagura-agent" in log,
              log[-1500:])
        check("YARA: no raw control byte in yagura-agent.log",
              not control_bytes(os.path.join(ag_home, "logs", "yagura-agent.log")),
              repr(control_bytes(os.path.join(ag_home, "logs", "yagura-agent.log"))[:40]))
    finally:
        check("yara agent stops", ag.stop() == 0, ag.log()[-800:])
    return ag_home


def main():
    base = tempfile.mkdtemp(prefix="yg_attack_logs_")
    home = os.path.join(base, "mgr")
    sshlog = os.path.join(base, "sshd.log")
    banfile = os.path.join(base, "banned")
    al.write(sshlog, "")
    m = al.Manager(YAGURA, ROOT, home, extra_conf=f"""
  <localfile><log_format>syslog</log_format><location>{sshlog}</location></localfile>
  <command><name>waf-ban</name><executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>waf-ban</command><location>local</location>
    <rules_id>5710</rules_id><timeout>600</timeout></active-response>
  <waf><ban_file>{banfile}</ban_file><reload_command>true</reload_command></waf>
""")
    check("manager starts", m.start(), m.log()[-2000:])
    homes = [home]
    try:
        probe = os.path.join(base, "probe")
        ag = al.Agent(YAGURA, probe, m)
        check("a probe agent enrols (its key is the attacker's)", ag.enroll("web1"),
              getattr(ag, "enroll_output", ""))
        hello_forgery(m, probe)
        special_bans(m, sshlog, banfile)
        homes.append(yara_filename(m, base))
        connect_flood(m)
    finally:
        check("manager stops cleanly", m.stop() == 0, m.log()[-1500:])
        rep = al.sanitizer_reports(*homes)
        check("no sanitizer reports", not rep, "\n".join(rep[:20]))
    finish()


if __name__ == "__main__":
    main()
