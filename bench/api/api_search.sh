#!/usr/bin/env bash
# bench/api/api_search.sh: latency of the REST API's alert search and
# dashboard on a large alert store, and the manager's memory while the web
# UI is used.
#
# Usage: bench/api/api_search.sh BUILD_DIR [N=1000000]
#
# 1. A manager home in BUILD_DIR/bench/api-search/ (kept and reused while N
#    is the same: the fill is the slow part): `apifill store` writes N
#    realistic alerts over the last 30 days into HOME/var/db/manager.db with
#    the alert store API (manager stopped); `apifill token` adds the user
#    "bench" (admin) to HOME/api/users.db and makes an API token.
# 2. The manager with Wazuh's ruleset and <api> on 127.0.0.1:<free port>
#    (<ui>yes</ui>, 4 threads), started -f.
# 3. Each query 200 times, one after the other on one keep-alive HTTP/1.1
#    connection (Python http.client), after 5 untimed warm-up requests:
#    p50 / p90 / p99 / max of the time from the request to the last byte of
#    the answer, and how many items / bytes it returned.
#    Then the analyst's console (issue 14): /alerts with totals and sorts,
#    histograms, stats/rules|mitre|sources, fim/stats, agents/{id}; exports
#    (3 times each, whole answer); and the live stream: 100 sshd lines/s
#    for 20 s appended to a collected file, the time from each line written
#    to its `event: alert` on GET /alerts/stream.
# 4. Memory: VmRSS after start-up (no request yet), after the queries, and
#    while the UI is used: the UI's files, then for 30 s what its pages ask
#    for (dashboard stats of the last 24 h and of 30 days, alert list pages,
#    an alert, agents, tickets, bans), 4 clients at once; VmHWM at the end.
#
# Environment: YAGURA_WAZUH_DIR (../shared/wazuh), ROUNDS (200).
set -euo pipefail
bench_name=api_search
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../manager/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [N]"
build=$1
n=${2:-1000000}
rounds=${ROUNDS:-200}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number"
bench_yagura "$build"
apifill=$(cd "$build" && pwd)/bench/apifill
[[ -x "$apifill" ]] || die "$apifill is missing: ninja -C $build bench/apifill"
cmdline="$0 $*"

work=$(cd "$build" && pwd)/bench/api-search
home=$work/home-$n
wazuh=${YAGURA_WAZUH_DIR:-$bench_root/../shared/wazuh}
[[ -d "$wazuh/ruleset/rules" ]] || die "no Wazuh ruleset at $wazuh (set YAGURA_WAZUH_DIR)"
wazuh=$(cd "$wazuh" && pwd)
bench_xml_safe "$home" "$wazuh"
mkdir -p "$work"
if [[ ! -f "$home/.filled" ]]; then
	rm -rf "$home"
	mkdir -p "$home/etc" "$home/logs/alerts" "$home/var/db" "$home/api"
	ln -s "$wazuh/ruleset" "$home/ruleset"
	ln -s "$wazuh/etc/lists" "$home/etc/lists"
	say "filling the alert store with $n alerts"
	t0=$(now)
	"$apifill" store "$home/var/db/manager.db" "$n" 30 2>"$work/fill.err" ||
		die "apifill store failed: $(tail -n 3 "$work/fill.err")"
	fill_s=$(fsub "$(now)" "$t0")
	echo "$fill_s" >"$home/.filled"
fi
fill_s=$(cat "$home/.filled")
token=$("$apifill" token "$home/api/users.db") || die "apifill token failed"
port=$("$bench_py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$work/ossec.conf
live=$work/live.log # the live stream's test lines (console, issue 14)
: >"$live"
cat >"$conf" <<EOF
<ossec_config>
  <localfile><log_format>syslog</log_format><location>$live</location></localfile>
  <ruleset>
    <decoder_dir>ruleset/decoders</decoder_dir>
    <rule_dir>ruleset/rules</rule_dir>
    <rule_exclude>0215-policy_rules.xml</rule_exclude>
    <list>etc/lists/audit-keys</list>
    <list>etc/lists/malicious-ioc/malware-hashes</list>
    <list>etc/lists/malicious-ioc/malicious-ip</list>
    <list>etc/lists/malicious-ioc/malicious-domains</list>
  </ruleset>
  <api>
    <enabled>yes</enabled>
    <listen>127.0.0.1</listen>
    <port>$port</port>
    <ui>yes</ui>
    <threads>4</threads>
  </api>
</ossec_config>
EOF
"$yagura" manager -D "$home" -c "$conf" -t >/dev/null 2>"$work/check.err" ||
	die "the configuration has errors: $(cat "$work/check.err")"
db_mb=$(du -m "$home/var/db/manager.db" | cut -f1)

trap bench_stop_manager EXIT
bench_start_manager "$home" "$work/manager.time" "$conf"
for ((i = 0; i < 3000; i++)); do
	curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" && break
	sleep 0.02
done
sleep 1
rss_start=$(bench_status_kb "$mgr_pid" VmRSS)

"$bench_py" - "$port" "$token" "$rounds" "$mgr_pid" "$rss_start" "$live" >"$work/result.md" <<'PYEOF'
import http.client, json, sys, threading, time, urllib.parse
port, token, rounds, pid, rss_start = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
H = {"Authorization": "Bearer " + token, "Connection": "keep-alive"}

def rss(field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0

def get(conn, path, hdr=H):
    conn.request("GET", path, headers=hdr)
    r = conn.getresponse()
    body = r.read()
    return r.status, body

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
# values that exist in the store
st, body = get(conn, "/api/v1/alerts?limit=1&rule_id=5712")
first = json.loads(body)["items"][0]
srcip = first.get("srcip") or "203.0.1.1"
now_ms = int(time.time() * 1000)
day = 86400 * 1000
queries = [
    ("no filter (first page, 50)", "/api/v1/alerts"),
    ("min_level=10", "/api/v1/alerts?min_level=10"),
    ("rule_id=5712", "/api/v1/alerts?rule_id=5712"),
    (f"srcip={srcip}", "/api/v1/alerts?srcip=" + urllib.parse.quote(srcip)),
    ("agent_id=007", "/api/v1/alerts?agent_id=007"),
    ("q=invalid user oracle", "/api/v1/alerts?q=" + urllib.parse.quote("invalid user oracle")),
    ("q=wp-login", "/api/v1/alerts?q=wp-login"),
    ("time range (1 day, 10 days ago)", f"/api/v1/alerts?since={now_ms - 11 * day}&until={now_ms - 10 * day}"),
    ("page 50 (offset=2450, limit=50)", "/api/v1/alerts?offset=2450&limit=50"),
    ("page 50 with min_level=10", "/api/v1/alerts?min_level=10&offset=2450&limit=50"),
    ("rare: rule_id=5720 + agent_id=013", "/api/v1/alerts?rule_id=5720&agent_id=013"),
    ("GET /alerts/{id}", "/api/v1/alerts/" + urllib.parse.quote(first["id"])),
    ("stats (default: last 24 h)", "/api/v1/stats"),
    ("stats (last 7 days)", f"/api/v1/stats?since={now_ms - 7 * day}&until={now_ms}"),
    ("stats (last 30 days)", f"/api/v1/stats?since={now_ms - 30 * day}&until={now_ms}"),
    # the analyst's console (issue 14)
    ("console: alerts 24 h, total + first page", "/api/v1/alerts?since=now-24h"),
    ("console: alerts 30 d, total + first page", "/api/v1/alerts?since=now-30d"),
    ("console: alerts 24 h sort=-level", "/api/v1/alerts?since=now-24h&sort=-level"),
    ("console: alerts 7 d sort=srcip", "/api/v1/alerts?since=now-7d&sort=srcip"),
    ("console: alerts 7 d rule_id=5710,5760 level_min=5", "/api/v1/alerts?since=now-7d&rule_id=5710,5760&level_min=5"),
    ("console: histogram 24 h (60)", "/api/v1/alerts/histogram?since=now-24h"),
    ("console: histogram 30 d (60)", "/api/v1/alerts/histogram?since=now-30d"),
    ("console: histogram 7 d group=sshd", "/api/v1/alerts/histogram?since=now-7d&group=sshd"),
    ("console: stats/rules 24 h", "/api/v1/stats/rules?since=now-24h"),
    ("console: stats/rules 30 d", "/api/v1/stats/rules?since=now-30d"),
    ("console: stats/mitre 24 h", "/api/v1/stats/mitre?since=now-24h"),
    ("console: stats/mitre 30 d", "/api/v1/stats/mitre?since=now-30d"),
    ("console: stats/sources 24 h (10)", "/api/v1/stats/sources?since=now-24h"),
    ("console: stats/sources 30 d (10)", "/api/v1/stats/sources?since=now-30d"),
    ("console: fim/stats 24 h", "/api/v1/fim/stats?since=now-24h"),
    ("console: fim/stats 30 d", "/api/v1/fim/stats?since=now-30d"),
    ("console: agents/007", "/api/v1/agents/007"),
]
print("| query | p50 ms | p90 ms | p99 ms | max ms | items | bytes |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, path in queries:
    for _ in range(5):
        st, body = get(conn, path)
    if st != 200:
        print(f"| {name} | HTTP {st}: {body[:120]!r} | | | | | |")
        continue
    lat = []
    for _ in range(rounds):
        t = time.perf_counter()
        st, body = get(conn, path)
        lat.append((time.perf_counter() - t) * 1000)
        assert st == 200, (st, body[:200])
    lat.sort()
    pc = lambda p: lat[min(len(lat) - 1, max(0, int(round(p / 100 * len(lat))) - 1))]
    j = json.loads(body)
    items = len(j["items"]) if "items" in j else (j.get("total", "-"))
    print(f"| {name} | {pc(50):.2f} | {pc(90):.2f} | {pc(99):.2f} | {lat[-1]:.2f} | {items} | {len(body)} |")
rss_after_queries = rss()

# exports: the whole answer, a few times each
print()
print("| export | rounds | p50 ms | max ms | rows | bytes |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, path in [("CSV, 24 h", "/api/v1/alerts/export?since=now-24h&format=csv"),
                   ("JSON lines, 24 h", "/api/v1/alerts/export?since=now-24h&format=jsonl"),
                   ("CSV, 30 d (cut at 100,000)", "/api/v1/alerts/export?since=now-30d&format=csv")]:
    lat = []
    for _ in range(3):
        t = time.perf_counter()
        conn.request("GET", path, headers=H)
        r = conn.getresponse()
        body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        rows = r.getheader("X-Export-Rows")
    lat.sort()
    print(f"| {name} | 3 | {lat[1]:.0f} | {lat[-1]:.0f} | {rows} | {len(body)} |")

# live: a collected line -> `event: alert` on /alerts/stream, at 100 lines/s
import socket
live = sys.argv[6]
rate, secs = 100, 20
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(f"GET /api/v1/alerts/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
sent, got, lags, buf = {}, {}, [0], [b""]
def reader():
    s.settimeout(1)
    end = time.time() + secs + 15
    while time.time() < end and len(got) < rate * secs:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        now = time.perf_counter()
        buf[0] += d
        *blocks, buf[0] = buf[0].split(b"\n\n")
        for b in blocks:
            if b"event: lag" in b:
                lags[0] += 1
            for ln in b.split(b"\n"):
                if ln.startswith(b"data: ") and b'"srcip":"10.2' in ln:
                    ip = json.loads(ln[6:])["srcip"]
                    got.setdefault(ip, now)
rt = threading.Thread(target=reader)
rt.start()
time.sleep(1)
with open(live, "a") as f:
    t0 = time.perf_counter()
    for i in range(rate * secs):
        ip = f"10.2{i // 62500 % 10}.{i // 250 % 250}.{1 + i % 250}"
        ts = time.strftime("%b %e %H:%M:%S")
        f.write(f"{ts} bench sshd[{1000 + i % 60000}]: Failed password for invalid user u{i} from {ip} port 22 ssh2\n")
        f.flush()
        sent[ip] = time.perf_counter()
        wait = t0 + (i + 1) / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
rt.join()
s.close()
lat = sorted((got[ip] - sent[ip]) * 1000 for ip in got if ip in sent)
pc = lambda p: lat[min(len(lat) - 1, max(0, int(round(p / 100 * len(lat))) - 1))] if lat else float("nan")
print()
print(f"live stream at {rate} lines/s for {secs} s: {len(lat)} of {len(sent)} alerts arrived as events, "
      f"{lags[0]} lag events; line written -> event: p50 {pc(50):.0f} ms, p90 {pc(90):.0f} ms, "
      f"p99 {pc(99):.0f} ms, max {lat[-1] if lat else float('nan'):.0f} ms")

# the UI: its files, then what its pages ask for, 4 clients for 30 s
ui_files = ["/", "/app.css", "/app.js", "/chart.js", "/views.js", "/tickets.js"]
ui_sizes = []
for f in ui_files:
    st, body = get(conn, f, {"Connection": "keep-alive"})
    ui_sizes.append(f"{f} {st} {len(body)}B")
ui_calls = [
    "/api/v1/auth", f"/api/v1/stats?since={now_ms - day}&until={now_ms}&top=8",
    f"/api/v1/stats?since={now_ms - 30 * day}&until={now_ms}&top=8",
    "/api/v1/alerts?limit=50&offset=0", "/api/v1/alerts?limit=50&offset=50",
    "/api/v1/alerts?limit=50&offset=0&min_level=10", "/api/v1/alerts?limit=50&q=admin",
    "/api/v1/alerts/" + urllib.parse.quote(first["id"]), "/api/v1/agents",
    "/api/v1/tickets?status=open&limit=100", "/api/v1/bans",
]
stop = time.time() + 30
counts, errors, peak = [0], [0], [0]
lock = threading.Lock()
def client(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = k
    while time.time() < stop:
        p = ui_calls[i % len(ui_calls)]
        i += 1
        st, _ = get(c, p)
        with lock:
            counts[0] += 1
            if st != 200 and not (st == 501 and ("tickets" in p or "bans" in p)):
                errors[0] += 1
def sampler():
    while time.time() < stop:
        peak[0] = max(peak[0], rss())
        time.sleep(0.2)
th = [threading.Thread(target=client, args=(k,)) for k in range(4)] + [threading.Thread(target=sampler)]
for t in th: t.start()
for t in th: t.join()
print()
print("UI files: " + ", ".join(ui_sizes))
print(f"UI load: {counts[0]} requests in 30 s from 4 clients ({counts[0] / 30:.0f}/s), {errors[0]} unexpected statuses")
print(f"manager VmRSS: {rss_start / 1024:.1f} MB after start-up, {rss_after_queries / 1024:.1f} MB after the queries, "
      f"max {peak[0] / 1024:.1f} MB while the UI was used, {rss() / 1024:.1f} MB after; VmHWM {rss('VmHWM') / 1024:.1f} MB")
PYEOF
bench_stop_manager
trap - EXIT
nalerts=$(cat "$work/fill.err" 2>/dev/null | tail -n 1 || true)

echo
echo "\$ $cmdline"
bench_machine
echo "store: $n alerts over 30 days in $home/var/db/manager.db ($db_mb MB; filled in $fill_s s with $apifill store)"
echo "manager: $yagura manager -D $home -c $conf -f"
echo "each query: $rounds sequential requests on one keep-alive connection after 5 untimed ones (Python http.client; the client's own time is included)"
echo
cat "$work/result.md"
