#!/usr/bin/env python3
"""Scenario 2 (malware) end to end: a real `yagura manager` and a real
enrolled `yagura agent` on 127.0.0.1; the agent watches the web root with
realtime FIM (the article's <syscheck> web-root lines: its
`<directories realtime="yes">` and ignores, /var/www/html replaced by a
temporary directory; the article's /etc, /usr/bin... lines left out).
webshell.php.txt, eicar.com.txt and clean.php.txt are copied into the web
root slowly (each written in chunks over ~3 s, all three at once). Two runs,
each with its own manager and agent:

 (a) the article's yara.sh, unchanged, in the agent's active-response/bin;
     the manager has the article's yara_linux <command> (its extra_args'
     /usr/local/bin replaced by /usr/bin where Debian's yara is, and
     /tmp/yara by a temporary directory holding
     samples/yara-test-rules.yar as rules/yara_rules.yar) and
     <active-response> (rules 100200,100201, location local), the agent the
     article's <localfile> for /var/ossec/logs/active-responses.log
     (/var/ossec = the agent's home). FIM 554/550 -> 100201/100200 -> yara.sh
     on the agent -> "wazuh-yara: INFO - Scan result: ..." in
     active-responses.log -> collected -> 108001.
 (b) yagura's built-in scanner: a <yara> block on the agent instead of
     yara.sh (no yara_linux response on the manager).

Checked: exactly one 108001 per matching file (level 12, groups yara,
malware, incident, the article's description with the path and rule, the
agent's id), none for clean.php; one scan per file ("Scan result" lines of
yara.sh, or the agent's "matched" lines of the built-in scanner).
Skipped (77) without yara, jq or ../shared/scenarios.
Usage: test_scenario2.py YAGURA SOURCE_ROOT"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
import agentlib as al  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
dirs = al.shared_dirs(ROOT)
if not dirs:
    print("../shared/scenarios not found: skipped")
    sys.exit(77)
SEED, SAMPLES = dirs
for tool in ("/usr/bin/yara", "/usr/bin/jq"):
    if not os.access(tool, os.X_OK):
        print(f"{tool} (needed by the article's yara.sh) is not installed: skipped")
        sys.exit(77)

# sample -> (name in the web root, the rule it must match or None)
FILES = {"webshell.php.txt": ("shell.php", "PHP_Webshell_Eval_Request"),
         "eicar.com.txt": ("eicar.com", "EICAR_Test_File"),
         "clean.php.txt": ("clean.php", None)}


def agent_syscheck(www):
    """The article's <syscheck> for the web root: its other <directories>
    lines (/etc, /usr/bin, /bin, ...) left out, /var/www/html substituted."""
    block = al.seed_block(SEED, "syscheck", "/var/www/html")
    block = "\n".join(l for l in block.splitlines()
                      if not ("<directories>" in l and "/var/www/html" not in l))
    return al.subst_text(block, {"/var/www/html": www})


def copy_slowly(src, dst, chunks=6, pause=0.5):
    """Writes src's bytes to dst in `chunks` pieces, `pause` s apart (~3 s)."""
    with open(src, "rb") as f:
        data = f.read()
    step = max(1, -(-len(data) // chunks))
    with open(dst, "wb") as f:
        for i in range(0, len(data), step):
            f.write(data[i:i + step])
            f.flush()
            os.fsync(f.fileno())
            if i + step < len(data):
                time.sleep(pause)


def drop_samples(www):
    """Copies the three samples into www at once, each slowly; their paths."""
    threads, paths = [], {}
    for sample, (name, _rule) in FILES.items():
        dst = os.path.join(www, name)
        paths[sample] = dst
        t = threading.Thread(target=copy_slowly, args=(os.path.join(SAMPLES, sample), dst))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return paths


def yara_alerts(m, path=None):
    return [a for a in m.alerts() if a["rule"]["id"] == "108001" and
            (path is None or a.get("data", {}).get("yara_scanned_file") == path)]


def wait_fim_ready(ag):
    return al.wait_for(lambda: "6009 fim: File integrity monitoring scan ended" in ag.log(), 30)


def check_alerts(m, ag, paths, tag):
    """The 108001 checks, per file."""
    expected = [(s, FILES[s][1]) for s in FILES if FILES[s][1]]
    al.wait_for(lambda: all(yara_alerts(m, paths[s]) for s, _ in expected), 40)
    time.sleep(5)  # time for a repeated scan or alert to show up
    for sample, rule in expected:
        path = paths[sample]
        got = yara_alerts(m, path)
        check(f"{tag}: exactly one 108001 for {os.path.basename(path)} ({sample})",
              len(got) == 1, f"{len(got)} alerts: " + str([a.get('full_log') for a in got]))
        if not got:
            continue
        a = got[0]
        r = a["rule"]
        check(f"{tag}: {os.path.basename(path)}: level 12, groups yara,malware,incident, "
              "the article's description",
              r.get("level") == 12 and r.get("groups") == ["yara", "malware", "incident"] and
              r.get("description") ==
              f'File "{path}" is a positive match. Yara rule: {rule}', str(r))
        check(f"{tag}: {os.path.basename(path)}: from the agent, data.yara_rule = {rule}",
              a.get("agent", {}).get("id") == ag.id and
              a.get("data", {}).get("yara_rule") == rule, str(a)[:800])
    clean = paths["clean.php.txt"]
    check(f"{tag}: no 108001 for clean.php", not yara_alerts(m, clean) and
          not [a for a in yara_alerts(m) if "clean.php" in a.get("full_log", "")])
    check(f"{tag}: no other 108001 at all", len(yara_alerts(m)) == len(expected),
          str([a.get("full_log") for a in yara_alerts(m)]))


def fim_counts(m, paths):
    out = {}
    for sample, path in paths.items():
        ids = [a["rule"]["id"] for a in m.alerts()
               if a.get("syscheck", {}).get("path") == path]
        out[os.path.basename(path)] = ids
    return out


def run_a(base):
    print("--- (a) the article's yara.sh")
    www = os.path.join(base, "www")
    os.makedirs(www)
    rules = os.path.join(base, "yara", "rules", "yara_rules.yar")
    os.makedirs(os.path.dirname(rules))
    shutil.copy(os.path.join(SAMPLES, "yara-test-rules.yar"), rules)
    ag_home = os.path.join(base, "agent")
    # the article's prefixes: /var/www/html the web root, /var/ossec the
    # agent's home, /tmp/yara ours; the yara binary is Debian's /usr/bin/yara
    subst = {"/var/www/html": www, "/var/ossec": ag_home, "/tmp/yara": os.path.join(base, "yara"),
             "-yara_path /usr/local/bin": "-yara_path /usr/bin"}

    def mconf(_id):
        return "\n".join([
            al.subst_text(al.seed_block(SEED, "command", "<name>yara_linux</name>"), subst),
            al.seed_block(SEED, "active-response", "<command>yara_linux</command>")])

    def aconf(_id):
        return agent_syscheck(www) + "\n" + al.subst_text(
            al.seed_block(SEED, "localfile", "/var/ossec/logs/active-responses.log"), subst)

    # yara.sh skips a file whose content it scanned less than 30 s before
    # (lock files under /tmp/lock keyed by the content's SHA-256): forget
    # earlier runs of this test
    for sample in FILES:
        with open(os.path.join(SAMPLES, sample), "rb") as f:
            lock = f"/tmp/lock/{hashlib.sha256(f.read()).hexdigest()}.lock"
        if os.path.exists(lock):
            os.unlink(lock)
    m = ag = None
    try:
        m, ag = al.start_pair(YAGURA, ROOT, base, SEED, {"/var/www/html": www}, mconf, aconf,
                              check)
        if not ag.id or not ag.proc:
            return
        script = os.path.join(ag.home, "active-response", "bin", "yara.sh")
        os.makedirs(os.path.dirname(script), exist_ok=True)
        shutil.copy(os.path.join(SEED, "yara.sh"), script)
        os.chmod(script, 0o755)
        check("the agent's FIM baseline is ready", wait_fim_ready(ag), ag.log()[-1500:])
        t0 = time.monotonic()
        paths = drop_samples(www)
        print(f"note: three samples copied in {time.monotonic() - t0:.1f} s")
        check_alerts(m, ag, paths, "(a) yara.sh")
        arlog = ag.ar_log()
        for sample, (name, rule) in FILES.items():
            path = paths[sample]
            n = len([l for l in arlog.splitlines()
                     if re.search(r"wazuh-yara: INFO - Scan result: \S+ " + re.escape(path) + "$",
                                  l)])
            if rule:
                check(f"(a) yara.sh: one scan of {name} (one 'Scan result' line)", n == 1,
                      arlog[-2000:])
            else:
                check(f"(a) yara.sh: no 'Scan result' for {name}", n == 0, arlog[-2000:])
        n_fim = len([a for a in m.alerts() if a["rule"]["id"] in ("100200", "100201")])
        # runs are one at a time (as Wazuh's execd): each waits >= 1 s
        runs = al.wait_for(lambda: len(al.ar_results(m.home, "yara.sh")) >= n_fim and
                           al.ar_results(m.home, "yara.sh"), 60)
        runs = al.ar_results(m.home, "yara.sh")
        check(f"(a) each of the {n_fim} FIM alerts ran yara.sh once on the agent, "
              "and each run's result came back", len(runs) == n_fim, str(len(runs)))
        # yara.sh exits 0 only after a scan (1 when its lock says "already
        # scanned"): the scans, clean.php's included
        scans = [a for a in runs if a["data"]["yagura"].get("event") == "executed"]
        check("(a) yara.sh scanned 3 times in all: once per file, clean.php included",
              len(scans) == 3, f"{len(scans)} runs exited 0")
        by = {}
        for a in runs:
            y = a["data"]["yagura"]
            by.setdefault(y.get("event"), []).append(y.get("message", "")[:120])
        print(f"note: yara.sh runs reported to the manager: "
              f"{ {k: len(v) for k, v in by.items()} }")
        for msg in sorted(set(by.get("failed", []))):
            print(f"note: failed run: {msg}")
        # Wazuh's execd ignores an exit status: a skipped repeat (exit 1) is
        # informational (990042, level 2), never a level-7 990040
        check("(a) yara.sh's skipped repeats are no 990040 alerts",
              not [a for a in runs if a["rule"]["id"] == "990040"] and
              all(a["rule"]["level"] <= 3 for a in runs), str(by)[:600])
        print(f"note: FIM alerts per file: {fim_counts(m, paths)}")
        fim = [a for a in m.alerts() if a["rule"]["id"] in ("100200", "100201")]
        mt = fim[0].get("syscheck", {}).get("mtime_after") if fim else None
        check("(a) the FIM alerts carry syscheck.path and mtime_after (yara.sh reads them)",
              fim and all(a.get("syscheck", {}).get("path") for a in fim) and mt and
              subprocess.run(["date", f"--date={mt}", "+%s"], capture_output=True).returncode
              == 0, str(fim[:1])[:800])
    finally:
        if ag:
            rc = ag.stop()
            check("(a) agent stops cleanly", rc == 0, ag.log()[-1500:])
            check("(a) no errors in the agent's log", not ag.errors(), "\n".join(ag.errors()))
        if m:
            check("(a) manager stops cleanly", m.stop() == 0, m.log()[-1500:])
        if m and ag:
            rep = al.sanitizer_reports(m.home, ag.home)
            check("(a) no sanitizer report from the manager or the agent", not rep,
                  "\n".join(rep[:20]))


def run_b(base):
    print("--- (b) yagura's built-in scanner (<yara> on the agent)")
    www = os.path.join(base, "www")
    os.makedirs(www)
    rules = os.path.join(base, "yara", "rules", "yara_rules.yar")
    os.makedirs(os.path.dirname(rules))
    shutil.copy(os.path.join(SAMPLES, "yara-test-rules.yar"), rules)

    def aconf(_id):
        return agent_syscheck(www) + f"""
  <yara>
    <rules>{rules}</rules>
    <directories>{www}</directories>
    <settle_ms>2000</settle_ms>
  </yara>"""

    m = ag = None
    try:
        m, ag = al.start_pair(YAGURA, ROOT, base, SEED, {"/var/www/html": www},
                              lambda _id: "", aconf, check)
        if not ag.id or not ag.proc:
            return
        check("the agent's scanner started", "yara: 2 rules" in ag.log(), ag.log()[-1500:])
        check("the agent's FIM baseline is ready", wait_fim_ready(ag), ag.log()[-1500:])
        t0 = time.monotonic()
        paths = drop_samples(www)
        check_alerts(m, ag, paths, "(b) built-in")
        log = ag.log()
        for sample, (name, rule) in FILES.items():
            path = paths[sample]
            n = log.count(f"yara: {path} matched")
            if rule:
                check(f"(b) built-in: one scan of {name} (one 'matched' line), after the "
                      "last chunk", n == 1 and f"yara: {path} matched 1 rules" in log,
                      "\n".join(l for l in log.splitlines() if "YG-2013" in l))
            else:
                check(f"(b) built-in: no match for {name}", n == 0, log[-1500:])
        locs = {a.get("location") for a in yara_alerts(m)}
        check("(b) built-in: the 108001 events came from the scanner (location yara), "
              "no active response ran", locs == {"yara"} and
              not al.ar_results(m.home) and "Scan result" not in ag.ar_log(),
              f"{locs} {al.ar_results(m.home)}")
        print(f"note: FIM alerts per file: {fim_counts(m, paths)}")
        print(f"note: {time.monotonic() - t0:.1f} s from the copy start to the end of the "
              "checks")
    finally:
        if ag:
            rc = ag.stop()
            check("(b) agent stops cleanly", rc == 0, ag.log()[-1500:])
            check("(b) no errors in the agent's log", not ag.errors(), "\n".join(ag.errors()))
        if m:
            check("(b) manager stops cleanly", m.stop() == 0, m.log()[-1500:])
        if m and ag:
            rep = al.sanitizer_reports(m.home, ag.home)
            check("(b) no sanitizer report from the manager or the agent", not rep,
                  "\n".join(rep[:20]))


with tempfile.TemporaryDirectory(prefix="yg_s2_") as tmp:
    t_start = time.monotonic()
    run_a(os.path.join(tmp, "a"))
    run_b(os.path.join(tmp, "b"))
    print(f"note: scenario 2 took {time.monotonic() - t_start:.1f} s")
finish()
