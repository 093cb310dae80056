#!/usr/bin/env python3
"""The MITRE names of every rule of Wazuh's ruleset that has a <mitre> block,
checked against MITRE's own ATT&CK data.

Usage: test_mitre_names.py MITRE_DUMP YAGURA WAZUH_DIR MITRE_DIR

The expected rule.mitre of each rule is worked out here, independently of
the engine and of its generated table: the rule's ids are read from the
rule XML, the names from MITRE's STIX objects, and they are combined the
way Wazuh 4.x's Eventinfo_to_jsonstr does (every id listed; for each id
that is an active technique its name and its tactics, each tactic once; no
"mitre" at all when no id has a tactic). mitre-dump prints what yagura's
alerts would carry for every rule. Then `yagura logtest -t` must list the
ids without names as warnings with file:line, and scripts/mitre-table.py
must give the table in the tree. Exit 77 without the corpus."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import check, finish  # noqa: E402

DUMP, YAGURA, WAZUH, MITRE = sys.argv[1:5]
if not os.path.isdir(os.path.join(WAZUH, "ruleset", "rules")) or not os.path.isdir(MITRE):
    print(f"Wazuh corpus or MITRE data not found ({WAZUH}, {MITRE}): skipped")
    sys.exit(77)


def stix_objects(kind):
    for path in glob.glob(os.path.join(MITRE, "enterprise-attack", kind, "*.json")):
        with open(path, encoding="utf-8") as f:
            for o in json.load(f)["objects"]:
                if o["type"] == kind:
                    yield o


def attack_id(o):
    return next(r["external_id"] for r in o["external_references"]
                if r.get("source_name") == "mitre-attack")


TACTICS = {o["x_mitre_shortname"]: o["name"] for o in stix_objects("x-mitre-tactic")}
TECHNIQUES = {}  # active ones: id -> (name, [tactic names])
RETIRED = set()
for o in stix_objects("attack-pattern"):
    if o.get("revoked") or o.get("x_mitre_deprecated"):
        RETIRED.add(attack_id(o))
        continue
    TECHNIQUES[attack_id(o)] = (o["name"], [TACTICS[p["phase_name"]]
                                            for p in o.get("kill_chain_phases", [])])


def rules_with_mitre():
    """(file, sigid, [(id, line)]) per rule with <mitre>, in file order."""
    out = []
    rules_dir = os.path.join(WAZUH, "ruleset", "rules")
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.xml"))):
        if os.path.basename(path) == "0215-policy_rules.xml":
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        # comments out, keeping line numbers
        text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        for rm in re.finditer(r"<rule\s[^>]*?\bid=\"(\d+)\"[^>]*>(.*?)</rule>", text, re.S):
            ids = []
            for mm in re.finditer(r"<mitre>(.*?)</mitre>", rm.group(2), re.S):
                for im in re.finditer(r"<(id|tacticID|techniqueID)>([^<]*)</\1>",
                                      mm.group(1)):
                    if im.group(1) != "id":
                        raise SystemExit(f"{path}: the new MITRE form is not in this test")
                    line = text.count("\n", 0, rm.start(2) + mm.start(1) + im.start()) + 1
                    if im.group(2) not in [i for i, _ in ids]:
                        ids.append((im.group(2), line))
            if ids:
                out.append((path, int(rm.group(1)), ids))
    return out


def expected(ids):
    tactics, techniques = [], []
    for i, _ in ids:
        if i not in TECHNIQUES:
            continue
        name, tacs = TECHNIQUES[i]
        tactics += [t for t in tacs if t not in tactics]
        techniques.append(name)
    if not tactics:
        return None
    return {"id": [i for i, _ in ids], "tactic": tactics, "technique": techniques}


with tempfile.TemporaryDirectory() as tmp:
    conf = os.path.join(tmp, "wazuh.conf")
    with open(conf, "w") as f:
        f.write("""<ossec_config><ruleset>
<decoder_dir>ruleset/decoders</decoder_dir><rule_dir>ruleset/rules</rule_dir>
<rule_exclude>0215-policy_rules.xml</rule_exclude>
<list>etc/lists/audit-keys</list>
<list>etc/lists/malicious-ioc/malware-hashes</list>
<list>etc/lists/malicious-ioc/malicious-ip</list>
<list>etc/lists/malicious-ioc/malicious-domains</list>
<list>etc/lists/amazon/aws-eventnames</list>
<list>etc/lists/amazon/aws-sources</list>
<list>etc/lists/security-eventchannel</list>
</ruleset></ossec_config>""")
    # (with every list of the corpus, so that every rule loads)
    p = subprocess.run([DUMP, conf, WAZUH], capture_output=True, text=True, timeout=300)
    check("mitre-dump loads the Wazuh ruleset", p.returncode == 0, p.stderr[-800:])
    got = {}
    for ln in p.stdout.splitlines():
        o = json.loads(ln)
        got[o["sigid"]] = o

    rules = rules_with_mitre()
    check("the ruleset has rules with <mitre> (over 900)", len(rules) > 900, str(len(rules)))
    check("yagura saw the same rules with <mitre>", len(got) == len(rules),
          f"{len(got)} vs {len(rules)}")
    wrong = []
    named = 0
    for path, sigid, ids in rules:
        want = expected(ids)
        have = got.get(sigid, {}).get("mitre", "absent")
        if want is not None:
            named += 1
        if have != want:
            wrong.append(f"{os.path.basename(path)} rule {sigid}: want {want}, got {have}")
    check(f"rule.mitre of all {len(rules)} rules as MITRE's data and Wazuh's naming give",
          not wrong, "\n  " + "\n  ".join(wrong[:20]))
    check("most rules get names", named > len(rules) - 60, str(named))
    r5710 = got.get(5710, {}).get("mitre")
    check("rule 5710: Wazuh's example", r5710 == {
        "id": ["T1110.001", "T1021.004"], "tactic": ["Credential Access", "Lateral Movement"],
        "technique": ["Password Guessing", "SSH"]}, str(r5710))

    # every id without names is a warning with its file and line
    p = subprocess.run([YAGURA, "logtest", "-t", "-c", conf, "-D", WAZUH],
                       capture_output=True, text=True, timeout=300)
    warned = set()
    for ln in (p.stdout + p.stderr).splitlines():
        m = re.match(r"(.+?):(\d+): warning: <mitre>: rule (\d+): MITRE .*'([^']+)'", ln)
        if m:
            warned.add((os.path.realpath(m.group(1)), int(m.group(2)),
                        re.search(r"'([^']+)'", ln[m.end(3):]).group(1)))
    missing = set()
    for path, sigid, ids in rules:
        for i, line in ids:
            if i not in TECHNIQUES:
                missing.add((os.path.realpath(path), line, i))
    check("the ruleset has ids without names (tactic ids, a revoked one)",
          len(missing) > 10 and any(i in RETIRED for _, _, i in missing), str(missing))
    check("logtest -t warns for each of them at its file:line", missing <= warned,
          str(sorted(missing - warned)[:10]))
    check("and for nothing else", warned <= missing, str(sorted(warned - missing)[:10]))

    # the table in the tree is what the script makes of the data
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    table = os.path.join(tmp, "attack_table.c")
    p = subprocess.run([sys.executable, os.path.join(root, "scripts", "mitre-table.py"),
                        os.path.join(MITRE, "enterprise-attack"), table],
                       capture_output=True, text=True, timeout=300)
    with open(os.path.join(root, "src", "engine", "mitre", "attack_table.c"), "rb") as f:
        shipped = f.read()
    with open(table, "rb") as f:
        made = f.read() if p.returncode == 0 else b""
    check("scripts/mitre-table.py gives the shipped table byte for byte", made == shipped,
          p.stderr)
finish()
