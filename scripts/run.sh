#!/usr/bin/env bash
# run.sh: try yagura (the README's run command).
#
# 1. Installs the Debian packages and builds the yagura binary in build/.
# 2. Replays samples/*.log through the starter ruleset in ruleset/ and prints
#    a summary of the alerts.
# 3. Starts the manager (`yagura manager`, a daemon) on a demo home,
#    build/demo/, with the default configuration etc/ossec.conf: realtime
#    file-integrity monitoring of the demo web root build/demo/www/ and
#    collection of the demo logs build/demo/var/log/auth.log and
#    build/demo/var/log/nginx/access.log. It makes one change in the web
#    root to show an alert, then says how to trigger more, where the alerts
#    are and how to stop the manager.
#
# Running it again stops the previous demo manager and starts afresh (the
# demo home is recreated). Nothing is installed outside the tree besides the
# packages.
#
# Environment:
#   YAGURA_BUILD_DIR    build directory (default: build)
#   YAGURA_SKIP_DEPS=1  don't check Debian packages
#   YAGURA_NO_DEMO=1    only build and replay the samples, no manager
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=${YAGURA_BUILD_DIR:-build}
ruleset_home=$root/ruleset
conf=$ruleset_home/yagura-ruleset.conf
template=$root/etc/ossec.conf
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

# ---------------------------------------------------------------------------
# 1. Replay the sample logs.

out=$build/run
mkdir -p "$out"
alerts=$out/alerts.json
rm -f "$alerts"

cat <<EOF

yagura: a Wazuh-compatible threat-detection system.

== 1. Replaying the sample logs through the starter ruleset ==
  samples/auth.log          sshd, sudo and su, with an ssh brute force
  samples/nginx-access.log  a web shop, a scanner, SQL injection and XSS probes
  samples/eccube.log        EC-CUBE logins, with a credential-stuffing burst

  \$ $yagura replay -c ${conf#"$root"/} -D ${ruleset_home#"$root"/} \\
        -o $alerts ${samples[*]}

EOF

rc=0
"$yagura" replay -c "$conf" -D "$ruleset_home" -o "$alerts" "${samples[@]}" || rc=$?
if ((rc != 0)); then
	die "yagura replay exited with status $rc"
fi

if [[ -s "$alerts" ]]; then
	# Only the per-rule summary here: the full table is one command away.
	table=$("$py" scripts/show-alerts.py "$alerts")
	if grep -q 'alert(s) by rule:' <<<"$table"; then
		sed -n '/alert(s) by rule:/,$p' <<<"$table"
	else
		printf '%s\n' "$table"
	fi
	cat <<EOF

  every alert, one line each:  $py scripts/show-alerts.py $alerts
  one line through the engine: echo 'LINE' | $yagura logtest -c ${conf#"$root"/} -D ${ruleset_home#"$root"/}
EOF
else
	echo "No alerts were written."
fi

if [[ "${YAGURA_NO_DEMO:-0}" == 1 ]]; then
	exit 0
fi

# ---------------------------------------------------------------------------
# 2. The manager on a demo home.

[[ -f "$template" ]] || die "no default configuration template at ${template#"$root"/}"
demo=$(cd "$build" && pwd)/demo
pidfile=$demo/var/run/yagura.pid
mlog=$demo/logs/yagura.log
malerts=$demo/logs/alerts/alerts.json
www=$demo/www
authlog=$demo/var/log/auth.log
accesslog=$demo/var/log/nginx/access.log

# The paths go into XML text unescaped.
case "$demo$ruleset_home" in
*[\&\<\>]*) die "the tree's path ($root) must not contain '&', '<' or '>'" ;;
esac

# is_manager PID: true when PID is a running `yagura manager`.
is_manager() {
	local cmd
	[[ -r /proc/$1/cmdline ]] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *yagura*" manager "* ]]
}

# Stop the manager of a previous run, if its pid file names a live one.
if [[ -f "$pidfile" ]]; then
	pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
	if [[ "$pid" =~ ^[0-9]+$ ]] && is_manager "$pid"; then
		echo
		echo "Stopping the previous demo manager (pid $pid)."
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			is_manager "$pid" || break
			sleep 0.1
		done
		if is_manager "$pid"; then
			echo "It did not stop within 10 s: killing it."
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
		fi
	fi
fi

# A fresh demo home every run, so that the demo behaves the same each time.
rm -rf "$demo"
mkdir -p "$demo/etc/decoders" "$demo/etc/rules" "$www/var/cache" \
	"$demo/var/log/nginx" "$demo/logs"
cat >"$www/index.html" <<'HTML'
<!doctype html>
<title>yagura demo shop</title>
<h1>Welcome to the demo shop</h1>
HTML
cat >"$www/login.php" <<'PHP'
<?php
// demo login page
echo "login";
PHP
: >"$authlog"
: >"$accesslog"

# The template with its placeholders replaced. The replacements are quoted
# so that bash 5.2 does not read '&' in a path as "the matched text".
text=$(<"$template")
text=${text//@HOME@/"$demo"}
text=${text//@RULESET@/"$ruleset_home"}
printf '%s\n' "$text" >"$demo/etc/ossec.conf"

cat <<EOF

== 2. Starting the manager on a demo home ==
  home:           $demo
  configuration:  $demo/etc/ossec.conf  (from etc/ossec.conf)
  watches:        $www/  (realtime file integrity)
  collects:       $authlog
                  $accesslog

  \$ $yagura manager -D $demo -t
EOF
if ! "$yagura" manager -D "$demo" -t 2>&1 | sed 's/^/  /'; then
	die "the demo configuration $demo/etc/ossec.conf has errors (above)"
fi
echo "  \$ $yagura manager -D $demo"
rc=0
"$yagura" manager -D "$demo" || rc=$?
((rc == 0)) || die "yagura manager exited with status $rc (see $mlog)"

# Wait for "started" (YG-1001) and the FIM baseline (YG-1004): a change made
# before the baseline is part of it and gives no alert.
ready=0
for _ in $(seq 300); do
	if [[ -f "$mlog" ]] && grep -q 'YG-1001 started' "$mlog" &&
		grep -q 'YG-1004' "$mlog"; then
		ready=1
		break
	fi
	sleep 0.1
done
if ((ready == 0)); then
	[[ -f "$mlog" ]] && tail -n 20 "$mlog" >&2
	die "the manager did not report a ready baseline within 30 s (log: $mlog)"
fi
pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! is_manager "$pid"; then
	die "the manager is not running (log: $mlog)"
fi
echo "  running in the background, pid $pid; its messages ($mlog):"
grep -E 'YG-(1001|1004|1005) ' "$mlog" | sed 's/^/    /'

# A user for the web UI and the API, with a generated password.
admin_pw=$("$yagura" ctl -D "$demo" --json users add admin --role admin |
	"$py" -c 'import json,sys; print(json.load(sys.stdin)["password"])') ||
	die "could not create the web UI's admin user"

# Show it working: one change in the web root, and its alert.
cat <<EOF

== 3. A change in the web root, and its alert ==
  \$ echo '<?php system(\$_GET["c"]); ?>' >> $www/index.html
EOF
# shellcheck disable=SC2016 # a literal PHP line
echo '<?php system($_GET["c"]); ?>' >>"$www/index.html"
got=0
for _ in $(seq 100); do
	if [[ -s "$malerts" ]] && grep -q '"id":"550"' "$malerts"; then
		got=1
		break
	fi
	sleep 0.1
done
if ((got == 1)); then
	echo "  in $malerts:"
	"$py" - "$malerts" <<'PYEOF'
import json
import sys

for line in open(sys.argv[1]):
    try:
        a = json.loads(line)
    except ValueError:
        continue
    r = a.get("rule", {})
    if r.get("id") != "550":
        continue
    sc = a.get("syscheck", {})
    print(f"    rule {r['id']} (level {r.get('level')}): {r.get('description', '')}")
    changed = ",".join(sc.get("changed_attributes", []))
    if changed:
        print(f"    changed attributes: {changed}")
    before, after = sc.get("sha256_before"), sc.get("sha256_after")
    if before and after:
        print(f"    sha256: {before[:16]}... -> {after[:16]}...")
    diff = sc.get("diff")
    if diff:
        print("    diff:")
        for d in diff.rstrip("\n").splitlines():
            print(f"      {d}")
    break
PYEOF
else
	echo "  no alert for it within 10 s: look at $mlog"
fi

sshline='Mar  3 09:04:04 web01 sshd[2346]: Failed password for root from 203.0.113.45 port 53432 ssh2'
sqliline='203.0.113.150 - - [03/Mar/2024:10:02:17 +0000] "GET /products/list?id=-1%20union%20select%201,2,version()-- HTTP/1.1" 500 9247 "-" "sqlmap/1.7.2"'

cat <<EOF

== The manager keeps running in the background. Try it ==

Watch the alerts as they come (Wazuh alerts.json, one JSON object per line):
    tail -f $malerts

File integrity, realtime: rule 550 (modified, with the diff), 554 (added),
553 (deleted) for files in the web root:
    echo 'hacked' >> $www/index.html
    echo '<?php eval(\$_POST["x"]);' > $www/shell.php
    rm $www/shell.php

A failed ssh login in the collected auth log: rule 5716
    echo '$sshline' >> $authlog

Eight failures from one address within two minutes: rule 5720 (brute force)
    for i in 1 2 3 4 5 6 7 8; do echo '$sshline' >> $authlog; done

A SQL injection in the collected nginx access log: rule 31103
    echo '$sqliline' >> $accesslog

Every alert so far, one line each:
    $py scripts/show-alerts.py $malerts

The web UI and REST API (alerts, dashboard, tickets, agents, bans):
    http://127.0.0.1:55000/   user admin, password $admin_pw
    (API: curl -s -H 'Content-Type: application/json' -d '{"user":"admin","password":"..."}' http://127.0.0.1:55000/api/v1/auth)

Tickets, bans, agents, alerts from the command line:
    $yagura ctl -D $demo status
    $yagura ctl -D $demo tickets list
    $yagura ctl -D $demo alerts search --level 5

An agent on this machine (another home): enrol it, then start it:
    $yagura ctl -D $demo token create
    $yagura enroll -D AGENT_HOME -m 127.0.0.1 -A web1 -T TOKEN --ca $demo/etc/ca/ca.crt
    $yagura agent -D AGENT_HOME      (its etc/ossec.conf: <client><server><address>127.0.0.1</address></server></client>, see docs/agent.md)

The manager's messages:    $mlog
Its configuration:         $demo/etc/ossec.conf
Check it after editing:    $yagura manager -D $demo -t
Reload the ruleset:        kill -HUP \$(cat $pidfile)
Stop the manager:          kill \$(cat $pidfile)

Running this script again stops the manager and starts a fresh demo.
The test suites: bash scripts/test.sh
EOF
