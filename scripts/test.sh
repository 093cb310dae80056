#!/usr/bin/env bash
# test.sh: yagura's test command (the README's, and what CI runs).
#
# Installs the Debian packages, then builds and tests three times:
#   build/       the normal build (debugoptimized)
#   build-asan/  the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#                any ASan, LSan or UBSan report fails the test that made it
#   build-tsan/  ThreadSanitizer, only the targets and suites that start
#                threads (transport, integrations, API, the manager's
#                pipeline, replay -j); any data race report fails the test
# Existing build directories are reused, so a second run only rebuilds what
# changed. The last line printed is "N passed, N failed" (", N skipped" when
# some were), summed over both builds; the exit status is non-zero when
# anything failed or a build broke.
#
# Environment:
#   YAGURA_BUILD_DIR       normal build directory      (default: build)
#   YAGURA_ASAN_BUILD_DIR  sanitizer build directory   (default: build-asan)
#   YAGURA_TSAN_BUILD_DIR  ThreadSanitizer build dir   (default: build-tsan)
#   YAGURA_SKIP_TSAN=1     no ThreadSanitizer build
#   YAGURA_JOBS            compile and test processes  (default: 2)
#   YAGURA_SKIP_DEPS=1     don't check Debian packages
#   Extra arguments are passed to both `meson test` runs (e.g. a test name).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=${YAGURA_BUILD_DIR:-build}
asan_dir=${YAGURA_ASAN_BUILD_DIR:-build-asan}
tsan_dir=${YAGURA_TSAN_BUILD_DIR:-build-tsan}
jobs=${YAGURA_JOBS:-2}
start=$SECONDS

section() { printf '\n==> %s\n' "$*"; }

bash scripts/install-deps.sh

# Debian's interpreter when there is one: python3 on PATH may be another.
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3

# configure DIR MESON-OPTION...: creates a build directory, or re-applies the
# options to an existing one (wiping it only if meson cannot reconfigure it,
# e.g. after a meson upgrade). Returns meson's status.
configure() {
	local dir=$1
	shift
	if [[ -f "$dir/meson-private/coredata.dat" ]]; then
		meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

summary_args=()

# run_build LABEL DIR MESON-TEST-OPTIONS -- MESON-SETUP-OPTIONS...:
# configures, compiles and tests one build directory; records the outcome in
# summary_args for testlog-summary.py. Never fails itself: a broken build is
# a result, and the other build still runs.
run_build() {
	local label=$1 dir=$2 test_opts=()
	shift 2
	while (($#)) && [[ "$1" != -- ]]; do
		test_opts+=("$1")
		shift
	done
	shift # the --

	section "$label: configure ($dir)"
	if ! configure "$dir" "$@"; then
		summary_args+=(--broken "$label" "meson setup failed")
		return 0
	fi
	section "$label: compile"
	# shellcheck disable=SC2086 # compile_targets is a list of names
	if ! meson compile -C "$dir" -j "$jobs" ${compile_targets:-}; then
		summary_args+=(--broken "$label" "compile failed")
		return 0
	fi
	section "$label: test"
	# A stale log from an earlier run must not be counted again.
	rm -f "$dir/meson-logs/testlog.json"
	local rc=0
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs" \
		${compile_targets:+--no-rebuild} "${test_opts[@]}" "${extra_test_args[@]}" || rc=$?
	summary_args+=(--log "$label" "$dir/meson-logs/testlog.json" "$rc")
}

extra_test_args=("$@")

run_build "$build_dir" "$build_dir" -- \
	-Dtests=true -Dfuzzing=false -Db_sanitize=none

# halt_on_error makes the first report fatal; abort_on_error turns it into
# SIGABRT so meson reports the test as failed whatever its exit code logic.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1
export LSAN_OPTIONS=print_suppressions=0
# Sanitized code runs several times slower: give tests more time, and run
# the two 100,000-event loss tests with 20,000 events (the same code paths:
# the sanitizers look for memory errors, the normal run checks the numbers).
export YG_LOSS_N=20000 YG_AGENT_LOSS_N=20000
run_build "$asan_dir" "$asan_dir" --timeout-multiplier 3 -- \
	-Dtests=true -Dfuzzing=false \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=undefined

# ThreadSanitizer: only what starts threads, built alone (the rest of the
# tree is not compiled for it) and run with a suppression file for the
# uninstrumented libraries' own locking (tests/tsan.supp).
if [[ "${YAGURA_SKIP_TSAN:-0}" != 1 ]]; then
	tsan_start=$SECONDS
	export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	compile_targets="yagura test_transport_server test_transport_enroll test_integrations
		test_intg_outbox test_api_users api_testd test_runner"
	run_build "$tsan_dir" "$tsan_dir" --timeout-multiplier 3 \
		transport_server transport_enroll integrations intg_outbox api_users api_http \
		manager cli runner determinism -- \
		-Dtests=true -Dfuzzing=false -Db_sanitize=thread -Db_lundef=false
	compile_targets=
	section "ThreadSanitizer build and tests: $((SECONDS - tsan_start)) s"
fi

section "summary ($((SECONDS - start)) s)"
status=0
"$py" scripts/testlog-summary.py "${summary_args[@]}" || status=$?
exit "$status"
