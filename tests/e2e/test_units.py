"""tests/e2e/test_units.py YAGURA SRCROOT UNIT_DIR YAGURA_AGENT

`systemd-analyze verify` on the systemd units meson generated (UNIT_DIR),
with the installed paths of the binaries replaced by the build tree's and
the man pages of the tree on MANPATH, since verify checks that ExecStart
is executable and that every Documentation= man page opens. Also checks
what the units promise: Type=notify, a watchdog, reload by SIGHUP,
Restart=on-failure and the hardening chosen for root daemons. Exit 77
(skipped) when systemd-analyze is not installed."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

yagura, root, unit_dir, agent_bin = sys.argv[1:5]


def check(name, ok, detail=""):
    harness.check(name, ok, str(detail).strip()[-3000:] if not ok else "")
    return ok


if not shutil.which("systemd-analyze"):
    print("SKIP: systemd-analyze not installed (package systemd)")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    man = os.path.join(tmp, "man")
    for sec in ("5", "8"):
        os.makedirs(os.path.join(man, "man" + sec))
    for f in os.listdir(os.path.join(root, "man")):
        if re.fullmatch(r".+\.[58]", f):
            shutil.copy(os.path.join(root, "man", f), os.path.join(man, "man" + f[-1], f))
    units = []
    for name, binary in (("yagura-manager.service", yagura),
                         ("yagura-agent.service", agent_bin)):
        text = open(os.path.join(unit_dir, name)).read()
        exec_line = re.search(r"^ExecStart=(\S+)", text, re.M)
        check(f"{name}: has ExecStart", exec_line is not None, text)
        if not exec_line:
            continue
        text = text.replace(exec_line.group(1), os.path.abspath(binary))
        for want in ("Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID",
                     "Restart=on-failure", "ProtectSystem=true", "ProtectHome=read-only",
                     "NoNewPrivileges=yes"):
            check(f"{name}: {want}", want in text)
        check(f"{name}: runs in the foreground (-f), as Type=notify needs",
              re.search(r"^ExecStart=\S+ .*-f\b", text, re.M) is not None)
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        units.append(path)
    env = dict(os.environ, MANPATH=man)
    p = subprocess.run(["systemd-analyze", "verify"] + units, capture_output=True, text=True,
                       env=env, timeout=120)
    check("systemd-analyze verify: both units pass without a message",
          p.returncode == 0 and not p.stderr.strip(), p.stdout + p.stderr)
    # the check can fail: a unit with a typo is refused
    bad = os.path.join(tmp, "yagura-bad.service")
    with open(bad, "w") as f:
        f.write(open(units[0]).read().replace("ProtectSystem=true", "ProtectSystem=maybe"))
    p = subprocess.run(["systemd-analyze", "verify", bad], capture_output=True, text=True,
                       env=env, timeout=120)
    check("systemd-analyze verify: notices a bad value", "yagura-bad.service:" in p.stderr,
          p.stderr)

harness.finish()
