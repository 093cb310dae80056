#!/usr/bin/env python3
"""The agent's Wazuh options end to end, with real managers and a real agent
on 127.0.0.1: <labels> in every alert of the agent (agent.labels, dots
nested, a hidden label left out), <client_buffer><events_per_second> (the
agent sends no faster than that), and fail-over between two <server>s in
<client>: manager B is started from a copy of manager A's home (same CA,
server certificate and registry, like two nodes sharing agents' keys) on
other ports; A stops -> the agent moves to B; B stops and A is back -> the
agent comes back to A. Every collected line reaches the two managers
exactly once in total. Then a SIGHUP with a changed label: the next
events carry the new value. Last, the spool as Wazuh's buffer: with both
managers down a 4 MiB spool fills up and the agent reports Wazuh's buffer
levels, which A's copy of Wazuh's rules turns into 202-205 once it is
back; nothing collected meanwhile is lost.
Skipped (exit 77) when ../shared is absent.
Usage: test_agent_opts.py YAGURA SOURCE_ROOT"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
import harness  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if not al.shared_dirs(ROOT):
    print("../shared not found: skipped")
    sys.exit(77)

LINE_RE = re.compile(r"Accepted password for u(\d+) from")
EPS = 50
FILL = 40000  # lines of about 250 bytes in the spool: more than 4 MiB
LABELS = {"aws": {"instance-id": "i-052a1838c", "sec-group": "sg-1103"},
          "network": {"ip": "172.17.0.0"}}


def sshd_lines(first, last):
    return "".join(f"Jan 12 10:00:01 web1 sshd[{n % 30000}]: Accepted password for u{n} "
                   f"from 10.1.2.3 port {n % 60000 + 1} ssh2\n" for n in range(first, last + 1))


def line_alerts(*managers):
    """{line number: [alerts]} over the managers' alerts.json."""
    out = {}
    for m in managers:
        for a in m.alerts():
            g = LINE_RE.search(a.get("full_log", ""))
            if g:
                out.setdefault(int(g.group(1)), []).append(a)
    return out


def exactly_once(managers, first, last):
    c = line_alerts(*managers)
    want = range(first, last + 1)
    missing = [n for n in want if n not in c]
    dup = [n for n in want if len(c.get(n, [])) > 1]
    return not missing and not dup, \
        f"missing {len(missing)} {missing[:5]}, more than once {len(dup)} {dup[:5]}"


def agent_conf(a, b, sshlog):
    srv = "".join(f"""
    <server><address>127.0.0.1</address><port>{m.rport}</port>
      <max_retries>2</max_retries><retry_interval>2</retry_interval></server>""" for m in (a, b))
    return f"""<ossec_config>
  <client>{srv}
    <notify_time>2</notify_time>
  </client>
  <client_buffer>
    <disabled>no</disabled>
    <queue_size>200</queue_size>
    <events_per_second>{EPS}</events_per_second>
  </client_buffer>
  <labels>
    <label key="aws.instance-id">i-052a1838c</label>
    <label key="aws.sec-group">sg-1103</label>
    <label key="network.ip">172.17.0.0</label>
    <label key="installation" hidden="yes">January 1st, 2017</label>
  </labels>
  <localfile>
    <log_format>syslog</log_format>
    <location>{sshlog}</location>
  </localfile>
</ossec_config>
"""


def append(path, s):
    with open(path, "a") as f:
        f.write(s)


def main():
    tmp = tempfile.mkdtemp(prefix="yg-agentopts-")
    a = al.Manager(YAGURA, ROOT, os.path.join(tmp, "mgr-a"))
    check("manager A starts", a.start(), a.log()[-2000:])
    ag = al.Agent(YAGURA, os.path.join(tmp, "agent"), a)
    check("agent enrolled with A", ag.enroll("web1"), ag.enroll_output)
    a.stop()
    if not ag.id:
        return
    # B: A's CA, server certificate and registry (the agent is known there),
    # its own ports, logs and alerts
    shutil.copytree(a.home, os.path.join(tmp, "mgr-b"),
                    ignore=shutil.ignore_patterns("logs", "*.pid"))
    b = al.Manager(YAGURA, ROOT, os.path.join(tmp, "mgr-b"))
    check("manager A restarts", a.start(), a.log()[-2000:])
    check("manager B (a copy of A's home) starts", b.start(), b.log()[-2000:])

    sshlog = os.path.join(tmp, "sshd.log")
    al.write(sshlog, "")
    al.write(ag.conf, agent_conf(a, b, sshlog))
    rc, err = ag.check_config()
    check("agent -t: two <server>s, <client_buffer> and <labels> valid, no warning",
          rc == 0 and "warning" not in err, err)

    def connected_to(m):
        return ag.log().count(f"connected to the manager 127.0.0.1:{m.rport} ")

    try:
        check("agent starts and connects to the first <server> (A)",
              ag.start() and al.wait_for(lambda: connected_to(a), 30), ag.log()[-2000:])

        # 1. labels and the rate limit: 300 lines at once, EPS per second
        t0 = time.monotonic()
        append(sshlog, sshd_lines(1, 300))
        al.wait_for(lambda: exactly_once([a], 1, 300)[0], 120)
        took = time.monotonic() - t0
        ok, why = exactly_once([a], 1, 300)
        check("300 lines -> 300 alerts on A, once each", ok, why)
        print(f"note: 300 events at <events_per_second>{EPS}: {took:.1f} s")
        check(f"<events_per_second>{EPS}: 300 events took at least {300 / EPS * 0.75:.1f} s",
              took >= 300 / EPS * 0.75, f"{took:.1f} s")
        mine = [x for v in line_alerts(a).values() for x in v]
        bad = [x.get("agent") for x in mine if x.get("agent", {}).get("labels") != LABELS]
        check("every alert has agent.labels, nested by dots, the hidden one left out",
              mine and not bad, str(bad[:2]))
        check("the hidden label's value appears nowhere in the alerts",
              "January 1st" not in al.text(os.path.join(a.home, "logs", "alerts",
                                                        "alerts.json")))

        # 2. A stops: the agent moves to the next <server>, B
        c_b = connected_to(b)
        a.stop()
        check("A stopped: the agent fails over to B",
              al.wait_for(lambda: connected_to(b) > c_b, 60), ag.log()[-2000:])
        append(sshlog, sshd_lines(301, 400))
        al.wait_for(lambda: exactly_once([a, b], 1, 400)[0], 120)
        ok, why = exactly_once([a, b], 1, 400)
        check("lines 1..400 exactly once across A and B", ok, why)
        on_b = sorted(line_alerts(b))
        check("B got exactly lines 301..400 (nothing A had is resent)",
              on_b == list(range(301, 401)), f"{on_b[:3]}..{on_b[-3:]} ({len(on_b)})")
        bad = [x.get("agent") for v in line_alerts(b).values() for x in v
               if x.get("agent", {}).get("labels") != LABELS or x["agent"]["id"] != ag.id]
        check("B's alerts carry the agent's id and labels", not bad, str(bad[:2]))

        # 3. A back, B stops: the agent comes back to A (after the last
        # server, the first)
        check("manager A restarts", a.start(), a.log()[-2000:])
        c_a = connected_to(a)
        b.stop()
        check("B stopped: the agent comes back to A",
              al.wait_for(lambda: connected_to(a) > c_a, 60), ag.log()[-2000:])
        append(sshlog, sshd_lines(401, 500))
        al.wait_for(lambda: exactly_once([a, b], 1, 500)[0], 120)
        ok, why = exactly_once([a, b], 1, 500)
        check("lines 1..500 exactly once across A and B", ok, why)
        on_a = sorted(line_alerts(a))
        check("A got lines 1..300 and 401..500",
              on_a == list(range(1, 301)) + list(range(401, 501)), f"{len(on_a)} lines")
        check("the agent logged why it moved", "trying the next manager" in ag.log(),
              ag.log()[-2000:])

        # 4. SIGHUP with other labels: they apply from the next event
        al.write(ag.conf, agent_conf(a, b, sshlog).replace("i-052a1838c", "i-0new"))
        n0 = ag.log().count("YG-2014")
        ag.proc.send_signal(signal.SIGHUP)
        # the old collector never reads again once this line is out (one thread)
        al.wait_for(lambda: ag.log().count("YG-2014") >= n0 + 1, 30)
        append(sshlog, sshd_lines(501, 510))
        al.wait_for(lambda: exactly_once([a], 501, 510)[0], 60)
        new = [x.get("agent", {}).get("labels", {}).get("aws", {}).get("instance-id")
               for n in range(501, 511) for x in line_alerts(a).get(n, [])]
        check("SIGHUP with a changed label: the next events carry it",
              new == ["i-0new"] * 10, str(new))
        check("agent: no ERROR in its log", not ag.errors(), "\n".join(ag.errors()[:5]))

        # 5. the spool as Wazuh's buffer: both managers down, a 4 MiB spool
        # fills up (90%, full, flooded after 15 s); A back: it drains
        # (normal) and nothing collected meanwhile is lost. A reads Wazuh's
        # own decoder and rules for these events (202-205).
        ag.stop()
        a.stop()
        wz = os.path.join(ROOT, "..", "shared", "wazuh", "ruleset")
        shutil.copy(os.path.join(wz, "decoders", "0005-wazuh_decoders.xml"),
                    os.path.join(a.home, "etc", "decoders"))
        shutil.copy(os.path.join(wz, "rules", "0016-wazuh_rules.xml"),
                    os.path.join(a.home, "etc", "rules"))
        al.write(ag.conf, agent_conf(a, b, sshlog).replace(
            f"<events_per_second>{EPS}</events_per_second>",
            "<events_per_second>1000</events_per_second><spool_max_mb>4</spool_max_mb>"))
        n0 = ag.log().count("YG-2001 started")
        with al.stderr_file(ag.home) as err:
            ag.proc = subprocess.Popen([YAGURA, "agent", "-D", ag.home, "-f"],
                                       stdout=subprocess.DEVNULL, stderr=err)
        check("agent restarts with both managers down",
              al.wait_for(lambda: ag.log().count("YG-2001 started") > n0, 30), ag.log()[-2000:])
        last = 510 + FILL
        append(sshlog, sshd_lines(511, last))
        flooded = al.wait_for(lambda: "is flooded" in ag.log(), 120)
        check("spool full for 15 s: the agent reports 90%, full, flooded",
              flooded and "at 90 %" in ag.log() and "(the spool) is full" in ag.log(),
              ag.log()[-2000:])
        check("manager A restarts", a.start(), a.log()[-2000:])
        al.wait_for(lambda: exactly_once([a, b], 1, last)[0], 300)
        ok, why = exactly_once([a, b], 1, last)
        check(f"spool full then drained: lines 1..{last} exactly once", ok, why)

        def levels():
            return [(x["rule"]["id"], x.get("data", {}).get("level")) for x in a.alerts()
                    if x.get("location") == "wazuh-agent" and x["agent"]["id"] == ag.id]
        al.wait_for(lambda: len(levels()) >= 4, 60)
        check("A: Wazuh's rules 202 (90%), 203 (full), 204 (flooded), 205 (normal), in order",
              levels() == [("202", "90%"), ("203", "full"), ("204", "flooded"),
                           ("205", "normal")], str(levels()))
    finally:
        ag.stop()
        a.stop()
        b.stop()
    rep = al.sanitizer_reports(a.home, b.home, ag.home)
    check("no sanitizer report", not rep, "\n".join(rep[:10]))
    if harness._failures:
        print(f"note: homes kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


main()
finish()
