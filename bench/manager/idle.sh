#!/usr/bin/env bash
# bench/manager/idle.sh: the idle cost of `yagura manager` with the default
# configuration.
#
# Usage: bench/manager/idle.sh BUILD_DIR [SETTLE_S=10] [MEASURE_S=60]
#
# Makes a fresh home in BUILD_DIR/bench/manager-idle/ the way scripts/run.sh
# makes its demo: etc/ossec.conf from the template etc/ossec.conf with
# @HOME@ and @RULESET@ replaced (yagura's ruleset in ruleset/), the web root
# HOME/www with two files, empty HOME/var/log/auth.log and
# HOME/var/log/nginx/access.log. Starts `yagura manager -D HOME -f`, waits for
# the baseline (YG-1004), then SETTLE_S seconds, then measures over MEASURE_S
# seconds: VmRSS and VmHWM (/proc/PID/status), CPU % (utime+stime of
# /proc/PID/stat), context switches per second (wake-ups) and threads.
set -euo pipefail
bench_name=idle
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [SETTLE_S] [MEASURE_S]"
build=$1
settle=${2:-10}
measure=${3:-60}
[[ "$settle" =~ ^[0-9]+$ && "$measure" =~ ^[1-9][0-9]*$ ]] || die "SETTLE_S and MEASURE_S are whole seconds"
bench_yagura "$build"
cmdline="$0 $*"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package 'time')"
template=$bench_root/etc/ossec.conf
[[ -f "$template" ]] || die "no configuration template $template"

work=$(cd "$build" && pwd)/bench/manager-idle
home=$work/home
bench_xml_safe "$home" "$bench_root/ruleset"
rm -rf "$home"
mkdir -p "$home/etc/decoders" "$home/etc/rules" "$home/www/var/cache" \
	"$home/var/log/nginx" "$home/logs"
printf '<!doctype html>\n<title>yagura demo shop</title>\n' >"$home/www/index.html"
printf '<?php\necho "login";\n' >"$home/www/login.php"
: >"$home/var/log/auth.log"
: >"$home/var/log/nginx/access.log"
text=$(<"$template")
text=${text//@HOME@/"$home"}
text=${text//@RULESET@/"$bench_root/ruleset"}
printf '%s\n' "$text" >"$home/etc/ossec.conf"
conf=$home/etc/ossec.conf
"$yagura" manager -D "$home" -c "$conf" -t >/dev/null 2>"$work/check.err" ||
	die "$conf has errors: $(cat "$work/check.err")"

trap bench_stop_manager EXIT
bench_start_manager "$home" "$work/manager.time" "$conf"
bench_wait_log "$home" 'YG-1004' 120 >/dev/null || die "no YG-1004 within 120 s ($home/logs/yagura.log)"
say "baseline ready; settling $settle s, then measuring $measure s"
sleep "$settle"

hz=$(getconf CLK_TCK)
# snap: "ticks ctxt_switches" of the manager now.
snap() {
	local ticks cs
	ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$mgr_pid/stat")
	cs=$(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { s += $2 } END { print s }' "/proc/$mgr_pid/status")
	echo "$ticks $cs"
}
read -r ticks0 cs0 < <(snap)
t0=$(now)
rss_min=
rss_max=0
for ((i = 0; i < measure; i++)); do
	sleep 1
	kill -0 "$mgr_pid" 2>/dev/null || die "the manager died during the measurement"
	r=$(bench_status_kb "$mgr_pid" VmRSS)
	((r > rss_max)) && rss_max=$r
	[[ -n "$rss_min" ]] && ((r >= rss_min)) || rss_min=$r
done
read -r ticks1 cs1 < <(snap)
t1=$(now)
rss=$(bench_status_kb "$mgr_pid" VmRSS)
hwm=$(bench_status_kb "$mgr_pid" VmHWM)
threads=$(awk '/^Threads/ { print $2 }' "/proc/$mgr_pid/status")
fds=$(find "/proc/$mgr_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
bench_stop_manager
trap - EXIT

dt=$(fsub "$t1" "$t0")
echo
echo "\$ $cmdline"
bench_machine
echo "manager: $yagura manager -D $home -c $conf -f"
echo "configuration: etc/ossec.conf template (ruleset $bench_root/ruleset, realtime FIM of HOME/www, 2 collected logs)"
echo "measured ${dt} s starting ${settle} s after YG-1004"
echo
echo "| VmRSS MB | VmRSS min-max MB | VmHWM MB | CPU % | CPU s | wake-ups/s | threads | fds |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -v r="$rss" -v lo="$rss_min" -v hi="$rss_max" -v h="$hwm" -v t0="$ticks0" -v t1="$ticks1" \
	-v hz="$hz" -v dt="$dt" -v c0="$cs0" -v c1="$cs1" -v th="$threads" -v fd="$fds" 'BEGIN {
	cpu = (t1 - t0) / hz
	printf "| %.1f | %.1f-%.1f | %.1f | %.3f | %.2f | %.1f | %d | %d |\n", r / 1024, lo / 1024, hi / 1024,
		h / 1024, 100 * cpu / dt, cpu, (c1 - c0) / dt, th, fd }'
echo
echo "CPU = utime+stime delta (/proc/PID/stat, $hz ticks/s); wake-ups = voluntary+nonvoluntary context switches."
