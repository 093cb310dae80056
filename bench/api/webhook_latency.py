#!/usr/bin/env python3
"""bench/api/webhook_latency.py: time from a log line being written to the
`webhook` integration's POST for its alert arriving.

Usage: bench/api/webhook_latency.py BUILD_DIR [--lines 1000] [--interval-ms 10]

A fresh manager home (temporary directory) with Wazuh's ruleset, one
<localfile> (syslog) and one <integration> `webhook` (level 3) to a local
receiver (http.server in this process, answering 200 at once). The script
appends LINES sshd "Failed password for invalid user lgN from <unique IP>"
lines (rule 5710, level 5; one alert per line: every line has its own source
IP, so no frequency rule fires) INTERVAL_MS apart, each with one write(2) on
an O_APPEND descriptor, and notes the time after the write. The receiver
notes when each request has been read and takes N from the body's "text"
(the alert's full_log). Latency = arrival - write. Prints p50/p90/p99/max,
lines without a request (must be 0) and duplicates, with the command, the
machine and the commit.
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def machine(yagura):
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) / 1048576
    rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "unknown"
    built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.stat(yagura).st_mtime))
    return (f"machine: {os.cpu_count()} CPU(s) ({cpu}), {mem:.1f} GiB RAM, {os.uname().release}, "
            f"load average {' '.join(open('/proc/loadavg').read().split()[:3])} at the start\n"
            f"yagura: {rev}, binary built {built}, measured "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--interval-ms", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    yagura = os.path.join(os.path.abspath(args.build), "src", "cli", "yagura")
    if not os.access(yagura, os.X_OK):
        sys.exit(f"webhook_latency: {yagura} missing (ninja -C {args.build} src/cli/yagura)")
    wazuh = os.path.abspath(os.environ.get("YAGURA_WAZUH_DIR", os.path.join(ROOT, "..", "shared", "wazuh")))
    if not os.path.isdir(os.path.join(wazuh, "ruleset", "rules")):
        sys.exit(f"webhook_latency: no Wazuh ruleset at {wazuh}")
    load0 = machine(yagura)

    arrivals = {}  # n -> list of arrival times
    in_log = {}  # n -> when its alert was seen in alerts.json
    bad = [0]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body are two writes: without this, Nagle + the
        # client's delayed ACK add ~40 ms to every answer
        disable_nagle_algorithm = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            t = time.time()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            try:
                text = json.loads(body).get("text") or ""
                n = int(text.split("invalid user lg", 1)[1].split()[0])
            except (ValueError, IndexError, AttributeError):
                with lock:
                    bad[0] += 1
                return
            with lock:
                arrivals.setdefault(n, []).append(t)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{srv.server_address[1]}/hook"

    tmp = tempfile.mkdtemp(prefix="yg-webhook-")
    home = os.path.join(tmp, "home")
    for d in ("etc", "logs/alerts", "var/db"):
        os.makedirs(os.path.join(home, d))
    os.symlink(os.path.join(wazuh, "ruleset"), os.path.join(home, "ruleset"))
    os.symlink(os.path.join(wazuh, "etc", "lists"), os.path.join(home, "etc", "lists"))
    watched = os.path.join(tmp, "auth.log")
    open(watched, "w").close()
    conf = os.path.join(tmp, "ossec.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <ruleset>
    <decoder_dir>ruleset/decoders</decoder_dir>
    <rule_dir>ruleset/rules</rule_dir>
    <rule_exclude>0215-policy_rules.xml</rule_exclude>
    <list>etc/lists/audit-keys</list>
    <list>etc/lists/malicious-ioc/malware-hashes</list>
    <list>etc/lists/malicious-ioc/malicious-ip</list>
    <list>etc/lists/malicious-ioc/malicious-domains</list>
  </ruleset>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <localfile>
    <log_format>syslog</log_format>
    <location>{watched}</location>
  </localfile>
  <integration>
    <name>webhook</name>
    <hook_url>{hook}</hook_url>
    <level>3</level>
    <alert_format>json</alert_format>
  </integration>
</ossec_config>
""")
    log = os.path.join(home, "logs", "yagura.log")
    mgr = subprocess.Popen([yagura, "manager", "-D", home, "-c", conf, "-f"],
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "manager.stderr"), "w"))
    try:
        end = time.time() + 120
        while time.time() < end:
            if os.path.exists(log) and "YG-1001" in open(log, errors="replace").read():
                break
            if mgr.poll() is not None:
                sys.exit("webhook_latency: the manager exited: " + open(os.path.join(tmp, "manager.stderr")).read()[-800:])
            time.sleep(0.05)
        time.sleep(2)  # the collector's first pass over the (empty) file
        stop_follow = threading.Event()

        def follow():
            # when each alert became readable in alerts.json (polled every 5 ms)
            path = os.path.join(home, "logs", "alerts", "alerts.json")
            buf = b""
            with open(path, "rb") as f:
                while not stop_follow.is_set():
                    chunk = f.read()
                    if chunk:
                        t = time.time()
                        buf += chunk
                        *lines, buf = buf.split(b"\n")
                        for ln in lines:
                            try:
                                n = int(ln.split(b"invalid user lg", 1)[1].split()[0])
                            except (ValueError, IndexError):
                                continue
                            in_log.setdefault(n, t)
                    else:
                        time.sleep(0.005)

        ft = threading.Thread(target=follow, daemon=True)
        ft.start()
        fd = os.open(watched, os.O_WRONLY | os.O_APPEND)
        written = {}
        host = socket.gethostname().split(".")[0] or "host"
        t_next = time.time()
        for n in range(1, args.lines + 1):
            ts = time.strftime("%b %e %H:%M:%S")
            ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            line = (f"{ts} {host} sshd[{1000 + n % 60000}]: Failed password for invalid user lg{n} "
                    f"from {ip} port {1024 + n % 60000} ssh2\n").encode()
            os.write(fd, line)
            written[n] = time.time()
            t_next += args.interval_ms / 1000.0
            d = t_next - time.time()
            if d > 0:
                time.sleep(d)
        os.close(fd)
        t_last = time.time()
        while time.time() - t_last < args.timeout:
            with lock:
                if len(arrivals) >= args.lines:
                    break
            time.sleep(0.05)
        time.sleep(1)  # late duplicates
    finally:
        if "stop_follow" in locals():
            stop_follow.set()
        mgr.terminate()
        try:
            mgr.wait(60)
        except subprocess.TimeoutExpired:
            mgr.kill()
        srv.shutdown()
    lat = sorted((arrivals[n][0] - written[n]) * 1000 for n in written if n in arrivals)
    missing = [n for n in written if n not in arrivals]
    dups = sum(len(v) - 1 for v in arrivals.values())

    def pc(p):
        return lat[min(len(lat) - 1, max(0, int(round(p / 100 * len(lat))) - 1))] if lat else float("nan")

    def pcs(v):
        v = sorted(v)
        if not v:
            return "n/a"
        q = lambda p: v[min(len(v) - 1, max(0, int(round(p / 100 * len(v))) - 1))]
        return f"p50 {q(50):.1f} ms, p90 {q(90):.1f} ms, p99 {q(99):.1f} ms, max {v[-1]:.1f} ms"

    to_log = [(in_log[n] - written[n]) * 1000 for n in written if n in in_log]
    log_to_hook = [(arrivals[n][0] - in_log[n]) * 1000 for n in written if n in in_log and n in arrivals]
    span = (max(v[0] for v in arrivals.values()) - min(v[0] for v in arrivals.values())) if arrivals else 0
    alerts = sum(1 for _ in open(os.path.join(home, "logs", "alerts", "alerts.json"), "rb"))
    print()
    print("$ " + " ".join([sys.argv[0]] + sys.argv[1:]))
    print(load0)
    print(f"manager: {yagura} manager -D {home} -c {conf} -f; receiver {hook}")
    print()
    print("| lines | interval ms | requests | p50 ms | p90 ms | p99 ms | max ms | without a request | duplicates | unparsable |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {args.lines} | {args.interval_ms:g} | {sum(len(v) for v in arrivals.values())} | {pc(50):.1f} | "
          f"{pc(90):.1f} | {pc(99):.1f} | {lat[-1] if lat else float('nan'):.1f} | {len(missing)} | {dups} | {bad[0]} |")
    print(f"alerts.json: {alerts} alerts; work directory {tmp}")
    print(f"line written -> alert readable in alerts.json ({len(to_log)}): {pcs(to_log)}")
    print(f"alert in alerts.json -> webhook request ({len(log_to_hook)}): {pcs(log_to_hook)}")
    if span > 0:
        print(f"webhook requests arrived over {span:.1f} s: {len(arrivals) / span:.1f} requests/s "
              f"(lines were written at {1000 / args.interval_ms:.0f}/s)")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
