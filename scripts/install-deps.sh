#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages that building, testing,
# fuzzing and benchmarking yagura need.
#
# Idempotent and fast when there is nothing to do: it asks dpkg which
# packages are missing and only then runs apt-get (update once, then
# install). Works as root on a fresh Debian 12; as another user it uses sudo
# when sudo exists.
#
# Usage: scripts/install-deps.sh [EXTRA-PACKAGE...]
# Environment:
#   YAGURA_SKIP_DEPS=1  do nothing (for machines managed some other way)
set -euo pipefail

say() { printf 'install-deps: %s\n' "$*"; }
die() {
	printf 'install-deps: error: %s\n' "$*" >&2
	exit 1
}

if [[ "${YAGURA_SKIP_DEPS:-0}" == 1 ]]; then
	say "YAGURA_SKIP_DEPS=1: not checking packages"
	exit 0
fi

command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script is for Debian 12 (install the packages listed in it by hand)"

packages=(
	# toolchain and build system
	build-essential
	meson
	ninja-build
	pkg-config
	git
	# clang + libFuzzer and sanitizer runtimes (scripts/fuzz.sh)
	clang
	llvm
	libclang-rt-14-dev
	# the style check (scripts/check-format.sh, meson test clang-format)
	clang-format
	# libraries the engine and the modules link against
	libpcre2-dev
	libxml2-dev
	libjson-c-dev
	libsqlite3-dev
	libssl-dev
	libcurl4-openssl-dev
	libevent-dev
	libyara-dev
	# log_format journald (sd_journal); systemd-journal-remote writes the
	# journal files its tests read (the test machines have no journald)
	libsystemd-dev
	systemd-journal-remote
	# GeoIP: MaxMind DB reader (the engine), and the writer of the tests'
	# small database (tests/compat/geoip/make-test-mmdb.pl)
	libmaxminddb-dev
	libmaxmind-db-writer-perl
	# unit tests
	libcmocka-dev
	# corpus generator, test summary; /usr/bin/time -v for bench/run.sh
	python3
	time
	# WAF e2e (tests/e2e/test_waf.py): nginx + ModSecurity 3 + OWASP CRS
	nginx
	libnginx-mod-http-modsecurity
	modsecurity-crs
	# AIDE: the baseline-scan comparison in bench/manager/fim_scan.sh
	aide
	# the article's custom-n8n integration script (tests/unit/integrations)
	python3-requests
	# the article's active-response scripts (ip-block.sh needs jq; yara.sh runs
	# /usr/bin/yara) in tests/unit/ar
	jq
	yara
	# the REST API and web UI (src/api)
	libmicrohttpd-dev
	# sd_notify and the journal for the daemons (src/common/ylog.c);
	# systemd-analyze for the units test (tests/e2e/test_units.py)
	libsystemd-dev
	systemd
	# the Debian packages (debian/, tests/e2e/test_package.py; man for man pages)
	debhelper
	dpkg-dev
	man-db
	# the web UI's browser test (tests/unit/api/test_api_ui.py): headless
	# chromium driven by playwright-core, which the test installs with npm into
	# <build dir>/api-ui-node/ on first use (never into the source tree)
	chromium
)

# npm comes with Debian's nodejs as a package of its own, but a Node.js from
# elsewhere (NodeSource's nodejs bundles npm and conflicts with Debian's npm
# package) already provides the command: then there is nothing to install.
if ! command -v npm >/dev/null 2>&1; then
	packages+=(npm)
fi

# Hyperscan is only built for x86-64.
if [[ "$(dpkg --print-architecture)" == amd64 ]]; then
	packages+=(libhyperscan-dev)
fi

packages+=("$@")

# One dpkg-query for all: "ii " is installed; anything else (absent,
# half-installed, config-files only) needs apt. Unknown names print nothing.
declare -A installed=()
while read -r name status; do
	if [[ "$status" == ii ]]; then
		installed[$name]=1
	fi
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for p in "${packages[@]}"; do
	[[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	say "all ${#packages[@]} packages present"
	exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1; then
		sudo_cmd=(sudo)
	else
		die "missing packages (${missing[*]}) and not root, no sudo: run this script as root"
	fi
fi

# env, not export: sudo would drop an exported variable.
apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
say "missing: ${missing[*]}"
say "running apt-get update"
"${apt[@]}" update -qq ||
	die "apt-get update failed (is the network or the apt mirror reachable?)"
say "installing ${#missing[@]} package(s)"
"${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" ||
	die "apt-get install failed for: ${missing[*]}"
say "done"
