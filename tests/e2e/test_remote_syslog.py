#!/usr/bin/env python3
"""Remote syslog input (issue 12): `yagura manager` with two
<remote><connection>syslog</connection> blocks, one UDP and one TCP, on
127.0.0.1. Allowed and denied senders are both on loopback: 127.0.0.1 is
allowed, 127.0.0.2 is not (UDP: not in <allowed-ips>; TCP: in
<denied-ips>). Checks: `-t` refuses a syslog <remote> without
<allowed-ips>; sshd failures sent over UDP and over TCP (newline-delimited
and octet-counted frames, frames split across writes, a leading <PRI>) give
5716 with the sender's address as location and 5720 for a burst; what
127.0.0.2 sends gives nothing and is counted; an over-long line is cut and
the lines after it still alert. Limits: a TCP connection that sends
nothing for <idle_timeout> is closed and logged (not before), and one over
<max_connections_per_ip> is closed at accept.
Usage: test_remote_syslog.py YAGURA SOURCE_ROOT"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish  # noqa: E402
from agentlib import (free_port, read_alerts, sanitizer_reports, stderr_file,  # noqa: E402
                      stop_proc, text, wait_for)

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])


def sshd(user, ip, pid=4242):
    return (f"Dec  8 10:00:00 fw01 sshd[{pid}]: Failed password for {user} from {ip} "
            f"port 5555 ssh2")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_send(src, port, msgs):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        for m in msgs:
            s.sendto(m.encode(), ("127.0.0.1", port))


def tcp_connect(src, port):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def alerts_for(home, user):
    return [a for a in read_alerts(home) if f"Failed password for {user} " in a.get("full_log", "")]


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, "etc"))
    uport, tport, iport, cport = free_udp_port(), free_port(), free_port(), free_port()
    conf = os.path.join(home, "etc", "ossec.conf")
    ruleset = f"""<ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>"""
    bad = os.path.join(home, "etc", "bad.conf")
    with open(bad, "w") as f:
        f.write(f"""<ossec_config>
  <remote>
    <connection>syslog</connection>
    <port>{uport}</port>
  </remote>
  {ruleset}
</ossec_config>
""")
    p = subprocess.run([YAGURA, "manager", "-D", home, "-c", bad, "-t"], capture_output=True,
                       text=True, timeout=120)
    check("-t: a syslog <remote> without <allowed-ips> is an error with file:line",
          p.returncode == 1 and "bad.conf:2" in p.stderr and "allowed-ips" in p.stderr,
          p.stderr)
    with open(bad, "w") as f:
        f.write(f"""<ossec_config>
  <remote>
    <connection>syslog</connection>
    <allowed-ips>127.0.0.1</allowed-ips>
    <idle_timeout>0</idle_timeout>
  </remote>
  {ruleset}
</ossec_config>
""")
    p = subprocess.run([YAGURA, "manager", "-D", home, "-c", bad, "-t"], capture_output=True,
                       text=True, timeout=120)
    check("-t: <idle_timeout> out of range is an error with file:line",
          p.returncode == 1 and "bad.conf:5" in p.stderr and "idle_timeout" in p.stderr,
          p.stderr)
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <remote>
    <connection>syslog</connection>
    <protocol>udp</protocol>
    <port>{uport}</port>
    <local_ip>127.0.0.1</local_ip>
    <allowed-ips>127.0.0.1</allowed-ips>
  </remote>
  <remote>
    <connection>syslog</connection>
    <protocol>tcp</protocol>
    <port>{tport}</port>
    <local_ip>127.0.0.1</local_ip>
    <allowed-ips>127.0.0.0/8</allowed-ips>
    <denied-ips>127.0.0.2</denied-ips>
    <max_message_size>4096</max_message_size>
  </remote>
  <remote>
    <connection>syslog</connection>
    <port>{iport}</port>
    <local_ip>127.0.0.1</local_ip>
    <allowed-ips>127.0.0.1</allowed-ips>
    <idle_timeout>2s</idle_timeout>
  </remote>
  <remote>
    <connection>syslog</connection>
    <port>{cport}</port>
    <local_ip>127.0.0.1</local_ip>
    <allowed-ips>127.0.0.1</allowed-ips>
    <max_connections_per_ip>2</max_connections_per_ip>
  </remote>
  {ruleset}
</ossec_config>
""")
    p = subprocess.run([YAGURA, "manager", "-D", home, "-t"], capture_output=True, text=True,
                       timeout=120)
    check("-t: two syslog <remote> blocks (udp, tcp) are valid", p.returncode == 0, p.stderr)
    log = os.path.join(home, "logs", "yagura.log")
    with stderr_file(home) as err:
        proc = subprocess.Popen([YAGURA, "manager", "-D", home, "-f"],
                                stdout=subprocess.DEVNULL, stderr=err)
    ok = wait_for(lambda: "YG-1001" in text(log) or proc.poll() is not None, 60)
    check("manager started with the syslog listeners",
          bool(ok) and proc.poll() is None and "listening on 127.0.0.1 port" in text(log),
          text(log)[-2000:])

    # UDP from an allowed address, with and without <PRI>
    udp_send("127.0.0.1", uport, ["<38>" + sshd("udpa", "198.51.100.1"),
                                  sshd("udpb", "198.51.100.2") + "\n"])
    got = wait_for(lambda: len(alerts_for(home, "udpa")) + len(alerts_for(home, "udpb")) >= 2,
                   30)
    a = alerts_for(home, "udpa")
    check("udp: allowed sender alerts (5716)", got and a and a[0]["rule"]["id"] == "5716",
          str(read_alerts(home))[:800])
    check("udp: location is the sender's address, <PRI> removed",
          a and a[0].get("location") == "127.0.0.1" and a[0]["full_log"].startswith("Dec  8"),
          str(a)[:600])
    check("udp: syslog header pre-decoded",
          a and a[0].get("predecoder", {}).get("program_name") == "sshd" and
          a[0].get("predecoder", {}).get("hostname") == "fw01", str(a)[:600])
    # UDP from a loopback address that is not allowed
    udp_send("127.0.0.2", uport, [sshd("udpdenied", "198.51.100.3")])
    check("udp: a sender not in <allowed-ips> is dropped and logged",
          wait_for(lambda: "'127.0.0.2' not allowed" in text(log), 30) and
          not alerts_for(home, "udpdenied"), text(log)[-1500:])

    # TCP: newline frames, octet-counted frames, a frame split across writes
    s = tcp_connect("127.0.0.1", tport)
    m1 = sshd("tcpnl", "198.51.100.10")
    m2 = "<86>" + sshd("tcpoc", "198.51.100.11")
    m3 = sshd("tcpsplit", "198.51.100.12")
    s.sendall(f"{m1}\r\n{len(m2.encode())} {m2}".encode())
    s.sendall(m3[:20].encode())
    time.sleep(0.5)
    s.sendall((m3[20:] + "\n").encode())
    # a burst from one address: 5720 at the eighth
    s.sendall("".join(sshd(f"burst{i}", "198.51.100.20") + "\n" for i in range(8)).encode())
    # an over-long line is cut to max_message_size; the next one alerts
    s.sendall(("<13>" + sshd("long", "198.51.100.30") + " " + "A" * 200000 + "\n").encode())
    s.sendall((sshd("afterlong", "198.51.100.31") + "\n").encode())
    names = ["tcpnl", "tcpoc", "tcpsplit", "afterlong"]
    got = wait_for(lambda: all(alerts_for(home, u) for u in names), 30)
    check("tcp: newline, octet-counted and split frames each alert once",
          got and all(len(alerts_for(home, u)) == 1 for u in names),
          str({u: len(alerts_for(home, u)) for u in names}))
    check("tcp: location is the sender's address",
          all(x.get("location") == "127.0.0.1" for u in names for x in alerts_for(home, u)),
          "")
    check("tcp: a burst of 8 from one address gives 5720",
          wait_for(lambda: any(a.get("rule", {}).get("id") == "5720" and
                               "198.51.100.20" in a.get("full_log", "")
                               for a in read_alerts(home)), 30), "")
    lng = alerts_for(home, "long")
    check("tcp: an over-long message is cut to max_message_size",
          len(lng) == 1 and len(lng[0]["full_log"]) <= 4096, str(len(lng)))
    s.close()
    # volume: far more than a batch (1024) at once over two TCP connections,
    # each message naming its own address: every one alerts exactly once
    # (the listener's refusal path is exercised deterministically in
    # tests/unit/manager/test_syslog_in.c)
    many = 20000
    conns = [tcp_connect("127.0.0.1", tport) for _ in range(2)]
    blobs = ["".join(sshd(f"bp{i}x", f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}") + "\n"
                     for i in range(k, many, 2)).encode() for k in range(2)]
    for c in conns:
        c.setblocking(False)
    sent = [0, 0]
    while any(sent[k] < len(blobs[k]) for k in range(2)):
        for k in range(2):
            if sent[k] < len(blobs[k]):
                try:
                    sent[k] += conns[k].send(blobs[k][sent[k]:sent[k] + 65536])
                except BlockingIOError:
                    time.sleep(0.01)
    for c in conns:
        c.close()

    def bp_count():
        return sum(1 for a in read_alerts(home) if a.get("rule", {}).get("id") == "5716" and
                   "Failed password for bp" in a.get("full_log", ""))
    # as long as alerts keep coming (a sanitizer build on a loaded machine
    # analyses a few hundred events a second): a stall of 60 s fails
    last, last_t = -1, time.monotonic()
    while bp_count() < many and time.monotonic() - last_t < 60:
        n = bp_count()
        if n != last:
            last, last_t = n, time.monotonic()
        time.sleep(0.5)
    time.sleep(1.0)
    n_bp = bp_count()
    check(f"tcp: {many} messages sent at once all alert, exactly once", n_bp == many,
          f"{n_bp} of {many}")
    # TCP from a denied address: closed at once, nothing alerts
    try:
        d = tcp_connect("127.0.0.2", tport)
        d.sendall((sshd("tcpdenied", "198.51.100.40") + "\n").encode())
        d.settimeout(10)
        closed = d.recv(1) == b""
    except OSError:
        closed = True
    time.sleep(1.0)
    check("tcp: a connection from <denied-ips> is closed, nothing alerts",
          closed and not alerts_for(home, "tcpdenied") and
          "connection from '127.0.0.2' not allowed" in text(log), text(log)[-1500:])
    # <idle_timeout>: a connection that sends nothing is closed, not before
    t0 = time.monotonic()
    idle = tcp_connect("127.0.0.1", iport)
    idle.settimeout(60)
    try:
        gone = idle.recv(1) == b""
    except socket.timeout:
        gone = False
    except OSError:  # reset: closed too
        gone = True
    waited = time.monotonic() - t0
    idle.close()
    check("tcp: a connection idle for <idle_timeout> is closed (not before) and logged",
          gone and waited >= 1.9 and
          wait_for(lambda: "connection from '127.0.0.1' closed: nothing received for 2 s"
                   in text(log), 30), f"closed {gone} after {waited:.1f} s")
    # <max_connections_per_ip>: the third connection from one address is closed
    held = [tcp_connect("127.0.0.1", cport) for _ in range(2)]
    extra = tcp_connect("127.0.0.1", cport)
    extra.settimeout(30)
    try:
        refused = extra.recv(1) == b""
    except socket.timeout:
        refused = False
    except OSError:  # reset: closed too
        refused = True
    extra.close()
    held[0].sendall((sshd("heldconn", "198.51.100.50") + "\n").encode())
    check("tcp: a connection over <max_connections_per_ip> is closed at accept, the others work",
          refused and wait_for(lambda: "connection from '127.0.0.1' refused: too many connections"
                               in text(log), 30) and
          wait_for(lambda: alerts_for(home, "heldconn"), 60),
          f"refused {refused}, logged "
          f"{'too many connections' in text(log)}, alerts {len(alerts_for(home, 'heldconn'))}")
    for h in held:
        h.close()
    check("manager still running", proc.poll() is None, text(log)[-1500:])
    rc = stop_proc(proc)
    check("SIGTERM: exit 0", rc == 0, f"rc {rc}")
    stats = [l for l in text(log).splitlines() if "remote syslog:" in l and "messages" in l]
    check("the stop message counts messages, refused senders and truncations",
          stats and "2 refused" in stats[-1] and "1 truncated" in stats[-1] and
          "1 over the limits, 1 closed idle" in stats[-1],
          stats[-1] if stats else text(log)[-1500:])
    rep = sanitizer_reports(home)
    check("no sanitizer report", not rep, "\n".join(rep[:10]))
finish()
