#!/usr/bin/env python3
"""<check_diff> in the real `yagura manager`: a full_command <localfile>
whose output changes, the rules of tests/compat/plugins (100601: "netstat"
output changed, level 7). The first output does not alert, a change does
(with previous_output / previous_log), and the last output survives a
restart: the output is changed while the manager is stopped, and the first
run after the restart alerts, which it could not if the manager had
forgotten the output it saw before.
Usage: test_check_diff.py YAGURA SOURCE_ROOT"""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, text, wait_for  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
RULES = os.path.join(ROOT, "tests", "compat", "plugins")


def alerts(home, rule):
    path = os.path.join(home, "logs", "alerts", "alerts.json")
    try:
        with open(path) as f:
            rows = [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []
    return [a for a in rows if a.get("rule", {}).get("id") == rule]


def log_text(home):
    return text(os.path.join(home, "logs", "yagura.log"))


def runs(home):
    """How many times the command ran (it appends a byte to "runs")."""
    return len(text(os.path.join(home, "runs")))


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, "etc"))
    out = os.path.join(tmp, "out.txt")
    conf = os.path.join(home, "etc", "ossec.conf")
    # the command appends one byte to "runs" each time it runs, so the test
    # can wait for runs instead of sleeping
    cmd = f"sh -c 'printf x >> {home}/runs; cat {out}'"
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <localfile>
    <log_format>full_command</log_format>
    <command>{cmd}</command>
    <alias>netstat listening ports</alias>
    <frequency>1</frequency>
  </localfile>
  <ruleset>
    <decoder_dir>{RULES}/decoders</decoder_dir>
    <rule_dir>{RULES}/rules</rule_dir>
  </ruleset>
</ossec_config>
""")

    def write(content):
        with open(out + ".new", "w") as f:
            f.write(content)
        os.replace(out + ".new", out)

    def start():
        err = open(os.path.join(tmp, "manager.err"), "a")
        p = subprocess.Popen([YAGURA, "manager", "-c", conf, "-D", home, "-f"],
                             stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        return p

    def stop(p):
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        return p.returncode

    def after_runs(n):
        """Waits until the command ran n more times and their outputs had
        time to be committed (one more run after them)."""
        target = runs(home) + n + 1
        return wait_for(lambda: runs(home) >= target, 120)

    write("tcp 0.0.0.0:22 sshd\n")
    p = start()
    try:
        check("the command runs", after_runs(2), log_text(home)[-2000:])
        check("the first output does not alert", not alerts(home, "100601"))
        write("tcp 0.0.0.0:22 sshd\ntcp 0.0.0.0:4444 nc\n")
        got = wait_for(lambda: alerts(home, "100601"), 120)
        check("a changed output alerts", len(got) == 1, got)
        if got:
            a = got[0]
            check("previous_log is the output before",
                  a.get("previous_log") == "ossec: output: 'netstat listening ports':\n"
                  "tcp 0.0.0.0:22 sshd", a)
            check("previous_output starts with Previous output:",
                  str(a.get("previous_output", "")).startswith("Previous output:\n"), a)
        after_runs(2)
        check("the same output again does not alert", len(alerts(home, "100601")) == 1)
    finally:
        rc = stop(p)
    with open(os.path.join(tmp, "manager.err")) as f:
        check("manager stopped cleanly", rc == 0, f"{rc} {f.read()[-3000:]}")

    # changed while stopped: only a remembered output can make this alert
    write("tcp 0.0.0.0:22 sshd\n")
    p = start()
    try:
        got = wait_for(lambda: len(alerts(home, "100601")) >= 2, 120)
        check("after a restart the first output is compared with the saved one",
              got, alerts(home, "100601"))
        if got:
            a = alerts(home, "100601")[1]
            check("... and its previous_log is the output before the restart",
                  a.get("previous_log", "").endswith("tcp 0.0.0.0:4444 nc"), a)
    finally:
        stop(p)

finish()
