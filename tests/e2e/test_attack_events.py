"""Attacks through events (docs/threat-model.md): what an enrolled agent
and hostile log lines try, and what must still work afterwards.

One manager with the built-in ban on rule 5720 (location local), its own
auth.log collected, realtime FIM on a web root with a tiny file_limit, and
a FIFO and a device as <localfile>s. An enrolled identity, driven by hand
over TLS, then:
  - sends a brute force dated 2100 (the old manager took the agent's clock
    for the ignore window of 5720: it never fired again until a restart),
    and events dated 1, -5 and 2^62 (1970 alerts, malformed timestamps, an
    alert the store refused);
  - the manager's own auth.log then gets a real brute force whose alert is
    over 64 KiB (eight failures with 8 KB user names: previous_output
    repeats them): it must still get its 5720 and its ban.
Also: a new shell.php in the full realtime web root alerts (554); the FIFO
and the device are reported with file:line; a <list> of /dev/zero is
refused at once by `manager -t`.
Usage: test_attack_events.py YAGURA SOURCE_ROOT"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import sanitizer_reports, Manager, RawAgent, evrec, read_alerts, ar_results, wait_for, write  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
IGNORE_S = 60  # rule 5720's ignore="60"


def fails(ip, n, user=lambda i: f"u{i}"):
    return [f"Dec  8 10:00:{i:02d} web1 sshd[77]: Failed password for {user(i)} "
            f"from {ip} port 2222 ssh2" for i in range(n)]


def alerts_for(home, rule, ip):
    return [a for a in read_alerts(home) if a.get("rule", {}).get("id") == rule and
            a.get("data", {}).get("srcip") == ip]


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "mgr")
    www, authlog = os.path.join(tmp, "www"), os.path.join(tmp, "auth.log")
    banfile, fifo = os.path.join(tmp, "banned_ips"), os.path.join(tmp, "fifo.log")
    os.makedirs(www)
    for i in range(8):
        write(os.path.join(www, f"page{i}.html"), f"page {i}\n")
    write(authlog, "")
    os.mkfifo(fifo)
    extra = f"""
  <command><name>waf-ban</name><executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>waf-ban</command><location>local</location>
    <rules_id>5720</rules_id><timeout>600</timeout></active-response>
  <waf><ban_file>{banfile}</ban_file></waf>
  <localfile><log_format>syslog</log_format><location>{authlog}</location></localfile>
  <localfile><log_format>syslog</log_format><location>{fifo}</location></localfile>
  <localfile><log_format>syslog</log_format><location>/dev/null</location></localfile>
  <syscheck><frequency>36000</frequency>
    <directories realtime="yes">{www}</directories>
    <file_limit><enabled>yes</enabled><entries>5</entries></file_limit></syscheck>"""
    m = Manager(YAGURA, ROOT, home, extra)
    check("manager starts", m.start(), m.log()[-2000:])
    try:
        # ---- hostile localfiles: said, with file:line ----
        conf = os.path.join(home, "etc", "ossec.conf")
        log = wait_for(lambda: re.search(re.escape(conf) + r":\d+: <localfile> '" +
                                         re.escape(fifo) + "' is a FIFO: not read", m.log()), 15)
        check("a FIFO <localfile> is reported with file:line", log, m.log()[-1500:])
        check("a device <localfile> is reported too",
              re.search(r"'/dev/null' is a device: not read", m.log()), m.log()[-1500:])

        # ---- an enrolled agent with a hostile clock ----
        ag = RawAgent(m, os.path.join(tmp, "evil"), "evil1")
        check("the hostile identity enrols", ag.id, ag.enroll_output)
        check("it connects by hand", ag.connect())
        y2100 = 4102444800
        ag.send([evrec(line, y2100) for line in fails("198.51.100.7", 8)])
        forged = wait_for(lambda: alerts_for(home, "5720", "198.51.100.7"), 20)
        t_forged = time.time()
        check("the forged brute force alerts (5720)", forged, str(read_alerts(home)[-2:])[:800])
        this_year = time.strftime("%Y")
        if forged:
            a = forged[0]
            check("its timestamp is the manager's clock, not 2100",
                  a["timestamp"].startswith(this_year), a["timestamp"])
            check("the agent's claim is kept as agent_time",
                  a.get("agent_time", "").startswith("2100-"), str(a.get("agent_time")))
        for when, tag in ((1, "one"), (-5, "minus"), (1 << 62, "huge")):
            ag.send([evrec(f"Dec  8 10:00:00 web1 sshd[77]: Accepted password for t{tag} from "
                           f"10.1.2.3 port 2222 ssh2", when)])
        got = wait_for(lambda: len([a for a in read_alerts(home)
                                    if re.search(r"for t(one|minus|huge) ", a.get("full_log", ""))])
                       == 3, 20)
        odd = [a for a in read_alerts(home) if re.search(r"for t(one|minus|huge) ",
                                                         a.get("full_log", ""))]
        check("events dated 1, -5 and 2^62 alert", got, str(odd)[:600])
        check("...with this year's well-formed timestamps",
              odd and all(re.fullmatch(this_year + r"-\d\d-\d\dT\d\d:\d\d:\d\d\.000[+-]\d{4}",
                                       a["timestamp"]) for a in odd),
              str([a["timestamp"] for a in odd]))
        check("...and no agent_time for what no clock can say",
              odd and all("agent_time" not in a for a in odd),
              str([a.get("agent_time") for a in odd]))
        r = subprocess.run([YAGURA, "ctl", "-D", home, "--json", "status"], capture_output=True,
                           text=True, timeout=60)
        try:
            stored = json.loads(r.stdout).get("alerts")
        except ValueError:
            stored = None
        check("every alert of alerts.json is in the store (API, UI, ctl see them)",
              stored == len(read_alerts(home)), f"{stored} vs {len(read_alerts(home))} {r.stderr}")
        check("the manager warns about the agent's clock",
              re.search(r"agent \d+ \(evil1\) dates its events \d+ s ahead", m.log()),
              m.log()[-1500:])

        # ---- FIM: a full file_limit does not blind realtime ----
        write(os.path.join(www, "shell.php"), "<?php system($_GET['c']); ?>\n")
        new = wait_for(lambda: [a for a in read_alerts(home) if a["rule"]["id"] == "554" and
                                a.get("syscheck", {}).get("path", "").endswith("shell.php")], 20)
        check("a new shell.php in the full realtime web root alerts (554)", new,
              m.log()[-1500:])
        check("the full file_limit is a clear warning", "File database is 100% full" in m.log())

        # ---- the real brute force, oversized, after the ignore window ----
        time.sleep(max(0.0, t_forged + IGNORE_S + 2 - time.time()))
        big = fails("203.0.113.50", 8, user=lambda i: f"x{i}" + "A" * 8000)
        with open(authlog, "a") as f:
            f.write("\n".join(big) + "\n")
        real = wait_for(lambda: alerts_for(home, "5720", "203.0.113.50"), 30)
        check("the real brute force still gets its 5720", real, m.log()[-1500:])
        size = len(json.dumps(real[0])) if real else 0
        check("its alert is over 64 KiB", size > 65536, str(size))
        banned = wait_for(lambda: "203.0.113.50" in open(banfile).read()
                          if os.path.exists(banfile) else False, 30)
        check("...and its ban (the ban file holds the address)", banned,
              str(ar_results(home))[-800:] + m.log()[-1500:])
        check("the oversized alert's message was cut, not dropped",
              "larger than a response message" in m.log() and
              "limit reached" not in m.log(), m.log()[-1500:])
        ag.close()

        # ---- a <list> that is a device: refused at once ----
        lists = os.path.join(tmp, "lists")
        write(os.path.join(lists, "r.xml"), """<group name="t,">
  <rule id="100990" level="5"><list field="srcip" lookup="address_match_key">/dev/zero</list>
    <description>t</description></rule></group>
""")
        conf2 = os.path.join(tmp, "list.conf")
        write(conf2, f"""<ossec_config><ruleset>
  <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir><rule_dir>{ROOT}/ruleset/rules</rule_dir>
  <list>/dev/zero</list><rule_dir>{lists}</rule_dir></ruleset></ossec_config>
""")
        t0 = time.monotonic()
        p = subprocess.run([YAGURA, "logtest", "-c", conf2, "-D", tmp, "-t"],
                           capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
        check("a <list> of /dev/zero is refused as not a regular file",
              "/dev/zero" in p.stderr and "not a regular file" in p.stderr, p.stderr[-800:])
        check("...at once (under 3 s)", took < 3, f"{took:.1f}s")
        check("the manager is alive after all of it", m.proc.poll() is None)
    finally:
        m.stop()
    check("no sanitizer report", not sanitizer_reports(home), str(sanitizer_reports(home))[:1500])
finish()
