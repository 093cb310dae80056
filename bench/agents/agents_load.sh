#!/usr/bin/env bash
# bench/agents/agents_load.sh: N simulated agents streaming events to a real
# `yagura manager` over TLS 1.3 (bench/agents/loadgen.c).
#
# Usage: bench/agents/agents_load.sh BUILD_DIR [N=2000] [RATE=10] [SECONDS=60]
#
# 1. A fresh manager home in BUILD_DIR/bench/agents-load/ with Wazuh's
#    default ruleset (as bench/manager/e2e_throughput.sh), <alerts>
#    log_alert_level 3, <remote> on 127.0.0.1:<free port>, <auth> disabled.
# 2. `loadgen enroll HOME N` (manager stopped): the agents are added to the
#    registry and their CSRs signed by the manager's CA in-process (the fast
#    path; the enrolment listener itself is not exercised). Their keys stay
#    in the work directory (agents.pem, 0600).
# 3. ulimit -n raised to the hard limit; the manager started (-f, release
#    build); `loadgen run` connects the N agents from one process / one
#    libevent loop, sends RATE events/s each (sshd + web access lines as
#    yg_evrec records) for WARMUP (5 s) + SECONDS, then waits for the acks.
# 4. A sampler reads /proc/PID/stat + status of the manager and the size of
#    alerts.json every second; over the measured period it reports the
#    manager's CPU %, VmRSS / VmHWM, alerts/s written; at stop the YG-1002
#    line (events, alerts, commits of the run).
#
# An ACK is only sent after the manager committed the events (alert store +
# the agent's seq in one transaction), so "acked/s" is the rate the manager
# sustains end to end.
#
# Environment: YAGURA_WAZUH_DIR (default ../shared/wazuh), WARMUP (5),
# ALERT_LEVEL (log_alert_level, 3; 16 = the engine runs but (almost) nothing
# is stored: separates the alert store's cost from the transport's),
# CONN_PS (connections started per second, 500), JOBS (manager -j, default
# the manager's own).
set -euo pipefail
bench_name=agents_load
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../manager/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [N] [RATE] [SECONDS]"
build=$1
n=${2:-2000}
rate=${3:-10}
seconds=${4:-60}
warmup=${WARMUP:-5}
conn_ps=${CONN_PS:-500}
alert_level=${ALERT_LEVEL:-3}
[[ "$alert_level" =~ ^([0-9]|1[0-6])$ ]] || die "ALERT_LEVEL must be 0-16"
[[ "$n" =~ ^[1-9][0-9]*$ && "$rate" =~ ^[1-9][0-9]*$ && "$seconds" =~ ^[1-9][0-9]*$ ]] ||
	die "N, RATE and SECONDS must be positive numbers"
bench_yagura "$build"
loadgen=$(cd "$build" && pwd)/bench/loadgen
[[ -x "$loadgen" ]] || die "$loadgen is missing: ninja -C $build bench/loadgen"
cmdline="$0 $*"

# Enough descriptors for N connections on both sides (same user).
hard=$(ulimit -Hn)
if [[ "$hard" != unlimited ]] && ((hard < n + 256)); then
	die "ulimit -Hn is $hard: too low for $n agents"
fi
ulimit -n "$hard" 2>/dev/null || ulimit -n $((n + 1024))

work=$(cd "$build" && pwd)/bench/agents-load
home=$work/home
wazuh=${YAGURA_WAZUH_DIR:-$bench_root/../shared/wazuh}
[[ -d "$wazuh/ruleset/rules" ]] || die "no Wazuh ruleset at $wazuh (set YAGURA_WAZUH_DIR)"
wazuh=$(cd "$wazuh" && pwd)
bench_xml_safe "$home" "$wazuh"
rm -rf "$work"
mkdir -p "$home/etc" "$home/logs/alerts" "$home/var/db"
ln -s "$wazuh/ruleset" "$home/ruleset"
ln -s "$wazuh/etc/lists" "$home/etc/lists"
port=$("$bench_py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$work/ossec.conf
cat >"$conf" <<EOF
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
  <alerts>
    <log_alert_level>$alert_level</log_alert_level>
  </alerts>
  <remote>
    <connection>secure</connection>
    <protocol>tcp</protocol>
    <local_ip>127.0.0.1</local_ip>
    <port>$port</port>
  </remote>
  <auth>
    <disabled>yes</disabled>
  </auth>
</ossec_config>
EOF
"$yagura" manager -D "$home" -c "$conf" -t >/dev/null 2>"$work/check.err" ||
	die "the configuration has errors: $(cat "$work/check.err")"

say "enrolling $n agents (in-process CA + registry)"
"$loadgen" enroll "$home" "$n" "$work/agents.pem" 2>"$work/enroll.err" ||
	die "loadgen enroll failed: $(tail -n 3 "$work/enroll.err")"
enroll_msg=$(tail -n 1 "$work/enroll.err")

jobs=()
[[ -n "${JOBS:-}" ]] && jobs=(-j "$JOBS")
trap 'bench_stop_manager; [[ -n "${sampler_pid:-}" ]] && kill "$sampler_pid" 2>/dev/null || true' EXIT
mgr_t0=$(now)
/usr/bin/time -v -o "$work/manager.time" "$yagura" manager -D "$home" -c "$conf" -f "${jobs[@]}" \
	>/dev/null 2>"$home/manager.stderr" &
mgr_time_pid=$!
mgr_pid=
for ((i = 0; i < 6000; i++)); do
	if grep -qF 'agents: listening' "$home/logs/yagura.log" 2>/dev/null &&
		[[ -s "$home/var/run/yagura.pid" ]]; then
		mgr_pid=$(head -n 1 "$home/var/run/yagura.pid")
		break
	fi
	kill -0 "$mgr_time_pid" 2>/dev/null || die "the manager exited at start: $(tail -n 5 "$home/manager.stderr")"
	sleep 0.02
done
[[ "$mgr_pid" =~ ^[0-9]+$ ]] || die "the manager did not start listening within 120 s"
say "manager pid $mgr_pid listening on 127.0.0.1:$port; ulimit -n $(ulimit -n)"

# sampler: epoch utime+stime(ticks) VmRSS(kB) VmHWM(kB) alerts.json bytes threads
"$bench_py" - "$mgr_pid" "$home/logs/alerts/alerts.json" >"$work/samples" <<'PYEOF' &
import os, sys, time
pid, alerts = sys.argv[1], sys.argv[2]
while True:
    try:
        st = open(f"/proc/{pid}/stat").read()
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        break
    f = st.rsplit(")", 1)[1].split()
    kv = {l.split(":")[0]: l.split()[1] for l in status.splitlines() if l.startswith(("VmRSS", "VmHWM", "Threads"))}
    try:
        size = os.stat(alerts).st_size
    except OSError:
        size = 0
    print(f"{time.time():.3f} {int(f[11]) + int(f[12])} {kv.get('VmRSS', 0)} {kv.get('VmHWM', 0)} {size} {kv.get('Threads', 0)}", flush=True)
    time.sleep(1)
PYEOF
sampler_pid=$!

say "running $n agents x $rate events/s for $warmup + $seconds s"
set +e
"$loadgen" run "$work/agents.pem" "$home/etc/ca/ca.crt" 127.0.0.1 "$port" -r "$rate" -d "$seconds" \
	-w "$warmup" -c "$conn_ps" >"$work/loadgen.out" 2>"$work/loadgen.err"
lg_rc=$?
set -e
hwm=$(bench_status_kb "$mgr_pid" VmHWM)
read -r mstart mend < <(awk '/^MEASURE / { print $2, $3 }' "$work/loadgen.err")
connected_log=$(grep -c 'YG-[0-9]* agent [0-9]* (.*) connected from' "$home/logs/yagura.log" || true)
bench_stop_manager
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
trap - EXIT
stopline=$(grep -F 'YG-1002' "$home/logs/yagura.log" | grep -F 'events' | tail -n 1 | sed 's/^.*YG-1002 //')
nalerts=$(wc -l <"$home/logs/alerts/alerts.json")
abytes=$(stat -c %s "$home/logs/alerts/alerts.json")

steady=$(awk -v a="${mstart:-0}" -v b="${mend:-0}" -v hz="$(getconf CLK_TCK)" -v nal="$nalerts" -v ab="$abytes" '
	$1 >= a && $1 <= b + 1 {
		if (!seen) { t0 = $1; c0 = $2; s0 = $5; seen = 1 }
		t1 = $1; c1 = $2; s1 = $5
		if ($3 > rss) rss = $3
		thr = $6
	}
	END {
		if (!seen || t1 <= t0) { print "no samples in the measured period"; exit }
		bpa = (nal > 0) ? ab / nal : 1
		printf "manager CPU %.0f %% (of one core) over %.0f s; max VmRSS %.1f MB; threads %d; alerts written %.0f/s\n",
			(c1 - c0) / hz / (t1 - t0) * 100, t1 - t0, rss / 1024, thr, (s1 - s0) / bpa / (t1 - t0)
	}' "$work/samples")

echo
echo "\$ $cmdline"
bench_machine
echo "manager: $yagura manager -D $home -c $conf -f ${jobs[*]} (Wazuh ruleset from $wazuh, log_alert_level $alert_level)"
echo "loadgen: $loadgen run $work/agents.pem $home/etc/ca/ca.crt 127.0.0.1 $port -r $rate -d $seconds -w $warmup -c $conn_ps"
echo "enrolment: $enroll_msg"
echo
cat "$work/loadgen.out"
echo "at the manager (measured period): $steady"
echo "manager VmHWM $(mb "$hwm") MB; 'connected from' log lines: $connected_log; at stop: ${stopline:-no YG-1002 line}"
echo "alerts.json: $nalerts alerts, $((abytes / 1048576)) MiB"
errs=$(grep -v YG-1008 "$home/logs/yagura.log" | grep -c 'WARNING\|ERROR' || true)
echo "manager log: $errs WARNING/ERROR lines besides the ruleset's YG-1008$( ((errs > 0)) && printf '; first: %s' "$(grep -v YG-1008 "$home/logs/yagura.log" | grep -m1 'WARNING\|ERROR')")"
exit "$lg_rc"
