#!/usr/bin/env python3
"""fim_latency.py: realtime FIM latency of the real `yagura manager`.

Starts `yagura manager -D HOME -c CONF -f` with one realtime <syscheck>
directory holding --files files, waits for the baseline (YG-1004), then makes
--changes changes --interval-ms apart, half modifications of existing files
(rule 550) and half new files (rule 554), mixed at random, each on a path no
other change touches (so each change has exactly one expected alert). A
thread follows logs/alerts/alerts.json (inotify on logs/alerts/, or 1 ms
polling with --poll) and stamps each alert line when it is readable from the
file. The latency of a change is that stamp minus the moment its
write()+close() returned. Prints p50/p90/p99/max, the changes without an
alert (must be 0) and unexpected alerts.

Usage: fim_latency.py BUILD_DIR [--changes N] [--interval-ms MS] [--files N]
                      [--seed N] [--timeout S] [--poll] [--keep]
Goal: p99 < 200 ms, 0 changes without an alert.
"""

import argparse
import ctypes
import json
import os
import platform
import random
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

with open("/proc/loadavg") as _f:
    LOAD0 = " ".join(_f.read().split()[:3])
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def machine(yagura):
    """The machine and commit lines every benchmark prints."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1048576
    except OSError:
        mem = 0
    try:
        rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        rev = "unknown"
    return (f"machine: {os.cpu_count()} CPU(s) ({cpu}), {mem:.1f} GiB RAM, {platform.release()}, "
            f"load average {LOAD0} at the start\n"
            f"yagura: {rev}, binary built "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(os.stat(yagura).st_mtime))}, "
            f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


class Follower(threading.Thread):
    """Reads alerts.json as it grows; records (monotonic time, alert) for each
    complete line. Wakes on inotify IN_MODIFY/IN_CREATE of the alerts
    directory, or every millisecond with poll=True."""

    def __init__(self, path, poll):
        super().__init__(daemon=True)
        self.path, self.poll = path, poll
        self.seen = []  # (t, rule id, syscheck path, event)
        self.bad_lines = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ifd = -1
        if not poll:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
            # IN_MODIFY | IN_CREATE | IN_MOVED_TO
            if fd >= 0 and libc.inotify_add_watch(fd, os.path.dirname(path).encode(),
                                                  0x2 | 0x100 | 0x80) >= 0:
                self.ifd = fd
            else:
                print("fim_latency: inotify unavailable, polling every 1 ms", file=sys.stderr)
                self.poll = True

    def run(self):
        f, buf = None, b""
        while True:
            if f is None:
                try:
                    f = open(self.path, "rb", buffering=0)
                except FileNotFoundError:
                    pass
            if f is not None:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    t = time.monotonic()
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for line in lines:
                        self._record(t, line)
            if self.stop.is_set():
                break
            if self.poll:
                time.sleep(0.001)
            else:
                r, _, _ = select.select([self.ifd], [], [], 0.05)
                if r:
                    try:
                        os.read(self.ifd, 65536)
                    except BlockingIOError:
                        pass

    def _record(self, t, line):
        if not line.strip():
            return
        try:
            a = json.loads(line)
            rec = (t, a["rule"]["id"], a.get("syscheck", {}).get("path"),
                   a.get("syscheck", {}).get("event"))
        except (ValueError, KeyError, TypeError):
            self.bad_lines += 1
            return
        with self.lock:
            self.seen.append(rec)

    def snapshot(self):
        with self.lock:
            return list(self.seen)


def pct(sorted_vals, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def proc_cpu_s(pid):
    """utime+stime of pid in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--interval-ms", type=float, default=20.0)
    ap.add_argument("--files", type=int, default=0,
                    help="files in the directory before the baseline (default: as many as "
                         "modifications)")
    ap.add_argument("--seed", type=int, default=20240303)
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for the last alerts after the last change")
    ap.add_argument("--poll", action="store_true", help="follow alerts.json by 1 ms polling")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    yagura = os.path.join(os.path.abspath(args.build_dir), "src", "cli", "yagura")
    if not os.access(yagura, os.X_OK):
        sys.exit(f"fim_latency: error: {yagura} missing: ninja -C {args.build_dir} src/cli/yagura")
    rng = random.Random(args.seed)
    kinds = ["modify"] * (args.changes // 2) + ["add"] * (args.changes - args.changes // 2)
    rng.shuffle(kinds)
    nmod = kinds.count("modify")
    nfiles = max(args.files, nmod)

    work = tempfile.mkdtemp(prefix="yg-fim-latency-")
    home, watched = os.path.join(work, "home"), os.path.join(work, "watched")
    for d in (home, watched):
        os.makedirs(d)
    if any(c in work for c in "&<>"):
        sys.exit(f"fim_latency: error: {work} must not contain '&', '<' or '>'")
    # A realistic web root: a few directories, files of 1-16 kB.
    existing = []
    for i in range(nfiles):
        d = os.path.join(watched, f"d{i % 20:02d}")
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, f"f{i:05d}.php")
        with open(p, "wb") as f:
            f.write(rng.randbytes(rng.randint(1024, 16384)))
        existing.append(p)
    rng.shuffle(existing)

    conf = os.path.join(work, "fim-latency.conf")
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
  </ruleset>
  <alerts>
    <log_alert_level>3</log_alert_level>
  </alerts>
  <syscheck>
    <frequency>43200</frequency>
    <scan_on_start>yes</scan_on_start>
    <directories realtime="yes" check_all="yes">{watched}</directories>
  </syscheck>
</ossec_config>
""")
    cmd = [yagura, "manager", "-D", home, "-c", conf, "-f"]
    log_path = os.path.join(home, "logs", "yagura.log")
    alerts_path = os.path.join(home, "logs", "alerts", "alerts.json")
    errf = open(os.path.join(work, "manager.stderr"), "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)

    def log_text():
        try:
            with open(log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    rc = 1
    try:
        end = time.monotonic() + 120
        while "YG-1004" not in log_text():
            if proc.poll() is not None or time.monotonic() > end:
                sys.exit(f"fim_latency: error: no baseline (YG-1004); log:\n{log_text()}")
            time.sleep(0.02)
        os.makedirs(os.path.dirname(alerts_path), exist_ok=True)
        fol = Follower(alerts_path, args.poll)
        fol.start()
        time.sleep(0.5)
        base_alerts = len(fol.snapshot())
        cpu0, wall0 = proc_cpu_s(proc.pid), time.monotonic()

        changes = []  # (path, kind, t_write)
        interval = args.interval_ms / 1000.0
        t_next = time.monotonic()
        for i, kind in enumerate(kinds):
            if kind == "modify":
                path = existing.pop()
                data = rng.randbytes(rng.randint(64, 2048))
                with open(path, "ab") as f:
                    f.write(data)
            else:
                path = os.path.join(watched, f"d{i % 20:02d}", f"new{i:05d}.php")
                data = rng.randbytes(rng.randint(1024, 16384))
                with open(path, "wb") as f:
                    f.write(data)
            changes.append((path, kind, time.monotonic()))
            t_next += interval
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t_last = time.monotonic()
        want = {p: ("550" if k == "modify" else "554") for p, k, _ in changes}

        def matched():
            got = {}
            for t, rid, path, _ in fol.snapshot():
                if path in want and want[path] == rid and path not in got:
                    got[path] = t
            return got

        while len(matched()) < len(changes) and time.monotonic() < t_last + args.timeout:
            time.sleep(0.05)
        time.sleep(1.0)  # late duplicates, if any
        wall1, cpu1 = time.monotonic(), proc_cpu_s(proc.pid)
        fol.stop.set()
        fol.join(5)
        got = matched()
        seen = fol.snapshot()[base_alerts:]

        lat_by_kind = {"modify": [], "add": []}
        missing = []
        for path, kind, tw in changes:
            if path in got:
                lat_by_kind[kind].append((got[path] - tw) * 1000.0)
            else:
                missing.append((path, kind))
        per_path = {}
        for _, rid, path, _ in seen:
            per_path.setdefault(path, []).append(rid)
        unexpected = [(p, r) for p, rids in per_path.items() for r in rids
                      if p not in want or r != want[p]]
        dups = sum(1 for p, rids in per_path.items() if p in want and rids.count(want[p]) > 1)
        log = log_text()
        warn = [l for l in log.splitlines() if "WARNING" in l or "ERROR" in l or "YG-6906" in l]

        print(f"$ {' '.join(shlex.quote(a) for a in [sys.executable] + sys.argv)}")
        print(f"manager: {' '.join(shlex.quote(a) for a in cmd)}")
        print(machine(yagura))
        print(f"changes: {len(changes)} ({nmod} modifications of {nfiles} files of 1-16 kB, "
              f"{len(changes) - nmod} new files), {args.interval_ms:g} ms apart, "
              f"realtime <syscheck> check_all; follower: {'1 ms polling' if fol.poll else 'inotify'}")
        print(f"writes took {changes[-1][2] - changes[0][2]:.2f} s; the last alert came "
              f"{(max(got.values()) - changes[-1][2]) * 1000 if got else float('nan'):.0f} ms "
              f"after the last write")
        print()
        print("| changes | p50 ms | p90 ms | p99 ms | max ms | without alert |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, vals in (("all", lat_by_kind["modify"] + lat_by_kind["add"]),
                           ("modified (550)", lat_by_kind["modify"]),
                           ("added (554)", lat_by_kind["add"])):
            vals.sort()
            nmiss = sum(1 for _, k in missing if name == "all" or name.startswith(
                "modified" if k == "modify" else "added"))
            print(f"| {name} | {pct(vals, 50):.1f} | {pct(vals, 90):.1f} | {pct(vals, 99):.1f} | "
                  f"{(vals[-1] if vals else float('nan')):.1f} | {nmiss} |")
        print()
        if cpu0 is not None and cpu1 is not None:
            print(f"manager CPU during the run: {cpu1 - cpu0:.2f} s over {wall1 - wall0:.1f} s "
                  f"({100.0 * (cpu1 - cpu0) / (wall1 - wall0):.1f} %)")
        print(f"alerts after the baseline: {len(seen)}; unexpected: {len(unexpected)}; "
              f"paths with duplicate alerts: {dups}; unparsable lines: {fol.bad_lines}")
        for p, k in missing[:10]:
            print(f"  no alert: {k} {p}")
        for p, r in unexpected[:10]:
            print(f"  unexpected: rule {r} for {p}")
        for l in warn[:10]:
            print(f"  log: {l}")
        all_vals = sorted(lat_by_kind["modify"] + lat_by_kind["add"])
        ok = not missing and all_vals and pct(all_vals, 99) < 200.0
        print(f"goal p99 < 200 ms and 0 without alert: {'met' if ok else 'NOT met'}")
        rc = 0 if not missing else 1
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        errf.close()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
