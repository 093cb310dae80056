#!/usr/bin/env python3
"""The real `yagura agent` and `yagura enroll` against a real `yagura manager`
on 127.0.0.1 (free ports, temporary homes): enrolment with the password (and
a wrong one refused, and a one-time token from `yagura ctl` when it exists),
collected sshd lines reaching the manager's alerts with the agent's id and
name, the manager stopped while the agent keeps spooling then restarted
(everything exactly once), kill -9 of the agent in the middle of a
20,000-line stream (exactly once after the restart), a file added in the
agent's realtime <syscheck> directory (rule 554 with the agent id), -t with
file:line errors, the pid lock, and a clean SIGTERM.
Skipped (exit 77) when ../shared is absent.
Usage: test_agent.py YAGURA SOURCE_ROOT"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, free_port, text, wait_for, write  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if not os.path.isdir(os.path.join(ROOT, "..", "shared")):
    print("../shared not found: skipped")
    sys.exit(77)

LINE_RE = re.compile(r"Accepted password for u(\d+) from")


def alerts(home):
    out = []
    for l in text(os.path.join(home, "logs", "alerts", "alerts.json")).splitlines():
        if l.strip():
            try:
                out.append(json.loads(l))
            except ValueError:
                pass
    return out


def line_counts(home):
    """{line number: number of alerts} for the collected sshd lines."""
    counts = {}
    for a in alerts(home):
        m = LINE_RE.search(a.get("full_log", ""))
        if m:
            n = int(m.group(1))
            counts[n] = counts.get(n, 0) + 1
    return counts


def sshd_lines(first, last):
    return "".join(f"Jan 12 10:00:01 web1 sshd[{n % 30000}]: Accepted password for u{n} "
                   f"from 10.1.2.3 port {n % 60000 + 1} ssh2\n" for n in range(first, last + 1))


def exactly_once(home, first, last):
    c = line_counts(home)
    want = range(first, last + 1)
    missing = [n for n in want if c.get(n, 0) == 0]
    dup = [n for n in want if c.get(n, 0) > 1]
    return not missing and not dup, f"missing {len(missing)} {missing[:5]}, twice {len(dup)} {dup[:5]}"


def private_kb(pid):
    total = 0
    for l in text(f"/proc/{pid}/smaps_rollup").splitlines():
        if l.startswith("Private_Clean:") or l.startswith("Private_Dirty:"):
            total += int(l.split()[1])
    return total


def rss_kb(pid):
    for l in text(f"/proc/{pid}/status").splitlines():
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0


with tempfile.TemporaryDirectory() as tmp:
    mgr = os.path.join(tmp, "mgr")
    ag = os.path.join(tmp, "agent1")
    ag2 = os.path.join(tmp, "agent2")
    fimdir = os.path.join(tmp, "fim")
    sshlog = os.path.join(tmp, "sshd.log")
    for d in (mgr, ag, ag2, fimdir):
        os.makedirs(d)
    rport, aport = free_port(), free_port()
    mconf = os.path.join(mgr, "etc", "ossec.conf")
    write(mconf, f"""<ossec_config>
  <remote><local_ip>127.0.0.1</local_ip><port>{rport}</port></remote>
  <auth><port>{aport}</port></auth>
  <command><name>mark</name><executable>mark.sh</executable>
    <timeout_allowed>no</timeout_allowed></command>
  <active-response><command>mark</command><location>local</location>
    <rules_id>554</rules_id></active-response>
  <command><name>waf-ban</name><executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>waf-ban</command><location>local</location>
    <rules_id>5710</rules_id><timeout>600</timeout></active-response>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    write(os.path.join(mgr, "etc", "authd.pass"), "s3cret-pass\n")

    def start_manager():
        p = subprocess.Popen([YAGURA, "manager", "-D", mgr, "-f"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = os.path.join(mgr, "logs", "yagura.log")
        n0 = text(log).count("YG-1001 started")
        wait_for(lambda: text(log).count("YG-1001 started") > n0, 60)
        return p

    def stop(p, sig=signal.SIGTERM):
        if p.poll() is None:
            p.send_signal(sig)
        try:
            return p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    manager = start_manager()
    cafile = os.path.join(mgr, "etc", "ca", "ca.crt")
    check("manager listens for agents", os.path.exists(cafile) and "listening on" in
          text(os.path.join(mgr, "logs", "yagura.log")), text(os.path.join(mgr, "logs", "yagura.log")))

    def enroll(home, name, *secret):
        return subprocess.run([YAGURA, "enroll", "-m", "127.0.0.1", "-p", str(aport), "-A", name,
                               *secret, "--ca", cafile, "-D", home],
                              capture_output=True, text=True, timeout=60)

    p = enroll(ag, "web1", "-P", "wrong-pass")
    check("enroll: a wrong password is refused", p.returncode != 0 and
          not os.path.exists(os.path.join(ag, "etc", "agent.id")) and "refused" in p.stderr,
          p.stdout + p.stderr)
    p = enroll(ag, "web1", "-P", "s3cret-pass")
    agent_id = p.stdout.strip()
    check("enroll: with the password", p.returncode == 0 and re.fullmatch(r"\d+", agent_id) and
          text(os.path.join(ag, "etc", "agent.id")) == f"{agent_id} web1\n", p.stdout + p.stderr)
    keymode = os.stat(os.path.join(ag, "etc", "agent.key")).st_mode & 0o777 \
        if os.path.exists(os.path.join(ag, "etc", "agent.key")) else None
    check("enroll: key 0600, certificate and CA written", keymode == 0o600 and
          os.path.exists(os.path.join(ag, "etc", "agent.crt")) and
          os.path.exists(os.path.join(ag, "etc", "ca.crt")), str(keymode))
    t = subprocess.run([YAGURA, "ctl", "-D", mgr, "token", "create"], capture_output=True,
                       text=True, timeout=60)
    if t.returncode == 0 and t.stdout.strip():
        token = t.stdout.strip().splitlines()[0]
        p = enroll(ag2, "web2", "-T", token)
        check("enroll: with a one-time token", p.returncode == 0 and p.stdout.strip() and
              p.stdout.strip() != agent_id, p.stdout + p.stderr)
        shutil_home = os.path.join(tmp, "agent3")
        os.makedirs(shutil_home)
        p = enroll(shutil_home, "web3", "-T", token)
        check("enroll: a token works once", p.returncode != 0, p.stdout + p.stderr)
    else:
        print(f"note: `yagura ctl token create` not available ({t.stderr.strip()[:200]}); "
              "token enrolment not tested")

    aconf = os.path.join(ag, "etc", "ossec.conf")
    write(aconf, f"""<ossec_config>
  <client>
    <server><address>127.0.0.1</address><port>{rport}</port></server>
    <notify_time>2</notify_time>
  </client>
  <client_buffer><disabled>no</disabled><queue_size>5000</queue_size>
    <events_per_second>500</events_per_second></client_buffer>
  <syscheck>
    <frequency>43200</frequency>
    <directories realtime="yes" check_all="yes">{fimdir}</directories>
  </syscheck>
  <localfile>
    <log_format>syslog</log_format>
    <location>{sshlog}</location>
  </localfile>
  <active-response><disabled>no</disabled></active-response>
  <waf><ban_file>{tmp}/banned_ips</ban_file><allow>127.0.0.1</allow></waf>
  <labels><label key="env">test</label></labels>
</ossec_config>
""")
    p = subprocess.run([YAGURA, "agent", "-D", ag, "-t"], capture_output=True, text=True,
                       timeout=60)
    check("agent -t: the configuration is valid", p.returncode == 0 and "configuration OK" in
          p.stderr, p.stderr)
    check("agent -t: <labels> and <client_buffer> accepted without a warning",
          "label" not in p.stderr and "client_buffer" not in p.stderr, p.stderr)
    bad = os.path.join(tmp, "bad.conf")
    write(bad, "<ossec_config>\n  <client>\n    <notify_time>soon</notify_time>\n  </client>\n"
          "  <frobnicate/>\n</ossec_config>\n")
    p = subprocess.run([YAGURA, "agent", "-D", ag, "-c", aconf, "-c", bad, "-t"],
                       capture_output=True, text=True, timeout=60)
    check("agent -t: a bad value fails with file:line", p.returncode != 0 and
          f"{bad}:3: error: <notify_time>" in p.stderr and f"{bad}:5:" in p.stderr, p.stderr)

    write(sshlog, "")
    mark = os.path.join(ag, "active-response", "bin", "mark.sh")
    # like Wazuh's scripts: one line on stdin (the message), nothing on stdout
    write(mark, "#!/bin/sh\nread -r line\nprintf '%s\\n' \"$line\" > ar-input.json\n")
    os.chmod(mark, 0o755)
    alog_path = os.path.join(ag, "logs", "yagura-agent.log")

    def start_agent():
        pr = subprocess.Popen([YAGURA, "agent", "-D", ag, "-f"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        n0 = text(alog_path).count("YG-2001 started")
        wait_for(lambda: text(alog_path).count("YG-2001 started") > n0 or pr.poll() is not None, 30)
        return pr

    agent = start_agent()
    try:
        check("agent started", agent.poll() is None and "YG-2001" in text(alog_path),
              text(alog_path)[-3000:])
        check("agent connected", wait_for(lambda: "connected to the manager" in text(alog_path), 20),
              text(alog_path)[-3000:])
        p2 = subprocess.run([YAGURA, "agent", "-D", ag, "-f"], capture_output=True, text=True,
                            timeout=30)
        check("a second agent on the same home refuses to start", p2.returncode == 1 and
              f"another agent (pid {agent.pid})" in p2.stderr, p2.stderr[-2000:])

        # 1. lines 1..100, alerts with the agent's identity
        with open(sshlog, "a") as f:
            f.write(sshd_lines(1, 100))
        wait_for(lambda: exactly_once(mgr, 1, 100)[0], 30)
        ok, why = exactly_once(mgr, 1, 100)
        check("100 sshd lines -> 100 alerts on the manager, once each", ok, why)
        mine = [a for a in alerts(mgr) if LINE_RE.search(a.get("full_log", ""))]
        check("alerts carry the agent id and name", mine and all(
            a.get("agent", {}).get("id") == agent_id and a.get("agent", {}).get("name") == "web1"
            for a in mine), json.dumps(mine[:1]))
        check("rule 5715 (sshd accepted) on the agent's lines",
              mine and all(a["rule"]["id"] == "5715" for a in mine), json.dumps(mine[:1]))

        # idle cost
        time.sleep(3)
        rss = rss_kb(agent.pid)
        t0 = os.times()
        with open(f"/proc/{agent.pid}/stat") as f:
            st0 = f.read().split()
        time.sleep(5)
        with open(f"/proc/{agent.pid}/stat") as f:
            st1 = f.read().split()
        ticks = (int(st1[13]) + int(st1[14])) - (int(st0[13]) + int(st0[14]))
        cpu = ticks / os.sysconf("SC_CLK_TCK") / 5.0 * 100
        print(f"note: idle agent RSS {rss} kB, CPU {cpu:.2f}%")
        # shared library pages are counted in RSS but shared with every
        # process using those libraries: the agent's own memory is its
        # private pages
        priv = private_kb(agent.pid)
        print(f"note: idle agent private memory {priv} kB")
        if "libasan" in text(f"/proc/{agent.pid}/maps"):
            print("note: sanitizer build: memory not checked")
        else:
            check("idle agent: private memory < 8 MB", 0 < priv < 8192, f"{priv} kB")
        check("idle agent: CPU < 1% over 5 s", cpu < 1.0, f"{cpu:.2f}%")

        # 2. manager down: the agent spools; manager back: everything once
        stop(manager)
        with open(sshlog, "a") as f:
            f.write(sshd_lines(101, 300))
        time.sleep(2)
        check("agent keeps running while the manager is down", agent.poll() is None)
        manager = start_manager()
        wait_for(lambda: exactly_once(mgr, 1, 300)[0], 90)
        ok, why = exactly_once(mgr, 1, 300)
        check("manager restarted: lines 1..300 exactly once", ok, why)

        # 3. kill -9 of the agent in the middle of a 20,000-line stream
        with open(sshlog, "a") as f:
            for start in range(1001, 21001, 1000):
                f.write(sshd_lines(start, start + 999))
                f.flush()
                time.sleep(0.05)
                if start == 8001:
                    agent.kill()
                    agent.wait()
        killed_at = len([n for n in line_counts(mgr) if n > 1000])
        print(f"note: {killed_at} of 20,000 lines had reached the manager at kill -9")
        agent = start_agent()
        wait_for(lambda: exactly_once(mgr, 1001, 21000)[0], 180)
        ok, why = exactly_once(mgr, 1001, 21000)
        check("kill -9 in a 20,000-line stream, restart: exactly once", ok, why)
        ok, why = exactly_once(mgr, 1, 300)
        check("earlier lines still once", ok, why)

        # 4. FIM: a file added in the realtime directory -> 554 with the agent id
        newf = os.path.join(fimdir, "dropped.php")
        with open(newf, "w") as f:
            f.write("<?php eval($_POST['x']);\n")

        def fim_alert():
            for a in alerts(mgr):
                if a.get("syscheck", {}).get("path") == newf and a["rule"]["id"] == "554":
                    return a
            return None
        a554 = wait_for(fim_alert, 30)
        check("file added on the agent -> rule 554 on the manager with the agent id",
              a554 and a554.get("agent", {}).get("id") == agent_id, json.dumps(a554)[:500])

        # 5. active responses: a script through execd, the built-in ban
        got = wait_for(lambda: newf in text(os.path.join(ag, "ar-input.json")), 30)
        check("554 -> the manager's response runs mark.sh on the agent with the alert",
              got, text(os.path.join(ag, "logs", "active-responses.log"))[-1000:])

        def ar_alert(event, program):
            for a in alerts(mgr):
                y = a.get("data", {}).get("yagura", {})
                if a["rule"]["id"] in ("990040", "990041") and y.get("event") == event and \
                        y.get("program", "").endswith(program):
                    return a
            return None
        a = wait_for(lambda: ar_alert("executed", "mark.sh"), 30)
        check("the run's result reaches the manager as 990041 from the agent",
              a and a["agent"]["id"] == agent_id and a["data"]["yagura"]["agent"] == agent_id,
              json.dumps(a)[:600] + "\n".join(l for l in text(alog_path).splitlines()
                                              if "YG-2011" in l))
        with open(sshlog, "a") as f:
            f.write("Jan 12 10:00:02 web1 sshd[999]: Failed password for invalid user admin "
                    "from 10.9.8.7 port 4242 ssh2\n")
        banned = wait_for(lambda: "10.9.8.7" in text(os.path.join(tmp, "banned_ips")), 30)
        check("5710 -> built-in ban applied on the agent's WAF ban file", banned,
              text(alog_path)[-1500:])
        a = wait_for(lambda: ar_alert("blocked", "yagura-waf-ban"), 30)
        check("the ban's result reaches the manager (990041 blocked, srcip)",
              a and a["data"]["yagura"].get("srcip") == "10.9.8.7", json.dumps(a)[:600])
    finally:
        rc = stop(agent)
        check("agent stops cleanly on SIGTERM", rc == 0 and "YG-2003 stopped" in text(alog_path),
              text(alog_path)[-2000:])
        check("agent pid file removed",
              not os.path.exists(os.path.join(ag, "var", "run", "yagura-agent.pid")))
        stop(manager)
    errors = [l for l in text(alog_path).splitlines() if ": ERROR:" in l and
              "another agent" not in l]  # the refused second agent's line
    check("no errors in the agent's log", not errors, "\n".join(errors[:10]))
finish()
