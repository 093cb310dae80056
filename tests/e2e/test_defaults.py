"""tests/e2e/test_defaults.py YAGURA SRCROOT [YAGURA_AGENT]

Defaults instead of flags: the home is -D, else $YAGURA_HOME, else
/var/ossec, and -c defaults to HOME/etc/ossec.conf (manager, logtest, ctl);
--help on every subcommand; "did you mean" for a mistyped command or ctl
group; a short usage on a bad option; `yagura ctl reload|stop` signal the
running manager through its pid file; `yagura enroll` makes the agent's
home and a starter etc/ossec.conf for the manager it enrolled with, which
`yagura agent -t` (and yagura-agent -t) accept."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib  # noqa: E402
from harness import check, finish  # noqa: E402

yagura, root = sys.argv[1], sys.argv[2]
agent_bin = sys.argv[3] if len(sys.argv) > 3 else None


def run(args, env=None, stdin=""):
    p = subprocess.run([yagura] + args, capture_output=True, text=True, timeout=120,
                       env=env, input=stdin)
    return p.returncode, p.stdout, p.stderr


base_env = {k: v for k, v in os.environ.items() if k != "YAGURA_HOME"}

# ---- --help, did you mean, short usage ----
for cmd in ("manager", "agent", "enroll", "logtest", "replay", "ctl"):
    rc, out, err = run([cmd, "--help"], base_env)
    check(f"`yagura {cmd} --help`: usage on stdout, exit 0",
          rc == 0 and "usage: yagura " + cmd in out, out + err)
    rc, out, err = run(["help", cmd], base_env)
    check(f"`yagura help {cmd}` is the same", rc == 0 and "usage: yagura " + cmd in out, err)
rc, out, err = run(["managr"], base_env)
check("a mistyped command: did you mean", rc == 2 and "did you mean 'manager'" in err, err)
rc, out, err = run(["frobnicate"], base_env)
check("an unknown command far from any: no guess", rc == 2 and "did you mean" not in err, err)
rc, out, err = run(["ctl", "statsu"], base_env)
check("a mistyped ctl group: did you mean", rc == 2 and "did you mean 'status'" in err, err)
rc, out, err = run(["manager", "--bogus"], base_env)
check("a bad option: a short usage (at most 4 lines), exit 2",
      rc == 2 and "usage: yagura manager" in err and len(err.strip().splitlines()) <= 4, err)

with tempfile.TemporaryDirectory() as tmp:
    m = agentlib.Manager(yagura, root, os.path.join(tmp, "mgr"))
    env = dict(base_env, YAGURA_HOME=m.home)

    # ---- the home from YAGURA_HOME, -c from HOME/etc/ossec.conf ----
    rc, out, err = run(["manager", "-t"], env)
    check("YAGURA_HOME: `yagura manager -t` with no -D", rc == 0 and "configuration OK" in err,
          err)
    rc, out, err = run(["manager", "-t"], dict(base_env, YAGURA_HOME=os.path.join(tmp, "no")))
    check("a missing home: a clear error", rc == 1 and "not found" in err and "YAGURA_HOME" in err,
          err)
    line = ("Mar  3 09:04:04 web01 sshd[2346]: Failed password for root from 203.0.113.45 "
            "port 53432 ssh2\n")
    rc, out, err = run(["logtest", "-q"], env, line)
    check("YAGURA_HOME: logtest reads HOME/etc/ossec.conf", rc == 0 and "5716" in out, out + err)
    rc, out, err = run(["logtest", "-q", "-D", m.home], base_env, line)
    check("-D: logtest reads HOME/etc/ossec.conf", rc == 0 and "5716" in out, out + err)

    # ---- ctl reload | stop ----
    check("the manager starts", m.start(), m.log()[-2000:])
    rc, out, err = run(["ctl", "reload"], env)
    check("ctl reload: SIGHUP sent", rc == 0 and "SIGHUP" in out, out + err)
    check("the manager reloaded (YG-1006 reloaded)",
          agentlib.wait_for(lambda: "YG-1006 reloaded:" in m.log(), 60), m.log()[-2000:])
    ag_home = os.path.join(tmp, "new", "agent-home")
    cafile = os.path.join(m.home, "etc", "ca", "ca.crt")
    p = subprocess.run([yagura, "enroll", "-m", "127.0.0.1", "-p", str(m.aport), "-A", "web9",
                        "-P", agentlib.PASSWORD, "--ca", cafile, "-D", ag_home],
                       capture_output=True, text=True, timeout=60, env=base_env)
    check("enroll into a home that does not exist", p.returncode == 0 and p.stdout.strip(),
          p.stdout + p.stderr)
    conf = os.path.join(ag_home, "etc", "ossec.conf")
    starter = agentlib.text(conf)
    check("enroll wrote a starter etc/ossec.conf for the manager",
          "<address>127.0.0.1</address>" in starter, starter)
    with open(conf, "w") as f:  # the manager listens on a free port here, not 1514
        f.write(starter.replace("<port>1514</port>", f"<port>{m.rport}</port>"))
    for name, cmd in (("yagura agent", [yagura, "agent"]), ("yagura-agent", [agent_bin])):
        if cmd[0] is None:
            continue
        p = subprocess.run(cmd + ["-t"], capture_output=True, text=True, timeout=60,
                           env=dict(base_env, YAGURA_HOME=ag_home))
        check(f"`{name} -t` accepts the starter configuration (home from YAGURA_HOME)",
              p.returncode == 0 and "configuration OK" in p.stderr, p.stderr)
    p = subprocess.run([yagura, "enroll", "-m", "127.0.0.1", "-p", str(m.aport), "-A", "web10",
                        "-P", agentlib.PASSWORD, "--ca", cafile, "-D", ag_home],
                       capture_output=True, text=True, timeout=60, env=base_env)
    check("a second enrolment leaves an existing ossec.conf alone",
          p.returncode == 0 and f"<port>{m.rport}</port>" in agentlib.text(conf),
          p.stdout + p.stderr)
    proc = m.proc
    rc, out, err = run(["ctl", "stop"], env)
    check("ctl stop: waits until the manager stopped", rc == 0 and "stopped" in out, out + err)
    check("the manager exited 0", proc.wait(timeout=60) == 0)
    m.proc = None
    rc, out, err = run(["ctl", "stop"], env)
    check("ctl stop without a manager: exit 1", rc == 1 and "no manager runs" in err, err)
    rc, out, err = run(["ctl", "reload"], env)
    check("ctl reload without a manager: exit 1", rc == 1 and "no manager runs" in err, err)
finish()
