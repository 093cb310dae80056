#!/usr/bin/env bash
# bench/manager/fim_scan.sh: yagura's FIM baseline scan next to `aide --init`.
#
# Usage: bench/manager/fim_scan.sh BUILD_DIR [NFILES=100000]
#
# 1. Generates (once, kept in BUILD_DIR/bench/manager-fim-scan/) a tree of
#    NFILES files with bench/manager/gen_tree.py: 99 % of 1-16 kB, 1 % of
#    100 kB-1 MB, ~13.9 kB on average (100,000 files ~ 1.4 GB). `df` is
#    checked first: with too little free space NFILES is scaled down (said
#    so on stderr and in the figures).
# 2. yagura: a fresh home per run and a manager (`yagura manager -D HOME -c
#    CONF -f`) with one scheduled <syscheck> directory (scan_on_start, no
#    realtime) checking sha256 + size, perm, owner, group, mtime, inode. The
#    scan time is from YG-1001 (started) to YG-1004 (baseline ready) in its
#    log, polled every 20 ms; the ruleset load before YG-1001 is not counted
#    (it is printed apart). Peak RSS: VmHWM at YG-1004 and /usr/bin/time -v.
# 3. AIDE (Debian's aide): `aide --init` with a config selecting the same
#    directory with p+i+n+u+g+s+m+sha256 (its default num_workers=1), under
#    /usr/bin/time -v.
# Each tool runs once to warm the page cache, then ROUNDS times (alternating);
# then once each after `echo 3 > /proc/sys/vm/drop_caches` when that works.
#
# Environment: ROUNDS (default 2), SEED (default 20240303),
#   YAGURA_SKIP_DEPS=1 (don't run scripts/install-deps.sh), NO_COLD=1.
set -euo pipefail
bench_name=fim_scan
# shellcheck source=bench/manager/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 1)) || die "usage: $0 BUILD_DIR [NFILES]"
build=$1
nfiles=${2:-100000}
rounds=${ROUNDS:-2}
seed=${SEED:-20240303}
[[ "$nfiles" =~ ^[0-9]+$ && "$nfiles" -ge 100 ]] || die "NFILES must be a number >= 100"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number"
bench_yagura "$build"
cmdline="$0 $*"

if [[ "${YAGURA_SKIP_DEPS:-0}" != 1 ]]; then
	bash "$bench_root/scripts/install-deps.sh" >&2
fi
command -v aide >/dev/null || die "aide is not installed (apt-get install -y aide)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package 'time')"

work=$(cd "$build" && pwd)/bench/manager-fim-scan
mkdir -p "$work"
bench_xml_safe "$work"

# ---- disk and memory ---------------------------------------------------------
scaled=
avail_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
tree=$work/tree-$nfiles-$seed
if [[ ! -f "$tree.complete" ]]; then
	est=$("$bench_py" "$bench_root/bench/manager/gen_tree.py" - "$nfiles" --estimate)
	# the tree + 15 % (directories, fim.db, aide.db) + 2 GiB left for others
	need_kb=$(awk -v e="$est" 'BEGIN { printf "%d", e * 1.15 / 1024 + 2 * 1048576 }')
	if ((avail_kb < need_kb)); then
		per=$(awk -v e="$est" -v n="$nfiles" 'BEGIN { print e * 1.15 / n / 1024 }')
		fit=$(awk -v a="$avail_kb" -v p="$per" 'BEGIN { printf "%d", (a - 2 * 1048576) / p }')
		((fit >= 1000)) || die "only $((avail_kb / 1024)) MB free under $work: not enough for even 1,000 files"
		say "SCALED DOWN: $nfiles files need ~$((need_kb / 1024)) MB with 2 GB to spare, only $((avail_kb / 1024)) MB free: using $fit files"
		scaled=" (scaled down from $nfiles: only $((avail_kb / 1024)) MB free)"
		nfiles=$fit
		tree=$work/tree-$nfiles-$seed
	fi
fi
if [[ ! -f "$tree.complete" ]]; then
	rm -rf "$tree"
	# the marker is outside the tree: it must not be one of the files scanned
	say "generating $nfiles files in $tree"
	"$bench_py" "$bench_root/bench/manager/gen_tree.py" "$tree" "$nfiles" --seed "$seed"
	touch "$tree.complete"
fi
tree_kb=$(du -sk "$tree" | awk '{ print $1 }')
ndirs=$(find "$tree" -type d | wc -l)
mem_kb=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
warm_note=
if ((tree_kb > mem_kb * 8 / 10)); then
	warm_note=" (WARNING: the tree is larger than 80 % of the available memory: the 'warm' runs read from disk too)"
fi

# ---- yagura ------------------------------------------------------------------
conf=$work/yagura-scan.conf
cat >"$conf" <<EOF
<ossec_config>
  <ruleset>
    <decoder_dir>$bench_root/ruleset/decoders</decoder_dir>
    <rule_dir>$bench_root/ruleset/rules</rule_dir>
  </ruleset>
  <syscheck>
    <frequency>43200</frequency>
    <scan_on_start>yes</scan_on_start>
    <file_limit>
      <enabled>no</enabled>
    </file_limit>
    <directories check_all="no" check_sha256sum="yes" check_size="yes" check_perm="yes" check_owner="yes" check_group="yes" check_mtime="yes" check_inode="yes">$tree</directories>
  </syscheck>
</ossec_config>
EOF
home=$work/yagura-home

cleanup() { bench_stop_manager; }
trap cleanup EXIT

# yagura_run LABEL: one baseline scan in a fresh home; appends a table row.
yagura_run() {
	local label=$1 t_ready cpu hwm rss_time scan load files
	rm -rf "$home"
	mkdir -p "$home"
	bench_start_manager "$home" "$work/yagura.time" "$conf"
	t_ready=$(bench_wait_log "$home" 'YG-1004' 3600) ||
		die "no YG-1004 (baseline ready) within an hour; log: $home/logs/yagura.log"
	hwm=$(bench_status_kb "$mgr_pid" VmHWM)
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$mgr_pid/stat")
	files=$(sed -n 's/.*YG-6009 .*(\([0-9]*\) files.*/\1/p' "$home/logs/yagura.log" | tail -n 1)
	bench_stop_manager
	rss_time=$(bench_time_kb "$work/yagura.time")
	scan=$(fsub "$t_ready" "$mgr_t_started")
	load=$(fsub "$mgr_t_started" "$mgr_t0")
	rows+=("$(awk -v l="$label" -v s="$scan" -v n="$nfiles" -v c="$cpu" -v h="$hwm" -v r="$rss_time" \
		-v f="${files:-?}" -v ld="$load" 'BEGIN {
		printf "| yagura | %s | %.2f | %.0f | %s | %.1f | %.1f | %s (+%.2f s start) |", l, s, n / s, c, h / 1024, r / 1024, f, ld }')")
	say "yagura $label: $scan s"
}

# ---- AIDE --------------------------------------------------------------------
aconf=$work/aide.conf
# shellcheck disable=SC2016 # a sed program, not a shell expansion
tree_re=$(printf '%s' "$tree" | sed 's/[].*+?^$(){}|\\[]/\\&/g')
cat >"$aconf" <<EOF
database_out=file:$work/aide.db.new
gzip_dbout=no
report_url=stdout
Bench = p+i+n+u+g+s+m+sha256
$tree_re Bench
EOF
aide --config="$aconf" --config-check >/dev/null || die "aide rejects $aconf"

# aide_run LABEL: one `aide --init`; appends a table row.
aide_run() {
	local label=$1 t0 t1 wall rss cpu entries
	rm -f "$work/aide.db.new"
	t0=$(now)
	/usr/bin/time -v -o "$work/aide.time" aide --init --config="$aconf" >"$work/aide.out" 2>&1 ||
		{
			tail -n 20 "$work/aide.out" >&2
			die "aide --init failed"
		}
	t1=$(now)
	wall=$(fsub "$t1" "$t0")
	rss=$(bench_time_kb "$work/aide.time")
	cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/aide.time")
	entries=$(awk -F':[ \t]*' '/Number of entries/ { print $2 }' "$work/aide.out")
	rows+=("$(awk -v l="$label" -v s="$wall" -v n="$nfiles" -v c="$cpu" -v r="$rss" -v f="${entries:-?}" 'BEGIN {
		printf "| AIDE | %s | %.2f | %.0f | %s | - | %.1f | %s entries |", l, s, n / s, c, r / 1024, f }')")
	say "aide $label: $wall s"
}

rows=()
say "warming: one run of each (not reported)"
yagura_run warm-up
aide_run warm-up
rows=()
for ((r = 1; r <= rounds; r++)); do
	yagura_run "warm $r"
	aide_run "warm $r"
done
cold_note=
if [[ "${NO_COLD:-0}" != 1 ]] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
	yagura_run cold
	sync
	echo 3 >/proc/sys/vm/drop_caches
	aide_run cold
else
	cold_note="cold-cache runs skipped (NO_COLD=1 or /proc/sys/vm/drop_caches not writable)"
fi

# ---- report ------------------------------------------------------------------
echo
echo "\$ $cmdline"
bench_machine
echo "tree: $nfiles files$scaled in $((ndirs - 1)) directories, $((tree_kb / 1024)) MB ($tree)$warm_note"
echo "yagura: $yagura manager -D $home -c $conf -f"
echo "        <directories check_all=\"no\" check_sha256sum check_size check_perm check_owner check_group check_mtime check_inode> (scheduled, scan_on_start)"
echo "AIDE:   $(aide --version 2>&1 | head -n 1): aide --init --config=$aconf  (p+i+n+u+g+s+m+sha256, num_workers default)"
echo
echo "| tool | run | wall s | files/s | CPU s | VmHWM MB | peak RSS MB (time -v) | files seen |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "yagura wall = YG-1001 (started) -> YG-1004 (baseline ready), ruleset load excluded (shown as +start);"
echo "its CPU s is the manager's utime+stime at YG-1004 (load included); AIDE's is time -v user+sys."
[[ -z "$cold_note" ]] || echo "$cold_note"
