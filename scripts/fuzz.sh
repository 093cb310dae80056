#!/usr/bin/env bash
# fuzz.sh: runs one libFuzzer target for a while.
#
# Usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER-OPTION...]
#        scripts/fuzz.sh            (lists the targets)
#
# Sets up a clang build with -Dfuzzing=true under ASan+UBSan in build-fuzz/,
# builds fuzz/fuzz_TARGET, copies fuzz/corpus/TARGET/ to
# build-fuzz/corpus/TARGET/ (so the tree's small corpus stays as it is) and
# fuzzes that copy for SECONDS. Findings (crash-*, leak-*, timeout-*) are
# written to build-fuzz/artifacts/TARGET/; replay one with
#   build-fuzz/fuzz/fuzz_TARGET FILE
# Interesting new inputs may be copied back into fuzz/corpus/TARGET/ by hand
# (keep that corpus small: a handful of files).
#
# Environment:
#   YAGURA_FUZZ_BUILD_DIR  build directory (default: build-fuzz)
#   YAGURA_SKIP_DEPS=1     don't check Debian packages
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=${YAGURA_FUZZ_BUILD_DIR:-build-fuzz}

die() {
	printf 'fuzz: error: %s\n' "$*" >&2
	exit 1
}

targets() {
	local f
	for f in fuzz/fuzz_*.c; do
		[[ -e "$f" ]] || continue
		f=${f#fuzz/fuzz_}
		printf '  %s\n' "${f%.c}"
	done
}

if (($# < 2)); then
	echo "usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER-OPTION...]" >&2
	echo "targets:" >&2
	targets >&2
	exit 2
fi
target=$1
seconds=$2
shift 2

[[ "$target" =~ ^[a-z0-9_]+$ ]] || die "bad target name '$target'"
[[ -f "fuzz/fuzz_$target.c" ]] || {
	echo "no fuzz/fuzz_$target.c; targets:" >&2
	targets >&2
	exit 2
}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
	die "SECONDS must be a positive number"
fi

bash scripts/install-deps.sh

opts=(-Dfuzzing=true "-Db_sanitize=address,undefined" -Db_lundef=false -Dtests=false)
if [[ -f "$build/meson-private/coredata.dat" ]]; then
	# libFuzzer needs clang; a directory set up with another compiler
	# cannot be switched, so say so rather than fail obscurely.
	if ! grep -A1 '^rule c_COMPILER' "$build/build.ninja" | grep -q 'command = \(\S*/\)\?clang'; then
		die "$build was configured without clang: remove it and run this again"
	fi
	meson configure "$build" "${opts[@]}"
else
	CC=clang meson setup "$build" "${opts[@]}"
fi
ninja -C "$build" -j 2 "fuzz/fuzz_$target"

corpus=$build/corpus/$target
artifacts=$build/artifacts/$target
mkdir -p "$corpus" "$artifacts"
if [[ -d "fuzz/corpus/$target" ]]; then
	cp -rn "fuzz/corpus/$target"/. "$corpus"/
fi

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1

echo "fuzz: $target for $seconds s; corpus $corpus, findings in $artifacts/"
rc=0
"$build/fuzz/fuzz_$target" \
	-max_total_time="$seconds" \
	-timeout=10 \
	-rss_limit_mb=2048 \
	-print_final_stats=1 \
	-artifact_prefix="$artifacts/" \
	"$@" "$corpus" || rc=$?
if ((rc != 0)); then
	echo "fuzz: $target found a problem (exit $rc); inputs in $artifacts/:" >&2
	ls -l "$artifacts" >&2 || true
	exit "$rc"
fi
echo "fuzz: $target ran $seconds s without a finding; corpus now $(find "$corpus" -type f | wc -l) files"
