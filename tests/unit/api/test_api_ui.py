#!/usr/bin/env python3
"""test_api_ui.py: the web UI in a real browser, against api_testd.

Usage: test_api_ui.py API_TESTD BUILD_DIR UI_TEST_JS

Needs Debian's chromium (/usr/bin/chromium), node, and playwright-core: it is
installed with npm into BUILD_DIR/../../../api-ui-node (the build directory's
api-ui-node/, never the source tree) on first use, or taken from
$YAGURA_PLAYWRIGHT_DIR. Exits 77 (skipped) with a message when any of these
is missing. Screenshots: BUILD_DIR/ui-screenshots/ui-*.png."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

NALERTS = 300
T0 = 1714521600000


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def playwright_dir(build_root):
    d = os.environ.get("YAGURA_PLAYWRIGHT_DIR") or os.path.join(build_root, "api-ui-node")
    if os.path.isdir(os.path.join(d, "node_modules", "playwright-core")):
        return d
    npm = shutil.which("npm")
    if not npm:
        skip("npm not found (apt-get install npm) and playwright-core not in " + d)
    os.makedirs(d, exist_ok=True)
    pkg = os.path.join(d, "package.json")
    if not os.path.exists(pkg):
        with open(pkg, "w") as f:
            f.write('{"name": "yagura-ui-test", "private": true}\n')
    r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "playwright-core"], cwd=d,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    if r.returncode != 0:
        skip("npm install playwright-core failed (offline?):\n" + r.stdout[-800:])
    return d


def main():
    testd, build, js = sys.argv[1], sys.argv[2], sys.argv[3]
    if not os.access("/usr/bin/chromium", os.X_OK):
        skip("/usr/bin/chromium not found (apt-get install chromium)")
    node = shutil.which("node")
    if not node:
        skip("node not found (apt-get install nodejs npm)")
    build_root = os.path.abspath(os.path.join(build, "..", "..", ".."))
    pw = playwright_dir(build_root)
    shots = os.path.join(build, "ui-screenshots")
    os.makedirs(shots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="api_ui_", dir=build)
    proc = subprocess.Popen([testd, work, str(NALERTS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        env = dict(os.environ, NODE_PATH=os.path.join(pw, "node_modules"))
        r = subprocess.run([node, js, "http://127.0.0.1:%d" % info["port"], shots, str(T0),
                            str(T0 + NALERTS * 60000)], env=env, timeout=240)
        rc = r.returncode
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    if rc == 0:
        shutil.rmtree(work, ignore_errors=True)
    print("screenshots in " + shots)
    return rc


if __name__ == "__main__":
    sys.exit(main())
