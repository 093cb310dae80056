#!/usr/bin/env bash
# run.sh: try yagura on the bundled sample logs (the README's run command).
#
# Installs the Debian packages, builds the yagura binary in build/, then
# replays samples/*.log through the starter ruleset in ruleset/ and prints
# the alerts. Nothing is installed outside the tree besides the packages.
#
# Environment:
#   YAGURA_BUILD_DIR    build directory (default: build)
#   YAGURA_SKIP_DEPS=1  don't check Debian packages
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=${YAGURA_BUILD_DIR:-build}
ruleset_home=$root/ruleset
conf=$ruleset_home/yagura-ruleset.conf
samples=(samples/auth.log samples/nginx-access.log samples/eccube.log)

die() {
	printf 'run: error: %s\n' "$*" >&2
	exit 1
}

bash scripts/install-deps.sh

py=/usr/bin/python3
[[ -x "$py" ]] || py=python3

# Reuse build/ as scripts/test.sh left it (a debugoptimized build: -O2);
# only create it when it is missing.
if [[ ! -f "$build/meson-private/coredata.dat" ]]; then
	meson setup "$build"
fi
yagura=$build/src/cli/yagura
if ! ninja -C "$build" -j 2 src/cli/yagura; then
	[[ -f src/cli/main.c ]] ||
		die "src/cli/main.c does not exist yet: the yagura command is still being written"
	die "building $yagura failed (see the compiler output above)"
fi
[[ -x "$yagura" ]] || die "$yagura was not built"
[[ -f "$conf" ]] || die "no starter ruleset config at ${conf#"$root"/}"
for f in "${samples[@]}"; do
	[[ -f "$f" ]] || die "sample log $f is missing"
done

out=$build/run
mkdir -p "$out"
alerts=$out/alerts.json
rm -f "$alerts"

cat <<EOF

yagura: a Wazuh-compatible log analysis engine.

Replaying the sample logs through the starter ruleset:
  samples/auth.log          sshd, sudo and su, with an ssh brute force
  samples/nginx-access.log  a web shop, a scanner, SQL injection and XSS probes
  samples/eccube.log        EC-CUBE logins, with a credential-stuffing burst

  \$ $yagura replay -c ${conf#"$root"/} -D ${ruleset_home#"$root"/} \\
        -o $alerts \\
        ${samples[*]}

EOF

rc=0
"$yagura" replay -c "$conf" -D "$ruleset_home" -o "$alerts" "${samples[@]}" || rc=$?
if ((rc != 0)); then
	die "yagura replay exited with status $rc"
fi

if [[ -s "$alerts" ]]; then
	echo "Alerts:"
	"$py" scripts/show-alerts.py "$alerts"
else
	echo "No alerts were written."
fi

cat <<EOF

The full alerts (Wazuh alerts.json format, one JSON object per line) are in
  $alerts

Try it on a line of your own: logtest reads log lines on standard input and
shows how each one is decoded and which rule matches (phases 1, 2 and 3):
  echo 'Mar  3 09:04:04 web01 sshd[2346]: Failed password for root from 203.0.113.45 port 53432 ssh2' |
      $yagura logtest -c ${conf#"$root"/} -D ${ruleset_home#"$root"/}

Other things to try:
  check the ruleset and exit:
      $yagura logtest -c ${conf#"$root"/} -D ${ruleset_home#"$root"/} -t
  correlate by the logs' own timestamps instead of the wall clock:
      $yagura replay --clock event -c ... -D ... FILE...
  build and run the test suites:
      bash scripts/test.sh
EOF
