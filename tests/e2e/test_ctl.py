#!/usr/bin/env python3
"""`yagura ctl` against a real home: a real `yagura manager` (agents'
listener and enrolment on 127.0.0.1, a collected sshd log, tickets, a
webhook integration to a dead port, the built-in WAF) is started and
stopped, agents enrol over TLS with a token and a password made by ctl, and
every verb is exercised in table and --json form, with bad input (hostile
addresses, ids, options) refused and nothing written.
Usage: test_ctl.py YAGURA SOURCE_ROOT"""
import hashlib
import json
import os
import signal
import socket
import ssl
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, free_port, wait_for  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
PWNED = "/tmp/pwned-ctl"
HOSTILE = ["1.2.3.4; touch /tmp/pwned-ctl", "$(id)", "`id`", "0.0.0.0/0", "::/0",
           "1.2.3.4/24", "01.2.3.4", "../../etc/passwd", "1.2.3.4\nx", "A" * 10240,
           "-1.2.3.4", ""]


def ctl(home, *args, stdin=None, json_out=False):
    """Runs yagura ctl; returns (rc, stdout, stderr), stdout parsed with --json."""
    argv = [YAGURA, "ctl", "-D", home] + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    out = p.stdout
    if json_out and p.returncode == 0:
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = {"unparsable": p.stdout}
    return p.returncode, out, p.stderr


def enroll(port, ca, name, secret_key, secret, tmp):
    """Enrols `name` as `yagura enroll` does: a P-256 key and CSR, one
    ENROLL_REQ frame over TLS (the manager's chain verified against its CA),
    the ENROLL_RESP JSON back."""
    key, csr = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".csr")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=" + name], check=True, capture_output=True)
    with open(csr) as f:
        req = {"name": name, secret_key: secret, "csr": f.read()}
    ctx = ssl.create_default_context(cafile=ca)
    payload = json.dumps(req).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(struct.pack(">IB", len(payload) + 1, 8) + payload)
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if len(buf) >= 5 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
                    break
    if len(buf) < 5:
        return {"error": "no answer"}
    return json.loads(buf[5:4 + struct.unpack(">I", buf[:4])[0]])


def sshd_lines(ip, n):
    t = time.strftime("%b %e %H:%M:%S")
    return "".join(f"{t} web sshd[{1000 + i}]: Failed password for invalid user admin "
                   f"from {ip} port {40000 + i} ssh2\n" for i in range(n))


def start_manager(home, conf):
    """Starts the manager in the foreground and waits until its listeners
    are up (a new "listening" line in its log)."""
    skip = len(log_text(home))
    p = subprocess.Popen([YAGURA, "manager", "-D", home, "-c", conf, "-f"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: ("YG-1001" in log_text(home)[skip:] and
                      "listening" in log_text(home)[skip:]) or p.poll() is not None, 60)
    return p


def stop_manager(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        return -1


def log_text(home):
    try:
        with open(os.path.join(home, "logs", "yagura.log")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def bans_db_unchanged(home, before):
    path = os.path.join(home, "var", "db", "bans.db")
    rc, out, _ = ctl(home, "bans", "list", "--all", "--limit", "1000", json_out=True)
    return rc == 0 and out == before


with tempfile.TemporaryDirectory() as tmp:
    if os.path.exists(PWNED):
        os.unlink(PWNED)
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, "etc"))
    applog = os.path.join(tmp, "auth.log")
    open(applog, "w").close()
    banfile = os.path.join(tmp, "banned_ips")
    rport, aport, dead = free_port(), free_port(), free_port()
    conf = os.path.join(home, "etc", "ossec.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <global><white_list>192.168.77.1</white_list></global>
  <remote><local_ip>127.0.0.1</local_ip><port>{rport}</port></remote>
  <auth><port>{aport}</port></auth>
  <localfile><log_format>syslog</log_format><location>{applog}</location></localfile>
  <tickets><route><level>3</level></route></tickets>
  <integration>
    <name>webhook</name><hook_url>http://127.0.0.1:{dead}/hook</hook_url>
    <level>3</level><max_retries>0</max_retries><timeout>2</timeout>
  </integration>
  <waf><ban_file>{banfile}</ban_file><allow>127.0.0.3</allow><allow>10.9.0.0/16</allow></waf>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
""")

    # ---- usage and homes ----
    p = subprocess.run([YAGURA, "ctl"], capture_output=True, text=True)
    check("no arguments: usage, exit 2", p.returncode == 2 and "usage" in p.stderr, p.stderr)
    p = subprocess.run([YAGURA, "ctl", "-h"], capture_output=True, text=True)
    check("-h: usage on stdout, exit 0", p.returncode == 0 and "bans add" in p.stdout)
    rc, _, err = ctl(os.path.join(tmp, "nope"), "status")
    check("missing home: exit 1", rc == 1 and "not found" in err, err)
    rc, _, err = ctl(home, "status")
    check("a directory that is no yagura home: exit 1", rc == 1 and "not a yagura home" in err,
          err)

    # ---- first run of the manager ----
    mgr = start_manager(home, conf)
    check("manager started", mgr.poll() is None, mgr.stderr.read() if mgr.poll() is not None
          else "")
    with open(applog, "a") as f:
        f.write(sshd_lines("10.20.30.40", 3))
    alerts_json = os.path.join(home, "logs", "alerts", "alerts.json")
    wait_for(lambda: os.path.exists(alerts_json) and os.path.getsize(alerts_json) > 0, 30)

    rc, st, err = ctl(home, "status", json_out=True)
    check("status --json while running: running with the manager's pid",
          rc == 0 and st["manager"]["running"] and st["manager"]["pid"] == mgr.pid,
          f"{rc} {st} {err}")
    check("status --json: outbox not opened while the manager runs",
          rc == 0 and st.get("outbox", 1) is None, str(st))
    rc, out, err = ctl(home, "status")
    check("status (table): says running", rc == 0 and f"running (pid {mgr.pid})" in out, out)

    # the CA fingerprint is the SHA-256 of ca.crt's DER
    rc, fp, err = ctl(home, "ca", "fingerprint")
    ca = os.path.join(home, "etc", "ca", "ca.crt")
    with open(ca) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    check("ca fingerprint = SHA-256 of ca.crt", rc == 0 and fp.strip() ==
          hashlib.sha256(der).hexdigest(), f"{fp} {err}")
    rc, js, _ = ctl(home, "ca", "fingerprint", json_out=True)
    check("ca fingerprint --json", rc == 0 and js["sha256"] == fp.strip())

    # token: create, enrol with it once, refused the second time
    rc, tok, err = ctl(home, "token", "create", "--ttl", "10m")
    token = tok.strip()
    check("token create: one token on stdout", rc == 0 and token.startswith("ygt_") and
          len(token) == 68 and "once" in err, f"{tok} {err}")
    r = enroll(aport, ca, "web1", "token", token, tmp)
    check("a real enrolment with the token works", "id" in r and r.get("name") == "web1", str(r))
    web1 = r.get("id", "")
    r = enroll(aport, ca, "web1b", "token", token, tmp)
    check("the token is spent: a second enrolment is refused", "error" in r, str(r))
    rc, js, _ = ctl(home, "token", "create", json_out=True)
    check("token create --json: token and expiry (1h default)",
          rc == 0 and js["token"].startswith("ygt_") and
          3500 <= js["expires"] - time.time() <= 3700, str(js))
    for bad in ("0", "30s", "31d", "1x", "-5m", "1h; id"):
        rc, _, err = ctl(home, "token", "create", "--ttl", bad)
        check(f"token --ttl {bad!r} refused", rc == 1 and "--ttl" in err, err)

    # agents while running
    rc, ag, _ = ctl(home, "agents", "list", json_out=True)
    check("agents list --json: the enrolled agent, never connected",
          rc == 0 and len(ag) == 1 and ag[0]["id"] == web1 and ag[0]["name"] == "web1" and
          ag[0]["status"] == "never_connected" and ag[0]["last_keepalive"] is None, str(ag))

    # bans while running: the manager is told, and stays alive
    rc, js, err = ctl(home, "bans", "add", "10.20.30.40", "--reason", "brute force",
                      json_out=True)
    check("bans add while running: banned, the manager notified or noted",
          rc == 0 and js["result"] == "banned" and js["manager"]["running"] and
          js["manager"]["pid"] == mgr.pid, f"{js} {err}")
    time.sleep(0.5)
    check("the manager survives ctl's signal", mgr.poll() is None)
    if rc == 0 and js["manager"]["notified"]:
        check("the running manager applied the ctl ban to its WAF ban file",
              wait_for(lambda: os.path.exists(banfile) and
                       "10.20.30.40" in open(banfile).read(), 15))
    rc, _, err = ctl(home, "outbox", "list")
    check("outbox list while running: refused with the reason", rc == 1 and
          "running" in err, err)

    # wait for the ticket and the dead webhook message, then stop
    wait_for(lambda: "dead" in log_text(home) or "dead" in log_text(home).lower(), 15)
    time.sleep(1.0)
    check("manager stops cleanly", stop_manager(mgr) == 0)

    # ---- password, then a second run to enrol with it ----
    rc, _, err = ctl(home, "password", "set", "--stdin", stdin="short\n")
    check("password --stdin: too short refused", rc == 1 and "at least" in err, err)
    rc, _, err = ctl(home, "password", "set", "--stdin", stdin="")
    check("password --stdin: empty stdin refused", rc == 1, err)
    rc, _, err = ctl(home, "password", "set", "--stdin", stdin="correct horse battery\n")
    pfile = os.path.join(home, "etc", "authd.pass")
    check("password set --stdin writes authd.pass 0600", rc == 0 and
          stat.S_IMODE(os.stat(pfile).st_mode) == 0o600 and
          open(pfile).read() == "correct horse battery\n", err)
    mgr = start_manager(home, conf)
    check("manager restarted", mgr.poll() is None)
    r = enroll(aport, ca, "web2", "password", "correct horse battery", tmp)
    check("enrolment with ctl's password works", "id" in r, str(r))
    web2 = r.get("id", "")
    r = enroll(aport, ca, "web3", "password", "wrong horse", tmp)
    check("a wrong password is refused", "error" in r, str(r))
    rc, st, _ = ctl(home, "status", json_out=True)
    check("status: 2 agents, alerts and an open ticket counted",
          rc == 0 and st["agents"]["total"] == 2 and st["alerts"] > 0 and
          st["tickets"]["open"] >= 1 and st["active_bans"] == 1, str(st))
    check("manager stops cleanly again", stop_manager(mgr) == 0)
    rc, js, err = ctl(home, "password", "set", json_out=True)
    check("password set (generated): printed once, file 0600 holds it",
          rc == 0 and len(js["password"]) == 32 and
          open(pfile).read() == js["password"] + "\n" and
          stat.S_IMODE(os.stat(pfile).st_mode) == 0o600, f"{js} {err}")
    rc, out, err = ctl(home, "password", "set")
    check("password set (table): the password alone on stdout, restart note on stderr",
          rc == 0 and len(out.strip()) == 32 and "restart" in err, f"{out} {err}")

    # ---- status after stop ----
    rc, st, _ = ctl(home, "status", json_out=True)
    check("status --json after stop: not running, outbox counted",
          rc == 0 and not st["manager"]["running"] and st["outbox"] is not None and
          st["outbox"]["dead"] + st["outbox"]["pending"] >= 1, str(st))

    # ---- agents ----
    rc, out, _ = ctl(home, "agents", "list")
    check("agents list (table)", rc == 0 and "web1" in out and "web2" in out and
          "never_connected" in out and "STATUS" in out, out)
    rc, js, _ = ctl(home, "agents", "show", web1, json_out=True)
    check("agents show --json: certificate serial and date", rc == 0 and js["name"] == "web1"
          and js["cert_serial"] and js["date_add"], str(js))
    rc, out, _ = ctl(home, "agents", "show", str(int(web1)))
    check("agents show with a short id ('1' = '001')", rc == 0 and "web1" in out, out)
    for bad in ("abc", "1; id", "$(id)", "-1", "123456789012", "A" * 10240):
        rc, _, err = ctl(home, "agents", "show", bad)
        check(f"agents show {bad[:20]!r}: refused", rc in (1, 2) and err, err)
    rc, _, err = ctl(home, "agents", "show", "999")
    check("agents show 999: no such agent, exit 1", rc == 1 and "no agent" in err, err)
    rc, _, err = ctl(home, "agents", "remove", "000")
    check("agents remove 000 (the manager) refused", rc == 1, err)
    rc, js, err = ctl(home, "agents", "revoke", web2, json_out=True)
    check("agents revoke --json", rc == 0 and js["revoked"] and
          js["manager"]["running"] is False, f"{js} {err}")
    rc, js, _ = ctl(home, "agents", "show", web2, json_out=True)
    check("a revoked agent is listed as revoked", rc == 0 and js["revoked"] and
          js["status"] == "revoked", str(js))
    rc, out, err = ctl(home, "agents", "remove", web1)
    check("agents remove", rc == 0 and "removed" in out and "not running" in out, out + err)
    rc, ag, _ = ctl(home, "agents", "list", json_out=True)
    check("removed agent gone, revoked one kept", rc == 0 and [a["id"] for a in ag] == [web2],
          str(ag))
    rc, _, err = ctl(home, "agents", "remove", web1)
    check("removing twice: no such agent", rc == 1 and "no agent" in err, err)
    rc, _, err = ctl(home, "agents", "frobnicate")
    check("unknown verb: exit 2", rc == 2, err)
    rc, _, err = ctl(home, "agents", "list", "--bogus")
    check("unknown option: exit 2", rc == 2 and "--bogus" in err, err)
    rc, _, err = ctl(home, "agents", "list", "--ttl", "1h")
    check("an option of another verb: exit 2", rc == 2 and "--ttl" in err, err)

    # ---- bans ----
    rc, before, _ = ctl(home, "bans", "list", "--all", "--limit", "1000", json_out=True)
    for bad in HOSTILE:
        rc, _, err = ctl(home, "bans", "add", bad)
        check(f"bans add {bad[:30]!r}: refused", rc in (1, 2) and err and
              (rc == 2 or "refused" in err), err[:300])
        check(f"bans add {bad[:30]!r}: message bounded", len(err) < 1000, str(len(err)))
    for bad in ("10.9.1.2", "10.9.0.0/24", "192.168.77.1"):
        rc, _, err = ctl(home, "bans", "add", bad)
        check(f"bans add {bad} (allow-listed) refused", rc == 1 and "allow" in err, err)
    for bad in ("127.0.0.3", "127.0.0.0/24", "::1", "224.0.0.1", "::ffff:127.0.0.1"):
        rc, _, err = ctl(home, "bans", "add", bad)
        check(f"bans add {bad} (never banned) refused", rc == 1 and "never banned" in err, err)
    for opt in (["--timeout", "-1"], ["--timeout", "abc"], ["--timeout", "1h; id"],
                ["--reason", "x\x1b[2Jy"], ["--reason", "R" * 10240], ["--agent", "x1"]):
        rc, _, err = ctl(home, "bans", "add", "10.50.0.1", *opt)
        check(f"bans add with {opt[0]} {opt[1][:12]!r} refused", rc == 1, err)
    check("nothing written by refused bans", bans_db_unchanged(home, before))
    check("no shell ran", not os.path.exists(PWNED))

    rc, js, err = ctl(home, "bans", "add", "::ffff:10.60.0.7", "--timeout", "2h",
                      "--reason", "manual", "--agent", "2", json_out=True)
    check("bans add v4-mapped: stored as the IPv4 address, for agent 002",
          rc == 0 and js["ban"]["address"] == "10.60.0.7" and
          js["ban"]["agent_id"] == "002" and 7100 < js["ban"]["expires"] - time.time() <= 7200,
          f"{js} {err}")
    rc, js, _ = ctl(home, "bans", "add", "10.60.0.7", json_out=True)
    check("bans add on a banned address: extended", rc == 0 and js["result"] == "extended")
    rc, js, _ = ctl(home, "bans", "add", "2001:db8::/48", "--timeout", "0", json_out=True)
    check("bans add an IPv6 network, permanent", rc == 0 and js["ban"]["permanent"], str(js))
    rc, out, _ = ctl(home, "bans", "list")
    check("bans list (table)", rc == 0 and "10.60.0.7" in out and "permanent" in out and
          "10.20.30.40" in out, out)
    rc, js, _ = ctl(home, "bans", "extend", "10.60.0.7", "3600", json_out=True)
    check("bans extend", rc == 0 and js["result"] == "extended", str(js))
    rc, _, err = ctl(home, "bans", "extend", "10.60.0.7", "-5")
    check("bans extend by a negative amount refused", rc == 1, err)
    rc, _, err = ctl(home, "bans", "extend", "10.99.99.99", "60")
    check("bans extend a free address: not banned", rc == 1 and "not banned" in err, err)
    rc, js, _ = ctl(home, "bans", "lift", "10.60.0.7", json_out=True)
    check("bans lift", rc == 0 and js["result"] == "lifted")
    rc, _, err = ctl(home, "bans", "lift", "10.60.0.7")
    check("bans lift again: not banned", rc == 1 and "not banned" in err, err)
    rc, _, err = ctl(home, "bans", "lift", "$(id)")
    check("bans lift '$(id)': refused", rc == 1 and "refused" in err, err)
    rc, act, _ = ctl(home, "bans", "list", json_out=True)
    rc2, al, _ = ctl(home, "bans", "list", "--all", json_out=True)
    check("bans list --json: active only; --all keeps the lifted episode by ctl",
          rc == 0 and rc2 == 0 and sorted(b["address"] for b in act) ==
          ["10.20.30.40", "2001:db8::/48"] and
          any(b["address"] == "10.60.0.7" and b["lifted"] and
              b["lifted_by"].startswith("ctl:") for b in al), f"{act} {al}")

    # ---- outbox ----
    rc, ob, err = ctl(home, "outbox", "list", json_out=True)
    check("outbox list --json: the webhook's messages", rc == 0 and len(ob) >= 1 and
          all(m["integration"] == "webhook" for m in ob), f"{ob} {err}")
    rc, dead_rows, _ = ctl(home, "outbox", "list", "--state", "dead", json_out=True)
    check("outbox list --state dead: the undeliverable message is dead with its error",
          rc == 0 and len(dead_rows) >= 1 and dead_rows[0]["last_error"], str(dead_rows))
    rc, out, _ = ctl(home, "outbox", "list", "--state", "dead")
    check("outbox list (table)", rc == 0 and "dead" in out and "webhook" in out, out)
    if dead_rows:
        did = str(dead_rows[0]["id"])
        rc, js, err = ctl(home, "outbox", "retry", did, json_out=True)
        check("outbox retry ID: pending again", rc == 0 and js["state"] == "pending", err)
        rc, row, _ = ctl(home, "outbox", "list", "--state", "pending", json_out=True)
        check("the retried message is pending with attempts reset",
              rc == 0 and any(str(m["id"]) == did and m["attempts"] == 0 for m in row), str(row))
        rc, _, err = ctl(home, "outbox", "retry", did)
        check("retrying a message that is not dead: exit 1", rc == 1 and "not a dead" in err,
              err)
    for bad in ("abc", "0", "1; id", "-3"):
        rc, _, err = ctl(home, "outbox", "retry", bad)
        check(f"outbox retry {bad!r} refused", rc == 1, err)
    rc, _, err = ctl(home, "outbox", "list", "--state", "zombie")
    check("outbox --state zombie refused", rc == 1, err)

    # ---- tickets ----
    rc, tk, err = ctl(home, "tickets", "list", "--status", "open", json_out=True)
    check("tickets list --status open --json: the brute force ticket",
          rc == 0 and len(tk) >= 1 and tk[0]["status"] == "open", f"{tk} {err}")
    tid = str(tk[0]["id"]) if tk else "1"
    rc, out, _ = ctl(home, "tickets", "list")
    check("tickets list (table)", rc == 0 and "open" in out and "TITLE" in out, out)
    rc, _, err = ctl(home, "tickets", "comment", tid, "looked at it; $(id) `id` ; rm -rf /")
    check("tickets comment", rc == 0, err)
    rc, _, err = ctl(home, "tickets", "comment", tid, "bad\x1b]0;title\x07")
    check("a comment with control characters refused", rc == 1, err)
    rc, _, err = ctl(home, "tickets", "close", tid)
    check("tickets close without --resolution: usage", rc == 2, err)
    rc, js, err = ctl(home, "tickets", "close", tid, "--resolution", "blocked at the WAF",
                      json_out=True)
    check("tickets close --resolution", rc == 0 and js["status"] == "closed", f"{js} {err}")
    rc, _, err = ctl(home, "tickets", "close", tid, "--resolution", "again")
    check("closing a closed ticket: refused with the module's sentence", rc == 1 and
          "not closed" in err, err)
    rc, js, _ = ctl(home, "tickets", "show", tid, json_out=True)
    check("tickets show --json: closed, resolution, comment and timeline",
          rc == 0 and js["status"] == "closed" and js["resolution"] == "blocked at the WAF" and
          any("$(id)" in c["text"] and c["author"].startswith("ctl:") for c in js["comments"])
          and len(js["timeline"]) >= 2 and js["alert_ids"], str(js)[:500])
    rc, out, _ = ctl(home, "tickets", "show", tid)
    check("tickets show (table)", rc == 0 and "closed" in out and "timeline:" in out, out)
    for bad in ("x", "0", "99999", "1 OR 1=1"):
        rc, _, err = ctl(home, "tickets", "show", bad)
        check(f"tickets show {bad!r}: exit 1", rc == 1, err)
    rc, _, err = ctl(home, "tickets", "list", "--status", "open' OR '1'='1")
    check("tickets --status injection refused", rc == 1, err)

    # ---- alerts ----
    rc, al, err = ctl(home, "alerts", "search", "--srcip", "10.20.30.40", json_out=True)
    check("alerts search --srcip --json: the sshd alerts, with the alert JSON",
          rc == 0 and len(al) >= 1 and all(a["srcip"] == "10.20.30.40" for a in al) and
          al[0]["alert"]["rule"]["id"] == al[0]["rule_id"], f"{str(al)[:300]} {err}")
    rule = al[0]["rule_id"] if al else "5710"
    rc, al2, _ = ctl(home, "alerts", "search", "--rule", rule, "--level", "1", "--agent", "0",
                     "--since", "1d", "--limit", "1", json_out=True)
    check("alerts search --rule --level --agent 000 --since 1d --limit 1",
          rc == 0 and len(al2) == 1 and al2[0]["rule_id"] == rule, str(al2)[:300])
    rc, al3, _ = ctl(home, "alerts", "search", "--text", "admin", json_out=True)
    check("alerts search --text (full text)", rc == 0 and len(al3) >= 1)
    rc, al4, _ = ctl(home, "alerts", "search", "--text", "' OR 1=1 --", json_out=True)
    check("alerts search with SQL in --text: literal, no match", rc == 0 and al4 == [], str(al4))
    rc, al5, _ = ctl(home, "alerts", "search", "--since", "2999-01-01", json_out=True)
    check("alerts search --since in the future: none", rc == 0 and al5 == [])
    rc, out, _ = ctl(home, "alerts", "search", "--since", "2020-01-01T00:00:00Z")
    check("alerts search (table)", rc == 0 and "DESCRIPTION" in out and "10.20.30.40" in out,
          out)
    for opt in (["--level", "17"], ["--level", "x"], ["--since", "yesterday"],
                ["--since", "2024-13-01"], ["--limit", "0"], ["--limit", "99999999"],
                ["--agent", "abc"], ["--srcip", "S" * 10240]):
        rc, _, err = ctl(home, "alerts", "search", *opt)
        check(f"alerts search {opt[0]} {opt[1][:12]!r} refused", rc == 1, err)

    # ---- users of the REST API ----
    rc, u, _ = ctl(home, "users", "add", "alice", "--role", "admin", json_out=True)
    check("users add: a generated password shown once", rc == 0 and len(u.get("password", "")) == 32,
          str(u))
    rc, _, _ = ctl(home, "users", "add", "bob", "--role", "read-only", "--stdin",
                   stdin="correct horse battery\n")
    check("users add --stdin", rc == 0)
    rc, _, err = ctl(home, "users", "add", "bob", "--stdin", stdin="another password\n")
    check("users add: a taken name is refused", rc == 1 and "taken" in err, err)
    rc, ul, _ = ctl(home, "users", "list", json_out=True)
    check("users list", rc == 0 and [(x["name"], x["role"]) for x in ul] ==
          [("alice", "admin"), ("bob", "read-only")], str(ul))
    rc, t, _ = ctl(home, "users", "token", "bob", "--ttl", "1d", "--label", "ci", json_out=True)
    check("users token: an API token shown once",
          rc == 0 and t.get("token", "").startswith("yga_") and len(t["token"]) == 68, str(t))
    for bad in ("x;rm -rf /", "$(id)", "../etc", "a" * 100, ""):
        rc, _, err = ctl(home, "users", "add", bad)
        check(f"users add {bad[:12]!r} refused", rc in (1, 2), err)
    rc, _, err = ctl(home, "users", "add", "carol", "--stdin", stdin="short\n")
    check("users add: a short password is refused", rc == 1 and "at least" in err, err)
    rc, _, err = ctl(home, "users", "add", "carol", "--role", "root")
    check("users add --role root refused", rc == 2, err)
    rc, _, _ = ctl(home, "users", "remove", "bob")
    rc2, ul, _ = ctl(home, "users", "list", json_out=True)
    check("users remove", rc == 0 and [x["name"] for x in ul] == ["alice"], str(ul))

    # ---- misc ----
    rc, _, err = ctl(home, "frobnicate", "x")
    check("unknown group: exit 2", rc == 2 and "unknown group" in err, err)
    rc, _, err = ctl(home, "status", "extra")
    check("status with an argument: exit 2", rc == 2, err)
    check("no file named after a hostile value appeared",
          not any("pwned" in n or "$(" in n for n in os.listdir(tmp)) and
          not os.path.exists(PWNED))

finish()
