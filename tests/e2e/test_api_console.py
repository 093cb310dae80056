"""The analyst's console API (issue 14) on a real `yagura manager`: alerts
collected from a log file and a watched directory, then every new endpoint
checked against the numbers written:

  - GET /alerts: total, filters (repeated and comma-separated values,
    relative times), sort, limit bounds, 400s naming the parameter;
  - /alerts/histogram: the bucket sum equals its total equals /alerts' total;
  - /alerts/export: CSV rows (RFC 4180, parsed back) and JSON lines equal
    the filtered rows;
  - /alerts/stream: a new collected line arrives as `event: alert` within
    3 s; Last-Event-ID resumes; the 17th stream is refused (503); streams end
    when the manager stops;
  - /stats/rules (the rule's own, uninterpolated description), /stats/mitre
    (T1110 under Credential Access), /stats/sources (counts, bans), and
    /fim/stats (buckets and top paths), /fim (diff and hashes).

Usage: test_api_console.py YAGURA SOURCE_ROOT"""
import csv
import http.client
import io
import json
import os
import socket
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402
from harness import check, finish  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
IPS = ["203.0.113.5", "203.0.113.6", "198.51.100.7"]
PER_IP = 6  # failed logins per address (under the brute-force rule's 8)


class Api:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def raw(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        c.request("GET", path, headers=h)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, dict(r.getheaders()), body

    def get(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        st, _, body = self.raw(path + ("?" + q if q else ""))
        try:
            return st, json.loads(body)
        except ValueError:
            return st, body

    def req(self, method, path, body):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=json.dumps(body),
                  headers={"Authorization": "Bearer " + self.token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data or b"null")


class Stream:
    """GET /api/v1/alerts/stream read from a raw socket (chunked)."""

    def __init__(self, port, token, headers=""):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.s.sendall((f"GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        f"Authorization: Bearer {token}\r\n{headers}\r\n").encode())
        self.buf = b""
        self.closed = False

    def read_until(self, pred, timeout):
        end = time.time() + timeout
        while not pred(self.buf) and time.time() < end and not self.closed:
            self.s.settimeout(max(0.05, end - time.time()))
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                d = b""
            if not d:
                self.closed = True
            self.buf += d
        return pred(self.buf)

    def status(self):
        self.read_until(lambda b: b"\r\n\r\n" in b, 10)
        line = self.buf.split(b"\r\n", 1)[0].decode(errors="replace")
        return int(line.split()[1]) if line.startswith("HTTP/") else 0

    def events(self, kind):
        """The data of every `event: kind` seen (the chunk framing ignored:
        chunk sizes are lines of hex digits that never start with data:)."""
        out = []
        text = self.buf.decode(errors="replace").replace("\r\n", "\n")
        for block in text.split("\n\n"):
            lines = block.split("\n")
            if f"event: {kind}" in lines:
                data = [ln[6:] for ln in lines if ln.startswith("data: ")]
                ids = [ln[4:] for ln in lines if ln.startswith("id: ")]
                if data:
                    out.append((ids[0] if ids else None, json.loads(data[0])))
        return out

    def close(self):
        self.s.close()


def ssh_fail(ip, user, i):
    return (f"Dec  8 04:0{i % 10}:0{i % 10} web01 sshd[{2000 + i}]: Failed password for "
            f"{user} from {ip} port {40000 + i} ssh2\n")


def test_alerts(api, m):
    # alerts.json and the store are written by one commit: wait until both
    # say the same (a late FIM event may be on its way)
    same = al.wait_for(lambda: api.get("/api/v1/alerts")[1].get("total") == len(m.alerts()),
                       20)
    st, r = api.get("/api/v1/alerts", limit=500)
    check("/alerts: total counts every stored alert (as many as alerts.json)",
          st == 200 and same, f"{st} {str(r)[:300]} want {len(m.alerts())}")
    row = r["items"][0] if st == 200 and r["items"] else {}
    check("/alerts: a row has id, time, rule, level, description, groups, agent, srcip, "
          "location, seq", all(k in row for k in (
              "id", "time_ms", "timestamp", "rule_id", "level", "description", "groups",
              "agent_id", "agent_name", "srcip", "location", "seq")), str(row))
    st, r = api.get("/api/v1/alerts", rule_id="5716", since="now-1h")
    check("/alerts?rule_id=5716&since=now-1h: every failed login",
          st == 200 and r["total"] == len(IPS) * PER_IP, f"{st} {str(r)[:300]}")
    st, r = api.get("/api/v1/alerts", srcip=IPS[0])
    check("/alerts?srcip=one address: its alerts", st == 200 and r["total"] == PER_IP,
          f"{st} {str(r)[:200]}")
    st, r = api.get("/api/v1/alerts", srcip=",".join(IPS[:2]))
    st2, r2 = api.get("/api/v1/alerts", srcip=IPS[:2])
    check("/alerts: srcip=a,b and srcip=a&srcip=b are the same two addresses",
          st == 200 and st2 == 200 and r["total"] == r2["total"] == 2 * PER_IP,
          f"{st} {st2} {str(r)[:200]} {str(r2)[:200]}")
    st, r = api.get("/api/v1/alerts", since="now")
    check("/alerts?since=now: nothing yet", st == 200 and r["total"] == 0, str(r)[:200])
    st, r = api.get("/api/v1/alerts", sort="srcip", rule_id="5716", limit=500)
    ips = [x["srcip"] for x in r.get("items", [])] if st == 200 else []
    check("/alerts?sort=srcip: ascending source addresses", ips == sorted(ips) and ips,
          str(ips))
    st, r = api.get("/api/v1/alerts", sort="-level", limit=500)
    lv = [x["level"] for x in r.get("items", [])] if st == 200 else []
    check("/alerts?sort=-level: highest level first", lv == sorted(lv, reverse=True) and lv,
          str(lv))
    st, r = api.get("/api/v1/alerts", limit=2, offset=1, rule_id="5716")
    check("/alerts: limit and offset page, total unchanged",
          st == 200 and len(r["items"]) == 2 and r["total"] == len(IPS) * PER_IP and
          r["more"] and r["next_offset"] == 3, str(r)[:300])
    for params, name in (({"limit": "501"}, "limit"), ({"sort": "color"}, "sort"),
                         ({"since": "now-3x"}, "since"), ({"level": "17"}, "level"),
                         ({"srcip": "1.2.3.4,nope"}, "srcip"), ({"agent": "a1"}, "agent")):
        st, r = api.get("/api/v1/alerts", **params)
        check(f"/alerts?{params}: 400 naming {name}", st == 400 and
              r.get("error", {}).get("field") == name, f"{st} {r}")


def test_histogram(api):
    for params in ({"since": "now-1h"}, {"since": "now-1h", "rule_id": "5716"},
                   {"srcip": IPS[1], "buckets": "7"}, {}):
        st, h = api.get("/api/v1/alerts/histogram", **params)
        st2, a = api.get("/api/v1/alerts", **{k: v for k, v in params.items()
                                              if k != "buckets"})
        ok = st == 200 and st2 == 200
        s = sum(b["count"] for b in h["buckets"]) if ok else -1
        n = int(params.get("buckets", 60))
        check(f"/alerts/histogram?{params}: sum of buckets == total == /alerts total",
              ok and s == h["total"] == a["total"] and a["total"] > 0 and
              len(h["buckets"]) <= n and h["interval_ms"] > 0 and
              h["buckets"][0]["t"] == h["since"], f"{st} {str(h)[:300]} {a.get('total')}")
    st, h = api.get("/api/v1/alerts/histogram", buckets="501")
    check("/alerts/histogram?buckets=501: 400 naming buckets",
          st == 400 and h["error"].get("field") == "buckets", str(h))


def test_export(api):
    q = urllib.parse.urlencode({"rule_id": "5716", "srcip": IPS[:2], "format": "csv"},
                               doseq=True)
    st, hd, body = api.raw("/api/v1/alerts/export?" + q)
    rows = list(csv.reader(io.StringIO(body.decode()))) if st == 200 else []
    st2, a = api.get("/api/v1/alerts", rule_id="5716", srcip=IPS[:2], limit=500)
    want = {x["id"] for x in a.get("items", [])}
    check("/alerts/export csv: header row and one row per filtered alert",
          st == 200 and rows and rows[0] == ["id", "time", "level", "rule_id", "description",
                                             "agent_id", "agent_name", "srcip", "location",
                                             "groups"] and
          {r[0] for r in rows[1:]} == want and len(rows) - 1 == len(want) == 2 * PER_IP,
          f"{st} {len(rows)} {len(want)}")
    check("/alerts/export: an attachment, CSV, not truncated",
          "attachment" in hd.get("Content-Disposition", "") and
          hd.get("Content-Type", "").startswith("text/csv") and
          hd.get("X-Export-Truncated") == "false", str(hd))
    check("/alerts/export csv: fields as stored (srcip, level, ISO time)",
          all(r[7] in IPS[:2] and r[2] == "5" and r[1].endswith("Z") for r in rows[1:]),
          str(rows[:3]))
    st, hd, body = api.raw("/api/v1/alerts/export?format=jsonl&rule_id=5716")
    lines = body.decode().splitlines() if st == 200 else []
    objs = [json.loads(x) for x in lines]
    check("/alerts/export jsonl: the stored alert JSON, one per line",
          len(objs) == len(IPS) * PER_IP and all(o["rule"]["id"] == "5716" for o in objs),
          f"{st} {len(lines)}")
    st, hd, body = api.raw("/api/v1/alerts/export?format=xml")
    check("/alerts/export?format=xml: 400 naming format",
          st == 400 and json.loads(body)["error"].get("field") == "format", str(body))


def test_stats(api):
    st, r = api.get("/api/v1/stats/rules", since="now-1h", limit=5)
    items = r.get("items", []) if st == 200 else []
    top = [x for x in items if x["rule_id"] == "5716"]
    check("/stats/rules: 5716 with the ruleset's own description and its count",
          top and top[0]["description"] ==
          "sshd: authentication failed for $(srcuser) from $(srcip)." and
          top[0]["count"] == len(IPS) * PER_IP and top[0]["level"] == 5, str(items))
    st, r = api.get("/api/v1/stats/mitre", since="now-1h")
    tac = [t for t in r.get("tactics", []) if t["id"] == "TA0006"] if st == 200 else []
    tech = [t for t in tac[0]["techniques"] if t["id"] == "T1110"] if tac else []
    st2, a = api.get("/api/v1/alerts", since="now-1h", group="authentication_failed")
    check("/stats/mitre: T1110 Brute Force under Credential Access counts the failed logins",
          tac and tac[0]["name"] == "Credential Access" and tech and
          tech[0]["name"] == "Brute Force" and tech[0]["count"] == len(IPS) * PER_IP and
          r["total"] >= len(IPS) * PER_IP, f"{st} {r} {a.get('total')}")
    st3, t = api.get("/api/v1/alerts", since="now-1h", technique="T1110")
    st4, n = api.get("/api/v1/alerts", since="now-1h", technique="T1059,T9999")
    check("/alerts?technique=: the alerts counted under that technique in /stats/mitre",
          st3 == 200 and tech and t["total"] == tech[0]["count"] and
          all(x["rule_id"] for x in t["items"]) and st4 == 200 and n["total"] == 0,
          f"{st3} {t.get('total')} {st4} {n.get('total')}")
    st, r = api.get("/api/v1/stats/mitre", srcip=IPS[0])
    tech = [t for tc in r.get("tactics", []) for t in tc["techniques"] if t["id"] == "T1110"]
    check("/stats/mitre?srcip=: filtered to one source",
          st == 200 and tech and tech[0]["count"] == PER_IP and r["total"] == PER_IP, str(r))
    st, r = api.get("/api/v1/stats/sources", limit=10)
    got = {x["srcip"]: x for x in r.get("items", [])} if st == 200 else {}
    check("/stats/sources: every address with its count, unbanned, no GeoIP db: null places",
          all(got.get(ip, {}).get("count") == PER_IP for ip in IPS) and
          all(got[ip]["banned"] is False and got[ip]["ban"] is None and
              got[ip]["country_code"] is None and got[ip]["last"] > 0 for ip in IPS),
          str(r)[:500])
    st, b = api.req("POST", "/api/v1/bans", {"address": IPS[2], "reason": "console test"})
    st2, r = api.get("/api/v1/stats/sources", limit=10)
    got = {x["srcip"]: x for x in r.get("items", [])} if st2 == 200 else {}
    check("/stats/sources: a banned address says so, with its ban",
          st in (200, 201) and got.get(IPS[2], {}).get("banned") is True and
          got[IPS[2]]["ban"]["address"] == IPS[2] and got[IPS[0]]["banned"] is False,
          f"{st} {b} {str(r)[:400]}")
    st, r = api.get("/api/v1/stats/sources", limit=101)
    check("/stats/sources?limit=101: 400 naming limit",
          st == 400 and r["error"].get("field") == "limit", str(r))


def test_fim(api, nfiles):
    st, r = api.get("/api/v1/fim/stats", since="now-1h", buckets=10)
    st2, a = api.get("/api/v1/alerts", since="now-1h", group="syscheck")
    ok = st == 200 and st2 == 200
    check("/fim/stats: buckets sum to the FIM alerts, top paths counted",
          ok and sum(b["count"] for b in r["buckets"]) == r["total"] == a["total"] and
          a["total"] >= nfiles and r["top_paths"] and
          sum(p["count"] for p in r["top_paths"]) == r["total"], f"{st} {str(r)[:500]}")
    st, r = api.get("/api/v1/fim", limit=50)
    mod = [x for x in r.get("items", []) if (x.get("syscheck") or {}).get("event") ==
           "modified"] if st == 200 else []
    sc = mod[0]["syscheck"] if mod else {}
    check("/fim: a modification carries its diff, before/after hashes and attributes",
          sc.get("diff") and sc.get("sha256_before") and sc.get("sha256_after") and
          sc.get("sha256_before") != sc.get("sha256_after") and
          sc.get("size_before") and sc.get("size_after") and sc.get("perm_after") and
          "size" in (sc.get("changed_attributes") or []), str(sc)[:500])


def test_tickets(api, banfile):
    st, r = api.get("/api/v1/tickets", level_min=5, status="open")
    items = r.get("items", []) if st == 200 else []
    check("/tickets?level_min=5&status=open: the failed logins' tickets", items, str(r)[:300])
    st, r6 = api.get("/api/v1/tickets", level_min=6)
    check("/tickets?level_min=6: none (5716 is level 5)", st == 200 and r6["items"] == [],
          str(r6)[:300])
    st, r = api.get("/api/v1/tickets", level_min=17)
    check("/tickets?level_min=17: 400 naming level_min",
          st == 400 and r["error"].get("field") == "level_min", str(r))
    tid = None
    for t in items:
        st, hd, body = api.raw(f"/api/v1/tickets/{t['id']}")
        d = json.loads(body)
        srcs = [e["data"].get("srcip") for e in d["timeline"] if e["type"] == "alert"]
        if IPS[0] in srcs:
            tid, detail, raw = t["id"], d, body
            break
    check("a ticket for the first source", tid, str(items)[:300])
    if not tid:
        return
    al_entries = [e for e in detail["timeline"] if e["type"] == "alert"]
    e0 = al_entries[0]["data"] if al_entries else {}
    check("/tickets/{id}: alert entries typed and expanded (rule, level, description, srcip)",
          e0.get("rule_id") == "5716" and e0.get("level") == 5 and
          e0.get("description", "").startswith("sshd: authentication failed for root") and
          e0.get("srcip") == IPS[0] and e0.get("alert_id"), str(detail["timeline"])[:500])
    check("/tickets/{id}: no double-escaped JSON (no \\/ and no JSON inside strings)",
          b"\\/" not in raw and all(not str(e.get("text", "")).startswith("{") or
                                      e.get("data") for e in detail["timeline"]), raw[:300])
    st, r = api.req("PATCH", f"/api/v1/tickets/{tid}", {"assignee": "ghost"})
    check("PATCH /tickets/{id} assignee=ghost (no such user): 400 naming assignee",
          st == 400 and r["error"].get("field") == "assignee", f"{st} {r}")
    st, r = api.req("PATCH", f"/api/v1/tickets/{tid}", {"assignee": "ana"})
    check("PATCH /tickets/{id} assignee=ana: assigned", st == 200 and
          r["ticket"]["assignee"] == "ana", f"{st} {r}")
    st, r = api.req("POST", f"/api/v1/tickets/{tid}/ban", {"ttl": 600})
    check("POST /tickets/{id}/ban: bans the ticket's source", st == 201 and
          r.get("address") == IPS[0] and r.get("ban", {}).get("address") == IPS[0],
          f"{st} {r}")
    got = al.wait_for(lambda: IPS[0] in al.text(banfile), 20)
    check("the ticket's ban reaches the ban file", got, al.text(banfile))
    st, bans = api.get("/api/v1/bans")
    mine = [b for b in bans.get("items", []) if b["address"] == IPS[0]]
    check("the ban ledger's record names the ticket", mine and
          f"ticket #{tid}" in mine[0].get("reason", ""), str(bans)[:400])
    st, d = api.get(f"/api/v1/tickets/{tid}")
    types = [e["type"] for e in d.get("timeline", [])]
    check("/tickets/{id}: timeline has the assignment and the ban, bans lists it",
          "assign" in types and "ban" in types and IPS[0] in d.get("bans", []), str(types))
    st, r = api.req("DELETE", f"/api/v1/tickets/{tid}/ban/198.18.0.1", None)
    check("DELETE /tickets/{id}/ban/<not linked>: 404", st == 404, f"{st} {r}")
    st, r = api.req("DELETE", f"/api/v1/tickets/{tid}/ban/{IPS[0]}", None)
    check("DELETE /tickets/{id}/ban/<address>: lifted", st == 200 and r.get("lifted"),
          f"{st} {r}")
    st, bans = api.get("/api/v1/bans")
    st2, d = api.get(f"/api/v1/tickets/{tid}")
    check("the lift leaves the ledger and is on the timeline (unban)",
          not [b for b in bans.get("items", []) if b["address"] == IPS[0]] and
          "unban" in [e["type"] for e in d.get("timeline", [])], str(d)[:300])
    got = al.wait_for(lambda: IPS[0] not in al.text(banfile), 20)
    check("the lift leaves the ban file", got, al.text(banfile))


def test_agent(api):
    # responses to the bans above may still be alerting: count around it
    st1, r1 = api.get("/api/v1/alerts", agent="000")
    st, a = api.get("/api/v1/agents/000")
    st2, r = api.get("/api/v1/alerts", agent="000")
    check("/agents/000: the manager's own alerts counted, recent lists bounded",
          st == 200 and r1["total"] <= a["alert_count"] <= r["total"] and
          a["alert_count"] > 0 and
          0 < len(a["alerts"]["items"]) <= 20 and len(a["fim"]) > 0 and
          "bans" in a and "responses" in a and "events_per_s" in a, str(a)[:500])
    st, a = api.get("/api/v1/agents/999")
    check("/agents/999: 404", st == 404, str(a))
    st, a = api.get("/api/v1/agents/abc")
    check("/agents/abc: 400", st == 400, str(a))


def test_stream(api, port, token, auth):
    s = Stream(port, token)
    check("/alerts/stream: 200 text/event-stream", s.status() == 200 and
          b"text/event-stream" in s.buf, s.buf[:300])
    s.read_until(lambda b: b": open after" in b, 10)
    t0 = time.time()
    with open(auth, "a") as f:
        f.write(ssh_fail("192.0.2.77", "stream", 99))
    got = s.read_until(lambda b: b"192.0.2.77" in b, 10)
    dt = time.time() - t0
    ev = [e for e in s.events("alert") if e[1].get("srcip") == "192.0.2.77"]
    check(f"/alerts/stream: the new alert arrives as event: alert within 3 s ({dt:.2f} s)",
          got and dt < 3 and ev and ev[0][0] == str(ev[0][1]["seq"]) and
          ev[0][1]["rule_id"] == "5716", s.buf[-600:])
    seq = int(ev[0][0]) if ev else 0
    st, tl = api.get("/api/v1/tickets", status="open")
    tid = tl["items"][0]["id"] if st == 200 and tl["items"] else 0
    st, _ = api.req("PATCH", f"/api/v1/tickets/{tid}", {"status": "in_progress"})
    s.read_until(lambda b: b'"status":"in_progress"' in b, 5)
    te = [e[1] for e in s.events("ticket") if e[1].get("id") == tid]
    check("/alerts/stream: a ticket change arrives as event: ticket (id, status)",
          st == 200 and te and te[-1]["status"] == "in_progress", f"{st} {tid} {s.buf[-400:]}")
    s.read_until(lambda b: b"event: stats" in b, 12)
    st = s.events("stats")
    check("/alerts/stream: event: stats with dashboard counts",
          st and st[0][1].get("alerts_24h", 0) >= 1, s.buf[-400:])
    r = Stream(port, token, f"Last-Event-ID: {seq - 3}\r\n")
    r.read_until(lambda b: b"192.0.2.77" in b, 10)
    seqs = [int(e[0]) for e in r.events("alert")]
    check("/alerts/stream: Last-Event-ID resumes with the alerts after it",
          seqs[:3] == list(range(seq - 2, seq + 1)), str(seqs) + str(r.buf[-300:]))
    r.close()
    time.sleep(2)  # the server notices the closed stream within a tick (250 ms)
    extra = [Stream(port, token) for _ in range(15)]
    codes = [x.status() for x in extra]
    over = Stream(port, token)
    code = over.status()
    check("/alerts/stream: 16 streams at once, the 17th is refused (503)",
          codes == [200] * 15 and code == 503, f"{codes} {code}")
    over.close()
    for x in extra:
        x.close()
    return s


def main():
    base = tempfile.mkdtemp(prefix="yg_api_console_")
    home = os.path.join(base, "mgr")
    watched = os.path.join(base, "www")
    os.makedirs(watched)
    port = al.free_port()
    auth = os.path.join(base, "auth.log")
    al.write(auth, "")
    banfile = os.path.join(base, "banned")
    m = al.Manager(YAGURA, ROOT, home, extra_conf=f"""
  <api><port>{port}</port><ui>no</ui></api>
  <localfile><log_format>syslog</log_format><location>{auth}</location></localfile>
  <syscheck><directories realtime="yes" report_changes="yes">{watched}</directories></syscheck>
  <waf><ban_file>{banfile}</ban_file><reload_command>true</reload_command></waf>
  <tickets><route><rule_id>5716</rule_id></route></tickets>
""")
    os.makedirs(os.path.join(home, "var"), exist_ok=True)
    rc, _, err = m.ctl("users", "add", "ana", "--role", "analyst")
    rc, tok, err = m.ctl("users", "token", "ana", json_out=True)
    token = tok.get("token") if isinstance(tok, dict) else None
    check("an API token", token, err)
    check("manager starts with the API", m.start(), m.log()[-2000:])
    api = Api(port, token)
    stream = None
    try:
        al.wait_for(lambda: api.get("/api/v1/alerts")[0] == 200, 30)
        with open(auth, "a") as f:
            for i in range(PER_IP):
                for ip in IPS:
                    f.write(ssh_fail(ip, "root", i))
        files = []
        for i in range(3):
            p = os.path.join(watched, f"page{i}.php")
            al.write(p, f"<?php echo {i};\n")
            files.append(p)
        time.sleep(1.5)
        with open(files[0], "a") as f:
            f.write("echo 'changed';\n")
        want = len(IPS) * PER_IP
        al.wait_for(lambda: api.get("/api/v1/alerts", rule_id="5716")[1].get("total") == want
                    and api.get("/api/v1/fim")[1].get("items") and
                    any((x.get("syscheck") or {}).get("event") == "modified"
                        for x in api.get("/api/v1/fim")[1]["items"]), 60)
        test_alerts(api, m)
        test_histogram(api)
        test_export(api)
        test_stats(api)
        test_fim(api, len(files))
        test_tickets(api, banfile)
        test_agent(api)
        stream = test_stream(api, port, token, auth)
    finally:
        check("manager stops cleanly", m.stop() == 0, m.log()[-1500:])
        if stream:
            check("/alerts/stream: the stream ends when the manager stops",
                  stream.read_until(lambda b: False, 5) or stream.closed, "still open")
            stream.close()
        rep = al.sanitizer_reports(home)
        check("no sanitizer reports", not rep, "\n".join(rep[:20]))
    finish()


if __name__ == "__main__":
    main()
