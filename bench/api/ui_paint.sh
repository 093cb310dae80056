#!/usr/bin/env bash
# bench/api/ui_paint.sh: the analyst's console (issue 14) in a real browser
# against a manager with a large alert store: every page's first paint and
# time to its data, and the live alerts page at 100 alerts/s.
#
# Usage: bench/api/ui_paint.sh BUILD_DIR [N=1000000]
#
# 1. The same manager home as bench/api/api_search.sh (BUILD_DIR/bench/
#    api-search/home-N, filled once with `apifill store` and reused), the
#    user "bench" (admin, `apifill token`).
# 2. The manager with Wazuh's ruleset, a collected syslog file and <api>
#    (<ui>yes</ui>, 4 threads) on 127.0.0.1:<free port>, started -f.
# 3. bench/api/ui_paint.js in Debian's headless chromium (playwright-core,
#    found as the UI tests find it: BUILD_DIR/api-ui-node or
#    $YAGURA_PLAYWRIGHT_DIR, installed there with npm on first use): signs
#    in, opens every page ROUNDS times (full page loads), first paint and
#    "data shown" p50 / max and each page's slowest API call; then the
#    alerts page while RATE sshd failures/s are appended for SECS seconds.
#
# Environment: YAGURA_WAZUH_DIR (../shared/wazuh), ROUNDS (5), RATE (100),
# SECS (30).
set -euo pipefail
bench_name=ui_paint
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../manager/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [N]"
build=$1
n=${2:-1000000}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number"
bench_yagura "$build"
build=$(cd "$build" && pwd)
apifill=$build/bench/apifill
[[ -x "$apifill" ]] || die "$apifill is missing: ninja -C $build bench/apifill"
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium not found (apt-get install chromium)"
command -v node >/dev/null || die "node not found (apt-get install nodejs npm)"
cmdline="$0 $*"

pw=${YAGURA_PLAYWRIGHT_DIR:-$build/api-ui-node}
if [[ ! -d "$pw/node_modules/playwright-core" ]]; then
	command -v npm >/dev/null || die "npm not found and no playwright-core in $pw"
	mkdir -p "$pw"
	[[ -f "$pw/package.json" ]] || echo '{"name": "yagura-ui-test", "private": true}' >"$pw/package.json"
	(cd "$pw" && npm install --no-audit --no-fund playwright-core >/dev/null) || die "npm install playwright-core failed"
fi

work=$build/bench/api-search
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
	nice -n 19 "$apifill" store "$home/var/db/manager.db" "$n" 30 2>"$work/fill.err" ||
		die "apifill store failed: $(tail -n 3 "$work/fill.err")"
	fsub "$(now)" "$t0" >"$home/.filled"
fi
"$apifill" token "$home/api/users.db" >/dev/null || die "apifill token failed"
port=$("$bench_py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$work/ui-paint.conf
live=$work/ui-live.log
: >"$live"
cat >"$conf" <<XML
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
  <tickets><route><level>10</level></route></tickets>
  <api>
    <enabled>yes</enabled>
    <listen>127.0.0.1</listen>
    <port>$port</port>
    <ui>yes</ui>
    <threads>4</threads>
  </api>
</ossec_config>
XML
"$yagura" manager -D "$home" -c "$conf" -t >/dev/null 2>"$work/ui-check.err" ||
	die "the configuration has errors: $(cat "$work/ui-check.err")"
db_mb=$(du -m "$home/var/db/manager.db" | cut -f1)

json0=$(stat -c %s "$home/logs/alerts/alerts.json" 2>/dev/null || echo 0)
trap bench_stop_manager EXIT
bench_start_manager "$home" "$work/ui-manager.time" "$conf"
for ((i = 0; i < 3000; i++)); do
	curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" && break
	sleep 0.02
done
say "browser: every page ${ROUNDS:-5} times, then the live view"
NODE_PATH=$pw/node_modules node "$bench_root/bench/api/ui_paint.js" "http://127.0.0.1:$port" bench bench-password-1 \
	"$live" "${ROUNDS:-5}" "${RATE:-100}" "${SECS:-30}" >"$work/ui-paint.out" ||
	die "ui_paint.js failed: $(tail -n 5 "$work/ui-paint.out")"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
# the live lines' alerts the manager wrote to alerts.json (10.3x.*), each once
live_json=$(tail -c +"$((json0 + 1))" "$home/logs/alerts/alerts.json" 2>/dev/null |
	grep -o '"srcip":"10\.3[0-9]*\.[0-9]*\.[0-9]*"' | sort -u | wc -l)
bench_stop_manager
trap - EXIT

echo
echo "\$ $cmdline"
bench_machine
echo "load average at the end: $load_end"
echo "store: $n alerts over 30 days in $home/var/db/manager.db ($db_mb MB)"
echo "browser: /usr/bin/chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') headless, 1280x900, playwright-core $(node -p "require('$pw/node_modules/playwright-core/package.json').version")"
echo
grep '^RESULT ' "$work/ui-paint.out" | sed 's/^RESULT //' | "$bench_py" "$bench_root/bench/api/ui_paint_report.py" "$live_json"
