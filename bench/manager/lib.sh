# bench/manager/lib.sh: helpers shared by the manager benchmarks (sourced).
#
# Only the documented interface of the manager is used: the command line
# (`yagura manager -D HOME -c CONF -f`), the home layout (logs/yagura.log,
# logs/alerts/alerts.json, var/run/yagura.pid) and the message numbers of
# docs/manager.md (YG-1001 started, YG-1004 baseline ready).
# shellcheck shell=bash
# shellcheck disable=SC2034 # mgr_* variables are read by the scripts

export LC_ALL=C
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_load0=$(cut -d' ' -f1-3 /proc/loadavg)
bench_py=/usr/bin/python3
[[ -x "$bench_py" ]] || bench_py=python3

say() { printf '%s: %s\n' "${bench_name:-bench}" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "${bench_name:-bench}" "$*" >&2
	exit 1
}

# now: seconds since the epoch with microseconds.
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
# fsub A B: A - B with 3 decimals.
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# bench_yagura BUILD_DIR: sets $yagura to the built binary (absolute) or dies.
bench_yagura() {
	local build=$1
	[[ -d "$build" ]] || die "no build directory '$build' (meson setup $build --buildtype=release)"
	yagura=$(cd "$build" && pwd)/src/cli/yagura
	[[ -x "$yagura" ]] || die "$yagura is missing: ninja -C $build src/cli/yagura"
}

# bench_machine: one line describing the machine and the yagura commit.
bench_machine() {
	local cpu mem rev
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	rev=$(git -C "$bench_root" describe --always --dirty 2>/dev/null || echo unknown)
	echo "machine: $(nproc) CPU(s)${cpu:+ ($cpu)}, $mem RAM, $(uname -r), load average $bench_load0 at the start"
	echo "yagura: $rev ($(git -C "$bench_root" log -1 --format=%cd --date=short 2>/dev/null || true)), binary built $(date -u -r "$yagura" '+%Y-%m-%d %H:%M UTC'), measured $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# bench_xml_safe PATH...: dies when a path cannot go into XML text as is.
bench_xml_safe() {
	local p
	for p in "$@"; do
		case "$p" in
		*[\&\<\>]*) die "path '$p' must not contain '&', '<' or '>'" ;;
		esac
	done
}

# bench_wait_log HOME PATTERN TIMEOUT_S: waits until logs/yagura.log has a
# line matching the fixed string PATTERN (polled every 20 ms). Prints the
# epoch time it was seen; returns 1 on timeout or when $mgr_pid died.
bench_wait_log() {
	local log=$1/logs/yagura.log pat=$2 end
	end=$(awk -v t="$(now)" -v d="$3" 'BEGIN { printf "%.3f", t + d }')
	while :; do
		if [[ -f "$log" ]] && grep -qF -- "$pat" "$log"; then
			now
			return 0
		fi
		if [[ -n "${mgr_pid:-}" ]] && ! kill -0 "$mgr_pid" 2>/dev/null; then
			return 1
		fi
		awk -v t="$(now)" -v e="$end" 'BEGIN { exit !(t > e) }' && return 1
		sleep 0.02
	done
}

# bench_start_manager HOME TIMELOG CONF...: starts `yagura manager -f` (one
# -c per CONF) under
# /usr/bin/time -v (report in TIMELOG), stderr to HOME/manager.stderr. Sets
# $mgr_time_pid (the time process), $mgr_pid (the manager, from the pid file
# once YG-1001 is logged) and $mgr_t0 (launch time). Dies if it does not start
# within 120 s.
bench_start_manager() {
	local home=$1 timelog=$2 i c confs=()
	shift 2
	for c in "$@"; do
		confs+=(-c "$c")
	done
	mgr_pid=
	mgr_t0=$(now)
	# MANAGER_JOBS: the manager's -j (analysis workers); default: its own
	# shellcheck disable=SC2086 # word splitting of the optional "-j N"
	/usr/bin/time -v -o "$timelog" "$yagura" manager -D "$home" "${confs[@]}" -f \
		${MANAGER_JOBS:+-j "$MANAGER_JOBS"} \
		>/dev/null 2>"$home/manager.stderr" &
	mgr_time_pid=$!
	for ((i = 0; i < 6000; i++)); do
		if [[ -f "$home/logs/yagura.log" ]] && grep -qF 'YG-1001 started' "$home/logs/yagura.log" &&
			[[ -s "$home/var/run/yagura.pid" ]]; then
			mgr_t_started=$(now)
			mgr_pid=$(head -n 1 "$home/var/run/yagura.pid")
			[[ "$mgr_pid" =~ ^[0-9]+$ ]] || die "bad pid file $home/var/run/yagura.pid"
			return 0
		fi
		if ! kill -0 "$mgr_time_pid" 2>/dev/null; then
			tail -n 20 "$home/manager.stderr" >&2
			die "the manager exited at start (see $home/manager.stderr)"
		fi
		sleep 0.02
	done
	die "the manager did not log YG-1001 within 120 s (see $home/logs/yagura.log)"
}

# bench_stop_manager: SIGTERM to the manager we started, waits for it (and
# for /usr/bin/time to write its report). Kills it after 60 s.
bench_stop_manager() {
	local i
	[[ -n "${mgr_time_pid:-}" ]] || return 0
	if [[ -n "${mgr_pid:-}" ]] && kill -0 "$mgr_pid" 2>/dev/null; then
		kill -TERM "$mgr_pid" 2>/dev/null || true
		for ((i = 0; i < 600; i++)); do
			kill -0 "$mgr_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$mgr_pid" 2>/dev/null; then
			say "the manager (pid $mgr_pid) did not stop within 60 s: killing it"
			kill -KILL "$mgr_pid" 2>/dev/null || true
		fi
	fi
	wait "$mgr_time_pid" 2>/dev/null || true
	mgr_time_pid=
	mgr_pid=
}

# bench_status_kb PID FIELD: a "kB" field of /proc/PID/status (VmRSS, VmHWM).
bench_status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# bench_time_kb TIMELOG: maximum resident set size (kB) from a time -v report.
bench_time_kb() {
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$1" 2>/dev/null
}

# mb KB: kB as MB with one decimal.
mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }
