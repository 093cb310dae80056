#!/usr/bin/env python3
"""Scenario 5 (block at the WAF) end to end: a real `yagura manager`, a real
enrolled `yagura agent` on "the web server" and a real nginx + ModSecurity 3
+ OWASP CRS (waf_fixture.py) on 127.0.0.1, whose ban rule reads the ban file
(`@ipMatchFromFile`).

The manager has the article's local_decoder.xml / local_rules.xml (100403:
10 EC-CUBE failed logins within 120 s from one IP); the agent collects the
article's `<localfile>` var/log/prod/*.log of the web root. The attack is
the sample failed-login line (samples/eccube-prod.log, its IP substituted)
written 10 times into var/log/prod/x.log. Two runs, each with its own
manager, agent and nginx:

 (a) the article's ip-block.sh, copied unchanged into the agent's
     active-response/bin except for the ban file path and
     `rc-service caddy restart` (replaced by `kill -HUP <nginx master>`),
     both edited with sed as a user would; the manager has the article's
     ip_block <command> and <active-response> (defined-agent; its agent_id
     001 replaced by the real id).
 (b) yagura's built-in ban: <waf> on the agent (the fixture's ban file,
     `kill -HUP <nginx master>` as reload, 198.51.100.3 allow-listed), the
     manager's waf-ban command with a 10 s <timeout>; then the ban listed by
     `yagura ctl bans list`, lifted after its timeout, a manual
     `ctl bans add --agent` / `bans lift`, and hostile srcip values.

Each run checks 198.51.100.2 gets 403 while 198.51.100.3 gets 200, and prints the
time from writing the 10th line to the 403 being in force (curl every 50 ms).
Skipped (77) without nginx/ModSecurity/CRS, jq or ../shared/scenarios.
Usage: test_scenario5.py YAGURA SOURCE_ROOT"""
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
import agentlib as al  # noqa: E402
import waf_fixture  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
dirs = al.shared_dirs(ROOT)
if not dirs:
    print("../shared/scenarios not found: skipped")
    sys.exit(77)
SEED, SAMPLES = dirs
why = waf_fixture.missing()
if why:
    print(f"{why}: skipped")
    sys.exit(77)
if not shutil.which("jq"):
    print("jq (needed by the article's ip-block.sh) is not installed: skipped")
    sys.exit(77)

PWNED = "/tmp/pwned-s5"
SAMPLE_IP = "192.168.1.1"  # the IP in samples/eccube-prod.log
ATTACKER, BYSTANDER, MANUAL = "198.51.100.2", "198.51.100.3", "198.51.100.4"
LATENCIES = {}  # run -> seconds from the 10th line written to the 403
T_LINE = {}     # run -> monotonic time the 10th line was written


def failed_login(ip):
    line = al.text(os.path.join(SAMPLES, "eccube-prod.log")).splitlines()[0]
    assert SAMPLE_IP in line
    return line.replace(SAMPLE_IP, ip) + "\n"


def append(path, s):
    with open(path, "a") as f:
        f.write(s)
        f.flush()


def attack(log, ip, waf, m, run):
    """Writes 10 failed logins from ip (the 10th alone); returns the seconds
    from the 10th line written to the first 403 for ip (None: not within
    20 s), and prints when the 100403 alert reached alerts.json and the ban
    file changed (watched every 10 ms by a second thread)."""
    append(log, failed_login(ip) * 9)
    time.sleep(1.0)
    ban0 = al.text(waf.ban_file)
    seen = {}
    done = threading.Event()

    def watch():
        while not done.is_set() and len(seen) < 2:
            now = time.monotonic() - t0
            if "alert" not in seen and alerts_100403(m, ip):
                seen["alert"] = now
            if "file" not in seen and al.text(waf.ban_file) != ban0:
                seen["file"] = now
            time.sleep(0.01)
    append(log, failed_login(ip))
    t0 = T_LINE[run] = time.monotonic()
    watcher = threading.Thread(target=watch)
    watcher.start()
    lat = None
    try:
        while time.monotonic() - t0 < 20:
            if waf.get(ip) == 403:
                lat = time.monotonic() - t0
                break
            time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
    print(f"note: 10th line written -> 100403 in alerts.json {fmt(seen.get('alert'))}, "
          f"-> ban file changed {fmt(seen.get('file'))}, -> 403 in force {fmt(lat)} "
          "(curl every 50 ms)")
    return lat


def fmt(t):
    return "(not seen)" if t is None else f"{t:.3f} s"


def alerts_100403(m, ip):
    return [a for a in m.alerts() if a["rule"]["id"] == "100403" and
            a.get("data", {}).get("srcip") == ip]


def ban_file_lines(waf):
    """The ban file's entries (blank lines and whole-line # comments, which
    @ipMatchFromFile accepts, left out)."""
    return [l for l in al.text(waf.ban_file).splitlines()
            if l.strip() and not l.lstrip().startswith("#")]


def only_valid_addresses(waf):
    """True when every line of the ban file is an IP address or network."""
    body = al.text(waf.ban_file)
    if any(v in body for v in SHELL_VALUES + ODD_VALUES[:3]):
        return False
    for l in ban_file_lines(waf):
        try:
            ipaddress.ip_network(l.strip(), strict=True)
        except ValueError:
            return False
    return True


def localfile_block(www):
    return al.subst_text(al.seed_block(SEED, "localfile", "/var/www/html/var/log/prod"),
                         {"/var/www/html": www})


def prepare_www(base):
    www = os.path.join(base, "www")
    log = os.path.join(www, "var", "log", "prod", "x.log")
    al.write(log, "")
    return www, log


def hostile_lines(values):
    return "".join(failed_login(v) * 10 for v in values)


# Shell-injection srcip values: the decoder's (\S*) takes them whole; the
# manager's crafted-input check must stop them before any response.
SHELL_VALUES = ["1.2.3.4;touch${IFS}" + PWNED, "$(touch${IFS}" + PWNED + ")",
                "`touch${IFS}" + PWNED + "`", "0.0.0.0/0"]
# Values the crafted-input check lets through ([a-zA-Z.:_0-9-]*): the
# built-in ban must refuse them (not an address, leading zero, allow-listed).
ODD_VALUES = ["localhost", "01.2.3.4", "--help", BYSTANDER]


def run_a(base):
    print("--- (a) the article's ip-block.sh")
    os.makedirs(base, mode=0o755)
    waf = waf_fixture.WafFixture(base)
    m = ag = None
    try:
        waf.start()
        www, log = prepare_www(base)

        def mconf(agent_id):
            return "\n".join([
                al.seed_block(SEED, "command", "<name>ip_block</name>"),
                al.seed_block(SEED, "active-response", "<command>ip_block</command>")
                .replace("<agent_id>001</agent_id>", f"<agent_id>{agent_id}</agent_id>")])

        m, ag = al.start_pair(YAGURA, ROOT, base, SEED, {"/var/www/html": www}, mconf,
                              lambda _id: localfile_block(www), check)
        if not ag.id or not ag.proc:
            return
        # the article's script, edited by sed as a user would
        script = os.path.join(ag.home, "active-response", "bin", "ip-block.sh")
        os.makedirs(os.path.dirname(script), exist_ok=True)
        shutil.copy(os.path.join(SEED, "ip-block.sh"), script)
        p = subprocess.run(["sed", "-i", "-e", f"s|/caddy/banned_ips|{waf.ban_file}|",
                            "-e", f"s|rc-service caddy restart|kill -HUP {waf.proc.pid}|",
                            script], capture_output=True, text=True)
        os.chmod(script, 0o755)
        diff = subprocess.run(["diff", os.path.join(SEED, "ip-block.sh"), script],
                              capture_output=True, text=True).stdout
        changed = [l for l in diff.splitlines() if l[:1] in "<>"]
        check("ip-block.sh: only the ban file and the restart line changed",
              p.returncode == 0 and len(changed) == 4, diff)

        check("before: 198.51.100.2 and 198.51.100.3 get 200",
              waf.get(ATTACKER) == 200 and waf.get(BYSTANDER) == 200)
        lat = attack(log, ATTACKER, waf, m, "a")
        LATENCIES["a"] = lat
        print(f"note: (a) ip-block.sh: 10th line written -> 403 in force: "
              f"{'%.3f s' % lat if lat is not None else 'never'}")
        check("100403 for 198.51.100.2 on the manager, from the agent",
              al.wait_for(lambda: [a for a in alerts_100403(m, ATTACKER)
                                   if a["agent"]["id"] == ag.id], 10),
              "\n".join(l for l in m.log().splitlines()[-20:]))
        check("198.51.100.2 now gets 403 from nginx", lat is not None,
              al.text(waf.ban_file) + ag.ar_log()[-1500:])
        check("ip-block.sh appended 198.51.100.2 to the ban file",
              ban_file_lines(waf) == [ATTACKER], repr(al.text(waf.ban_file)))
        time.sleep(0.3)
        check("198.51.100.2 still 403, 198.51.100.3 and 127.0.0.1 still 200",
              waf.get(ATTACKER) == 403 and waf.get(BYSTANDER) == 200 and
              waf.get("127.0.0.1") == 200)
        res = al.wait_for(lambda: al.ar_results(m.home, "ip-block.sh", "executed", ag.id), 15)
        check("990041: ip-block.sh's result came back from the agent",
              res and res[0]["rule"]["id"] == "990041" and
              res[0]["data"]["yagura"].get("srcip") == ATTACKER,
              str(al.ar_results(m.home))[:1500])

        # hostile srcip: stopped by the manager, never on the script's stdin
        before = al.text(waf.ban_file)
        n_runs = len(al.ar_results(m.home, "ip-block.sh"))
        append(log, hostile_lines(SHELL_VALUES))
        fired = al.wait_for(lambda: all(alerts_100403(m, v) for v in SHELL_VALUES), 15)
        check("hostile srcip values are decoded and 100403 fires for them", fired,
              str([(v, len(alerts_100403(m, v))) for v in SHELL_VALUES]))
        time.sleep(2)
        check("hostile srcip: no ip-block.sh run, the ban file unchanged, no /tmp/pwned-s5",
              len(al.ar_results(m.home, "ip-block.sh")) == n_runs and
              al.text(waf.ban_file) == before and not os.path.exists(PWNED),
              repr(al.text(waf.ban_file)) + ag.ar_log()[-1000:])
        check("nginx still serves: 198.51.100.3 200, 198.51.100.2 403",
              waf.get(BYSTANDER) == 200 and waf.get(ATTACKER) == 403)
        # for comparison: the web server's own part of the latency
        append(waf.ban_file, "198.51.100.5\n")
        t0 = time.monotonic()
        waf.proc.send_signal(signal.SIGHUP)
        al.wait_for(lambda: waf.get("198.51.100.5") == 403, 20, 0.05)
        print(f"note: for comparison, nginx + ModSecurity + CRS alone: kill -HUP -> 403 in "
              f"force {time.monotonic() - t0:.3f} s (load average {os.getloadavg()[0]:.1f})")
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
        waf.cleanup()


def run_b(base):
    print("--- (b) yagura's built-in ban (<waf> on the agent)")
    os.makedirs(base, mode=0o755)
    waf = waf_fixture.WafFixture(base)
    m = ag = None
    try:
        waf.start()
        www, log = prepare_www(base)

        def mconf(agent_id):
            return f"""  <command>
    <name>waf-ban</name>
    <executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed>
  </command>
  <active-response>
    <disabled>no</disabled>
    <command>waf-ban</command>
    <location>defined-agent</location>
    <agent_id>{agent_id}</agent_id>
    <rules_id>100403</rules_id>
    <timeout>10</timeout>
  </active-response>"""

        def aconf(_id):
            return localfile_block(www) + f"""
  <waf>
    <ban_file>{waf.ban_file}</ban_file>
    <reload_command>kill -HUP {waf.proc.pid}</reload_command>
    <allow>{BYSTANDER}</allow>
  </waf>"""

        workers = waf.workers()
        m, ag = al.start_pair(YAGURA, ROOT, base, SEED, {"/var/www/html": www}, mconf, aconf,
                              check)
        if not ag.id or not ag.proc:
            return
        # the agent's WAF writes the file and reloads once at start: let that
        # reload finish, so the latency below is the ban's alone
        check("the agent's first apply reloaded nginx", waf.wait_reloaded(workers, 20),
              ag.log()[-1500:])
        check("before: 198.51.100.2 and 198.51.100.3 get 200",
              waf.get(ATTACKER) == 200 and waf.get(BYSTANDER) == 200)
        lat = attack(log, ATTACKER, waf, m, "b")
        LATENCIES["b"] = lat
        print(f"note: (b) built-in ban: 10th line written -> 403 in force: "
              f"{'%.3f s' % lat if lat is not None else 'never'}")
        check("100403 for 198.51.100.2 on the manager, from the agent",
              al.wait_for(lambda: [a for a in alerts_100403(m, ATTACKER)
                                   if a["agent"]["id"] == ag.id], 10))
        check("198.51.100.2 now gets 403 from nginx", lat is not None,
              al.text(waf.ban_file) + ag.log()[-1500:])
        check("the ban file holds exactly 198.51.100.2", ban_file_lines(waf) == [ATTACKER],
              repr(al.text(waf.ban_file)))
        time.sleep(0.3)
        check("198.51.100.2 still 403, 198.51.100.3 and 127.0.0.1 still 200",
              waf.get(ATTACKER) == 403 and waf.get(BYSTANDER) == 200 and
              waf.get("127.0.0.1") == 200)
        res = al.wait_for(lambda: al.ar_results(m.home, "yagura-waf-ban", "blocked", ag.id), 15)
        check("990041 'blocked' for 198.51.100.2 came back from the agent",
              res and res[0]["rule"]["id"] == "990041" and
              res[0]["data"]["yagura"].get("srcip") == ATTACKER,
              str(al.ar_results(m.home))[:1500])
        rc, bans, err = m.ctl("bans", "list", json_out=True)
        mine = [b for b in bans if b.get("address") == ATTACKER] if isinstance(bans, list) \
            else []
        check("`yagura ctl --json bans list` on the manager lists the ban (agent, rule 100403, "
              "expiry ~10 s)", rc == 0 and len(mine) == 1 and
              mine[0].get("agent_id") == ag.id and mine[0].get("rule_id") == "100403" and
              mine[0].get("source") == "auto" and mine[0].get("permanent") is False,
              f"{rc} {bans} {err}")

        # hostile srcip values
        append(log, hostile_lines(SHELL_VALUES + ODD_VALUES))
        fired = al.wait_for(lambda: all(alerts_100403(m, v) for v in SHELL_VALUES + ODD_VALUES),
                            15)
        check("hostile srcip values are decoded and 100403 fires for each", fired,
              str([(v, len(alerts_100403(m, v))) for v in SHELL_VALUES + ODD_VALUES]))

        def refused(v):
            return [a for a in al.ar_results(m.home, "yagura-waf-ban", "failed")
                    if a["data"]["yagura"].get("srcip") == v]
        al.wait_for(lambda: all(refused(v) for v in ODD_VALUES), 15)
        time.sleep(1)
        blocked = [a["data"]["yagura"].get("srcip")
                   for a in al.ar_results(m.home, "yagura-waf-ban", "blocked")]
        check("shell-injection srcip values: no ban action at all (stopped by the manager)",
              not [a for a in al.ar_results(m.home, "yagura-waf-ban")
                   if a["data"]["yagura"].get("srcip") in SHELL_VALUES],
              str(al.ar_results(m.home, "yagura-waf-ban"))[:2000])
        check("odd srcip values (name, leading zero, option, allow-listed) refused (990040)",
              all(refused(v) for v in ODD_VALUES) and not set(blocked) & set(ODD_VALUES),
              str([(v, [a["data"]["yagura"].get("message") for a in refused(v)])
                   for v in ODD_VALUES]))
        for v in ODD_VALUES:
            msgs = [a["data"]["yagura"].get("message") for a in refused(v)]
            print(f"note: srcip {v!r}: {msgs}")
        check("the ban file holds only valid addresses, none of the hostile values",
              only_valid_addresses(waf) and ban_file_lines(waf) == [ATTACKER],
              repr(al.text(waf.ban_file)))
        check("/tmp/pwned-s5 never appears", not os.path.exists(PWNED))
        check("the allow-listed 198.51.100.3 still gets 200", waf.get(BYSTANDER) == 200)
        rc, bans, err = m.ctl("bans", "list", json_out=True)
        listed = {b.get("address") for b in bans} if isinstance(bans, list) else set()
        print(f"note: manager's ledger after the hostile values: {sorted(listed)}")
        check("the manager's ledger lists no shell-injection or invalid value",
              rc == 0 and not listed & set(SHELL_VALUES + ["localhost", "01.2.3.4", "--help"]),
              str(listed))

        # a manual ban from ctl reaches the agent; lift removes it
        rc, out, err = m.ctl("bans", "add", MANUAL, "--agent", ag.id, "--timeout", "600",
                             "--reason", "manual test")
        check("ctl bans add 198.51.100.4 --agent ID", rc == 0, out + err)
        t0 = time.monotonic()
        got = al.wait_for(lambda: waf.get(MANUAL) == 403, 15, 0.05)
        print(f"note: ctl bans add -> 403 in force: {time.monotonic() - t0:.3f} s")
        check("the manual ban reaches the agent: 198.51.100.4 gets 403", got,
              al.text(waf.ban_file) + ag.log()[-1000:])
        check("the ban file lists 198.51.100.4", MANUAL in ban_file_lines(waf),
              repr(al.text(waf.ban_file)))
        rc, out, err = m.ctl("bans", "lift", MANUAL)
        check("ctl bans lift 198.51.100.4", rc == 0, out + err)
        got = al.wait_for(lambda: waf.get(MANUAL) == 200, 15, 0.05)
        check("lifted: 198.51.100.4 gets 200 again and is gone from the ban file",
              got and MANUAL not in ban_file_lines(waf), repr(al.text(waf.ban_file)))

        # the automatic ban expires after its 10 s timeout (never before: it
        # was applied after the 10th line was written)
        was_403 = waf.get(ATTACKER) == 403
        at_check = time.monotonic() - T_LINE["b"]
        lifted = al.wait_for(lambda: waf.get(ATTACKER) == 200,
                             max(1, 35 - (time.monotonic() - T_LINE["b"])), 0.1)
        gone = time.monotonic() - T_LINE["b"]
        print(f"note: the 10 s ban of 198.51.100.2 lifted {gone:.1f} s after the 10th line "
              f"(403 still at {at_check:.1f} s: {was_403})")
        check("after its 10 s timeout 198.51.100.2 gets 200 again, not before 10 s",
              lifted and gone >= 10 and (was_403 or at_check >= 10), f"{gone:.1f} s")
        check("the ban file no longer lists 198.51.100.2", ATTACKER not in ban_file_lines(waf),
              repr(al.text(waf.ban_file)))
        res = al.wait_for(lambda: [a for a in al.ar_results(m.home, "yagura-waf-ban",
                                                            "unblocked", ag.id)
                                   if a["data"]["yagura"].get("srcip") == ATTACKER], 15)
        check("990041 'unblocked' (ban expired) for 198.51.100.2 came back", res,
              str(al.ar_results(m.home, "yagura-waf-ban"))[-1500:])
        def still_listed():
            rc, bans, _ = m.ctl("bans", "list", json_out=True)
            return rc != 0 or not isinstance(bans, list) or \
                [b for b in bans if b.get("address") == ATTACKER]
        left = al.wait_for(lambda: not still_listed(), 10)
        check("the manager's ledger no longer lists 198.51.100.2 as banned", left,
              str(m.ctl("bans", "list", json_out=True)[1]))
        check("/tmp/pwned-s5 never appeared", not os.path.exists(PWNED))
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
        waf.cleanup()


if os.path.exists(PWNED):
    os.unlink(PWNED)
with tempfile.TemporaryDirectory(prefix="yg_s5_") as tmp:
    os.chmod(tmp, 0o755)  # nginx workers read the fixture below it
    t_start = time.monotonic()
    run_a(os.path.join(tmp, "a"))
    run_b(os.path.join(tmp, "b"))
    print("note: ban latency (10th line written -> 403 in force): " +
          ", ".join(f"({k}) {'%.3f s' % v if v is not None else 'never'}"
                    for k, v in sorted(LATENCIES.items())))
    print(f"note: scenario 5 took {time.monotonic() - t_start:.1f} s")
finish()
