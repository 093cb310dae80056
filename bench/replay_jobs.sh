#!/usr/bin/env bash
# bench/replay_jobs.sh: `yagura replay -j 1` against `-j 2` with Wazuh's
# ruleset, on the same files: the alerts must be byte-identical, and the
# wall times give the speed-up (issue 9).
#
# Two inputs made from one bench/gen_corpus.py corpus:
#   local   the syslog lines as they are: the manager's own (agent 000), so
#           one partition, run by one worker whatever -j says;
#   fleet   the same lines as a manager's archives.json from a fleet of
#           agents (--log-format archives): each line's syslog hostname is
#           its agent, so -j 2 has partitions to spread.
# Each run is timed (best of BENCH_RUNS) and its alerts are compared with
# cmp against -j 1's. Prints a Markdown table for BENCHMARKS.md.
#
# Environment:
#   BENCH_LINES   corpus size in lines             (default 200000)
#   BENCH_SEED    corpus PRNG seed                 (default 20240303)
#   BENCH_RUNS    runs per measurement, best kept   (default 3)
#   YAGURA_BIN    the binary (default build/src/cli/yagura: make it first)
#   YAGURA_WAZUH_DIR  Wazuh's ruleset              (default ../shared/wazuh)
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
lines=${BENCH_LINES:-200000}
seed=${BENCH_SEED:-20240303}
runs=${BENCH_RUNS:-3}
yagura=${YAGURA_BIN:-$root/build/src/cli/yagura}
wazuh=${YAGURA_WAZUH_DIR:-$root/../shared/wazuh}
say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}
[[ -x "$yagura" ]] || die "no binary at $yagura (build it, or set YAGURA_BIN)"
[[ -d "$wazuh/ruleset/rules" ]] || die "no Wazuh ruleset at $wazuh (set YAGURA_WAZUH_DIR)"
[[ "$lines" =~ ^[0-9]+$ && "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_LINES, BENCH_RUNS: numbers"
wazuh=$(cd "$wazuh" && pwd)
py=/usr/bin/python3
work=$root/build/bench-jobs
mkdir -p "$work"

# ---- inputs: Wazuh's default <ruleset> as bench/run.sh has it ----------------
conf=$work/wazuh-ruleset.conf
cat >"$conf" <<'XML'
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
XML
local=$work/local-$lines-$seed.log
fleet=$work/fleet-$lines-$seed.json
if [[ ! -s "$local" ]]; then
	say "generating $lines lines"
	"$py" bench/gen_corpus.py -n "$lines" --seed "$seed" -o "$local.tmp"
	mv "$local.tmp" "$local"
fi
if [[ ! -s "$fleet" ]]; then
	say "making the fleet's archives.json (agent = the line's syslog hostname)"
	"$py" - "$local" "$fleet.tmp" <<'PY'
import json, sys, time
agents = {}
base = 1796700000
with open(sys.argv[1], encoding="utf-8", errors="replace") as f, open(sys.argv[2], "w") as out:
    for i, line in enumerate(f):
        line = line.rstrip("\n")
        w = line.split()
        host = w[3] if len(w) > 3 else "unknown"
        aid = agents.setdefault(host, f"{len(agents) + 1:03d}")
        ts = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(base + i // 50))
        out.write(json.dumps({"timestamp": ts, "agent": {"id": aid, "name": host},
                              "manager": {"name": "bench"}, "full_log": line,
                              "location": "/var/log/syslog"}) + "\n")
print(f"{len(agents)} agents", file=sys.stderr)
PY
	mv "$fleet.tmp" "$fleet"
fi

# ---- measuring ---------------------------------------------------------------
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }

# best NAME J ARGS...: best wall time of `runs` replays with -j J; the alerts
# land in $work/NAME-jJ.json.
best() {
	local name=$1 j=$2 b=1e9 t0 t1 t
	shift 2
	for ((k = 0; k < runs; k++)); do
		t0=$(now)
		"$yagura" replay -c "$conf" -D "$wazuh" --clock event -j "$j" \
			-o "$work/$name-j$j.json" "$@" 2>"$work/$name-j$j.err" ||
			die "replay failed: $(tail -n 3 "$work/$name-j$j.err")"
		t1=$(now)
		t=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
		b=$(awk -v a="$t" -v b="$b" 'BEGIN { print (a < b) ? a : b }')
	done
	printf '%s\n' "$b"
}

cat "$local" "$fleet" >/dev/null
say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| input | events | alerts | -j 1 s | -j 2 s | speed-up | -j 2 alerts |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | --- |\n'
for input in local fleet; do
	args=("$local")
	[[ $input == fleet ]] && args=(--log-format archives "$fleet")
	t1=$(best "$input" 1 "${args[@]}")
	t2=$(best "$input" 2 "${args[@]}")
	same="byte-identical"
	if ! cmp -s "$work/$input-j1.json" "$work/$input-j2.json"; then
		# lines whose own time does not parse are dated by the wall clock
		same="DIFFERENT"
		strip='s/"timestamp":"[^"]*"//; s/"id":"[0-9]*\./"id":"/'
		cmp -s <(sed "$strip" "$work/$input-j1.json") <(sed "$strip" "$work/$input-j2.json") &&
			same="identical but for wall-clock times"
	fi
	alerts=$(wc -l <"$work/$input-j1.json")
	events=$(grep -o '[0-9]* events,' "$work/$input-j1.err" | head -n 1 | cut -d' ' -f1)
	printf '| %s | %s | %s | %s | %s | %sx | %s |\n' "$input" "$events" "$alerts" "$t1" "$t2" \
		"$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", a / b }')" "$same"
done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
