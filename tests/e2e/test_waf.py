"""End-to-end test of yagura's built-in WAF ban action (scenario 5) against
a real nginx + ModSecurity + OWASP CRS.

Usage: test_waf.py WAF_TOOL SOURCE_ROOT
WAF_TOOL is tests/unit/waf/waf_tool (a thin CLI over src/waf). Exits 77
(skipped) only when nginx / ModSecurity / CRS are not installed."""
import os
import subprocess
import sys
import tempfile
import time

tool, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "e2e"))
import waf_fixture  # noqa: E402
from harness import check, finish  # noqa: E402

why = waf_fixture.missing()
if why:
    print(f"SKIP: {why}; install it with scripts/install-deps.sh")
    sys.exit(77)

PWNED = "/tmp/pwned"
pwned_before = os.path.exists(PWNED) and os.stat(PWNED).st_mtime_ns


def argv_xml(argv):
    return "".join(f"<arg>{a}</arg>" for a in argv)


def write_conf(path, waf, verify=None, reload=None, extra=""):
    verify = waf.verify_argv() if verify is None else verify
    reload = waf.reload_argv() if reload is None else reload
    with open(path, "w") as f:
        f.write(f"""<ossec_config>
  <waf>
    <ban_file>{waf.ban_file}</ban_file>
    <verify_command>{argv_xml(verify)}</verify_command>
    <reload_command>{argv_xml(reload)}</reload_command>
    <command_timeout>20</command_timeout>
    <allow>198.51.100.4</allow>
    <allow>10.0.0.0/8</allow>
    <default_timeout>600</default_timeout>
    <repeated_offenders>30,60,120</repeated_offenders>
    <nftables set="inet yagura banned">no</nftables>
    {extra}
  </waf>
</ossec_config>
""")


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def entries(data):
    return [line for line in data.decode().splitlines() if line and not line.startswith("#")]


waf = waf_fixture.WafFixture()
work = tempfile.mkdtemp(prefix="yg_waf_e2e_")
conf = os.path.join(work, "ossec.conf")
ledger = os.path.join(work, "bans.db")
write_conf(conf, waf)


def tool_run(*args, conf_path=conf):
    r = subprocess.run([tool, conf_path, ledger, *args], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout + r.stderr


try:
    waf.start()
    check("baseline: 198.51.100.2 gets 200", waf.get("198.51.100.2") == 200)
    check("baseline: 198.51.100.3 gets 200", waf.get("198.51.100.3") == 200)

    # ---- ban 198.51.100.2 ----
    old = waf.workers()
    rc, out = tool_run("ban", "198.51.100.2")
    check("ban 198.51.100.2 succeeds (verify + reload ran)",
          rc == 0 and "verify=ok reload=ok" in out, out)
    check("nginx reloaded after the ban", waf.wait_reloaded(old), waf.error_log()[-2000:])
    check("banned 198.51.100.2 gets 403", waf.get("198.51.100.2") == 403)
    check("198.51.100.3 still gets 200", waf.get("198.51.100.3") == 200)
    check("127.0.0.1 still gets 200", waf.get("127.0.0.1") == 200)
    data = file_bytes(waf.ban_file)
    check("ban file holds exactly 198.51.100.2", entries(data) == ["198.51.100.2"], repr(data))
    check("ban file starts with a comment header", data.startswith(b"# "))

    # ---- a repeat offence extends, does not double ----
    rc, out = tool_run("ban", "198.51.100.2")
    check("second ban of 198.51.100.2 extends it", rc == 0 and "extended" in out, out)
    check("ban file still lists 198.51.100.2 once",
          entries(file_bytes(waf.ban_file)) == ["198.51.100.2"])

    # ---- hostile and refused inputs never reach the file ----
    before = file_bytes(waf.ban_file)
    hostile = ["1.2.3.4; touch /tmp/pwned", "$(id)", "$(touch /tmp/pwned)",
               "`touch /tmp/pwned`", "../../etc/passwd", "A" * 10240, "0.0.0.0/0", "::/0",
               "1.2.3.4\n5.6.7.8", "1.2.3.4 ", " 1.2.3.4", "01.2.3.4", "1.2.3.4/33",
               "2.0.0.0/7", "2001:db8::/31", "fe80::1%lo", "", "localhost",
               "1.2.3.4/24"]
    for h in hostile:
        rc, out = tool_run("ban", h)
        check(f"refused: {h[:40]!r}", rc == 2 and "refused" in out, f"rc={rc} {out[:200]}")
    check("hostile inputs left the ban file byte-identical",
          file_bytes(waf.ban_file) == before)
    now_pwned = os.path.exists(PWNED) and os.stat(PWNED).st_mtime_ns
    check("/tmp/pwned was not created", now_pwned == pwned_before)

    # ---- allow-lists: configured, Wazuh white_list, and overlapping CIDRs ----
    rc, out = tool_run("ban", "198.51.100.4")
    check("allow-listed 198.51.100.4 refused", rc == 2 and "allow-listed" in out, out)
    rc, out = tool_run("ban", "10.1.2.3")
    check("address inside allowed 10.0.0.0/8 refused", rc == 2, out)
    rc, out = tool_run("ban", "198.51.100.0/24")
    check("CIDR overlapping an allowed address refused", rc == 2, out)
    rc, out = tool_run("--white-list", "198.51.100.5", "ban", "198.51.100.5")
    check("Wazuh white_list entry refused", rc == 2 and "allow-listed" in out, out)
    rc, out = tool_run("ban", "::ffff:198.51.100.4")
    check("v4-mapped form of an allowed address refused", rc == 2, out)
    check("refusals left the ban file byte-identical", file_bytes(waf.ban_file) == before)
    check("198.51.100.4 gets 200", waf.get("198.51.100.4") == 200)

    # ---- verify failure: the previous file comes back, nginx keeps serving ----
    bad_conf = os.path.join(work, "bad-verify.conf")
    write_conf(bad_conf, waf, verify=["/bin/false"])
    rc, out = tool_run("ban", "198.51.100.6", conf_path=bad_conf)
    check("ban with a failing verify reports failure",
          rc == 1 and "verify=failed" in out and "restored=1" in out, out)
    check("the previous ban file was restored", file_bytes(waf.ban_file) == before)
    check("198.51.100.6 still gets 200", waf.get("198.51.100.6") == 200)
    check("198.51.100.2 still gets 403", waf.get("198.51.100.2") == 403)

    # ---- a reload command that fails is reported ----
    bad_reload = os.path.join(work, "bad-reload.conf")
    write_conf(bad_reload, waf, reload=waf.nginx_argv("-s", "reload", "-g", "pid /nonexistent/x;"))
    rc, out = tool_run("sync", conf_path=bad_reload)
    check("failing reload command reported", rc == 1 and "reload=failed" in out, out)

    # ---- back with the good configuration: 198.51.100.6 is in the ledger ----
    old = waf.workers()
    rc, out = tool_run("sync")
    check("sync applies the ledger (198.51.100.6 recorded despite the failed verify)",
          rc == 0 and entries(file_bytes(waf.ban_file)) == ["198.51.100.2", "198.51.100.6"], out)
    check("nginx reloaded after the sync", waf.wait_reloaded(old))
    check("198.51.100.6 now gets 403", waf.get("198.51.100.6") == 403)

    # ---- lift ----
    old = waf.workers()
    rc, out = tool_run("lift", "198.51.100.2")
    check("lift 198.51.100.2 succeeds", rc == 0, out)
    check("nginx reloaded after the lift", waf.wait_reloaded(old))
    check("lifted 198.51.100.2 gets 200 again", waf.get("198.51.100.2") == 200)
    check("198.51.100.6 still gets 403", waf.get("198.51.100.6") == 403)
    rc, out = tool_run("lift", "198.51.100.2")
    check("lifting it again says not banned", rc == 2, out)

    # ---- expiry: a 1-second ban is lifted by tick ----
    old = waf.workers()
    rc, out = tool_run("ban", "198.51.100.7", "1")
    check("ban 198.51.100.7 for 1 s", rc == 0 and waf.wait_reloaded(old), out)
    check("198.51.100.7 gets 403", waf.get("198.51.100.7") == 403)
    time.sleep(1.2)
    old = waf.workers()
    rc, out = tool_run("tick")
    check("tick expires 198.51.100.7", rc == 0 and "expired 198.51.100.7" in out, out)
    check("nginx reloaded after the expiry", waf.wait_reloaded(old))
    check("expired 198.51.100.7 gets 200", waf.get("198.51.100.7") == 200)
    rc, out = tool_run("list")
    check("ledger keeps the history", "198.51.100.7" in out and "by=expired" in out
          and "by=waf_tool" in out, out)
    check("final ban file holds only 198.51.100.6",
          entries(file_bytes(waf.ban_file)) == ["198.51.100.6"])
finally:
    waf.cleanup()
    subprocess.run(["rm", "-rf", work])

finish()
