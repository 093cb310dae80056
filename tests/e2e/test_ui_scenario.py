#!/usr/bin/env python3
"""The incident flow in a real browser against a real `yagura manager`
(issue 5): the EC-CUBE brute force (scenario 4) raises 100403, which opens
a ticket and bans the source at the manager's own WAF; then, in Debian's
headless chromium driven by playwright-core (ui_scenario.js), an admin signs
in, sees the alert count on the dashboard, finds the alert, opens it, goes
to its ticket, sees the alert and the ban on the timeline, comments, closes
the ticket with a resolution and sees the ban lifted, which this script also
checks in the ban file, in the reload calls and with `yagura ctl`.

The manager home has the article's local_decoder.xml / local_rules.xml
(paths substituted, nothing else changed) and its <localfile> for
var/log/prod/*.log, plus <tickets> (level >= 7, groups malware, ids, attack,
attacks; close_lifts_bans), a <waf> (ban file in the temporary directory,
a reload command that records its calls, 127.0.0.1 allow-listed), the
built-in waf-ban command as a server active response on 100403, and <api>
on a free port. The admin is created with `yagura ctl users add --stdin`.

Screenshots: BUILD_DIR/ui-scenario/NN-name.png (their paths are printed).
playwright-core comes from <build root>/api-ui-node (installed there with
npm on first use, as the api_ui test does) or $YAGURA_PLAYWRIGHT_DIR.
Skipped (77) without ../shared/scenarios, chromium, node or playwright-core.
Usage: test_ui_scenario.py YAGURA SOURCE_ROOT BUILD_DIR UI_SCENARIO_JS"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import check, finish, free_port, text, wait_for, write  # noqa: E402
from agentlib import read_alerts  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
BUILD, JS = os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4])
SHARED = os.path.join(ROOT, "..", "shared", "scenarios")
SEED, SAMPLES = os.path.join(SHARED, "seed"), os.path.join(SHARED, "samples")

ATTACKER = "203.0.113.77"
SAMPLE_IP = "192.168.1.1"  # the IP in samples/eccube-prod.log
RULE = "100403"
PASSWORD = "ui-scenario-Admin-pw-1"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


if not os.path.isdir(SEED):
    skip("../shared/scenarios not found")
if not os.access("/usr/bin/chromium", os.X_OK):
    skip("/usr/bin/chromium not found (apt-get install chromium)")
NODE = shutil.which("node")
if not NODE:
    skip("node not found (apt-get install nodejs npm)")
# The api_ui test's machinery: playwright-core in <build root>/api-ui-node.
sys.path.insert(0, os.path.join(ROOT, "tests", "unit", "api"))
from test_api_ui import playwright_dir  # noqa: E402


def seed_localfile(www):
    """The article's <localfile> for the shop's logs, /var/www/html substituted."""
    m = re.search(r"<localfile>(?:(?!</localfile>).)*/var/www/html/var/log/prod/"
                  r"(?:(?!</localfile>).)*</localfile>", text(os.path.join(SEED, "ossec.conf")),
                  re.S)
    return m.group(0).replace("/var/www/html", www)


def ban_lines(path):
    return [l.strip() for l in text(path).splitlines()
            if l.strip() and not l.lstrip().startswith("#")]


class Manager:
    def __init__(self, home, conf):
        self.home, self.conf, self.proc = home, conf, None

    def start(self):
        self.err = open(os.path.join(self.home, "stderr.txt"), "w")
        self.proc = subprocess.Popen([YAGURA, "manager", "-D", self.home, "-c", self.conf, "-f"],
                                     stdout=subprocess.DEVNULL, stderr=self.err)

    def log(self):
        return text(os.path.join(self.home, "logs", "yagura.log"))

    def alerts(self):
        # agentlib's reader skips a line the manager is still appending
        return read_alerts(self.home)

    def ctl(self, *args, stdin=None, json_out=False):
        argv = [YAGURA, "ctl", "-D", self.home, "-c", self.conf] + \
            (["--json"] if json_out else []) + list(args)
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
        out = p.stdout
        if json_out and p.returncode == 0:
            try:
                out = json.loads(p.stdout)
            except ValueError:
                pass
        return p.returncode, out, p.stderr

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def main():
    build_root = os.path.abspath(os.path.join(BUILD, "..", ".."))
    pw = playwright_dir(build_root)
    shots = os.path.join(BUILD, "ui-scenario")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    with tempfile.TemporaryDirectory(prefix="yg_uiscen_") as tmp:
        home, www = os.path.join(tmp, "home"), os.path.join(tmp, "www")
        os.makedirs(os.path.join(home, "etc"))
        applog = os.path.join(www, "var", "log", "prod", "x.log")
        write(applog, "")
        subst = {"/var/www/html": www, "/var/ossec": os.path.join(tmp, "ossec")}
        for name, sub in (("local_rules.xml", "rules"), ("local_decoder.xml", "decoders")):
            s = text(os.path.join(SEED, name))
            for old, new in subst.items():
                s = s.replace(old, new)
            write(os.path.join(home, "etc", sub, name), s)
        ban_file = os.path.join(tmp, "banned_ips")
        reloads = os.path.join(tmp, "reloads.txt")
        reload_sh = os.path.join(tmp, "reload.sh")
        write(reload_sh, f"#!/bin/sh\n# records each reload with the ban file it saw\n"
                         f"{{ echo \"reload $(date +%s.%N)\"; cat {ban_file}; echo; }} >> {reloads}\n")
        os.chmod(reload_sh, 0o755)
        port = free_port()
        conf = os.path.join(home, "etc", "ossec.conf")
        write(conf, f"""<ossec_config>
  {seed_localfile(www)}
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
    <decoder_dir>etc/decoders</decoder_dir>
    <rule_dir>etc/rules</rule_dir>
  </ruleset>
  <tickets>
    <route>
      <level>7</level>
      <group>malware,ids,attack,attacks,</group>
    </route>
    <close_lifts_bans>yes</close_lifts_bans>
  </tickets>
  <waf>
    <ban_file>{ban_file}</ban_file>
    <reload_command>{reload_sh}</reload_command>
    <allow>127.0.0.1</allow>
  </waf>
  <command>
    <name>waf-ban</name>
    <executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed>
  </command>
  <active-response>
    <command>waf-ban</command>
    <location>server</location>
    <rules_id>{RULE}</rules_id>
    <timeout>3600</timeout>
  </active-response>
  <api>
    <listen>127.0.0.1</listen>
    <port>{port}</port>
  </api>
</ossec_config>
""")
        p = subprocess.run([YAGURA, "manager", "-D", home, "-c", conf, "-t"],
                           capture_output=True, text=True, timeout=120)
        check("-t: the configuration is valid", p.returncode == 0, p.stderr)
        m = Manager(home, conf)
        m.start()
        try:
            up = wait_for(lambda: "YG-1001" in m.log() and f":{port}/" in m.log(), 60)
            check("manager started, API and web UI listening", up, m.log()[-2000:])
            if not up:
                return
            rc, out, err = m.ctl("users", "add", "admin", "--role", "admin", "--stdin",
                                 stdin=PASSWORD + "\n")
            check("yagura ctl users add admin --role admin --stdin", rc == 0, out + err)

            # The brute force: the article's failed login, 10 times, from one IP.
            line = text(os.path.join(SAMPLES, "eccube-prod.log")).splitlines()[0]
            with open(applog, "a") as f:
                f.write((line.replace(SAMPLE_IP, ATTACKER) + "\n") * 10)
            bf = wait_for(lambda: [a for a in m.alerts() if a["rule"]["id"] == RULE], 20)
            check(f"{RULE} (level 7) for {ATTACKER}",
                  len(bf) == 1 and bf[0]["rule"]["level"] == 7 and
                  bf[0]["data"].get("srcip") == ATTACKER, str(m.alerts())[:2000])
            if not bf:
                return
            alert_id = bf[0]["id"]

            def tickets():
                rc, t, _ = m.ctl("tickets", "list", json_out=True)
                return [x for x in t if x.get("rule_id") == RULE] if rc == 0 and \
                    isinstance(t, list) else []
            tk = wait_for(tickets, 15)
            check("a ticket: type alert, Medium, open, rule 100403",
                  len(tk) == 1 and tk[0]["type"] == "alert" and tk[0]["severity"] == 1 and
                  tk[0]["status"] == "open", str(tk))
            if not tk:
                return
            ticket_id = tk[0]["id"]
            check("the ban file holds exactly 203.0.113.77",
                  wait_for(lambda: ban_lines(ban_file) == [ATTACKER], 15),
                  repr(text(ban_file)) + m.log()[-1500:])
            check("the reload command ran with 203.0.113.77 in the file",
                  ATTACKER in text(reloads), repr(text(reloads)))

            def active_bans():
                rc, b, _ = m.ctl("bans", "list", json_out=True)
                return [x["address"] for x in b] if rc == 0 and isinstance(b, list) else None
            check("`yagura ctl bans list` lists 203.0.113.77", active_bans() == [ATTACKER],
                  str(m.ctl("bans", "list", json_out=True)))
            rc, show, err = m.ctl("tickets", "show", str(ticket_id), json_out=True)
            check("the ticket links the ban and the alert",
                  rc == 0 and show.get("bans") == [ATTACKER] and alert_id in show.get(
                      "alert_ids", []), str(show)[:2000] + err)
            # the ban's own result (990041 "blocked") is an alert too: let it
            # be stored before the dashboard's count is compared with the store
            check("990041: the ban's result came back as an alert", wait_for(lambda: [
                a for a in m.alerts() if a["rule"]["id"] == "990041" and
                ATTACKER in json.dumps(a)], 10), str(m.alerts())[-1500:])
            n_reloads = text(reloads).count("reload ")
            n_alerts = len(m.alerts())

            # The browser.
            env = dict(os.environ, NODE_PATH=os.path.join(pw, "node_modules"))
            t0 = time.monotonic()
            r = subprocess.run([NODE, JS, f"http://127.0.0.1:{port}", shots, "admin", PASSWORD,
                                RULE, ATTACKER], env=env, capture_output=True, text=True,
                               timeout=240)
            print(r.stdout, end="")
            if r.stderr.strip():
                print(r.stderr[-3000:])
            res = {}
            for l in r.stdout.splitlines():
                if l.startswith("RESULT "):
                    res = json.loads(l[7:])
            check(f"browser: the whole flow passed ({time.monotonic() - t0:.1f} s)",
                  r.returncode == 0, str(res.get("failures")))
            check("browser: the dashboard's count is the number of alerts stored",
                  res.get("dashboard_total") == n_alerts,
                  f"{res.get('dashboard_total')} vs {n_alerts}")
            check("browser: the alert and the ticket it went through are this run's",
                  res.get("alert_id") == alert_id and res.get("ticket_id") == ticket_id,
                  f"{res.get('alert_id')} {res.get('ticket_id')} vs {alert_id} {ticket_id}")

            # The ban is lifted in the manager's ledger and in the ban file.
            check("after closing: the ban file no longer lists 203.0.113.77",
                  wait_for(lambda: ATTACKER not in ban_lines(ban_file), 15),
                  repr(text(ban_file)) + m.log()[-1500:])
            check("after closing: the web server was reloaded without it",
                  wait_for(lambda: text(reloads).count("reload ") > n_reloads, 5) and
                  ATTACKER not in text(reloads).split("reload ")[-1], repr(text(reloads)))
            check("after closing: `yagura ctl bans list` is empty", active_bans() == [],
                  str(m.ctl("bans", "list", json_out=True)))
            rc, hist, _ = m.ctl("bans", "list", "--all", json_out=True)
            mine = [b for b in hist if b.get("address") == ATTACKER] if rc == 0 else []
            check("`ctl bans list --all`: lifted by admin",
                  len(mine) == 1 and mine[0].get("lifted_by") == "admin", str(hist))
            rc, show, _ = m.ctl("tickets", "show", str(ticket_id), json_out=True)
            t = show.get("ticket", show) if rc == 0 else {}
            check("`ctl tickets show`: closed with the resolution and the comment by admin",
                  t.get("status") == "closed" and ATTACKER in (t.get("resolution") or "") and
                  any(c.get("author") == "admin" and "browser test" in c.get("text", "")
                      for c in show.get("comments", [])), str(show)[:2000])
            for f in res.get("screenshots", []):
                print("screenshot: " + f)
            check("a screenshot of every page", len(res.get("screenshots", [])) >= 11 and
                  all(os.path.getsize(f) > 1000 for f in res.get("screenshots", [])),
                  str(res.get("screenshots")))
        finally:
            rc = m.stop()
            check("manager stops cleanly (SIGTERM, exit 0)", rc == 0,
                  m.log()[-1500:] + text(os.path.join(home, "stderr.txt"))[-1500:])
            errs = [l for l in m.log().splitlines() if ": ERROR: " in l]
            check("no errors in the manager's log", not errs, "\n".join(errs[:20]))
            san = text(os.path.join(home, "stderr.txt"))
            check("no sanitizer report", "runtime error" not in san and
                  "Sanitizer" not in san, san[-2000:])
    print("screenshots in " + shots)


main()
finish()
