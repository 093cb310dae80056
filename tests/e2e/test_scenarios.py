#!/usr/bin/env python3
"""Scenarios 3 and 4 of ../shared/scenarios through `yagura replay`: the
article's local rules and decoders, unchanged, on top of yagura's default
ruleset, fed the article's sample logs. Skipped (exit 77) when the shared
scenarios are absent. Usage: test_scenarios.py YAGURA SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
SHARED = os.path.join(ROOT, "..", "shared", "scenarios")
if not os.path.isdir(os.path.join(SHARED, "seed")):
    print("shared scenarios not found: skipped")
    sys.exit(77)
SEED, SAMPLES = os.path.join(SHARED, "seed"), os.path.join(SHARED, "samples")


def replay(conf, home, files, log_format="syslog"):
    p = subprocess.run([YAGURA, "replay", "-c", conf, "-D", home, "--clock", "event",
                        "--log-format", log_format] + files,
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()]


with tempfile.TemporaryDirectory() as tmp:
    conf = os.path.join(tmp, "ossec.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config><ruleset>
  <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
  <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  <decoder_include>{SEED}/local_decoder.xml</decoder_include>
  <rule_include>{SEED}/local_rules.xml</rule_include>
</ruleset></ossec_config>""")

    # Scenario 4: the article's failed login, 10 times within 120 s from one
    # IP, written into var/log/prod/x.log; another IP's failures don't count.
    with open(os.path.join(SAMPLES, "eccube-prod.log")) as f:
        line = f.read().strip()
    log = os.path.join(tmp, "x.log")
    with open(log, "w") as f:
        for i in range(9):
            f.write(line.replace("2024-09-01T00:00:00", f"2024-09-01T00:00:{i:02d}") + "\n")
        other = line.replace("[192.168.1.1]", "[192.168.1.99]")
        for i in range(5):
            f.write(other.replace("2024-09-01T00:00:00", f"2024-09-01T00:00:{20 + i:02d}") + "\n")
        f.write(line.replace("2024-09-01T00:00:00", "2024-09-01T00:00:30") + "\n")
    alerts = replay(conf, tmp, [log])
    ids = [a["rule"]["id"] for a in alerts]
    check("scenario 4: no alert logged for single failures (no_log)", "100401" not in ids,
          str(ids))
    bf = [a for a in alerts if a["rule"]["id"] == "100403"]
    check("scenario 4: 100403 fires once, for 192.168.1.1", len(bf) == 1 and
          bf[0]["data"]["srcip"] == "192.168.1.1" and bf[0]["rule"]["level"] == 7, str(ids))
    if bf:
        check("scenario 4: groups", bf[0]["rule"]["groups"] ==
              ["syslog", "eccube", "authentication_failures", "attack", "alert"],
              str(bf[0]["rule"]["groups"]))

    # Scenario 3: Suricata's eve.json
    eve = os.path.join(SAMPLES, "suricata-eve.json")
    alerts = replay(conf, tmp, [eve], "json")
    got = [(a["rule"]["id"], a["rule"]["level"]) for a in alerts]
    with open(eve) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    high = [r for r in recs if r.get("event_type") == "alert" and
            "high" in r.get("alert", {}).get("metadata", {}).get("severity", [])]
    plain = [r for r in recs if r.get("event_type") == "alert" and r not in high]
    check("scenario 3: 86611 level 9 for each high-severity alert",
          got.count(("86611", 9)) == len(high) and len(high) == 2, str(got))
    check("scenario 3: 86601 only for the other alerts",
          got.count(("86601", 3)) == len(plain), str(got))
    check("scenario 3: the flow record gives no alert", len(alerts) == len(high) + len(plain),
          str(got))
    sig = [a["rule"]["description"] for a in alerts if a["rule"]["id"] == "86611"]
    check("scenario 3: description names the signature",
          len(sig) > 0 and all(d.startswith("Suricata: Alert - ") and len(d) > 18 for d in sig),
          str(sig))

finish()
