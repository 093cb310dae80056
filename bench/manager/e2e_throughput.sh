#!/usr/bin/env bash
# bench/manager/e2e_throughput.sh: end-to-end throughput of `yagura manager`
# collecting one log file: lines read -> engine -> alerts.json on disk.
#
# Usage: bench/manager/e2e_throughput.sh BUILD_DIR [NLINES=1000000]
#
# 1. The corpus: NLINES lines of bench/gen_corpus.py (the generator of
#    bench/run.sh, same seed), kept in BUILD_DIR/bench/corpus-NLINES-SEED.log.
# 2. The expected alerts: `yagura replay -j 1 --clock wall` of that file (by
#    the same absolute path, so `location` matches) with the same ruleset,
#    counting alerts of level >= 3 (the manager's log_alert_level here).
# 3. A fresh home and `yagura manager -D HOME -c RULESET.conf -c COLLECT.conf
#    -f` with one <localfile> (syslog, only-future-events no) on the corpus
#    and no <syscheck>. A follower counts the lines of logs/alerts/alerts.json
#    (every 10 ms) until it holds at least the expected number and has not
#    grown for 2 s; the end is its last growth (the last alert on disk).
#    events/s = NLINES / (end - launch) and / (end - YG-1001, i.e. without
#    the ruleset load). Compares the rule ids with the replay's and stops the
#    manager (peak RSS: VmHWM and time -v; CPU: utime+stime; run-queue wait).
#
# Correlation rules (frequency/timeframe, ignore) run on the wall clock in
# both, so a manager slower than the replay can fire a few more or fewer of
# them: the per-rule comparison shows it; the end detection tolerates
# surplus, and a shortfall ends as "INCOMPLETE" after STALL seconds (exit 1).
#
# Environment:
#   RULESET  wazuh (default: Wazuh's default <ruleset> from YAGURA_WAZUH_DIR,
#            as bench/run.sh) or yagura (ruleset/ of the tree)
#   YAGURA_WAZUH_DIR  Wazuh corpus (default ../shared/wazuh)
#   SEED     corpus seed (default 20240303)
#   TIMEOUT  seconds to wait for the alerts (default 1800)
#   STALL    seconds without a new alert before giving up (default 120)
#   METRICS_PORT  serve the API on this port of 127.0.0.1 with
#            <metrics_auth>none</metrics_auth>, scrape GET /metrics once the
#            alerts are in (before the stop) into WORK/metrics.txt and print
#            its samples at the end
set -euo pipefail
bench_name=e2e_throughput
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [NLINES]"
build=$1
nlines=${2:-1000000}
seed=${SEED:-20240303}
ruleset=${RULESET:-wazuh}
timeout=${TIMEOUT:-1800}
stall=${STALL:-120}
level=3
[[ "$nlines" =~ ^[1-9][0-9]*$ ]] || die "NLINES must be a positive number"
bench_yagura "$build"
cmdline="$0 $*"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package 'time')"

bdir=$(cd "$build" && pwd)/bench
work=$bdir/manager-e2e
mkdir -p "$work"
corpus=$bdir/corpus-$nlines-$seed.log
if [[ ! -s "$corpus" ]]; then
	say "generating $nlines lines into $corpus"
	"$bench_py" "$bench_root/bench/gen_corpus.py" -n "$nlines" --seed "$seed" -o "$corpus.tmp"
	mv "$corpus.tmp" "$corpus"
fi
home=$work/home
bench_xml_safe "$corpus" "$home" "$bench_root"

rconf=$work/ruleset-$ruleset.conf
case "$ruleset" in
wazuh)
	wazuh=${YAGURA_WAZUH_DIR:-$bench_root/../shared/wazuh}
	[[ -d "$wazuh/ruleset/rules" ]] || die "no Wazuh ruleset at $wazuh (set YAGURA_WAZUH_DIR)"
	wazuh=$(cd "$wazuh" && pwd)
	bench_xml_safe "$wazuh"
	rhome=$wazuh
	# bench/run.sh's: Wazuh's default <ruleset> minus etc/decoders, etc/rules
	cat >"$rconf" <<'EOF'
<ossec_config>
  <ruleset>
    <decoder_dir>ruleset/decoders</decoder_dir>
    <rule_dir>ruleset/rules</rule_dir>
    <rule_exclude>0215-policy_rules.xml</rule_exclude>
    <list>etc/lists/audit-keys</list>
    <list>etc/lists/malicious-ioc/malware-hashes</list>
    <list>etc/lists/malicious-ioc/malicious-ip</list>
    <list>etc/lists/malicious-ioc/malicious-domains</list>
  </ruleset>
</ossec_config>
EOF
	;;
yagura)
	rhome=$bench_root
	cat >"$rconf" <<'EOF'
<ossec_config>
  <ruleset>
    <decoder_dir>ruleset/decoders</decoder_dir>
    <rule_dir>ruleset/rules</rule_dir>
  </ruleset>
</ossec_config>
EOF
	;;
*) die "RULESET must be wazuh or yagura, not '$ruleset'" ;;
esac
cconf=$work/collect.conf
api_block=
if [[ -n "${METRICS_PORT:-}" ]]; then
	[[ "$METRICS_PORT" =~ ^[1-9][0-9]*$ ]] || die "METRICS_PORT must be a port number"
	api_block="<api><port>$METRICS_PORT</port><ui>no</ui><metrics_auth>none</metrics_auth></api>"
fi
cat >"$cconf" <<EOF
<ossec_config>
  $api_block
  <alerts>
    <log_alert_level>$level</log_alert_level>
  </alerts>
  <localfile>
    <log_format>syslog</log_format>
    <location>$corpus</location>
    <only-future-events>no</only-future-events>
  </localfile>
</ossec_config>
EOF

# ---- expected alerts ---------------------------------------------------------
say "replaying $corpus (-j 1 --clock wall) for the expected alerts"
replay_out=$work/replay-$ruleset.json
t0=$(now)
/usr/bin/time -v -o "$work/replay.time" \
	"$yagura" replay -c "$rconf" -D "$rhome" -j 1 --clock wall -o "$replay_out" "$corpus" 2>"$work/replay.err" ||
	die "yagura replay failed: $(tail -n 5 "$work/replay.err")"
t1=$(now)
replay_s=$(fsub "$t1" "$t0")
# time_cpu TIMELOG: user+sys seconds of a time -v report.
time_cpu() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$1"; }
replay_cpu=$(time_cpu "$work/replay.time")
: >"$work/empty.log"
/usr/bin/time -v -o "$work/replay-load.time" \
	"$yagura" replay -c "$rconf" -D "$rhome" -j 1 -o /dev/null "$work/empty.log" 2>/dev/null ||
	die "yagura replay of an empty file failed"
replay_load_cpu=$(time_cpu "$work/replay-load.time")
expected=$("$bench_py" -c '
import json, sys
n = 0
for line in open(sys.argv[1], "rb"):
    if line.strip() and json.loads(line)["rule"]["level"] >= int(sys.argv[2]):
        n += 1
print(n)' "$replay_out" "$level")
((expected > 0)) || die "the replay gives no alert of level >= $level: nothing to wait for"
say "expected: $expected alerts of level >= $level (replay: $replay_s s)"

# ---- the manager ---------------------------------------------------------------
# The ruleset's relative paths resolve against -D: link them into the home.
rm -rf "$home"
mkdir -p "$home/etc" "$home/logs/alerts"
ln -s "$rhome/ruleset" "$home/ruleset"
[[ "$ruleset" == wazuh ]] && ln -s "$rhome/etc/lists" "$home/etc/lists"
"$yagura" manager -D "$home" -c "$rconf" -c "$cconf" -t >/dev/null 2>"$work/check.err" ||
	die "the configuration has errors: $(cat "$work/check.err")"
cat "$corpus" >/dev/null # warm page cache, as for the replay

trap bench_stop_manager EXIT
bench_start_manager "$home" "$work/manager.time" "$rconf" "$cconf"
# proc_cpu PID: utime+stime in seconds.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
cpu_start=$(proc_cpu "$mgr_pid") # the ruleset load, mostly

# The follower: counts alerts.json lines every 10 ms until it holds the
# expected number and has not grown for 2 s (surplus alerts: see the header);
# prints "<status> <epoch of the last growth> <count> <epoch of the expected count>".
result=$("$bench_py" - "$home" "$expected" "$timeout" "$stall" "$mgr_pid" <<'PYEOF'
import os, sys, time
home, expected, timeout, stall, pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]), int(sys.argv[5])
path = os.path.join(home, "logs", "alerts", "alerts.json")
start = time.time()
count, f, last_new, t_expected = 0, None, time.time(), 0.0
status = "timeout"
while True:
    now = time.time()
    if f is None:
        try:
            f = open(path, "rb", buffering=0)
        except FileNotFoundError:
            pass
    if f is not None:
        while True:
            b = f.read(1 << 22)
            if not b:
                break
            count += b.count(b"\n")
            last_new = now
    if count >= expected:
        if not t_expected:
            t_expected = now
        if now - last_new >= 2.0:
            status = "done"
            break
    if now - start > timeout:
        break
    if now - last_new > stall:
        status = "stalled"
        break
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        status = "exited"
        break
    time.sleep(0.01)
print(status, f"{last_new:.6f}", count, f"{t_expected:.6f}")
PYEOF
)
read -r status t_end got t_expected <<<"$result"
incomplete=
if [[ "$status" == stalled && -n "${mgr_pid:-}" ]] && kill -0 "$mgr_pid" 2>/dev/null; then
	incomplete="INCOMPLETE: no new alert for $stall s with $got of $expected expected alerts: the figures below end at the last alert"
	say "$incomplete"
elif [[ "$status" != "done" ]]; then
	case "$status" in
	timeout) msg="TIMEOUT after $timeout s" ;;
	stalled) msg="STALLED: no new alert for $stall s" ;;
	*) msg="the manager EXITED" ;;
	esac
	[[ -f "$home/logs/yagura.log" ]] && tail -n 10 "$home/logs/yagura.log" >&2
	die "$msg with $got of $expected expected alerts in $home/logs/alerts/alerts.json"
fi
hwm=$(bench_status_kb "$mgr_pid" VmHWM)
# on-CPU and run-queue wait (ns) of the manager: on a shared machine the
# second says how much it waited for a CPU
read -r _ sched_wait _ <"/proc/$mgr_pid/schedstat"
cpu=$(proc_cpu "$mgr_pid")
if [[ -n "${METRICS_PORT:-}" ]]; then
	curl -sS -o "$work/metrics.txt" "http://127.0.0.1:$METRICS_PORT/metrics" ||
		say "the /metrics scrape failed"
fi
bench_stop_manager
trap - EXIT
rss_time=$(bench_time_kb "$work/manager.time")
final=$(wc -l <"$home/logs/alerts/alerts.json")
cmp=$("$bench_py" -c '
import collections, json, sys
def ids(p, lvl):
    c = collections.Counter()
    for line in open(p, "rb"):
        if line.strip():
            a = json.loads(line)
            if a["rule"]["level"] >= lvl:
                c[a["rule"]["id"]] += 1
    return c
r, m = ids(sys.argv[1], int(sys.argv[3])), ids(sys.argv[2], 0)
d = sorted((k, r[k], m[k]) for k in set(r) | set(m) if r[k] != m[k])
if not d:
    print(f"identical per rule id ({len(r)} rules fired)")
else:
    print("DIFFERENT per rule id (rule: replay vs manager): " +
          ", ".join(f"{k}: {a} vs {b}" for k, a, b in d[:12]))' "$replay_out" "$home/logs/alerts/alerts.json" "$level")

echo
echo "\$ $cmdline"
bench_machine
echo "corpus: $nlines lines, $(($(stat -c %s "$corpus") / 1048576)) MiB ($corpus, bench/gen_corpus.py --seed $seed)"
echo "ruleset: $ruleset ($rconf, -D $rhome)"
echo "manager: $yagura manager -D $home -c $rconf -c $cconf -f"
echo "expected: $expected alerts of level >= $level from: $yagura replay -c $rconf -D $rhome -j 1 --clock wall -o $replay_out $corpus ($replay_s s)"
echo
echo "| lines | alerts | wall s (launch -> last alert) | events/s | events/s without ruleset load | manager CPU s | events per CPU s (load excluded) | waited for a CPU s | VmHWM MB | peak RSS MB (time -v) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -v n="$nlines" -v a="$final" -v t0="$mgr_t0" -v ts="$mgr_t_started" -v te="$t_end" -v c="$cpu" \
	-v h="$hwm" -v r="$rss_time" -v sw="$sched_wait" -v c0="$cpu_start" 'BEGIN {
	w = te - t0; w2 = (ts > 0) ? te - ts : w
	printf "| %d | %d | %.2f | %.0f | %.0f | %s | %.0f | %.1f | %.1f | %.1f |\n", n, a, w, n / w, n / w2, c, n / (c - c0),
		sw / 1e9, h / 1024, r / 1024 }'
echo
[[ -z "$incomplete" ]] || echo "$incomplete"
echo "end: the last growth of alerts.json ($final lines, expected $expected$(awk -v a="$t_end" -v b="$t_expected" 'BEGIN { if (b > 0) printf "; the expected count was reached %.3f s before it", a - b }')); $cmp"
echo "replay -j 1 of the same file: $replay_s s, $(awk -v n="$nlines" -v s="$replay_s" 'BEGIN { printf "%.0f", n / s }') events/s, CPU $replay_cpu s, $(awk -v n="$nlines" -v s="$replay_cpu" -v l="$replay_load_cpu" 'BEGIN { printf "%.0f", n / (s - l) }') events per CPU s (load excluded: $replay_load_cpu s, a replay of an empty file)"
echo "waited for a CPU = run-queue time of /proc/PID/schedstat: the machine's other load."
if [[ -n "${METRICS_PORT:-}" && -s "$work/metrics.txt" ]]; then
	echo
	echo "\$ curl -s http://127.0.0.1:$METRICS_PORT/metrics   # after the last alert, before the stop"
	grep -v '^#' "$work/metrics.txt" | grep -v ' 0$' || true
fi
[[ -z "$incomplete" ]] || exit 1
