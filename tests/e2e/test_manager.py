#!/usr/bin/env python3
"""The real `yagura manager` on one machine: scenario 1 (FIM in the web root,
realtime, with the article's ossec.conf and local rules) and scenario 4
(EC-CUBE brute force in a collected log under a wildcard location), plus -t,
SIGHUP with a broken ruleset and a clean SIGTERM. The seed files are used
unchanged except for /var/www/html and /var/ossec, replaced by temporary
directories. Skipped (exit 77) when ../shared/scenarios is absent.
Usage: test_manager.py YAGURA SOURCE_ROOT"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, wait_for  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
SHARED = os.path.join(ROOT, "..", "shared", "scenarios")
if not os.path.isdir(os.path.join(SHARED, "seed")):
    print("shared scenarios not found: skipped")
    sys.exit(77)
SEED, SAMPLES = os.path.join(SHARED, "seed"), os.path.join(SHARED, "samples")


def copy_subst(src, dst, subst):
    """Copies src to dst replacing each key of subst by its value, nothing else."""
    with open(src) as f:
        text = f.read()
    for old, new in subst.items():
        text = text.replace(old, new)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as f:
        f.write(text)


def read_alerts(home):
    path = os.path.join(home, "logs", "alerts", "alerts.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def log_text(home):
    try:
        with open(os.path.join(home, "logs", "yagura.log")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    www = os.path.join(tmp, "www")
    ossec = os.path.join(tmp, "ossec")
    subst = {"/var/www/html": www, "/var/ossec": ossec}
    for d in (home, os.path.join(www, "var", "cache"), os.path.join(www, "var", "log", "prod"),
              os.path.join(ossec, "logs")):
        os.makedirs(d, exist_ok=True)
    conf = os.path.join(home, "etc", "ossec.conf")
    copy_subst(os.path.join(SEED, "ossec.conf"), conf, subst)
    rules = os.path.join(home, "etc", "rules", "local_rules.xml")
    copy_subst(os.path.join(SEED, "local_rules.xml"), rules, subst)
    copy_subst(os.path.join(SEED, "local_decoder.xml"),
               os.path.join(home, "etc", "decoders", "local_decoder.xml"), subst)
    # The article's ossec.conf has no <ruleset>: yagura's default ruleset plus
    # the local files, in a second <ossec_config> block of the same file.
    with open(conf, "a") as f:
        f.write(f"""
<ossec_config>
  <localfile>
    <log_format>json</log_format>
    <location>{tmp}/eve.json</location>
  </localfile>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
    <decoder_dir>etc/decoders</decoder_dir>
    <rule_dir>etc/rules</rule_dir>
  </ruleset>
</ossec_config>
""")
    index = os.path.join(www, "index.php")
    with open(index, "w") as f:
        f.write("<?php echo 'hello';\n")
    applog = os.path.join(www, "var", "log", "prod", "x.log")
    open(applog, "w").close()
    # Scenario 3 needs eve.json at a path of ours: the seed's
    # /var/log/suricata is not one of the substituted prefixes.
    eve = os.path.join(tmp, "eve.json")
    open(eve, "w").close()

    # -t
    p = subprocess.run([YAGURA, "manager", "-c", conf, "-D", home, "-t"],
                       capture_output=True, text=True, timeout=120)
    check("-t: the article's configuration is valid", p.returncode == 0, p.stderr)
    check("-t: every block of the article's configuration is understood",
          "not supported" not in p.stderr and "unknown" not in p.stderr, p.stderr)
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("<ossec_config>\n  <alerts>\n    <log_alert_level>high</log_alert_level>\n"
                "  </alerts>\n</ossec_config>\n")
    p = subprocess.run([YAGURA, "manager", "-c", conf, "-c", bad, "-D", home, "-t"],
                       capture_output=True, text=True, timeout=120)
    check("-t: a bad value fails with file:line", p.returncode != 0 and
          f"{bad}:3: error: <log_alert_level>" in p.stderr, p.stderr)

    # -t --print: the configuration in force, which reads back as itself
    p = subprocess.run([YAGURA, "manager", "-c", conf, "-D", home, "-t", "--print"],
                       capture_output=True, text=True, timeout=120)
    check("-t --print: exits 0 and prints <ossec_config>", p.returncode == 0 and
          p.stdout.startswith("<ossec_config>\n") and
          p.stdout.endswith("</ossec_config>\n"), p.stderr + p.stdout[:300])
    check("-t --print: the article's blocks with their values and defaults",
          "<syscheck>" in p.stdout and "<localfile>" in p.stdout and
          "<command>" in p.stdout and "<active-response>" in p.stdout and
          "<log_alert_level>" in p.stdout and f"<location>{eve}</location>" in p.stdout,
          p.stdout[:2000])
    printed = os.path.join(tmp, "printed.conf")
    with open(printed, "w") as f:
        f.write(p.stdout + f"""<ossec_config><ruleset>
  <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir><rule_dir>{ROOT}/ruleset/rules</rule_dir>
  <decoder_dir>etc/decoders</decoder_dir><rule_dir>etc/rules</rule_dir>
</ruleset></ossec_config>
""")
    p2 = subprocess.run([YAGURA, "manager", "-c", printed, "-D", home, "-t", "--print"],
                        capture_output=True, text=True, timeout=120)
    check("-t --print: the printed configuration reads back as the same one",
          p2.returncode == 0 and p2.stdout == p.stdout, p2.stderr[-1000:])
    p = subprocess.run([YAGURA, "manager", "-c", conf, "-D", home, "--print"],
                       capture_output=True, text=True, timeout=120)
    check("--print without -t is a usage error", p.returncode == 2 and "-t" in p.stderr,
          p.stderr)

    proc = subprocess.Popen([YAGURA, "manager", "-c", conf, "-D", home, "-f"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # the baseline scan covers /etc, /usr/bin ... too: be generous
        ready = wait_for(lambda: "YG-1004" in log_text(home), 120)
        check("manager started and FIM baseline ready", ready and "YG-1001 started" in
              log_text(home), log_text(home))
        check("pidfile", os.path.exists(os.path.join(home, "var", "run", "yagura.pid")))
        p2 = subprocess.run([YAGURA, "manager", "-c", conf, "-D", home, "-f"],
                            capture_output=True, text=True, timeout=60)
        check("a second manager on the same home refuses to start",
              p2.returncode == 1 and f"another manager (pid {proc.pid})" in p2.stderr,
              p2.stderr[-2000:])

        # Scenario 1: modify, add, delete in the web root; ignored paths.
        with open(index, "a") as f:
            f.write("<?php system($_GET['c']);\n")
        newf = os.path.join(www, "shell.php")
        with open(newf, "w") as f:
            f.write("<?php eval($_POST['x']);\n")
        for p_ in (os.path.join(www, "var", "cache", "c.php"), os.path.join(www, "debug.log"),
                   os.path.join(www, ".index.php.swp")):
            with open(p_, "w") as f:
                f.write("ignored\n")

        def find(rule, path):
            return [a for a in read_alerts(home) if a["rule"]["id"] == rule and
                    a.get("syscheck", {}).get("path") == path]

        mod = wait_for(lambda: find("100200", index))
        check("scenario 1: 100200 (level 7) for the modified file",
              bool(mod) and mod[0]["rule"]["level"] == 7, str(read_alerts(home))[:2000])
        if mod:
            sc = mod[0]["syscheck"]
            check("scenario 1: md5/sha256 before and after differ",
                  sc.get("md5_before") and sc.get("md5_after") and
                  sc["md5_before"] != sc["md5_after"] and sc.get("sha256_before") and
                  sc.get("sha256_after") and sc["sha256_before"] != sc["sha256_after"],
                  json.dumps(sc))
            check("scenario 1: event modified, location syscheck",
                  sc.get("event") == "modified" and mod[0].get("location") == "syscheck",
                  json.dumps(mod[0]))
        add = wait_for(lambda: find("100201", newf))
        check("scenario 1: 100201 for the added file",
              bool(add) and add[0]["rule"]["level"] == 7, str(read_alerts(home))[:2000])
        os.unlink(newf)
        dele = wait_for(lambda: find("553", newf))
        check("scenario 1: 553 for the deleted file", bool(dele), str(read_alerts(home))[:2000])
        time.sleep(1.0)
        noise = [a for a in read_alerts(home)
                 if "/var/cache/" in a.get("syscheck", {}).get("path", "") or
                 a.get("syscheck", {}).get("path", "").endswith((".log", ".swp"))]
        check("scenario 1: ignored paths give nothing", not noise, str(noise))

        # Scenario 4: the article's failed login, 10 times, in x.log.
        with open(os.path.join(SAMPLES, "eccube-prod.log")) as f:
            line = f.read().strip()
        with open(applog, "a") as f:
            for _ in range(10):
                f.write(line + "\n")
        bf = wait_for(lambda: [a for a in read_alerts(home) if a["rule"]["id"] == "100403"])
        check("scenario 4: 100403 for 192.168.1.1 from x.log",
              len(bf) == 1 and bf[0]["data"].get("srcip") == "192.168.1.1" and
              bf[0]["location"] == applog, str(bf)[:2000])
        check("scenario 4: single failures are not logged (no_log)",
              not [a for a in read_alerts(home) if a["rule"]["id"] == "100401"])

        # Scenario 3: Suricata's eve.json appended to a collected json file.
        with open(os.path.join(SAMPLES, "suricata-eve.json")) as f:
            recs = [l for l in f if l.strip()]
        with open(eve, "a") as f:
            f.writelines(recs)
        def highs():
            return [a for a in read_alerts(home) if a["rule"]["id"] == "86611"]
        wait_for(lambda: len(highs()) >= 2)
        time.sleep(0.5)
        high = highs()
        check("scenario 3: 86611 (level 9) for the high-severity alerts",
              len(high) == 2 and all(a["rule"]["level"] == 9 and a["location"] == eve
                                     for a in high), str(high)[:2000])

        # SIGHUP with a broken rule file: refused, the old ruleset keeps working.
        with open(rules, "a") as f:
            f.write('<group name="x,"><rule id="100999" level="3"><if_sid>1</if_sid>\n')
        proc.send_signal(signal.SIGHUP)
        refused = wait_for(lambda: "YG-1007" in log_text(home))
        check("SIGHUP: a broken ruleset is refused", bool(refused), log_text(home))
        with open(index, "a") as f:
            f.write("again\n")
        again = wait_for(lambda: len(find("100200", index)) >= 2)
        check("SIGHUP: the running ruleset still works", bool(again))
        copy_subst(os.path.join(SEED, "local_rules.xml"), rules, subst)
        proc.send_signal(signal.SIGHUP)
        reloaded = wait_for(lambda: "YG-1006 reloaded:" in log_text(home))
        check("SIGHUP: a good ruleset is swapped in", bool(reloaded), log_text(home))
        with open(index, "a") as f:
            f.write("and again\n")
        check("SIGHUP: alerts after the reload",
              bool(wait_for(lambda: len(find("100200", index)) >= 3)))

        # SIGHUP also re-reads <localfile>: a file added to the configuration
        # is collected from then on.
        newlog = os.path.join(tmp, "newapp.log")
        with open(newlog, "w") as f:
            f.write("Nov 28 06:00:00 web1 sshd[4242]: Failed password for root from "
                    "203.0.113.9 port 50022 ssh2\n")
        with open(conf, "a") as f:
            f.write("<ossec_config><localfile><log_format>syslog</log_format>"
                    f"<location>{newlog}</location>"
                    "<only-future-events>no</only-future-events></localfile></ossec_config>\n")
        nreload = log_text(home).count("YG-1006 reloaded:")
        proc.send_signal(signal.SIGHUP)
        check("SIGHUP: the new configuration is read",
              bool(wait_for(lambda: log_text(home).count("YG-1006 reloaded:") > nreload)),
              log_text(home)[-3000:])
        got = wait_for(lambda: [a for a in read_alerts(home) if a.get("location") == newlog])
        check("SIGHUP: a localfile added by the reload is collected", bool(got),
              str(read_alerts(home)[-3:])[:2000])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    check("SIGTERM: clean exit", rc == 0, proc.stderr.read())
    check("SIGTERM: stopped message, pidfile removed", "YG-1003 stopped" in log_text(home) and
          not os.path.exists(os.path.join(home, "var", "run", "yagura.pid")), log_text(home))
    conn = __import__("sqlite3").connect(os.path.join(home, "var", "db", "manager.db"))
    n = conn.execute("select count(*) from alerts").fetchone()[0]
    check("alert store holds the alerts of alerts.json", n == len(read_alerts(home)),
          f"{n} vs {len(read_alerts(home))}")
finish()
