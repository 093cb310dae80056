"""Shared helpers of the end-to-end tests that run a real `yagura manager`
and real enrolled `yagura agent`s on 127.0.0.1 (free ports, temporary
homes): the seed files of ../shared/scenarios with the article's paths
substituted, alerts.json reading, polling, and the two daemons' life cycle.

Typical use:
    m = Manager(yagura, root, mgr_home, extra_conf="<command>...</command>")
    m.install_local_rules({"/var/www/html": www})
    m.start()
    ag = Agent(yagura, ag_home, m)
    ag.enroll("web1")
    ag.write_config(extra_conf="<localfile>...</localfile>")
    ag.start()
    ...
    ag.stop(); m.stop()
"""
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
from harness import free_port, text, wait_for, write  # noqa: F401,E402  (re-exported)

PASSWORD = "s3cret-pass"


def shared_dirs(root):
    """(SEED, SAMPLES) under ROOT/../shared/scenarios, or None when absent."""
    shared = os.path.join(root, "..", "shared", "scenarios")
    seed, samples = os.path.join(shared, "seed"), os.path.join(shared, "samples")
    if not os.path.isdir(seed) or not os.path.isdir(samples):
        return None
    return seed, samples


def subst_text(s, subst):
    """s with each key of subst replaced by its value, in order, nothing else."""
    for old, new in subst.items():
        s = s.replace(old, new)
    return s


def copy_subst(src, dst, subst, mode=None):
    """Copies src to dst replacing each key of subst by its value, nothing else."""
    write(dst, subst_text(text(src), subst), mode)


def seed_block(seed, tag, contains):
    """The text of the first <tag>...</tag> block of the seed ossec.conf whose
    body contains `contains`, verbatim (as the article wrote it)."""
    conf = text(os.path.join(seed, "ossec.conf"))
    for m in re.finditer(rf"[ \t]*<{tag}>.*?</{tag}>", conf, re.S):
        if contains in m.group(0):
            return m.group(0)
    raise KeyError(f"no <{tag}> with {contains!r} in the seed ossec.conf")


def read_alerts(home):
    out = []
    for l in text(os.path.join(home, "logs", "alerts", "alerts.json")).splitlines():
        if l.strip():
            try:
                out.append(json.loads(l))
            except ValueError:
                pass
    return out


def ar_results(home, program=None, event=None, agent_id=None):
    """The manager's 990040/990041/990042 alerts (active-response outcomes),
    filtered by program suffix, event and reporting agent."""
    out = []
    for a in read_alerts(home):
        y = a.get("data", {}).get("yagura", {})
        if a.get("rule", {}).get("id") not in ("990040", "990041", "990042"):
            continue
        if program and not y.get("program", "").endswith(program):
            continue
        if event and y.get("event") != event:
            continue
        if agent_id and a.get("agent", {}).get("id") != agent_id:
            continue
        out.append(a)
    return out


def stderr_file(home):
    """HOME/logs/stderr.log opened for appending (a child's stderr: the
    sanitizers report there)."""
    os.makedirs(os.path.join(home, "logs"), exist_ok=True)
    return open(os.path.join(home, "logs", "stderr.log"), "ab")


def sanitizer_reports(*homes):
    """AddressSanitizer / UBSan / LeakSanitizer reports in the homes'
    logs/stderr.log (empty list when none)."""
    out = []
    for h in homes:
        for l in text(os.path.join(h, "logs", "stderr.log")).splitlines():
            if "Sanitizer" in l or "runtime error:" in l:
                out.append(f"{h}: {l}")
    return out


def stop_proc(p, sig=signal.SIGTERM, timeout=60):
    """Stops a child (sig, then SIGKILL after timeout); its exit status."""
    if p is None:
        return None
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


class Manager:
    """A `yagura manager` in `home` with an agents' listener and enrolment on
    free ports of 127.0.0.1, yagura's ruleset plus HOME/etc/{decoders,rules},
    and `extra_conf` (XML elements) in the same <ossec_config>."""

    def __init__(self, yagura, root, home, extra_conf=""):
        self.yagura, self.root, self.home = yagura, root, home
        self.rport, self.aport = free_port(), free_port()
        self.conf = os.path.join(home, "etc", "ossec.conf")
        self.proc = None
        self.write_config(extra_conf)
        write(os.path.join(home, "etc", "authd.pass"), PASSWORD + "\n")
        os.makedirs(os.path.join(home, "etc", "decoders"), exist_ok=True)
        os.makedirs(os.path.join(home, "etc", "rules"), exist_ok=True)

    def write_config(self, extra_conf=""):
        """HOME/etc/ossec.conf: listener, enrolment, ruleset, then extra_conf."""
        root = self.root
        write(self.conf, f"""<ossec_config>
  <remote><local_ip>127.0.0.1</local_ip><port>{self.rport}</port></remote>
  <auth><port>{self.aport}</port></auth>
  <ruleset>
    <decoder_dir>{root}/ruleset/decoders</decoder_dir>
    <rule_dir>{root}/ruleset/rules</rule_dir>
    <decoder_dir>etc/decoders</decoder_dir>
    <rule_dir>etc/rules</rule_dir>
  </ruleset>
{extra_conf}
</ossec_config>
""")

    def install_local_rules(self, seed, subst):
        """The article's local_rules.xml and local_decoder.xml, paths substituted."""
        copy_subst(os.path.join(seed, "local_rules.xml"),
                   os.path.join(self.home, "etc", "rules", "local_rules.xml"), subst)
        copy_subst(os.path.join(seed, "local_decoder.xml"),
                   os.path.join(self.home, "etc", "decoders", "local_decoder.xml"), subst)

    def log(self):
        return text(os.path.join(self.home, "logs", "yagura.log"))

    def check_config(self):
        """`yagura manager -t`: (returncode, stderr)."""
        p = subprocess.run([self.yagura, "manager", "-D", self.home, "-t"],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr

    def start(self, timeout=60, preexec_fn=None, args=()):
        """Starts it in the foreground; True once it logged YG-1001 and listens.
        preexec_fn runs in the child before exec (e.g. to set rlimits); args
        are more options of `yagura manager` (e.g. ["-j", "2"])."""
        n0 = self.log().count("YG-1001 started")
        with stderr_file(self.home) as err:
            self.proc = subprocess.Popen([self.yagura, "manager", "-D", self.home, "-f"] +
                                         list(args),
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         preexec_fn=preexec_fn)
        return bool(wait_for(lambda: self.log().count("YG-1001 started") > n0 or
                             self.proc.poll() is not None, timeout)) and self.proc.poll() is None

    def stop(self):
        rc = stop_proc(self.proc)
        self.proc = None
        return rc

    def alerts(self):
        return read_alerts(self.home)

    def ctl(self, *args, json_out=False):
        """`yagura ctl -D HOME [--json] args`: (rc, stdout (parsed with --json), stderr)."""
        argv = [self.yagura, "ctl", "-D", self.home] + (["--json"] if json_out else []) + \
            list(args)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        out = p.stdout
        if json_out and p.returncode == 0:
            try:
                out = json.loads(p.stdout)
            except ValueError:
                pass
        return p.returncode, out, p.stderr


class Agent:
    """A `yagura agent` in `home`, enrolled with `manager`."""

    def __init__(self, yagura, home, manager, agent_bin=None):
        self.yagura, self.home, self.manager = yagura, home, manager
        # the daemon: `yagura agent`, or the agent-only binary `yagura-agent`
        self.agent_cmd = [agent_bin] if agent_bin else [yagura, "agent"]
        self.conf = os.path.join(home, "etc", "ossec.conf")
        self.id = None
        self.proc = None
        os.makedirs(home, exist_ok=True)

    def enroll(self, name):
        """Enrols with the password and the manager's CA; the id, or None
        (the output is kept in self.enroll_output)."""
        cafile = os.path.join(self.manager.home, "etc", "ca", "ca.crt")
        p = subprocess.run([self.yagura, "enroll", "-m", "127.0.0.1", "-p",
                            str(self.manager.aport), "-A", name, "-P", PASSWORD,
                            "--ca", cafile, "-D", self.home],
                           capture_output=True, text=True, timeout=60)
        self.enroll_output = p.stdout + p.stderr
        if p.returncode == 0 and re.fullmatch(r"\d+", p.stdout.strip()):
            self.id = p.stdout.strip()
        return self.id

    def write_config(self, extra_conf=""):
        write(self.conf, f"""<ossec_config>
  <client>
    <server><address>127.0.0.1</address><port>{self.manager.rport}</port></server>
    <notify_time>2</notify_time>
  </client>
{extra_conf}
</ossec_config>
""")

    def check_config(self):
        p = subprocess.run(self.agent_cmd + ["-D", self.home, "-t"],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stderr

    def log(self):
        return text(os.path.join(self.home, "logs", "yagura-agent.log"))

    def ar_log(self):
        return text(os.path.join(self.home, "logs", "active-responses.log"))

    def start(self, timeout=30):
        """Starts it in the foreground; True once it is connected to the manager."""
        n0 = self.log().count("YG-2001 started")
        c0 = self.log().count("connected to the manager")
        with stderr_file(self.home) as err:
            self.proc = subprocess.Popen(self.agent_cmd + ["-D", self.home, "-f"],
                                         stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: self.log().count("YG-2001 started") > n0 or
                 self.proc.poll() is not None, timeout)
        return bool(wait_for(lambda: self.log().count("connected to the manager") > c0 or
                             self.proc.poll() is not None, timeout)) and \
            self.proc.poll() is None

    def stop(self):
        rc = stop_proc(self.proc)
        self.proc = None
        return rc

    def errors(self):
        return [l for l in self.log().splitlines() if ": ERROR:" in l]


def start_pair(yagura, root, base, seed, subst, manager_conf, agent_conf, check,
               name="web1", agent_bin=None):
    """A manager in base/mgr and an agent in base/agent, enrolled, both
    running. The agent's id is only known after enrolment, so the manager
    first starts with no extra configuration, enrols the agent, then is
    restarted with manager_conf(agent_id). agent_conf(agent_id) is the
    agent's extra configuration. Each step is a named check; returns
    (manager, agent), agent.id None when enrolment failed. agent_bin runs
    the agent with that binary (yagura-agent) instead of `yagura agent`."""
    m = Manager(yagura, root, os.path.join(base, "mgr"))
    m.install_local_rules(seed, subst)
    check("manager starts", m.start(), m.log()[-2000:])
    ag = Agent(yagura, os.path.join(base, "agent"), m, agent_bin)
    check("agent enrolled", ag.enroll(name), ag.enroll_output)
    m.stop()
    if not ag.id:
        return m, ag
    m.write_config(manager_conf(ag.id))
    rc, err = m.check_config()
    check("manager -t: the configuration is valid", rc == 0, err)
    check("manager restarts with the responses configured", m.start(), m.log()[-2000:])
    ag.write_config(agent_conf(ag.id))
    rc, err = ag.check_config()
    check("agent -t: the configuration is valid", rc == 0, err)
    check("agent starts and connects", ag.start(), ag.log()[-2000:])
    return m, ag


# ---- the agent protocol spoken by hand (transport/frame.h, engine/evrec.h),
# for tests that play a hostile enrolled agent ----

F_HELLO, F_EVENTS, F_ACK = 1, 2, 3


def frame(ftype, payload=b""):
    """One frame: u32 length (type + payload), u8 type, payload."""
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def read_frame(sock):
    """One frame (type, payload) from a blocking socket, or None at EOF."""
    def exact(n):
        b = b""
        while len(b) < n:
            c = sock.recv(n - len(b))
            if not c:
                return None
            b += c
        return b
    h = exact(5)
    if h is None:
        return None
    ln, t = struct.unpack(">IB", h)
    body = exact(ln - 1) if ln > 1 else b""
    return None if body is None else (t, body)


def evrec(log, when, location="hostile.log"):
    """An event record dated `when` (seconds since 1970, any i64)."""
    def s(b):
        return struct.pack(">I", len(b)) + b
    return (struct.pack(">BBq", 1, 0, when) + s(location.encode()) + s(log.encode()) + s(b"") +
            struct.pack(">H", 0))


class RawAgent:
    """An enrolled agent's identity (`yagura enroll` into `home`) driven by
    hand over TLS: HELLO, then EVENTS with whatever records the test makes."""

    def __init__(self, manager, home, name):
        self.manager, self.home, self.name = manager, home, name
        ag = Agent(manager.yagura, home, manager)
        self.id = ag.enroll(name)
        self.enroll_output = ag.enroll_output
        self.sock, self.next = None, 1

    def connect(self, timeout=10):
        """TLS with the agent's certificate, HELLO; True once the ACK came."""
        etc = os.path.join(self.home, "etc")
        ctx = ssl.create_default_context(cafile=os.path.join(etc, "ca.crt"))
        ctx.load_cert_chain(os.path.join(etc, "agent.crt"), os.path.join(etc, "agent.key"))
        raw = socket.create_connection(("127.0.0.1", self.manager.rport), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.sock.sendall(frame(F_HELLO, json.dumps({"name": self.name,
                                                     "version": "0.1.0"}).encode()))
        f = read_frame(self.sock)
        if f and f[0] == F_ACK:
            self.next = struct.unpack(">Q", f[1])[0] + 1
            return True
        return False

    def send(self, records):
        """One EVENTS frame with these records (consecutive seqs)."""
        body = struct.pack(">QI", self.next, len(records))
        for r in records:
            body += struct.pack(">I", len(r)) + r
        self.sock.sendall(frame(F_EVENTS, body))
        self.next += len(records)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
