#!/usr/bin/env python3
"""The analyst's console (issue 14) in a real browser against a real
`yagura manager`: Debian's headless chromium driven by playwright-core
(ui_console.js) walks every page at 1,280 and 390 px wide, with the
screenshots kept in BUILD_DIR/ui-console/, and checks what the issue's
"done when" lists. The manager is fed real inputs first:

* the article's EC-CUBE brute force (10 failed logins from 203.0.113.77,
  its local_decoder.xml / local_rules.xml): 100403, which opens a ticket
  (nothing bans it automatically: the browser bans it from the ticket);
* sshd "Failed password" lines from 8.8.8.8 and 194.69.224.5 in a syslog
  file: 5716 (ATT&CK T1110), placed on the map by a GeoIP test database
  (tests/compat/geoip/make-test-mmdb.pl, when perl can write one);
* a watched file changed (realtime FIM with report_changes): 550 with a
  content diff and before/after hashes.

This script then checks what the browser could not see itself: the
ATT&CK counts it read against alerts.json, the ban from the ticket in the
ban file (and the reload) and in the ledger (`yagura ctl bans list`).
playwright-core: as test_ui_scenario.py (<build root>/api-ui-node or
$YAGURA_PLAYWRIGHT_DIR). Skipped (77) without ../shared/scenarios,
chromium, node or playwright-core.
Usage: test_ui_console.py YAGURA SOURCE_ROOT BUILD_DIR UI_CONSOLE_JS"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import check, finish, free_port, text, wait_for, write  # noqa: E402
from agentlib import Manager, sanitizer_reports, seed_block, shared_dirs, subst_text  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
BUILD, JS = os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4])
ATTACKER = "203.0.113.77"  # Tokyo in the GeoIP test database
SSH_SOURCES = {"8.8.8.8": 3, "194.69.224.5": 2}
SAMPLE_IP = "192.168.1.1"  # the IP in samples/eccube-prod.log
PASSWORD = "ui-console-Admin-pw-1"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


dirs = shared_dirs(ROOT)
if not dirs:
    skip("../shared/scenarios not found")
SEED, SAMPLES = dirs
if not os.access("/usr/bin/chromium", os.X_OK):
    skip("/usr/bin/chromium not found (apt-get install chromium)")
NODE = shutil.which("node")
if not NODE:
    skip("node not found (apt-get install nodejs npm)")
sys.path.insert(0, os.path.join(ROOT, "tests", "unit", "api"))
from test_api_ui import playwright_dir  # noqa: E402


def ban_lines(path):
    return [l.strip() for l in text(path).splitlines() if l.strip() and not l.startswith("#")]


def sshd_line(ip, user):
    stamp = time.strftime("%b %e %H:%M:%S")
    return f"{stamp} web1 sshd[4242]: Failed password for {user} from {ip} port 52144 ssh2\n"


def geoip_db(tmp):
    """A GeoIP test database, or None (then the map places nothing)."""
    db = os.path.join(tmp, "test.mmdb")
    p = subprocess.run(["perl", os.path.join(ROOT, "tests", "compat", "geoip", "make-test-mmdb.pl"), db],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print("note: no GeoIP test database (" + p.stderr.strip()[-200:] + ")")
        return None
    return db


def config(tmp, www, site, auth, port, ban_file, reload_sh, db):
    lf = subst_text(seed_block(SEED, "localfile", "/var/www/html/var/log/prod/"),
                    {"/var/www/html": www})
    geo = (f"<global><geoip_db_path>{db}</geoip_db_path></global>\n"
           f"  <alerts><use_geoip>yes</use_geoip></alerts>") if db else ""
    return f"""
  {geo}
  {lf}
  <localfile>
    <log_format>syslog</log_format>
    <location>{auth}</location>
  </localfile>
  <syscheck>
    <frequency>86400</frequency>
    <scan_on_start>yes</scan_on_start>
    <directories check_all="yes" realtime="yes" report_changes="yes">{site}</directories>
  </syscheck>
  <tickets>
    <route>
      <level>7</level>
      <group>malware,ids,attack,attacks,</group>
    </route>
  </tickets>
  <waf>
    <ban_file>{ban_file}</ban_file>
    <reload_command>{reload_sh}</reload_command>
    <allow>127.0.0.1</allow>
  </waf>
  <api>
    <listen>127.0.0.1</listen>
    <port>{port}</port>
  </api>"""


def app_line(ip):
    """The article's failed login of the shop, from ip."""
    return text(os.path.join(SAMPLES, "eccube-prod.log")).splitlines()[0].replace(SAMPLE_IP, ip)


def feed(m, applog, auth, site):
    """The inputs; returns the alerts once all are stored (or what there is)."""
    with open(applog, "a") as f:
        f.write((app_line(ATTACKER) + "\n") * 10)
    with open(auth, "a") as f:
        for ip, n in SSH_SOURCES.items():
            for i in range(n):
                f.write(sshd_line(ip, f"user{i}"))
    with open(os.path.join(site, "index.php"), "a") as f:
        f.write("<?php echo 'changed by the console test'; ?>\n")

    def ready():
        a = m.alerts()
        ids = Counter(x["rule"]["id"] for x in a)
        return a if ids["100403"] >= 1 and ids["5716"] >= sum(SSH_SOURCES.values()) and \
            any(x["rule"]["id"] == "550" and x.get("syscheck", {}).get("diff") for x in a) else None
    return wait_for(ready, 30) or m.alerts()


def run_browser(pw, port, shots, ticket_id, auth, applog):
    env = dict(os.environ, NODE_PATH=os.path.join(pw, "node_modules"))
    t0 = time.monotonic()
    r = subprocess.run([NODE, JS, f"http://127.0.0.1:{port}", shots, "admin", PASSWORD,
                        str(ticket_id), ATTACKER, auth, applog, app_line("203.0.113.88")], env=env, capture_output=True, text=True,
                       timeout=240)
    print(r.stdout, end="")
    if r.stderr.strip():
        print(r.stderr[-3000:])
    res = {}
    for l in r.stdout.splitlines():
        if l.startswith("RESULT "):
            res = json.loads(l[7:])
    check(f"browser: every check passed ({time.monotonic() - t0:.1f} s)", r.returncode == 0,
          str(res.get("failures")))
    return res


def check_after(m, res, alerts, ban_file, reloads):
    """What the browser saw, against the manager's own files."""
    tech = Counter(t for a in alerts for t in set(a["rule"].get("mitre", {}).get("id", [])))
    seen = res.get("matrix") or {}
    check("ATT&CK matrix: a count for every technique of the alerts, each equal",
          seen and all(seen.get(t) == n for t, n in tech.items() if n) and
          all(tech.get(t) == n for t, n in seen.items()), f"{seen} vs {dict(tech)}")
    with_mitre = sum(1 for a in alerts if a["rule"].get("mitre", {}).get("id"))
    check("ATT&CK: its total is the number of alerts with a technique",
          res.get("matrix_total") == with_mitre, f"{res.get('matrix_total')} vs {with_mitre}")
    check("ban from the ticket: the ban file holds the source",
          wait_for(lambda: ATTACKER in ban_lines(ban_file), 15), repr(text(ban_file)))
    check("ban from the ticket: the web server was reloaded with it",
          wait_for(lambda: ATTACKER in text(reloads), 10), repr(text(reloads)))
    rc, bans, _ = m.ctl("bans", "list", json_out=True)
    mine = [b for b in bans if b.get("address") == ATTACKER] if rc == 0 and isinstance(bans, list) else []
    check("ban from the ticket: in the ledger (`yagura ctl bans list`)", len(mine) == 1, str(bans))
    shots = res.get("screenshots", [])
    check("screenshots of every page at 1280 and 390 px",
          len([s for s in shots if "-1280-" in s]) >= 12 and len([s for s in shots if "-390-" in s]) >= 12 and
          all(os.path.getsize(f) > 1000 for f in shots), str(shots))


def main():
    build_root = os.path.abspath(os.path.join(BUILD, "..", ".."))
    pw = playwright_dir(build_root)
    shots = os.path.join(BUILD, "ui-console")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    with tempfile.TemporaryDirectory(prefix="yg_uicons_") as tmp:
        home, www, site = (os.path.join(tmp, d) for d in ("home", "www", "site"))
        applog = os.path.join(www, "var", "log", "prod", "x.log")
        auth = os.path.join(tmp, "auth.log")
        write(applog, "")
        write(auth, "")
        write(os.path.join(site, "index.php"), "<?php echo 'shop'; ?>\n")
        ban_file, reloads = os.path.join(tmp, "banned_ips"), os.path.join(tmp, "reloads.txt")
        reload_sh = os.path.join(tmp, "reload.sh")
        write(reload_sh, f"#!/bin/sh\n{{ echo reload; cat {ban_file}; }} >> {reloads}\n", 0o755)
        port = free_port()
        m = Manager(YAGURA, ROOT, home, config(tmp, www, site, auth, port, ban_file, reload_sh,
                                               geoip_db(tmp)))
        m.install_local_rules(SEED, {"/var/www/html": www, "/var/ossec": os.path.join(tmp, "ossec")})
        rc, err = m.check_config()
        check("-t: the configuration is valid", rc == 0, err)
        n0 = m.log().count("YG-1004")
        check("manager started", m.start(), m.log()[-2000:])
        try:
            check("FIM baseline done", wait_for(lambda: m.log().count("YG-1004") > n0, 60), m.log()[-1500:])
            p = subprocess.run([YAGURA, "ctl", "-D", home, "users", "add", "admin", "--role", "admin",
                                "--stdin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
            check("yagura ctl users add admin", p.returncode == 0, p.stdout + p.stderr)
            alerts = feed(m, applog, auth, site)
            ids = Counter(a["rule"]["id"] for a in alerts)
            check("alerts: 100403, 5716 x5, 550 with a diff", ids["100403"] == 1 and ids["5716"] == 5 and
                  any(a["rule"]["id"] == "550" and a.get("syscheck", {}).get("diff") for a in alerts), str(ids))

            def ticket():
                rc, t, _ = m.ctl("tickets", "list", json_out=True)
                return [x for x in t if x.get("rule_id") == "100403"] if rc == 0 and isinstance(t, list) else []
            tk = wait_for(ticket, 15)
            check("a ticket for 100403", len(tk or []) == 1, str(tk))
            if not tk:
                return
            res = run_browser(pw, port, shots, tk[0]["id"], auth, applog)
            check_after(m, res, m.alerts(), ban_file, reloads)
            if res.get("failures"):
                rc, t, _ = m.ctl("tickets", "list", json_out=True)
                print("alerts by rule:", dict(Counter(a["rule"]["id"] for a in m.alerts())),
                      "tickets:", [(x.get("id"), x.get("rule_id"), x.get("title")) for x in t]
                      if isinstance(t, list) else t)
            for f in res.get("screenshots", []):
                print("screenshot: " + f)
        finally:
            rc = m.stop()
            check("manager stops cleanly", rc == 0, m.log()[-1500:])
            errs = [l for l in m.log().splitlines() if ": ERROR: " in l]
            check("no errors in the manager's log", not errs, "\n".join(errs[:20]))
            check("no sanitizer report", not sanitizer_reports(home), str(sanitizer_reports(home))[:2000])
    print("screenshots in " + shots)


main()
finish()
