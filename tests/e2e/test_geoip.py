#!/usr/bin/env python3
"""GeoIP and MITRE names end to end: `yagura logtest`, `yagura replay` and a
real `yagura manager` (alerts.json and the alert store) with a test MaxMind
DB written by tests/compat/geoip/make-test-mmdb.pl; a missing or broken
database is a warning, never a failure. Usage: test_geoip.py YAGURA SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
from agentlib import Manager, sanitizer_reports, wait_for, write  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
MAKE_DB = os.path.join(ROOT, "tests", "compat", "geoip", "make-test-mmdb.pl")

# 203.0.113.0/24 is JP / Tokyo in the test database, 192.0.2.0/24 absent
FAILED = ("Jun  2 10:00:0{} web01 sshd[77]: Failed password for invalid user admin "
          "from {} port 4242 ssh2")
TOKYO = {"country_name": "Japan", "region_name": "Tokyo", "city_name": "Tokyo",
         "location": {"lat": 35.6762, "lon": 139.6503}}
# yagura's rule 5710 carries <mitre><id>T1110</id></mitre>
MITRE_5710 = {"id": ["T1110"], "tactic": ["Credential Access"], "technique": ["Brute Force"]}


def run(args, stdin=""):
    p = subprocess.run([YAGURA] + args, input=stdin, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def conf_text(db, use_geoip="yes"):
    return f"""<ossec_config>
  <global><geoip_db_path>{db}</geoip_db_path></global>
  <alerts><use_geoip>{use_geoip}</use_geoip></alerts>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
"""


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "test.mmdb")
    p = subprocess.run(["perl", MAKE_DB, db], capture_output=True, text=True, timeout=120)
    check("the test database is written", p.returncode == 0 and os.path.getsize(db) > 0,
          p.stderr)
    conf = os.path.join(tmp, "geo.conf")
    write(conf, conf_text(db))
    lines = "\n".join([FAILED.format(1, "203.0.113.7"), FAILED.format(2, "192.0.2.7")]) + "\n"

    rc, out, err = run(["logtest", "-q", "--json", "-c", conf, "-D", tmp], lines)
    alerts = [json.loads(l) for l in out.splitlines() if l.strip()]
    check("logtest --json: two alerts", rc == 0 and len(alerts) == 2, out + err)
    if len(alerts) == 2:
        check("logtest --json: GeoLocation of srcip", alerts[0].get("GeoLocation") == TOKYO,
              json.dumps(alerts[0]))
        check("logtest --json: no GeoLocation for an address the database lacks",
              "GeoLocation" not in alerts[1], json.dumps(alerts[1]))
        check("logtest --json: MITRE names", alerts[0]["rule"].get("mitre") == MITRE_5710,
              json.dumps(alerts[0]["rule"]))

    rc, out, err = run(["logtest", "-q", "-c", conf, "-D", tmp], FAILED.format(1, "203.0.113.7"))
    check("logtest: srcgeoip in phase 2", "\tsrcgeoip: 'JP / Tokyo'\n" in out, out)
    check("logtest: MITRE lines in phase 3 as wazuh-logtest prints them",
          "\tmail: 'False'\n\tmitre.id: '['T1110']'\n\tmitre.tactic: '['Credential Access']'\n"
          "\tmitre.technique: '['Brute Force']'\n" in out, out)

    # use_geoip no: srcgeoip for rules, but no GeoLocation in alerts
    conf_no = os.path.join(tmp, "nogeo.conf")
    write(conf_no, conf_text(db, "no"))
    rc, out, err = run(["logtest", "-q", "--json", "-c", conf_no, "-D", tmp],
                       FAILED.format(1, "203.0.113.7"))
    check("use_geoip no: no GeoLocation", rc == 0 and out.strip() and
          "GeoLocation" not in out, out + err)

    # replay
    logf = os.path.join(tmp, "auth.log")
    write(logf, lines)
    outf = os.path.join(tmp, "alerts.json")
    rc, out, err = run(["replay", "-c", conf, "-D", tmp, "-o", outf, logf])
    with open(outf) as f:
        ra = [json.loads(l) for l in f if l.strip()]
    check("replay: GeoLocation in the alerts", rc == 0 and len(ra) == 2 and
          ra[0].get("GeoLocation") == TOKYO and "GeoLocation" not in ra[1], str(ra) + err)

    # a missing or broken database: a warning with file:line, GeoIP off
    for name, content in (("missing.mmdb", None), ("broken.mmdb", b"not a database\n" * 10)):
        path = os.path.join(tmp, name)
        if content is not None:
            with open(path, "wb") as f:
                f.write(content)
        c = os.path.join(tmp, name + ".conf")
        write(c, conf_text(path))
        rc, out, err = run(["logtest", "-t", "-c", c, "-D", tmp])
        check(f"-t with a {name.split('.')[0]} database: exit 0 and a warning at file:line",
              rc == 0 and f"{c}:2: warning: <geoip_db_path>: cannot use the GeoIP database"
              in err, err)
        rc, out, err = run(["logtest", "-q", "--json", "-c", c, "-D", tmp],
                           FAILED.format(1, "203.0.113.7"))
        check(f"logtest with a {name.split('.')[0]} database: alerts without GeoLocation",
              rc == 0 and '"rule"' in out and "GeoLocation" not in out, out + err)
    c = os.path.join(tmp, "bad-value.conf")
    write(c, conf_text(db, "maybe"))
    rc, out, err = run(["logtest", "-t", "-c", c, "-D", tmp])
    check("-t: use_geoip maybe is an error at file:line",
          rc != 0 and f"{c}:3: error: <use_geoip>" in err, err)

    # the manager: alerts.json and the store
    home = os.path.join(tmp, "mgr")
    authlog = os.path.join(tmp, "mgr-auth.log")
    write(authlog, "")
    m = Manager(YAGURA, ROOT, home, extra_conf=f"""
  <global><geoip_db_path>{db}</geoip_db_path></global>
  <alerts><log_alert_level>3</log_alert_level><use_geoip>yes</use_geoip></alerts>
  <localfile><log_format>syslog</log_format><location>{authlog}</location></localfile>
""")
    rc, err = m.check_config()
    check("manager -t: the GeoIP options are understood", rc == 0 and "geoip" not in err,
          err)
    check("manager starts", m.start(), m.log()[-2000:])
    try:
        with open(authlog, "a") as f:
            f.write(FAILED.format(3, "203.0.113.99") + "\n")
        got = wait_for(lambda: [a for a in m.alerts() if a.get("rule", {}).get("id") == "5710"],
                       60)
        check("manager: alerts.json has GeoLocation and MITRE names", bool(got) and
              got[0].get("GeoLocation") == TOKYO and got[0]["rule"].get("mitre") == MITRE_5710,
              str(got)[:2000])

        def stored():
            rc, out, _ = m.ctl("alerts", "search", "--rule", "5710", json_out=True)
            return out if rc == 0 and isinstance(out, list) and out else None
        st = wait_for(stored, 60)
        a = st[0].get("alert", {}) if st else {}
        check("manager: the store keeps them too", isinstance(a, dict) and
              a.get("GeoLocation") == TOKYO and a.get("rule", {}).get("mitre") == MITRE_5710,
              str(st)[:2000])
    finally:
        rc = m.stop()
    check("manager stops cleanly", rc == 0, m.log()[-2000:])
    check("no sanitizer reports", not sanitizer_reports(home), str(sanitizer_reports(home)))
finish()
