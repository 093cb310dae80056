#!/usr/bin/env python3
"""The manager's outputs and operations end to end: a real `yagura manager`
collecting an auth.log, with

  * two <syslog_output>s to real UDP sockets of this test on 127.0.0.1
    (default format, and json for level >= 5 with use_fqdn);
  * e-mail alerts (<global> e-mail options, <email_alert_level> 5) to a
    real SMTP receiver (Python's smtpd, tests/e2e/smtprecv.py) that is DOWN
    when the alert is committed and started later: the mail must arrive
    exactly once, through the outbox's retries;
  * <logall_json>: logs/archives/archives.json holding every event, with
    and without an alert; <logall>: logs/archives/archives.log, the same
    events as Wazuh's text lines ("YYYY Mon DD HH:MM:SS HOST->LOCATION LOG");
  * the API: GET /health (no token) and GET /metrics (token required by
    default; without one 401), whose counters must match what was sent.

Also `manager -t` with bad values of the new options, each named with
file:line. Usage: test_manager_outputs.py YAGURA SOURCE_ROOT"""
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
import agentlib as al  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
FAILED = ("Mar  3 09:04:04 web01 sshd[2346]: Failed password for root from "
          "203.0.113.45 port 53432 ssh2\n")
QUIET = "Mar  3 09:04:05 web01 CRON[2123]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)\n"


def udp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(30)
    return s


def recv_all(s, n, timeout=30):
    """Up to n datagrams within timeout seconds."""
    out, end = [], time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            out.append(s.recv(70000).decode("utf-8", "replace"))
        except socket.timeout:
            break
    return out


def http(port, path, token=None):
    """(status, headers, body text) of GET path."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def metric(text, name, labels=""):
    """The value of one sample of the exposition text, or None."""
    m = re.search(r"^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def mails(path):
    return [json.loads(x) for x in al.text(path).splitlines() if x.strip()]


def check_bad_config(tmp):
    """-t names each bad value with file:line."""
    cases = [
        ("<syslog_output><server>127.0.0.1</server>\n<port>99999</port></syslog_output>", "port"),
        ("<syslog_output><server>127.0.0.1</server>\n<format>xml</format></syslog_output>",
         "format"),
        ("<global>\n<logall_json>maybe</logall_json></global>", "logall_json"),
        ("<global>\n<logall>sometimes</logall></global>", "logall"),
        ("<global>\n<email_maxperhour>0</email_maxperhour></global>", "email_maxperhour"),
        ("<global>\n<email_to>not-an-address</email_to></global>", "email_to"),
        ("<global><email_notification>yes</email_notification>\n"
         "<smtp_server>bad host!</smtp_server></global>", "smtp_server"),
        ("<email_alerts>\n<email_to>a@example.org</email_to><level>99</level></email_alerts>",
         "level"),
        ("<alerts>\n<email_alert_level>x</email_alert_level></alerts>", "email_alert_level"),
        ("<api><port>0</port>\n<metrics_auth>open</metrics_auth></api>", "metrics_auth"),
    ]
    for i, (xml, el) in enumerate(cases):
        home = os.path.join(tmp, f"bad{i}")
        m = al.Manager(YAGURA, ROOT, home, xml)
        rc, err = m.check_config()
        check(f"-t: bad <{el}> refused with file:line", rc == 1 and
              re.search(re.escape(m.conf) + r":\d+: error: <" + re.escape(el) + ">", err), err)
    home = os.path.join(tmp, "bad-email")
    m = al.Manager(YAGURA, ROOT, home,
                   "<global><email_notification>yes</email_notification></global>")
    rc, err = m.check_config()
    check("-t: e-mail without smtp_server/email_from/email_to refused",
          rc == 1 and "smtp_server" in err and "email_from" in err and "email_to" in err, err)


def main():
    tmp = tempfile.mkdtemp(prefix="yg-mgr-outputs-")
    check_bad_config(tmp)
    home = os.path.join(tmp, "home")
    u1, u2 = udp_socket(), udp_socket()
    smtp_port, api_port = al.free_port(), al.free_port()
    auth = os.path.join(home, "var", "log", "auth.log")
    al.write(auth, "")
    conf = f"""
  <localfile><log_format>syslog</log_format><location>{auth}</location></localfile>
  <syslog_output><server>127.0.0.1</server><port>{u1.getsockname()[1]}</port></syslog_output>
  <syslog_output><server>localhost</server><port>{u2.getsockname()[1]}</port>
    <level>5</level><format>json</format><use_fqdn>yes</use_fqdn></syslog_output>
  <global>
    <logall_json>yes</logall_json>
    <logall>yes</logall>
    <email_notification>yes</email_notification>
    <smtp_server>127.0.0.1:{smtp_port}</smtp_server>
    <email_from>yagura@example.org</email_from>
    <email_to>soc@example.org</email_to>
    <email_maxperhour>50</email_maxperhour>
  </global>
  <alerts><email_alert_level>5</email_alert_level></alerts>
  <api><listen>127.0.0.1</listen><port>{api_port}</port><ui>no</ui></api>
"""
    m = al.Manager(YAGURA, ROOT, home, conf)
    rc, err = m.check_config()
    check("-t: the configuration is valid", rc == 0, err)
    rc, t, err = m.ctl("users", "add", "ops", "--role", "read-only", json_out=True)
    rc2, tok, err2 = m.ctl("users", "token", "ops", json_out=True)
    token = tok.get("token") if isinstance(tok, dict) else None
    check("an API token for the scrape", rc == 0 and rc2 == 0 and token, f"{err} {err2}")
    smtp_out = os.path.join(tmp, "mails.jsonl")
    smtp = None
    try:
        check("manager starts", m.start())
        h = al.wait_for(lambda: (lambda r: r if r[0] == 200 else None)(
            http(api_port, "/health")), 30)
        st, _, body = h or http(api_port, "/health")
        check("GET /health without a token: 200 ok", st == 200 and
              json.loads(body).get("status") == "ok", f"{st} {body}")
        with open(auth, "a") as f:
            f.write(FAILED + QUIET)
        got1 = recv_all(u1, 1)
        alerts = al.wait_for(lambda: [a for a in m.alerts()
                                      if a.get("rule", {}).get("id") == "5716"], 30)
        check("the failed login gives 5716 in alerts.json", len(alerts) == 1, str(m.alerts()))
        a = alerts[0] if alerts else {}
        check("syslog default format: csyslogd's line",
              len(got1) == 1 and re.match(
                  r"<132>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ ossec: Alert Level: 5; "
                  r"Rule: 5716 - .*; Location: \S+->" + re.escape(auth) +
                  r"; srcip: 203\.0\.113\.45; " + re.escape(FAILED.strip()) + "$", got1[0]),
              str(got1))
        got2 = recv_all(u2, 1)
        want = None
        if alerts:
            line = [x for x in al.text(os.path.join(home, "logs", "alerts", "alerts.json"))
                    .splitlines() if '"5716"' in x][0]
            want = line
        check("syslog json format: 'ossec: ' + the committed alert JSON, full host name",
              len(got2) == 1 and want and
              re.sub(r"^<132>\w{3} [ \d]\d \d\d:\d\d:\d\d ", "", got2[0]) ==
              f"{socket.gethostname()} ossec: {want}",
              str(got2))
        check("nothing more on the syslog sockets (the quiet line has no alert)",
              recv_all(u1, 1, 2) == [] and recv_all(u2, 1, 1) == [])
        arch_path = os.path.join(home, "logs", "archives", "archives.json")
        arch = al.wait_for(lambda: [json.loads(x) for x in al.text(arch_path).splitlines()
                                    if x.strip()] if len(al.text(arch_path).splitlines()) >= 2
                           else None, 30) or []
        check("archives.json: both events, the alert's with its rule, the other without",
              len(arch) == 2 and arch[0].get("rule", {}).get("id") == "5716" and
              "rule" not in arch[1] and arch[1].get("full_log") == QUIET.strip() and
              arch[1].get("location") == auth, str(arch))
        log_path = os.path.join(home, "logs", "archives", "archives.log")
        lines = al.wait_for(lambda: (lambda ls: ls if len(ls) >= 2 else None)(
            al.text(log_path).splitlines()), 30) or []
        host = re.escape(socket.gethostname())
        line_re = (r"\d{4} \w{3} \d\d \d\d:\d\d:\d\d " + host + "->" + re.escape(auth) +
                   " ")
        check("archives.log: both events as Wazuh's text lines, in order",
              len(lines) == 2 and re.fullmatch(line_re + re.escape(FAILED.strip()), lines[0]) and
              re.fullmatch(line_re + re.escape(QUIET.strip()), lines[1]), str(lines))
        # the SMTP receiver is down: the outbox retries
        fails = al.wait_for(lambda: "attempt 1 failed" in m.log() or
                            "attempt 2 failed" in m.log(), 30)
        check("e-mail with the SMTP receiver down: the attempt fails and is retried", fails,
              m.log()[-2000:])
        st, _, body = http(api_port, "/metrics")
        check("GET /metrics without a token: 401", st == 401, f"{st} {body}")
        req = urllib.request.Request(f"http://127.0.0.1:{api_port}/health", data=b"x",
                                     method="POST")
        try:
            st = urllib.request.urlopen(req, timeout=30).status
        except urllib.error.HTTPError as e:
            st = e.code
        check("POST /health: 405", st == 405, str(st))
        smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "smtprecv.py"),
                                 str(smtp_port), smtp_out], stdout=subprocess.PIPE, text=True)
        check("SMTP receiver started", smtp.stdout.readline().strip() == "ready")
        got = al.wait_for(lambda: mails(smtp_out), 60)
        time.sleep(3)  # a duplicate would come now
        ms = mails(smtp_out)
        check("the mail arrives exactly once after the receiver is up", len(ms) == 1, str(ms))
        if got and ms:
            d = ms[0]["data"]
            check("mail envelope: from email_from to email_to",
                  ms[0]["from"] == "yagura@example.org" and ms[0]["to"] == ["soc@example.org"],
                  str(ms[0]))
            check("mail subject: Wazuh's", re.search(
                r"^Subject: Wazuh notification - \S+ - Alert level 5$", d, re.M), d)
            check("mail body: Wazuh's notification text",
                  "Wazuh Notification." in d and "Rule: 5716 fired (level 5) -> " in d and
                  "Src IP: 203.0.113.45" in d and
                  FAILED.strip() in d and "--END OF NOTIFICATION" in d and
                  "Received From: " in d and auth in d, d)
        st, _, body = http(api_port, "/api/v1/outbox", token)
        try:
            ob = json.loads(body)
        except ValueError:
            ob = {}
        rows = ob.get("items", []) if isinstance(ob, dict) else ob
        check("the outbox row is delivered (GET /api/v1/outbox)",
              st == 200 and any(r.get("integration") == "email" and
                                r.get("state") == "delivered" for r in rows), f"{st} {body}")
        st, hdr, text = http(api_port, "/metrics", token)
        check("GET /metrics with a token: 200, Prometheus text",
              st == 200 and hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
              f"{st} {hdr}")
        check("metrics: 2 events received and processed from the log collector",
              metric(text, "yagura_events_received_total", '{source="logcollector"}') == 2 and
              metric(text, "yagura_events_processed_total", '{source="logcollector"}') == 2,
              text[:3000])
        check("metrics: one alert of level 5",
              metric(text, "yagura_alerts_total", '{level="5"}') == 1, text[:3000])
        check("metrics: 2 syslog messages sent",
              metric(text, "yagura_syslog_messages_total", '{result="sent"}') == 2, text)
        check("metrics: 2 archived events",
              metric(text, "yagura_archived_events_total") == 2, text)
        check("metrics: the outbox has one delivered message",
              metric(text, "yagura_outbox_messages", '{state="delivered"}') == 1, text)
        cnt = metric(text, "yagura_commit_duration_seconds_count")
        inf = metric(text, "yagura_commit_duration_seconds_bucket", '{le="+Inf"}')
        check("metrics: commit-duration histogram consistent", cnt and cnt == inf and
              metric(text, "yagura_commit_duration_seconds_sum") is not None, text)
        check("metrics: agents, bans, queues and up",
              metric(text, "yagura_agents", '{status="active"}') == 0 and
              metric(text, "yagura_bans_active") == 0 and
              metric(text, "yagura_queue_depth", '{queue="batch"}') == 0 and
              metric(text, "yagura_up") == 1, text)
        print("note: /metrics after the run:\n" + "\n".join(
            x for x in text.splitlines() if not x.startswith("#") and
            ("source=\"logcollector\"" in x or "level=\"5\"" in x or "commit_duration" in x or
             "outbox" in x or "syslog" in x or "archived" in x)))
        # the commit point refuses (another writer holds manager.db): 503
        db = sqlite3.connect(os.path.join(home, "var", "db", "manager.db"),
                             isolation_level=None, timeout=60)
        db.execute("BEGIN EXCLUSIVE")
        with open(auth, "a") as f:
            f.write(FAILED.replace("53432", "53433"))
        down = al.wait_for(lambda: (lambda r: r if r[0] == 503 else None)(
            http(api_port, "/health")), 90)
        check("GET /health while commits fail: 503 with the reason",
              down and "commits have been failing" in json.loads(down[2]).get("reason", ""),
              str(down))
        st, _, text = http(api_port, "/metrics", token)
        check("metrics: yagura_up 0 and commit errors counted while it fails",
              metric(text, "yagura_up") == 0 and
              (metric(text, "yagura_commit_errors_total") or 0) >= 1, text[:600])
        db.execute("ROLLBACK")
        db.close()
        up = al.wait_for(lambda: (lambda r: r if r[0] == 200 else None)(
            http(api_port, "/health")), 90)
        check("GET /health once commits work again: 200", up is not None, str(up))
        n5716 = al.wait_for(lambda: len([a for a in m.alerts()
                                         if a.get("rule", {}).get("id") == "5716"]) == 2, 60)
        check("the line written meanwhile gives its alert once", n5716,
              str(len(m.alerts())))
        rc = m.stop()
        check("manager stops cleanly", rc == 0, m.log()[-2000:])
    finally:
        if m.proc:
            m.stop()
        al.stop_proc(smtp)
    san = al.sanitizer_reports(home)
    check("no sanitizer report", not san, str(san))
    finish()


main()
