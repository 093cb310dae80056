#!/usr/bin/env python3
"""test_api_http.py: the REST API end to end, against api_testd (a real
server on 127.0.0.1 with a real alert store of a few hundred alerts).

Usage: test_api_http.py API_TESTD BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

NALERTS = 300
T0 = 1714521600000  # 2024-05-01T00:00:00Z, alert i is at T0 + i minutes
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


class Client:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def req(self, method, path, body=None, token=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        r = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            r.add_header("Content-Type", "application/json")
        if token:
            r.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            r.add_header(k, v)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                text = resp.read()
                return resp.status, parse(text), resp.headers
        except urllib.error.HTTPError as e:
            return e.code, parse(e.read()), e.headers

    def get(self, path, token, **params):
        q = urllib.parse.urlencode(params)
        return self.req("GET", path + ("?" + q if q else ""), token=token)


def parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def err_field(body):
    return body.get("error", {}).get("field") if isinstance(body, dict) else None


def signin(c, user, pw):
    st, body, _ = c.req("POST", "/api/v1/auth", {"user": user, "password": pw})
    check(st == 200, "sign in %s: %s %s" % (user, st, body))
    return body["token"] if st == 200 else ""


def test_auth(c, expired):
    st, body, h = c.get("/api/v1/alerts", None)
    check(st == 401 and body["error"]["code"] == "unauthorized", "no token -> 401")
    check(h.get("WWW-Authenticate") == "Bearer", "401 has WWW-Authenticate")
    for bad in ["yga_" + "0" * 64, "garbage", "yga_xyz", "Bearer", "' OR 1=1 --"]:
        st, _, _ = c.get("/api/v1/alerts", bad)
        check(st == 401, "invalid token %r -> 401" % bad)
    st, _, _ = c.get("/api/v1/alerts", expired)
    check(st == 401, "expired token -> 401")
    st, body, _ = c.req("POST", "/api/v1/auth", {"user": "admin", "password": "wrong-password"})
    check(st == 401 and body["error"]["code"] == "invalid_credentials", "wrong password -> 401")
    st, _, _ = c.req("POST", "/api/v1/auth", {"user": "nobody", "password": "whatever-1"})
    check(st == 401, "unknown user -> 401")
    st, body, _ = c.req("POST", "/api/v1/auth", {"user": "admin", "password": "x", "extra": 1})
    check(st == 400 and err_field(body) == "extra", "unknown body member named")
    st, _, _ = c.req("POST", "/api/v1/auth", raw=b"{not json")
    check(st == 400, "malformed body -> 400")
    st, _, _ = c.req("POST", "/api/v1/auth", raw=b"{" + b" " * 70000 + b"}")
    check(st == 413, "body over 64 kB -> 413")


def test_ratelimit(c):
    # 5 failures allowed, then 429 (even with the right password) for the window (3 s).
    for _ in range(5):
        c.req("POST", "/api/v1/auth", {"user": "reader", "password": "bad-password"})
    st, _, h = c.req("POST", "/api/v1/auth", {"user": "reader", "password": "pw-reader-123"})
    check(st == 429 and h.get("Retry-After"), "sign-in rate limit -> 429 with Retry-After")
    time.sleep(3.2)
    st, _, _ = c.req("POST", "/api/v1/auth", {"user": "reader", "password": "pw-reader-123"})
    check(st == 200, "sign-in allowed again after the window")


def test_roles(c, tok):
    ro, an, ad = tok["reader"], tok["analyst"], tok["admin"]
    st, body, _ = c.req("POST", "/api/v1/bans", {"address": "192.0.2.7"}, token=ro)
    check(st == 403 and body["error"]["code"] == "forbidden", "reader cannot ban -> 403")
    st, _, _ = c.req("PATCH", "/api/v1/tickets/1", {"status": "in_progress"}, token=ro)
    check(st == 403, "reader cannot change tickets -> 403")
    st, _, _ = c.get("/api/v1/users", an)
    check(st == 403, "analyst cannot list users -> 403")
    st, _, _ = c.req("POST", "/api/v1/outbox/1/retry", token=an)
    check(st == 403, "analyst cannot retry outbox -> 403")
    st, body, _ = c.get("/api/v1/users", ad)
    check(st == 200 and {u["name"] for u in body["items"]} >= {"admin", "analyst", "reader"},
          "admin lists users")
    st, body, _ = c.get("/api/v1/auth", ro)
    check(st == 200 and body["role"] == "read-only", "GET /auth tells the role")


def all_alerts(c, t, **params):
    items, off = [], 0
    while True:
        st, body, _ = c.get("/api/v1/alerts", t, limit=97, offset=off, **params)
        check(st == 200, "paging %s: %s" % (params, st))
        if st != 200:
            return items
        items += body["items"]
        if not body["more"]:
            return items
        check(body["next_offset"] == off + 97, "next_offset")
        off = body["next_offset"]


def test_alerts(c, t):
    everything = all_alerts(c, t)
    check(len(everything) == NALERTS, "paging sees every alert (%d)" % len(everything))
    check(len({a["id"] for a in everything}) == NALERTS, "no alert twice across pages")
    times = [a["time_ms"] for a in everything]
    check(times == sorted(times, reverse=True), "newest first")

    def expect(params, pred, what):
        got = {a["id"] for a in all_alerts(c, t, **params)}
        want = {a["id"] for a in everything if pred(a)}
        check(got == want and want, "%s: %d vs %d" % (what, len(got), len(want)))

    expect({"min_level": 10}, lambda a: a["level"] >= 10, "min_level")
    expect({"max_level": 3}, lambda a: a["level"] <= 3, "max_level")
    expect({"min_level": 5, "max_level": 6}, lambda a: 5 <= a["level"] <= 6, "level range")
    expect({"rule_id": "5712"}, lambda a: a["rule_id"] == "5712", "rule_id")
    expect({"group": "attack"}, lambda a: "attack" in a["groups"], "group")
    expect({"agent_id": "003"}, lambda a: a["agent_id"] == "003", "agent_id")
    expect({"srcip": "10.0.1.7"}, lambda a: a["srcip"] == "10.0.1.7", "srcip")
    expect({"since": "2024-05-01T02:00:00Z"}, lambda a: a["time_ms"] >= T0 + 7200000, "since ISO")
    expect({"until": str(T0 + 3600000)}, lambda a: a["time_ms"] < T0 + 3600000, "until ms")
    expect({"since": "2024-05-01T03:00:00+01:00", "until": "2024-05-01T04:00:00.000Z"},
           lambda a: T0 + 7200000 <= a["time_ms"] < T0 + 14400000, "since+offset/until")
    expect({"q": "brute force"}, lambda a: "brute force" in a["description"], "q words")
    expect({"q": "user4"}, lambda a: True and a["id"] in
           {x["id"] for x in everything if int(x["id"].split(".")[1]) % 7 == 4}, "q full_log")

    st, body, _ = c.get("/api/v1/alerts/" + everything[5]["id"], t)
    check(st == 200 and body.get("id") == everything[5]["id"] and "rule" in body,
          "alert detail is the whole alert JSON")
    st, _, _ = c.get("/api/v1/alerts/1.999999", t)
    check(st == 404, "unknown alert -> 404")

    # Every filter refuses or neutralises injection attempts.
    attacks = ["' OR 1=1 --", "%", "*", '"', "a\x00b", "x" * 10240, "1; DROP TABLE alerts",
               "\\", "_", "%25", "NEAR(a b)", "a OR b"]
    for key in ["rule_id", "group", "agent_id", "srcip", "q", "min_level", "since", "limit",
                "offset"]:
        for v in attacks:
            st, body, _ = c.get("/api/v1/alerts", t, **{key: v})
            if st == 200 and key == "q":
                # Words or a literal substring: never "everything".
                n = len(all_alerts(c, t, q=v))
                check(n < NALERTS, "q=%r matched every alert" % v[:20])
            elif st == 200:
                # A well-formed value naming nothing that exists.
                check(body["items"] == [], "%s=%r matched alerts" % (key, v[:20]))
            elif "\x00" in v:
                check(st == 400 and body["error"]["code"] == "invalid_request",
                      "%s=%r (NUL) -> %s" % (key, v[:20], st))
            else:
                check(st == 400 and err_field(body) == key,
                      "%s=%r -> %s %s" % (key, v[:20], st, body))
    st, _, _ = c.req("GET", "/api/v1/alerts?group=a%00b", token=t)
    check(st == 400, "raw %00 in a value -> 400")
    st, _, _ = c.req("GET", "/api/v1/alerts/1714521600.0%00x", token=t)
    check(st == 400, "raw %00 in the path -> 400")
    st, body, _ = c.get("/api/v1/alerts", t, nope="1")
    check(st == 400 and err_field(body) == "nope", "unknown parameter refused")
    st, _, _ = c.req("GET", "/api/v1/alerts?limit=1&limit=2", token=t)
    check(st == 400, "repeated parameter refused")
    st, body, _ = c.get("/api/v1/alerts", t, limit="1001")
    check(st == 400 and err_field(body) == "limit", "limit > 1000 refused")
    st, body, _ = c.get("/api/v1/alerts", t, min_level="9", max_level="3")
    check(st == 400, "min_level > max_level refused")
    st, body, _ = c.get("/api/v1/alerts", t, since="2024-05-02", until="2024-05-01")
    check(st == 400 and err_field(body) == "until", "until before since refused")
    # The store is unchanged by all that.
    check(len(all_alerts(c, t)) == NALERTS, "store unchanged after the attempts")


def test_fim_stats(c, t):
    st, body, _ = c.get("/api/v1/fim", t, limit=1000)
    want = sum(1 for i in range(NALERTS) if i % 6 == 4)
    check(st == 200 and len(body["items"]) == want, "fim lists syscheck alerts")
    check(st == 200 and all(a["syscheck"]["path"].startswith("/etc/") for a in body["items"]),
          "fim items carry syscheck")
    st, body, _ = c.get("/api/v1/stats", t, since=str(T0), until=str(T0 + NALERTS * 60000),
                        bucket="3600000", top="3")
    check(st == 200, "stats: %s" % st)
    if st == 200:
        check(body["total"] == NALERTS, "stats total")
        hist = sum(sum(b["counts"].values()) for b in body["histogram"])
        check(hist == NALERTS and len(body["histogram"]) == 5, "histogram sums up")
        check(len(body["top_rules"]) == 3 and body["top_rules"][0]["count"] == 50,
              "top rules")
        check(body["top_rules"][0]["description"] != "", "top rule has its description")
        check(body["top_agents"][0]["count"] == 60 and body["top_agents"][0]["agent_name"],
              "top agents")
        check(len(body["top_srcips"]) == 3, "top srcips")
    st, body, _ = c.get("/api/v1/stats", t, bucket="1000", since=str(T0),
                        until=str(T0 + 86400000))
    check(st == 400 and err_field(body) == "bucket", "too many buckets refused")


def test_modules(c, tok, modules):
    ro, an = tok["reader"], tok["analyst"]
    if "tickets" in modules:
        st, body, _ = c.get("/api/v1/tickets", ro, status="open", limit=5)
        check(st == 200 and body["items"], "tickets list")
        tid = body["items"][0]["id"]
        st, body, _ = c.get("/api/v1/tickets/%d" % tid, ro)
        check(st == 200 and body["ticket"]["id"] == tid and body["alert_ids"], "ticket detail")
        st, _, _ = c.req("POST", "/api/v1/tickets/%d/comments" % tid, {"text": "looking"}, an)
        check(st == 201, "comment added")
        st, body, _ = c.req("PATCH", "/api/v1/tickets/%d" % tid, {"status": "in_progress"}, an)
        check(st == 200 and body["ticket"]["status"] == "in_progress", "status change")
        st, body, _ = c.req("PATCH", "/api/v1/tickets/%d" % tid, {"status": "closed"}, an)
        check(st == 400 and err_field(body) == "resolution", "close needs a resolution")
        st, body, _ = c.req("POST", "/api/v1/tickets/%d/close" % tid,
                            {"resolution": "false positive"}, an)
        check(st == 200 and body["ticket"]["status"] == "closed", "close with resolution")
        st, body, _ = c.get("/api/v1/tickets/%d" % tid, ro)
        kinds = [e["kind"] for e in body["timeline"]]
        check("comment" in kinds and "status" in kinds, "timeline records the changes")
        st, _, _ = c.get("/api/v1/tickets/99999", ro)
        check(st == 404, "unknown ticket -> 404")
        st, _, _ = c.get("/api/v1/tickets/abc", ro)
        check(st == 400, "bad ticket id -> 400")
        st, body, _ = c.req("POST", "/api/v1/tickets", {"title": "x", "severity": 2}, an)
        check(st == 501, "manual ticket creation -> 501 (not offered by the module)")
        st, body, _ = c.get("/api/v1/stats", ro)
        check(st == 200 and body["tickets"] and "unresolved_by_severity" in body["tickets"],
              "stats carries the ticket counts")
    if "bans" in modules:
        st, body, _ = c.req("POST", "/api/v1/bans", {"address": "192.0.2.7", "timeout": 600,
                                                     "reason": "test"}, an)
        check(st == 201 and body["address"] == "192.0.2.7", "ban added: %s" % body)
        st, body, _ = c.req("POST", "/api/v1/bans", {"address": "198.51.100.0/24"}, an)
        check(st == 201, "CIDR ban added")
        st, body, _ = c.req("POST", "/api/v1/bans", {"address": "127.0.0.1"}, an)
        check(st == 400, "allow-listed address refused")
        st, body, _ = c.req("POST", "/api/v1/bans", {"address": "' OR 1=1 --"}, an)
        check(st == 400 and err_field(body) == "address", "bad address refused")
        st, body, _ = c.get("/api/v1/bans", ro)
        check(st == 200 and {b["address"] for b in body["items"]} ==
              {"192.0.2.7", "198.51.100.0/24"}, "bans listed")
        st, _, _ = c.req("DELETE", "/api/v1/bans/198.51.100.0%2F24", token=an)
        check(st == 200, "CIDR ban lifted")
        st, _, _ = c.req("DELETE", "/api/v1/bans/192.0.2.99", token=an)
        check(st == 404, "lifting an unbanned address -> 404")
    else:
        st, _, _ = c.get("/api/v1/bans", ro)
        check(st == 501, "bans without the module -> 501")
    if "agents" in modules:
        st, body, _ = c.get("/api/v1/agents", ro)
        check(st == 200 and [a["name"] for a in body["items"]] == ["web-1", "db-1"], "agents")
    st, body, _ = c.get("/api/v1/outbox", ro)
    check(st == 501 and "not available" in body["error"]["message"], "outbox -> 501")


def test_users_tokens(c, tok):
    ad = tok["admin"]
    st, _, _ = c.req("POST", "/api/v1/users", {"name": "bob", "password": "pw-bob-1234",
                                               "role": "analyst"}, ad)
    check(st == 201, "admin adds a user")
    st, body, _ = c.req("POST", "/api/v1/users", {"name": "bob", "password": "pw-bob-1234",
                                                  "role": "root"}, ad)
    check(st == 400 and err_field(body) == "role", "bad role refused")
    bob = signin(c, "bob", "pw-bob-1234")
    st, body, _ = c.req("POST", "/api/v1/tokens", {"label": "script", "ttl": 3600}, bob)
    check(st == 201 and body["token"].startswith("yga_"), "API token created")
    api_tok, api_id = body["token"], body["id"]
    st, _, _ = c.get("/api/v1/alerts", api_tok, limit=1)
    check(st == 200, "API token works")
    st, _, _ = c.req("DELETE", "/api/v1/tokens/%d" % api_id, token=bob)
    check(st == 200, "API token revoked")
    st, _, _ = c.get("/api/v1/alerts", api_tok, limit=1)
    check(st == 401, "revoked token -> 401")
    st, _, _ = c.req("PATCH", "/api/v1/users/bob", {"password": "pw-bob-5678"}, ad)
    check(st == 200, "password changed")
    st, _, _ = c.get("/api/v1/alerts", bob, limit=1)
    check(st == 401, "password change revokes sessions")
    st, _, _ = c.req("DELETE", "/api/v1/users/admin", token=ad)
    check(st == 409, "the last admin cannot remove itself")
    st, _, _ = c.req("DELETE", "/api/v1/users/bob", token=ad)
    check(st == 200, "user removed")
    st, _, _ = c.req("DELETE", "/api/v1/auth", token=ad)
    check(st == 200, "sign out")
    st, _, _ = c.get("/api/v1/alerts", ad, limit=1)
    check(st == 401, "signed-out token -> 401")


def test_openapi_ui(c):
    st, body, _ = c.get("/api/v1/openapi.json", None)
    check(st == 200 and body.get("openapi", "").startswith("3.0"), "openapi.json is OpenAPI 3.0")
    paths = body.get("paths", {}) if st == 200 else {}
    routes = {
        "/auth": {"get", "post", "delete"}, "/alerts": {"get"}, "/alerts/{id}": {"get"},
        "/fim": {"get"}, "/stats": {"get"}, "/tickets": {"get", "post"},
        "/tickets/{id}": {"get", "patch"}, "/tickets/{id}/comments": {"post"},
        "/tickets/{id}/close": {"post"}, "/bans": {"get", "post"},
        "/bans/{address}": {"delete"}, "/agents": {"get"}, "/outbox": {"get"},
        "/outbox/{id}/retry": {"post"}, "/users": {"get", "post"},
        "/users/{name}": {"patch", "delete"}, "/tokens": {"get", "post"},
        "/tokens/{id}": {"delete"}, "/openapi.json": {"get"},
        "/health": {"get"}, "/metrics": {"get"},
        "/alerts/histogram": {"get"}, "/alerts/export": {"get"}, "/alerts/stream": {"get"},
        "/fim/stats": {"get"}, "/stats/rules": {"get"}, "/stats/mitre": {"get"},
        "/stats/sources": {"get"}, "/agents/{id}": {"get"}, "/tickets/{id}/ban": {"post"},
        "/tickets/{id}/ban/{address}": {"delete"},
    }
    for p, methods in routes.items():
        check(p in paths and methods <= set(paths[p]), "openapi lists %s %s" % (p, methods))
    for p in ["/", "/main.js", "/app.css"]:
        r = urllib.request.urlopen(c.base + p, timeout=10)
        check(r.status == 200 and "default-src 'self'" in r.headers.get("Content-Security-Policy", ""),
              "UI asset %s served with a CSP" % p)
    st, _, _ = c.req("GET", "/nope.js")
    check(st == 404, "unknown asset -> 404")


def main():
    testd, build = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="api_http_", dir=build)
    proc = subprocess.Popen([testd, work, str(NALERTS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        c = Client(info["port"])
        time.sleep(1.1)  # the 1-second token of api_testd expires
        tok = {u: signin(c, u, "pw-%s-123" % u) for u in ["admin", "analyst", "reader"]}
        test_auth(c, info["expired_token"])
        test_roles(c, tok)
        test_alerts(c, tok["reader"])
        test_fim_stats(c, tok["reader"])
        test_modules(c, tok, info["modules"].split(","))
        test_openapi_ui(c)
        test_ratelimit(c)
        test_users_tokens(c, tok)
    finally:
        proc.stdin.close()
        rc = proc.wait(timeout=30)
        check(rc == 0, "api_testd exits cleanly (%s)" % rc)
        if not FAILS:
            shutil.rmtree(work, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
