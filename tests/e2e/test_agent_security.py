#!/usr/bin/env python3
"""Security of the agent <-> manager link, end to end, with a real
`yagura manager` and real `yagura agent`s on 127.0.0.1:

(a) identity: a wrong enrolment password is refused; an agent whose
    certificate comes from another CA (same CN and serial as a registered
    agent) is refused by the transport; an agent revoked or removed with
    `yagura ctl` is dropped while connected (at its next keepalive; a peer
    streaming without keepalives within ~5 s) and, restarted, cannot
    reconnect (its events do not arrive, the manager logs why);
(b) hostile peers: plain TCP (bytes, an HTTP request, silence) on the agent
    and enrolment ports, TLS without a client certificate, a TLS 1.2-only
    client, a foreign-CA client, and garbage frames after a valid
    handshake (bad lengths, unknown types, EVENTS before HELLO, a record
    that is not an event, a bad ENROLL_REQ): refused or closed, and the
    manager keeps working (events still arrive, enrolment still works);
(c) hostile srcip values (`1.2.3.4; touch /tmp/pwned-sec`, `$(id)`,
    `../../etc/passwd`, 10 kB, `0.0.0.0/0`): collected on an agent whose
    log lines trigger the built-in ban (yagura-waf-ban) and an execd script
    recording its stdin; and sent directly to an agent by a fake manager (the
    real manager's certificate, so the agent's own checks are what is
    tested). They never reach a shell (/tmp/pwned-sec never exists), never
    the ban file (only valid addresses in it), never the reload command's
    argv; the refusals come back to the real manager as 990040; and
    `yagura ctl bans add` refuses them.
Skipped (exit 77) when ../shared is absent.
Usage: test_agent_security.py YAGURA SOURCE_ROOT"""
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, free_port, text, wait_for, write  # noqa: E402

YAGURA, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if not os.path.isdir(os.path.join(ROOT, "..", "shared")):
    print("../shared not found: skipped")
    sys.exit(77)

PWNED = "/tmp/pwned-sec"
HOSTILE = ["1.2.3.4; touch " + PWNED, "$(id)", "../../etc/passwd", "A" * 10240, "0.0.0.0/0"]
CONTROL = "10.20.30.40"        # a valid address: the ban path works
ADDR_LINE = re.compile(rb"^[0-9a-f.:/]+$")
# 6 was AR_RESULT (removed): an agent must not send it
F_HELLO, F_EVENTS, F_ACK, F_KEEPALIVE, F_AR_REQ, F_AR_RES, F_ERROR, F_EREQ, F_ERESP = range(1, 10)


def raw(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def append(path, content):
    with open(path, "a") as f:
        f.write(content)


SAN_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:")


def errfile(tmp, name):
    """An append-mode file for a child's stderr (sanitizer reports land there)."""
    return open(os.path.join(tmp, f"{name}.stderr"), "ab")


def sanitizer_reports(tmp):
    """Lines of sanitizer reports in the children's stderr files."""
    out = []
    for f in sorted(os.listdir(tmp)):
        if f.endswith(".stderr"):
            for ln in text(os.path.join(tmp, f)).splitlines():
                if SAN_RE.search(ln):
                    out.append(f"{f}: {ln}")
    return out


def frame(ftype, payload=b""):
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


def outcome(sock, timeout=12.0):
    """What a peer does after our bytes: ('closed', frames seen) when it closes
    (EOF, reset or a TLS alert) within timeout, ('open', frames) if not."""
    sock.settimeout(timeout)
    frames = []
    try:
        while True:
            f = read_frame(sock)
            if f is None:
                return "closed", frames
            frames.append(f)
    except (ConnectionError, ssl.SSLError, OSError) as e:
        if isinstance(e, socket.timeout):
            return "open", frames
        return "closed", frames


def evrec_log(rec):
    """(location, log) of one agent event record (engine/evrec.h), or None."""
    try:
        off = 10

        def s():
            nonlocal off
            (n,) = struct.unpack_from(">I", rec, off)
            v = rec[off + 4:off + 4 + n]
            off += 4 + n
            return v.decode(errors="replace")
        return s(), s()
    except struct.error:
        return None


with tempfile.TemporaryDirectory() as tmp:
    if os.path.exists(PWNED):
        os.unlink(PWNED)
    mgr = os.path.join(tmp, "mgr")
    os.makedirs(mgr)
    rport, aport = free_port(), free_port()
    rules = os.path.join(tmp, "local_rules")
    write(os.path.join(rules, "sectest_rules.xml"), """<group name="local,sectest,">
  <rule id="100901" level="10">
    <decoded_as>json</decoded_as>
    <field name="sectag">^secban$</field>
    <description>sectest: ban request for $(srcip)</description>
  </rule>
</group>
""")
    write(os.path.join(mgr, "etc", "ossec.conf"), f"""<ossec_config>
  <remote><local_ip>127.0.0.1</local_ip><port>{rport}</port></remote>
  <auth><port>{aport}</port></auth>
  <command><name>waf-ban</name><executable>yagura-waf-ban</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>waf-ban</command><location>local</location>
    <rules_id>100901</rules_id><timeout>600</timeout></active-response>
  <command><name>rec</name><executable>record.sh</executable>
    <timeout_allowed>no</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>100901</rules_id></active-response>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
    <rule_dir>{rules}</rule_dir>
  </ruleset>
</ossec_config>
""")
    write(os.path.join(mgr, "etc", "authd.pass"), "sec-test-pass\n")
    mlog = os.path.join(mgr, "logs", "yagura.log")
    cafile = os.path.join(mgr, "etc", "ca", "ca.crt")

    def alerts():
        out = []
        for line in text(os.path.join(mgr, "logs", "alerts", "alerts.json")).splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def alerted(marker):
        return [a for a in alerts() if marker in a.get("full_log", "")]

    def stop(p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            return p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def start_manager():
        n0 = text(mlog).count("YG-1001 started")
        with errfile(tmp, "manager") as err:
            p = subprocess.Popen([YAGURA, "manager", "-D", mgr, "-f"],
                                 stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: text(mlog).count("YG-1001 started") > n0 or p.poll() is not None, 60)
        return p

    def enroll(home, name, password="sec-test-pass", port=None):
        os.makedirs(home, exist_ok=True)
        return subprocess.run([YAGURA, "enroll", "-m", "127.0.0.1", "-p", str(port or aport),
                               "-A", name, "-P", password, "--ca", cafile, "-D", home],
                              capture_output=True, text=True, timeout=60)

    def ctl(*args):
        return subprocess.run([YAGURA, "ctl", "-D", mgr, *args], capture_output=True,
                              text=True, timeout=60)

    class Agent:
        """An enrolled agent home with a collected sshd log (and JSON log)."""

        def __init__(self, name, server_port=None, waf=False):
            self.name = name
            self.home = os.path.join(tmp, name)
            self.sshlog = os.path.join(tmp, name + "-sshd.log")
            self.jsonlog = os.path.join(tmp, name + "-events.json")
            self.banfile = os.path.join(tmp, name + "-banned_ips")
            self.argvlog = os.path.join(tmp, name + "-reload-argv")
            self.stdinlog = os.path.join(self.home, "ar-stdin.log")
            self.log = os.path.join(self.home, "logs", "yagura-agent.log")
            self.proc = None
            self.id = None
            self.waf = waf
            os.makedirs(self.home, exist_ok=True)
            write(self.sshlog, "")
            write(self.jsonlog, "")
            self.configure(server_port or rport)

        def configure(self, port):
            waf = ""
            if self.waf:
                # the reload command records its argv, one per line, NUL-free
                rec = os.path.join(tmp, self.name + "-reload.sh")
                write(rec, f"#!/bin/sh\nfor a in \"$@\"; do printf 'arg:%s\\n' \"$a\" "
                      f">> {self.argvlog}; done\necho reload >> {self.argvlog}\n", 0o755)
                waf = (f"<waf><ban_file>{self.banfile}</ban_file><allow>127.0.0.1</allow>"
                       f"<reload_command><arg>{rec}</arg><arg>--reload</arg></reload_command>"
                       f"</waf>")
                write(os.path.join(self.home, "active-response", "bin", "record.sh"),
                      "#!/bin/sh\nread -r line\nprintf '%s\\n' \"$line\" >> ar-stdin.log\n",
                      0o755)
            write(os.path.join(self.home, "etc", "ossec.conf"), f"""<ossec_config>
  <client>
    <server><address>127.0.0.1</address><port>{port}</port></server>
    <notify_time>2</notify_time>
  </client>
  <localfile><log_format>syslog</log_format><location>{self.sshlog}</location></localfile>
  <localfile><log_format>json</log_format><location>{self.jsonlog}</location></localfile>
  <active-response><disabled>no</disabled></active-response>
  {waf}
</ossec_config>
""")

        def enroll(self):
            p = enroll(self.home, self.name)
            self.id = p.stdout.strip() if p.returncode == 0 else None
            return p

        def start(self):
            n0 = text(self.log).count("YG-2001 started")
            with errfile(tmp, self.name) as err:
                self.proc = subprocess.Popen([YAGURA, "agent", "-D", self.home, "-f"],
                                             stdout=subprocess.DEVNULL, stderr=err)
            wait_for(lambda: text(self.log).count("YG-2001 started") > n0 or
                     self.proc.poll() is not None, 30)
            return self.proc.poll() is None

        def connected(self, count=1, timeout=20):
            return wait_for(lambda: text(self.log).count("connected to the manager") >= count,
                            timeout)

        def stop(self):
            return stop(self.proc) if self.proc else None

        def line(self, marker):
            append(self.sshlog, f"Jan 12 10:00:01 web1 sshd[77]: Accepted password for {marker} "
                   f"from 10.1.2.3 port 2222 ssh2\n")

    manager = start_manager()
    check("manager started", manager.poll() is None and os.path.exists(cafile),
          text(mlog)[-2000:])
    agents = []
    try:
        # ------------------------------------------------------------------
        # (a) identity
        wrong = os.path.join(tmp, "wrongpass")
        p = enroll(wrong, "wrongpass", password="not-the-pass")
        check("enrolment with a wrong password is refused", p.returncode != 0 and
              "refused" in p.stderr and not os.path.exists(os.path.join(wrong, "etc", "agent.id")),
              p.stdout + p.stderr)
        listed = ctl("--json", "agents", "list")
        check("the refused agent is not registered", listed.returncode == 0 and
              "wrongpass" not in listed.stdout, listed.stdout + listed.stderr)

        good = Agent("sec1", waf=True)
        rev = Agent("sec2")
        rem = Agent("sec3")
        foreign = Agent("sec4")
        fakeag = Agent("sec5", waf=True)
        agents = [good, rev, rem, foreign, fakeag]
        for a in agents:
            p = a.enroll()
            check(f"enrolment of {a.name}", a.id is not None, p.stdout + p.stderr)
        probe_home = os.path.join(tmp, "probe")
        p = enroll(probe_home, "probe")
        probe_id = p.stdout.strip()
        check("enrolment of the probe identity", p.returncode == 0, p.stdout + p.stderr)

        for a in (good, rev, rem):
            a.start()
        for a in (good, rev, rem):
            check(f"{a.name} connected", a.connected(), text(a.log)[-1500:])
            a.line(f"{a.name}first")
        for a in (good, rev, rem):
            got = wait_for(lambda: alerted(f"{a.name}first"), 30)
            check(f"{a.name}'s event arrives with its id", got and
                  got[0]["agent"]["id"] == a.id, json.dumps(got)[:300])

        # revoke / remove, then restart: refused
        p = ctl("agents", "revoke", rev.id)
        check("ctl agents revoke", p.returncode == 0, p.stdout + p.stderr)
        p = ctl("agents", "remove", rem.id)
        check("ctl agents remove", p.returncode == 0, p.stdout + p.stderr)
        # a live connection ends too, at the agent's next keepalive (2 s here)
        for a, what in ((rev, "revoked"), (rem, "removed")):
            dropped = wait_for(lambda: re.search(
                rf"dropped connection from 127\.0\.0\.1:\d+: agent {a.id} is {what}",
                text(mlog)), 15)
            check(f"{what} agent still connected: the manager drops it", dropped,
                  text(mlog)[-1500:])
            a.line(f"{a.name}live")
        for a in (rev, rem):
            a.stop()
            a.start()
            a.line(f"{a.name}after")
        revoked = wait_for(lambda: re.search(
            rf"refused connection from 127\.0\.0\.1:\d+: agent {rev.id} \(sec2\) is revoked",
            text(mlog)), 20)
        check("revoked agent restarted: the manager refuses it and logs why", revoked,
              text(mlog)[-2000:])
        removed = wait_for(lambda: re.search(
            r"refused connection from 127\.0\.0\.1:\d+: unknown or removed agent certificate",
            text(mlog)), 20)
        check("removed agent restarted: the manager refuses it and logs why", removed,
              text(mlog)[-2000:])
        time.sleep(4)     # its events would have had time to arrive
        for a, what in ((rev, "revoked"), (rem, "removed")):
            check(f"{what} agent: its new events do not arrive", not alerted(f"{a.name}after")
                  and not alerted(f"{a.name}live"),
                  json.dumps(alerted(f"{a.name}after") + alerted(f"{a.name}live"))[:300])
            check(f"{what} agent: the agent sees the refusal and keeps retrying",
                  a.proc.poll() is None and "connected to the manager" not in
                  text(a.log).split("YG-2001 started")[-1], text(a.log)[-1500:])
            a.stop()

        # another CA: same CN and serial as sec4's real certificate
        crt = os.path.join(foreign.home, "etc", "agent.crt")
        key = os.path.join(foreign.home, "etc", "agent.key")
        serial = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-serial"],
                                capture_output=True, text=True).stdout.strip().split("=")[-1]
        subj = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-subject",
                               "-nameopt", "RFC2253"],
                              capture_output=True, text=True).stdout.strip()
        subj = subj.split("=", 1)[1].strip() if "=" in subj else f"CN={foreign.id}"
        evil = os.path.join(tmp, "evilca")
        os.makedirs(evil)
        ok = True
        for cmd in (["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{evil}/ca.key", "-out",
                     f"{evil}/ca.crt", "-subj", "/CN=yagura CA", "-days", "2"],
                    ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{evil}/agent.key",
                     "-out", f"{evil}/agent.csr", "-subj", "/" + subj.replace(",", "/")],
                    ["openssl", "x509", "-req", "-in", f"{evil}/agent.csr", "-CA",
                     f"{evil}/ca.crt", "-CAkey", f"{evil}/ca.key", "-set_serial", "0x" + serial,
                     "-days", "2", "-out", f"{evil}/agent.crt"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                ok = False
                print(" ".join(cmd), r.stderr)
        check("a certificate from another CA with sec4's CN and serial is made", ok)
        os.replace(f"{evil}/agent.crt", crt)
        os.replace(f"{evil}/agent.key", key)
        os.chmod(key, 0o600)
        nref = len(re.findall(r"refused connection from 127\.0\.0\.1:\d+: TLS", text(mlog)))
        foreign.start()
        foreign.line("sec4after")
        tlsref = wait_for(lambda: len(re.findall(r"refused connection from 127\.0\.0\.1:\d+: TLS",
                                                 text(mlog))) > nref, 20)
        check("another CA's certificate: the transport refuses it and logs why", tlsref,
              text(mlog)[-1500:])
        time.sleep(3)
        check("another CA's certificate: its events do not arrive", not alerted("sec4after"))
        check("another CA's certificate: the agent never got connected",
              "connected to the manager" not in text(foreign.log), text(foreign.log)[-1000:])
        sh = ctl("--json", "agents", "show", foreign.id)
        check("another CA's certificate: the registered agent never connected",
              sh.returncode == 0 and "never_connected" in sh.stdout, sh.stdout + sh.stderr)
        foreign.stop()

        # ------------------------------------------------------------------
        # (b) hostile peers
        def tcp(port):
            return socket.create_connection(("127.0.0.1", port), timeout=5)

        idle = [tcp(rport), tcp(aport)]      # silent connections: closed at handshake_s
        t_idle = time.monotonic()
        for port, pname in ((rport, "agent port"), (aport, "enrolment port")):
            for payload, what in ((b"\x00\x01garbage\xff\xfe" * 64, "bytes"),
                                  (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "an HTTP request"),
                                  (frame(F_HELLO, b'{"name":"x","version":"1"}'), "a plain HELLO")):
                s = tcp(port)
                try:
                    s.sendall(payload)
                    st, _ = outcome(s)
                except OSError:
                    st = "closed"
                s.close()
                check(f"plain TCP with {what} to the {pname}: closed", st == "closed", st)

        def tls_ctx(cert=None, key=None, maxv=None):
            c = ssl.create_default_context(cafile=cafile)
            if maxv:
                c.maximum_version = maxv
            if cert:
                c.load_cert_chain(cert, key)
            return c

        def tls_try(port, ctx, first=None, wait=12):
            """Connects with TLS, sends HELLO (or `first`), returns (handshake ok,
            outcome, frames)."""
            raw_s = tcp(port)
            try:
                s = ctx.wrap_socket(raw_s, server_hostname="127.0.0.1")
            except (ssl.SSLError, OSError) as e:
                raw_s.close()
                return False, "closed", [str(e)]
            try:
                s.sendall(first if first is not None else
                          frame(F_HELLO, b'{"name":"probe","version":"0.1.0"}'))
                st, frames = outcome(s, wait)
            except (ssl.SSLError, OSError) as e:
                st, frames = "closed", [str(e)]
            s.close()
            return True, st, frames

        hs, st, fr = tls_try(rport, tls_ctx())
        check("TLS without a client certificate: refused, no ACK", st == "closed" and not any(
            isinstance(f, tuple) and f[0] == F_ACK for f in fr), f"{hs} {st} {fr}")
        for port, pname in ((rport, "agent port"), (aport, "enrolment port")):
            hs, st, fr = tls_try(port, tls_ctx(os.path.join(probe_home, "etc", "agent.crt"),
                                               os.path.join(probe_home, "etc", "agent.key"),
                                               ssl.TLSVersion.TLSv1_2))
            check(f"TLS 1.2-only client to the {pname}: handshake refused", not hs, f"{st} {fr}")
        hs, st, fr = tls_try(rport, tls_ctx(crt, key))
        check("TLS client with another CA's certificate: refused, no ACK", st == "closed" and
              not any(isinstance(f, tuple) and f[0] == F_ACK for f in fr), f"{hs} {st} {fr}")

        probe = tls_ctx(os.path.join(probe_home, "etc", "agent.crt"),
                        os.path.join(probe_home, "etc", "agent.key"))
        hs, st, fr = tls_try(rport, probe)
        check("the probe identity (valid) gets its ACK: the handshake works", hs and any(
            isinstance(f, tuple) and f[0] == F_ACK for f in fr), f"{hs} {st} {fr}")
        hello = frame(F_HELLO, b'{"name":"probe","version":"0.1.0"}')
        for data, what in (
                (b"\xff\xff\xff\xff\x01", "a 4 GiB length"),
                (b"\x00\x00\x00\x00\x01", "a zero length"),
                (b"\x00\x10\x00\x01\x02" + b"x" * 64, "a length over 1 MiB"),
                (frame(0x42, b"zz"), "an unknown frame type"),
                (frame(F_EVENTS, struct.pack(">QI", 1, 1) + struct.pack(">I", 3) + b"abc"),
                 "EVENTS before HELLO"),
                (hello + frame(F_ACK, struct.pack(">Q", 5)), "a manager->agent frame"),
                (hello + frame(F_EVENTS, struct.pack(">QI", 1, 2) + struct.pack(">I", 3) + b"ab"),
                 "EVENTS whose records overrun the payload"),
                (hello + frame(F_EVENTS, struct.pack(">QI", 0, 1) + struct.pack(">I", 1) + b"a"),
                 "EVENTS with seq 0"),
                (hello + frame(F_EVENTS, struct.pack(">QI", 2**64 - 1, 2) +
                               (struct.pack(">I", 1) + b"a") * 2), "EVENTS whose seqs wrap"),
                (hello + frame(F_HELLO, b'{"name":"probe"}'), "a second HELLO"),
                (frame(F_HELLO, b'{"name":' + b'[' * 5000), "HELLO with deeply nested JSON")):
            hs, st, fr = tls_try(rport, probe, first=data)
            errs = [f for f in fr if isinstance(f, tuple) and f[0] == F_ERROR]
            check(f"garbage after a valid handshake ({what}): ERROR and closed",
                  hs and st == "closed" and errs, f"{hs} {st} {fr[:3]}")
        # a well-framed record that is not an event: the manager must survive it
        # and not be stuck on it (acked or refused, never a crash)
        junk = [b"", b"\x01", b"\x01\x00" + b"\xff" * 40, os.urandom(300),
                b"\x01\x00" + struct.pack(">q", 0) + struct.pack(">I", 2**31) + b"xx"]
        recs = b"".join(struct.pack(">I", len(r)) + r for r in junk)
        hs, st, fr = tls_try(rport, probe, wait=5, first=hello +
                             frame(F_EVENTS, struct.pack(">QI", 1, len(junk)) + recs))
        print(f"# junk records: connection {st}, frames "
              f"{[f[:2] if isinstance(f, tuple) else f for f in fr][:4]}")
        check("EVENTS with records that are not events: the manager is still alive",
              manager.poll() is None, text(mlog)[-1500:])
        acks = [struct.unpack(">Q", f[1])[0] for f in fr if isinstance(f, tuple) and
                f[0] == F_ACK and len(f[1]) == 8]
        check("EVENTS with records that are not events: committed past them (ACK of the "
              "last seq), so an agent is never stuck on one", len(junk) in acks, str(acks))
        for ln in text(mlog).splitlines():
            if "cannot be decoded" in ln:
                print("#   manager: " + ln[:200])
        # enrolment port: garbage after the handshake, bad requests
        ectx = ssl.create_default_context(cafile=cafile)
        for data, what in ((b"\xff\xff\xff\xff\x08", "a 4 GiB length"),
                           (frame(F_EREQ, b"{not json"), "an ENROLL_REQ that is not JSON"),
                           (frame(F_EREQ, json.dumps({"name": "x; rm -rf /", "password":
                                                      "sec-test-pass", "csr": "junk"}).encode()),
                            "a hostile name and a junk CSR"),
                           (frame(F_EREQ, json.dumps({"name": "okname", "password":
                                                      "sec-test-pass", "csr": "junk"}).encode()),
                            "a junk CSR"),
                           (frame(F_HELLO, b"{}"), "an agent frame")):
            hs, st, fr = tls_try(aport, ectx, first=data)
            got = [f for f in fr if isinstance(f, tuple)]
            ok = hs and st == "closed" and all(
                f[0] in (F_ERROR, F_ERESP) and (f[0] == F_ERROR or b'"error"' in f[1]) for f in got)
            check(f"enrolment port, {what}: refused and closed", ok, f"{hs} {st} {fr[:3]}")
        listed = ctl("--json", "agents", "list")
        check("no agent was registered by the hostile requests", listed.returncode == 0 and
              "okname" not in listed.stdout and "rm -rf" not in listed.stdout, listed.stdout)
        # the silent connections
        for s, pname in zip(idle, ("agent port", "enrolment port")):
            st, _ = outcome(s, max(1.0, 20 - (time.monotonic() - t_idle)))
            check(f"a silent TCP connection to the {pname} is closed (handshake timeout)",
                  st == "closed", f"{st} after {time.monotonic() - t_idle:.1f}s")
            s.close()
        # a peer that streams EVENTS but never sends a KEEPALIVE is checked too:
        # the probe streams real events, is revoked, and must be cut off
        def evrec(log):
            def st(b):
                return struct.pack(">I", len(b)) + b
            return (struct.pack(">BBq", 1, 0, int(time.time())) + st(b"probe.log") +
                    st(log.encode()) + st(b"") + struct.pack(">H", 0))
        s = probe.wrap_socket(tcp(rport), server_hostname="127.0.0.1")
        s.sendall(hello)
        s.settimeout(10)
        f = read_frame(s)
        nxt = [struct.unpack(">Q", f[1])[0] + 1 if f and f[0] == F_ACK else 1]

        def stream(n, tag):
            for _ in range(n):
                rec = evrec(f"Jan 12 10:00:01 web1 sshd[77]: Accepted password for {tag}{nxt[0]} "
                            "from 10.1.2.3 port 2222 ssh2")
                s.sendall(frame(F_EVENTS, struct.pack(">QI", nxt[0], 1) +
                                struct.pack(">I", len(rec)) + rec))
                nxt[0] += 1
        stream(3, "probestream")
        check("probe streams real events (no keepalive)",
              wait_for(lambda: len(alerted("probestream")) == 3, 20), str(nxt))
        p = ctl("agents", "revoke", probe_id)
        check("ctl agents revoke the probe", p.returncode == 0, p.stdout + p.stderr)
        t_rev = time.monotonic()
        err = None
        try:
            while time.monotonic() - t_rev < 15 and err is None:
                stream(1, "probelate")
                s.settimeout(0.5)
                try:
                    while True:
                        f = read_frame(s)
                        if f is None or f[0] == F_ERROR:
                            err = f or (F_ERROR, b"EOF")
                            break
                except socket.timeout:
                    pass
        except (OSError, ssl.SSLError) as e:
            err = (F_ERROR, repr(e).encode())
        s.close()
        t_cut = time.monotonic() - t_rev
        print(f"# revoked probe cut off after {t_cut:.1f}s: {err}")
        check("revoked peer streaming without keepalives: cut off within ~5 s",
              err is not None and t_cut < 8 and re.search(
                  rf"dropped connection from 127\.0\.0\.1:\d+: agent {probe_id} is revoked",
                  text(mlog)), f"{t_cut:.1f}s {err}")
        # the manager still works
        check("manager alive after the hostile peers", manager.poll() is None)
        good.line("sec1afterhostile")
        check("events still arrive after the hostile peers",
              wait_for(lambda: alerted("sec1afterhostile"), 30), text(mlog)[-1500:])
        p = enroll(os.path.join(tmp, "late"), "late")
        check("enrolment still works after the hostile peers", p.returncode == 0,
              p.stdout + p.stderr)

        # ------------------------------------------------------------------
        # (c) hostile srcip through the real manager
        def ar_events(event=None, program=None, agent_id=None):
            out = []
            for a in alerts():
                y = a.get("data", {}).get("yagura", {})
                if a["rule"]["id"] not in ("990040", "990041"):
                    continue
                if event and y.get("event") != event:
                    continue
                if program and not y.get("program", "").endswith(program):
                    continue
                # the agent's own result, or the manager's about that agent
                if agent_id and a["agent"]["id"] != agent_id and y.get("agent") != agent_id:
                    continue
                out.append(a)
            return out

        for v in HOSTILE + [CONTROL]:
            append(good.jsonlog, json.dumps({"sectag": "secban", "srcip": v}) + "\n")
        got = wait_for(lambda: [a for a in ar_events("blocked", "yagura-waf-ban", good.id)
                                if a["data"]["yagura"].get("srcip") == CONTROL], 40)
        check("control: a valid srcip is banned on the agent (990041 blocked)", got,
              text(good.log)[-1500:])
        check("control: it is in the agent's ban file",
              CONTROL.encode() in raw(good.banfile).split(b"\n"), raw(good.banfile)[:300])
        check("control: the reload command ran", b"reload" in raw(good.argvlog))
        check("control: the execd script got the alert on stdin",
              wait_for(lambda: CONTROL in text(good.stdinlog), 20), text(good.log)[-1000:])
        wait_for(lambda: len(ar_events("executed", "record.sh", good.id)) >= 1, 20)
        alerts100901 = [a for a in alerts() if a["rule"]["id"] == "100901"]
        seen = {a.get("data", {}).get("srcip") for a in alerts100901}
        check("every hostile line alerted (rule 100901) on the manager",
              all(v in seen for v in HOSTILE), str([s[:40] for s in seen if s]))
        big = HOSTILE[3]
        fails = wait_for(lambda: ar_events("failed", "yagura-waf-ban", good.id), 20)
        for f in fails or []:
            print(f"# 990040 from agent {f['agent']['id']}: "
                  f"{json.dumps(f['data']['yagura'])[:200]}")
        check("10 kB srcip (passes the manager's character filter): the ban is refused "
              "(990040 about the agent)", fails and len(fails) == 1 and big.startswith(
                  fails[0]["data"]["yagura"].get("srcip") or "-"),
              json.dumps(fails)[:500] + text(good.log)[-1000:])
        check("10 kB srcip: not banned on the agent",
              not ar_events("blocked", "yagura-waf-ban", good.id)[1:])
        filtered = [v for v in HOSTILE if v != big]
        leaked = [a for a in ar_events(agent_id=good.id)
                  if a["data"]["yagura"].get("srcip") in filtered]
        check("srcips with shell/path characters never reach the agent (manager's crafted "
              "input filter)", not leaked, json.dumps(leaked)[:500])

        # ------------------------------------------------------------------
        # (c) the same values sent straight to an agent by a fake manager
        fport = free_port()
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.minimum_version = ssl.TLSVersion.TLSv1_3
        sctx.load_cert_chain(os.path.join(mgr, "etc", "sslmanager.cert"),
                             os.path.join(mgr, "etc", "sslmanager.key"))
        sctx.load_verify_locations(cafile)
        sctx.verify_mode = ssl.CERT_REQUIRED
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", fport))
        lsock.listen(4)
        lsock.settimeout(1.0)
        fake = {"events": [], "results": [], "hello": 0, "stop": False, "err": None}
        requests = []
        req_id = 100
        for v in HOSTILE:
            for prog in ("yagura-waf-ban", "record.sh"):
                req_id += 1
                alert = {"timestamp": "2025-01-01T00:00:00.000+0000",
                         "rule": {"level": 10, "description": "fake", "id": "100901"},
                         "agent": {"id": fakeag.id, "name": "sec5"}, "manager": {"name": "fake"},
                         "id": f"1735689600.{req_id}", "full_log": "x",
                         "data": {"srcip": v}, "location": "fake"}
                msg = {"version": 1, "origin": {"name": "fake", "module": "wazuh-analysisd"},
                       "command": "add",
                       "parameters": {"extra_args": [], "alert": alert,
                                      "program": f"active-response/bin/{prog}"}}
                body = json.dumps({"message": msg, "timeout": 60}).encode()
                requests.append(frame(F_AR_REQ, struct.pack(">Q", req_id) + body))

        def fake_manager():
            while not fake["stop"]:
                try:
                    c, _ = lsock.accept()
                except socket.timeout:
                    continue
                try:
                    s = sctx.wrap_socket(c, server_side=True)
                    s.settimeout(1.0)
                    while not fake["stop"]:
                        try:
                            f = read_frame(s)
                        except socket.timeout:
                            continue
                        if f is None:
                            break
                        t, body = f
                        if t == F_HELLO:
                            fake["hello"] += 1
                            s.sendall(frame(F_ACK, struct.pack(">Q", 0)))
                            if fake["hello"] == 1:
                                for r in requests:
                                    s.sendall(r)
                        elif t == F_KEEPALIVE:
                            s.sendall(frame(F_ACK, struct.pack(">Q", 0)))
                        elif t == F_EVENTS:
                            first, count = struct.unpack_from(">QI", body)
                            off = 12
                            for i in range(count):
                                (n,) = struct.unpack_from(">I", body, off)
                                fake["events"].append((first + i, evrec_log(
                                    body[off + 4:off + 4 + n])))
                                off += 4 + n
                            # never ACKed: they stay in the agent's spool for the
                            # real manager
                        elif t == F_AR_RES:
                            fake["results"].append(json.loads(body[8:]))
                    s.close()
                except (OSError, ssl.SSLError, ValueError, struct.error) as e:
                    fake["err"] = repr(e)

        ft = threading.Thread(target=fake_manager, daemon=True)
        ft.start()
        fakeag.configure(fport)
        fakeag.start()

        def fake_ar(event, prog):
            return [log for _, el in fake["events"] if el and el[0] == "yagura-execd"
                    for log in [json.loads(el[1])["yagura"]]
                    if log.get("event") == event and log.get("program", "").endswith(prog)]
        ok = wait_for(lambda: len(fake_ar("failed", "yagura-waf-ban")) >= len(HOSTILE) and
                      len(fake_ar("executed", "record.sh")) >= len(HOSTILE), 40)
        fails = fake_ar("failed", "yagura-waf-ban")
        print(f"# fake manager: HELLO {fake['hello']}, {len(fake['events'])} events, "
              f"{len(fake['results'])} AR results, error {fake['err']}")
        for f in fails:
            print(f"#   refused: {f.get('srcip', '')[:40]!r}: {f.get('message', '')[:120]}")
        def refused(v):
            return any(f.get("srcip") and (f["srcip"] == v or (
                len(f["srcip"]) >= 32 and v.startswith(f["srcip"]))) for f in fails)
        check("fake manager: the agent refuses every hostile ban (failed events)",
              ok and all(refused(v) for v in HOSTILE),
              json.dumps(fails)[:800] + text(fakeag.log)[-1500:])
        check("fake manager: no hostile value was banned (blocked events)",
              not fake_ar("blocked", "yagura-waf-ban"))
        check("fake manager: no AR_RESULT frame (type 6, removed): results travel only as "
              "spooled events", not fake["results"], str(fake["results"][:3]))
        stdin = text(fakeag.stdinlog)
        check("fake manager: the execd script got every hostile value as stdin bytes",
              all(json.dumps(v)[1:-1] in stdin for v in HOSTILE), stdin[:500])
        fake["stop"] = True
        fakeag.stop()
        ft.join(5)
        lsock.close()
        # back to the real manager: the spooled refusals arrive there
        fakeag.configure(rport)
        fakeag.start()
        got = wait_for(lambda: len(ar_events("failed", "yagura-waf-ban", fakeag.id)) >=
                       len(HOSTILE), 40)
        fails = ar_events("failed", "yagura-waf-ban", fakeag.id)
        check("the agent's refusals reach the real manager as 990040 (one per value)",
              got and len(fails) == len(HOSTILE) and all(a["rule"]["id"] == "990040" and
                                                         a["rule"]["level"] == 7 for a in fails),
              f"{len(fails)} " + json.dumps(fails)[:600])
        check("the execd runs reach the real manager as 990041",
              len(ar_events("executed", "record.sh", fakeag.id)) == len(HOSTILE))

        # ctl bans add refuses them
        before = ctl("--json", "bans", "list", "--all")
        for v in HOSTILE:
            p = ctl("bans", "add", v, "--timeout", "60")
            check(f"ctl bans add {v[:30]!r}: refused", p.returncode == 1, p.stdout + p.stderr[:300])
        after = ctl("--json", "bans", "list", "--all")
        check("ctl: the ban ledger is unchanged by the refusals", before.stdout == after.stdout,
              before.stdout[:300] + after.stdout[:300])

        # the files
        for a in (good, fakeag):
            content = raw(a.banfile)
            # the two fixed comment lines of the header, then addresses only
            bad = [ln for ln in content.split(b"\n") if ln and not ADDR_LINE.match(ln) and
                   not (ln.startswith(b"# yagura WAF ban list") or
                        ln.startswith(b"# Managed by yagura"))]
            check(f"{a.name}: the ban file holds only valid addresses", not bad and
                  not any(v.encode() in content for v in HOSTILE), repr(content[:300]))
            argv = raw(a.argvlog)
            check(f"{a.name}: the reload command's argv never held a hostile value",
                  not any(v.encode() in argv for v in HOSTILE) and
                  all(ln in (b"arg:--reload", b"reload") for ln in argv.split(b"\n") if ln),
                  repr(argv[:300]))
            check(f"{a.name}: no shell ran a value ($(id) never expanded)",
                  "uid=" not in text(a.stdinlog), text(a.stdinlog)[:300])
        check(f"{PWNED} never exists", not os.path.exists(PWNED))
    finally:
        rcs = {a.name: a.stop() for a in agents if a.proc}
        rc = stop(manager)
    check("agents stop cleanly", all(r == 0 for r in rcs.values()), str(rcs))
    check("manager stops cleanly", rc == 0, f"rc {rc}")
    san = sanitizer_reports(tmp)
    check("no sanitizer report from any process", not san, "\n".join(san[:10]))
finish()
