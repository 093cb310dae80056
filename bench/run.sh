#!/usr/bin/env bash
# bench/run.sh: replay throughput of yagura with the full Wazuh ruleset.
#
# Builds a release build in build-release/, generates a syslog corpus there
# once (bench/gen_corpus.py), then times `yagura replay` over it with 1 and 2
# threads under /usr/bin/time -v (peak RSS), the ruleset load alone (a replay
# of an empty file), and `wc -l` over the same file as a floor. Prints a
# Markdown table for BENCHMARKS.md.
#
# Also reachable as `meson compile -C build bench` (bench/meson.build).
#
# Environment:
#   BENCH_LINES      corpus size in lines       (default 1000000)
#   BENCH_SEED       corpus PRNG seed           (default 20240303)
#   BENCH_THREADS    thread counts to measure   (default "1 2")
#   BENCH_BUILD_DIR  release build directory    (default build-release)
#   YAGURA_BIN       benchmark this binary instead of building one
#   YAGURA_WAZUH_DIR Wazuh ruleset corpus       (default ../shared/wazuh)
#   YAGURA_SKIP_DEPS=1  don't check Debian packages
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

lines=${BENCH_LINES:-1000000}
seed=${BENCH_SEED:-20240303}
threads_list=${BENCH_THREADS:-1 2}
build=${BENCH_BUILD_DIR:-build-release}
wazuh=${YAGURA_WAZUH_DIR:-$root/../shared/wazuh}

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

[[ "$lines" =~ ^[0-9]+$ ]] || die "BENCH_LINES must be a number, not '$lines'"
[[ -d "$wazuh/ruleset/decoders" && -d "$wazuh/ruleset/rules" ]] ||
	die "no Wazuh ruleset at $wazuh (set YAGURA_WAZUH_DIR)"
wazuh=$(cd "$wazuh" && pwd)

# The bench target runs inside ninja: keep its own build out of the way.
unset MESONINTROSPECT MESON_BUILD_ROOT MESON_SOURCE_ROOT MESON_SUBDIR

bash scripts/install-deps.sh >&2
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package 'time')"
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3

# ---- build -------------------------------------------------------------------
if [[ -n "${YAGURA_BIN:-}" ]]; then
	yagura=$YAGURA_BIN
	mkdir -p "$build"
else
	opts=(-Dbuildtype=release -Db_ndebug=true -Dtests=false -Dfuzzing=false -Db_sanitize=none)
	if [[ -f "$build/meson-private/coredata.dat" ]]; then
		meson configure "$build" "${opts[@]}" >/dev/null
	else
		meson setup "$build" "${opts[@]}" >&2
	fi
	yagura=$build/src/cli/yagura
	if ! ninja -C "$build" -j 2 src/cli/yagura >&2; then
		[[ -f src/cli/main.c ]] ||
			die "src/cli/main.c does not exist yet: there is no yagura binary to benchmark"
		die "building $yagura failed"
	fi
fi
[[ -x "$yagura" ]] || die "$yagura is not an executable"

# ---- inputs ------------------------------------------------------------------
work=$build/bench
mkdir -p "$work"
corpus=$work/corpus-$lines-$seed.log
if [[ ! -s "$corpus" ]]; then
	say "generating $lines lines into $corpus"
	"$py" bench/gen_corpus.py -n "$lines" --seed "$seed" -o "$corpus.tmp"
	mv "$corpus.tmp" "$corpus"
fi
empty=$work/empty.log
: >"$empty"

# Wazuh's default <ruleset> (etc/ossec-server.conf) minus the user
# directories etc/decoders and etc/rules, which the corpus does not have.
conf=$work/wazuh-ruleset.conf
cat >"$conf" <<'EOF'
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

# ---- measuring ---------------------------------------------------------------
# now: seconds since the epoch with microseconds (bash 5's EPOCHREALTIME).
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
# fsub A B: A - B, as a decimal.
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }

# timed LOG CMD...: runs CMD under /usr/bin/time -v with output discarded,
# prints its wall time in seconds; the resource report lands in LOG. A failed
# command stops the benchmark with its stderr.
timed() {
	local log=$1 t0 t1 rc=0
	shift
	t0=$(now)
	/usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$log.stderr" || rc=$?
	t1=$(now)
	if ((rc != 0)); then
		say "command failed (exit $rc): $*"
		tail -n 20 "$log.stderr" >&2
		exit 1
	fi
	fsub "$t1" "$t0"
}

# peak_mb LOG: maximum resident set size from a `time -v` report, in MB.
peak_mb() {
	awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"
}

replay=("$yagura" replay -c "$conf" -D "$wazuh" --clock event -o /dev/null)

say "warming the page cache"
cat "$corpus" >/dev/null

say "timing wc -l"
best_wc=
for _ in 1 2 3; do
	t=$(timed "$work/wc.time" wc -l "$corpus")
	best_wc=$(awk -v a="$t" -v b="${best_wc:-1e9}" 'BEGIN { print (a < b) ? a : b }')
done

say "timing the ruleset load (replay of an empty file, best of 3)"
best_load=
for _ in 1 2 3; do
	t=$(timed "$work/load.time" "${replay[@]}" -j 1 "$empty")
	best_load=$(awk -v a="$t" -v b="${best_load:-1e9}" 'BEGIN { print (a < b) ? a : b }')
done
load_mb=$(peak_mb "$work/load.time")

rows=()
for j in $threads_list; do
	say "replaying $lines lines with -j $j"
	t=$(timed "$work/replay-j$j.time" "${replay[@]}" -j "$j" "$corpus")
	mb=$(peak_mb "$work/replay-j$j.time")
	rows+=("$(awk -v j="$j" -v t="$t" -v n="$lines" -v load="$best_load" \
		-v wc="$best_wc" -v mb="$mb" 'BEGIN {
		proc = t - load; if (proc <= 0) proc = t
		printf "| %d | %.2f | %.0f | %s | %.3f | %.0fx |", j, t, n / proc, mb, load, t / wc
	}')")
done

# ---- report ------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
size_mb=$(awk -v b="$(stat -c %s "$corpus")" 'BEGIN { printf "%.0f", b / 1048576 }')
echo
echo "yagura $rev, $(nproc) CPU(s)${cpu:+ ($cpu)}, $(date -u +%Y-%m-%d)"
echo "corpus: $lines lines, $size_mb MiB (bench/gen_corpus.py --seed $seed)"
echo "ruleset: Wazuh default <ruleset> from $wazuh"
printf 'wc -l: %.3f s; ruleset load: %.3f s, %s MB peak\n' "$best_wc" "$best_load" "$load_mb"
echo
echo "| threads | wall s | events/s | peak RSS MB | load s | x wc -l |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "events/s = lines / (wall - load); x wc -l = wall / wc -l wall."
