#!/usr/bin/env python3
"""End-to-end tests of `yagura logtest` and `yagura replay`: the real binary,
real files, checked from the outside. Usage: test_cli.py YAGURA SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402

YAGURA, ROOT = sys.argv[1], sys.argv[2]
WAZUH = os.path.join(ROOT, "..", "shared", "wazuh")
RULESET_CONF = os.path.join(ROOT, "ruleset", "yagura-ruleset.conf")
RULESET_HOME = os.path.join(ROOT, "ruleset")


def run(args, stdin=""):
    p = subprocess.run([YAGURA] + args, input=stdin, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def wazuh_conf(tmp):
    path = os.path.join(tmp, "wazuh.conf")
    with open(path, "w") as f:
        f.write("""<ossec_config><ruleset>
<decoder_dir>ruleset/decoders</decoder_dir><rule_dir>ruleset/rules</rule_dir>
<rule_exclude>0215-policy_rules.xml</rule_exclude>
<list>etc/lists/audit-keys</list>
<list>etc/lists/malicious-ioc/malware-hashes</list>
<list>etc/lists/malicious-ioc/malicious-ip</list>
<list>etc/lists/malicious-ioc/malicious-domains</list>
</ruleset></ossec_config>""")
    return path


SSH_FAIL = ("Mar  3 09:04:0{} web01 sshd[2346]: Failed password for root from "
            "203.0.113.45 port 53432 ssh2")

with tempfile.TemporaryDirectory() as tmp:
    # -t on yagura's own ruleset
    rc, out, err = run(["logtest", "-t", "-c", RULESET_CONF, "-D", RULESET_HOME])
    check("logtest -t own ruleset exits 0", rc == 0, err)
    check("logtest -t prints a summary", "rules" in err and "0 errors" in err, err)

    # -t on the full Wazuh ruleset, when the corpus is here
    if os.path.isdir(WAZUH):
        conf = wazuh_conf(tmp)
        rc, out, err = run(["logtest", "-t", "-c", conf, "-D", WAZUH])
        check("logtest -t Wazuh ruleset: no errors", rc == 0 and " 0 errors" in err,
              err[-500:])

    # a broken ruleset: every problem named with file and line
    bad = os.path.join(tmp, "bad")
    os.makedirs(os.path.join(bad, "rules"))
    os.makedirs(os.path.join(bad, "decoders"))
    with open(os.path.join(bad, "decoders", "d.xml"), "w") as f:
        f.write('<decoder name="d">\n  <prematch>^D </prematch>\n</decoder>\n')
    with open(os.path.join(bad, "rules", "0010-base.xml"), "w") as f:
        f.write('<group name="b,">\n<rule id="1" level="0" noalert="1">\n'
                '<category>syslog</category><description>b</description></rule>\n</group>\n')
    with open(os.path.join(bad, "rules", "bad.xml"), "w") as f:
        f.write('<group name="x,">\n'
                '  <rule id="100" level="3">\n'
                '    <regex>(unclosed</regex>\n'
                '    <description>bad regex</description>\n'
                '  </rule>\n'
                '  <rule id="101" level="3">\n'
                '    <if_sid>999999</if_sid>\n'
                '    <description>unknown parent</description>\n'
                '  </rule>\n'
                '  <rule id="102" level="3">\n'
                '    <list field="srcip" lookup="nonsense">etc/lists/x</list>\n'
                '    <description>bad list</description>\n'
                '  </rule>\n'
                '</group>\n')
    with open(os.path.join(bad, "rules", "broken.xml"), "w") as f:
        f.write('<group name="y,">\n  <rule id="200" level="3">\n    <description>x\n')
    badconf = os.path.join(tmp, "bad.conf")
    with open(badconf, "w") as f:
        f.write("<ossec_config><ruleset><decoder_dir>decoders</decoder_dir>"
                "<rule_dir>rules</rule_dir><list>etc/lists/missing</list>"
                "<rule_include>rules/does-not-exist.xml</rule_include>"
                "</ruleset></ossec_config>")
    rc, out, err = run(["logtest", "-t", "-c", badconf, "-D", bad])
    check("logtest -t broken ruleset exits non-zero", rc != 0, err)
    check("bad regex named with file:line", "bad.xml:3:" in err and "regex" in err, err)
    check("unknown if_sid reported", "if_sid 999999" in err, err)
    check("bad list lookup reported", "bad.xml:11:" in err and "nonsense" in err, err)
    check("broken XML named with file:line", "broken.xml:" in err, err)
    check("missing list file reported", "missing" in err, err)
    check("missing rule file reported", "does-not-exist.xml" in err, err)

    # --json: one object per line, Wazuh's alert shape
    lines = "\n".join(SSH_FAIL.format(i) for i in range(8)) + "\nnothing decodes this\n"
    rc, out, err = run(["logtest", "--json", "-c", RULESET_CONF, "-D", RULESET_HOME], lines)
    objs = [json.loads(l) for l in out.splitlines()]
    check("--json: one object per input line", len(objs) == 9, out[:300])
    first = objs[0]
    check("--json: rule.id is a string, level a number",
          first["rule"]["id"] == "5716" and first["rule"]["level"] == 5, json.dumps(first))
    check("--json: decoder and data", first["decoder"]["name"] == "sshd" and
          first["data"]["srcip"] == "203.0.113.45" and first["data"]["srcuser"] == "root",
          json.dumps(first))
    check("--json: description expanded",
          first["rule"]["description"] == "sshd: authentication failed for root from 203.0.113.45.",
          first["rule"]["description"])
    check("--json: frequency rule fires on the 8th failure", objs[7]["rule"]["id"] == "5720",
          json.dumps(objs[7]["rule"]))
    check("--json: no rule key when nothing matched", "rule" not in objs[8], json.dumps(objs[8]))
    check("--json: timestamp, agent, manager, location",
          all(k in first for k in ("timestamp", "agent", "manager", "location", "full_log")))

    # -U exit status
    one = SSH_FAIL.format(0) + "\n"
    rc, _, _ = run(["logtest", "-U", "5716:5:sshd", "-c", RULESET_CONF, "-D", RULESET_HOME], one)
    check("-U match exits 0", rc == 0, str(rc))
    rc, _, _ = run(["logtest", "-U", "5715:5:sshd", "-c", RULESET_CONF, "-D", RULESET_HOME], one)
    check("-U mismatch exits 1", rc == 1, str(rc))
    rc, _, _ = run(["logtest", "-U", "::", "-c", RULESET_CONF, "-D", RULESET_HOME],
                   "nothing decodes this\n")
    check("-U empty triple exits with the number of empty fields", rc == 3, str(rc))

    # phase text for a person
    rc, out, _ = run(["logtest", "-c", RULESET_CONF, "-D", RULESET_HOME], one)
    check("phase 1/2/3 output", "**Phase 1" in out and "**Phase 2" in out and
          "**Phase 3" in out and "id: '5716'" in out, out)

    # replay over the bundled samples
    outp = os.path.join(tmp, "alerts.json")
    samples = [os.path.join(ROOT, "samples", f) for f in ("auth.log", "nginx-access.log")]
    rc, out, err = run(["replay", "-c", RULESET_CONF, "-D", RULESET_HOME, "--clock", "event",
                        "-o", outp] + samples)
    check("replay exits 0", rc == 0, err)
    with open(outp) as f:
        alerts = [json.loads(l) for l in f]
    ids = {a["rule"]["id"] for a in alerts}
    check("replay finds the brute force and web attacks",
          {"5720", "31103"} <= ids, str(sorted(ids)))
    check("replay summary", "events" in err and "alerts" in err and "events/s" in err, err)
    rc2, out2, err2 = run(["replay", "-j", "2", "-c", RULESET_CONF, "-D", RULESET_HOME,
                           "--clock", "event"] + samples)
    ids2 = {json.loads(l)["rule"]["id"] for l in out2.splitlines()}
    # sharding by source IP keeps one source's brute force in one session
    check("replay -j 2 still finds the brute force and web attacks",
          rc2 == 0 and {"5720", "31103"} <= ids2, str(sorted(ids2)))
    rc, _, err = run(["replay", "-c", RULESET_CONF, "-D", RULESET_HOME, "/nonexistent.log"])
    check("replay of a missing file fails clearly", rc != 0 and "nonexistent" in err, err)

    # bad input is survived: invalid UTF-8, control bytes, a 2 MB line
    junk = "\xff\xfe garbage \x01\x02\n" + "A" * 2_000_000 + "\n" + SSH_FAIL.format(1) + "\n"
    p = subprocess.run([YAGURA, "logtest", "--json", "-c", RULESET_CONF, "-D", RULESET_HOME],
                       input=junk.encode("utf-8", "surrogateescape"), capture_output=True,
                       timeout=120)
    outs = p.stdout.decode("utf-8", "replace").splitlines()
    check("garbage and huge lines survived", p.returncode == 0 and len(outs) >= 2 and
          json.loads(outs[-1])["rule"]["id"] == "5716", p.stderr.decode()[-300:])

finish()
