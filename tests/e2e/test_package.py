"""tests/e2e/test_package.py YAGURA SRCROOT

The Debian packages built from the tree, installed, used and purged on this
machine (root only):

  1. copies the tree (git's files, no build directories) to a temporary
     directory and runs `dpkg-buildpackage -us -uc -b` there, so the .debs
     and debhelper's droppings stay out of the tree;
  2. `apt-get install ./yagura_*.deb`: the user yagura, /var/ossec with
     Wazuh's layout, `yagura manager -t` with no argument passes, logtest
     finds the installed ruleset, `man yagura` opens, the installed unit
     passes `systemd-analyze verify`;
  3. the seed article's ossec.conf, local_rules.xml and local_decoder.xml
     copied into /var/ossec/etc pass `yagura manager -t` unchanged;
  4. purge: the configuration goes, data (a file in var/db) stays;
  5. the same for yagura-agent (its binary does not link the manager's
     libraries), purged with nothing left: no /var/ossec, no user yagura.

Whatever happens, both packages are purged at the end and /var/ossec is
removed when the test made it, so the machine is left as it was found. It is
skipped (exit 77, reason printed) when not root, when dpkg-buildpackage is
missing, when yagura is already installed or /var/ossec exists (somebody's
real installation), and in sanitizer builds (it builds its own binaries: one
run is enough). Build time: DEB_BUILD_OPTIONS="nocheck noopt noddebs
parallel=2", in /tmp/yagura-deb-<hash of the tree's path> so that the
compiler's command lines repeat for ccache. Measured on the loaded 2-core VM:
dpkg-buildpackage 225 s, then 207 s on a second run; the whole test about
4.5 minutes."""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

yagura, root = sys.argv[1], sys.argv[2]
HOME = "/var/ossec"
SEED = os.path.join(os.path.dirname(os.path.abspath(root)), "shared", "scenarios", "seed")


def check(name, ok, detail=""):
    harness.check(name, ok, str(detail).strip()[-3000:] if not ok else "")
    return ok


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def run(cmd, timeout=300, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def installed(pkg):
    rc, out, _ = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg])
    return rc == 0 and out.startswith("i")


def user_exists(name):
    return run(["getent", "passwd", name])[0] == 0


APT = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q"]

if os.geteuid() != 0:
    skip("installing packages needs root")
for tool in ("dpkg-buildpackage", "apt-get", "dh"):
    if not shutil.which(tool):
        skip(f"{tool} not found (scripts/install-deps.sh installs debhelper, dpkg-dev)")
if "libasan" in run(["ldd", yagura])[1]:
    skip("sanitizer build: the package test builds its own binaries, it runs in the normal build")
if installed("yagura") or installed("yagura-agent"):
    skip("a yagura package is installed on this machine: not touching it")
if os.path.lexists(HOME):
    skip(f"{HOME} exists (a Wazuh or yagura installation?): not touching it")
if not os.path.isdir(SEED):
    skip(f"the seed article's files are not in {SEED}")
user_before = user_exists("yagura")


def copy_tree(dst):
    """The tree's files as git sees them (tracked and new, not ignored),
    else everything but build directories."""
    rc, out, _ = run(["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"])
    if rc == 0 and out:
        for rel in out.split("\0"):
            if not rel or rel.startswith("build") or not os.path.isfile(os.path.join(root, rel)):
                continue
            os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(os.path.join(root, rel), os.path.join(dst, rel), follow_symlinks=False)
    else:
        shutil.copytree(root, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", ".git", "obj-*"))


def build(tmp):
    src = os.path.join(tmp, "src")
    copy_tree(src)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck noopt noddebs parallel=2")
    t0 = time.monotonic()
    rc, out, err = run(["nice", "dpkg-buildpackage", "-us", "-uc", "-b"], timeout=1200,
                       cwd=src, env=env)
    print(f"     dpkg-buildpackage: {time.monotonic() - t0:.0f} s", flush=True)
    debs = {os.path.basename(d).split("_")[0]: d for d in glob.glob(os.path.join(tmp, "*.deb"))}
    check("dpkg-buildpackage -us -uc -b builds yagura and yagura-agent",
          rc == 0 and {"yagura", "yagura-agent"} <= set(debs), (out + err)[-3000:])
    return debs


def check_manager_package():
    check("the system user yagura exists", user_exists("yagura"))
    for rel in ("etc/ossec.conf", "etc/rules/local_rules.xml", "etc/decoders/local_decoder.xml",
                "logs", "active-response/bin", "integrations", "ruleset/rules",
                "ruleset/decoders"):
        check(f"{HOME}/{rel} exists", os.path.exists(os.path.join(HOME, rel)))
    rc, out, err = run(["yagura", "manager", "-t"])
    check("`yagura manager -t` with no arguments passes", rc == 0 and "configuration OK" in err,
          out + err)
    line = ("Mar  3 09:04:04 web01 sshd[2346]: Failed password for root from 203.0.113.45 "
            "port 53432 ssh2\n")
    rc, out, err = run(["yagura", "logtest", "-q"], input=line)
    check("`yagura logtest` with no arguments finds the installed ruleset",
          rc == 0 and "5716" in out, out + err)
    rc, out, err = run(["man", "-P", "cat", "yagura"], env=dict(os.environ, MANWIDTH="80"))
    check("`man yagura` opens", rc == 0 and "yagura-manager" in out, out + err)
    rc, out, err = run(["man", "-P", "cat", "5", "ossec.conf"])
    check("`man 5 ossec.conf` opens", rc == 0 and "<syscheck>" in out, out + err)
    rc, out, err = run(["systemd-analyze", "verify", "/lib/systemd/system/yagura-manager.service"])
    check("installed yagura-manager.service passes systemd-analyze verify",
          rc == 0 and not err.strip(), out + err)
    rc, out, err = run(["yagura", "manager", "--help"])
    check("`yagura manager --help` works", rc == 0 and "usage" in out, out + err)


def check_article_config():
    shutil.copy(os.path.join(SEED, "ossec.conf"), os.path.join(HOME, "etc", "ossec.conf"))
    shutil.copy(os.path.join(SEED, "local_rules.xml"),
                os.path.join(HOME, "etc", "rules", "local_rules.xml"))
    shutil.copy(os.path.join(SEED, "local_decoder.xml"),
                os.path.join(HOME, "etc", "decoders", "local_decoder.xml"))
    rc, out, err = run(["yagura", "manager", "-t"])
    check("the article's ossec.conf, local_rules.xml, local_decoder.xml pass "
          "`yagura manager -t` unchanged", rc == 0 and "configuration OK" in err, out + err)
    # 108001 needs a decoded yara line: the article's decoder and rule together
    yline = ("wazuh-yara: INFO - Scan result: webshell /var/www/html/shell.php\n")
    rc, out, err = run(["yagura", "logtest", "-q"], input=yline)
    check("the article's decoder and rule 108001 work from /var/ossec/etc",
          "108001" in out, out + err)


def purge(pkgs):
    present = [p for p in pkgs if installed(p) or
               run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", p])[1].strip().startswith("r")]
    if present:
        return run(APT + ["purge"] + present, timeout=300)
    return 0, "", ""


# A fixed directory per source tree (not a random one): the compiler's
# command lines then stay the same from run to run (-ffile-prefix-map names
# it), so ccache serves the second build.
tmp = os.path.join(tempfile.gettempdir(),
                   "yagura-deb-" + hashlib.sha1(os.path.abspath(root).encode()).hexdigest()[:12])
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
try:
    debs = build(tmp)
    if {"yagura", "yagura-agent"} <= set(debs):
        rc, out, err = run(APT + ["install", "--no-install-recommends", debs["yagura"]])
        if check("apt-get install ./yagura_*.deb", rc == 0 and installed("yagura"),
                 out + err):
            check_manager_package()
            check_article_config()
            keep = os.path.join(HOME, "var", "db", "keep.db")
            with open(keep, "w") as f:
                f.write("data\n")
            rc, out, err = purge(["yagura"])
            check("apt-get purge yagura", rc == 0 and not installed("yagura"), out + err)
            check("purge removed the configuration",
                  not os.path.exists(os.path.join(HOME, "etc", "ossec.conf")))
            check("purge kept the data (var/db)", os.path.exists(keep))
            shutil.rmtree(HOME, ignore_errors=True)
        rc, out, err = run(APT + ["install", "--no-install-recommends",
                                  debs["yagura-agent"]])
        if check("apt-get install ./yagura-agent_*.deb",
                 rc == 0 and installed("yagura-agent"), out + err):
            rc, out, err = run(["yagura-agent", "--help"])
            check("`yagura-agent --help` works", rc == 0 and "usage" in out, out + err)
            rc, out, err = run(["yagura-agent", "enroll", "--help"])
            check("`yagura-agent enroll --help` works", rc == 0 and "usage" in out,
                  out + err)
            libs = run(["ldd", "/usr/sbin/yagura-agent"])[1]
            check("yagura-agent links neither libmicrohttpd nor libcurl",
                  "libmicrohttpd" not in libs and "libcurl" not in libs, libs)
            rc, out, err = run(["systemd-analyze", "verify",
                                "/lib/systemd/system/yagura-agent.service"])
            check("installed yagura-agent.service passes systemd-analyze verify",
                  rc == 0 and not err.strip(), out + err)
            rc, out, err = purge(["yagura-agent"])
            check("apt-get purge yagura-agent", rc == 0 and not installed("yagura-agent"),
                  out + err)
            check(f"nothing is left: no {HOME}", not os.path.lexists(HOME),
                  run(["find", HOME])[1] if os.path.lexists(HOME) else "")
            check("nothing is left: no user yagura",
                  user_before or not user_exists("yagura"))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
    purge(["yagura", "yagura-agent"])
    if os.path.lexists(HOME):
        shutil.rmtree(HOME, ignore_errors=True)
    if not user_before and user_exists("yagura"):
        run(["deluser", "--system", "--quiet", "yagura"])
        run(["delgroup", "--system", "--quiet", "yagura"])

harness.finish()
