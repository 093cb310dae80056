#!/usr/bin/env python3
"""Integrations across a receiver outage and manager restarts, end to end
(issue 5, "Done when"): the real `yagura manager` and a real HTTP receiver
(receiver.py) on 127.0.0.1.

Phase 1: the receiver goes down for 60 s. Meanwhile 500 qualifying alerts
occur (500 distinct Suricata high-severity EVE records appended to a
collected eve.json -> 86611 level 9, group ids), half before and half
while the manager is stopped by SIGTERM and started again. Then the
receiver comes back: every message must arrive exactly once per
integration (counted by alert id: none missing, none duplicated), in alert
order, and the outbox must hold them all as delivered.

Phase 2 (kill -9): the receiver goes down again for a short time, 200 more
alerts occur, the manager is killed with SIGKILL while they are being
committed and started again; the receiver comes back; again exactly once.
Then a SIGKILL while messages are being delivered: docs/integrations.md
promises at-least-once there (a request the receiver already accepted but
whose "delivered" was not committed is sent again), so duplicates are
counted and reported, with nothing missing, and at most one duplicate per
integration (the one message in flight).

Integrations: native `webhook`, `mattermost` (incoming webhook), `mattermost`
(API v4) and `slack`, with the article's filter (level 7, groups malware,
ids, attack, attacks) and a short backoff (retry_min 500ms, retry_max 2s).
The article's custom-n8n is not used here: it exits 0 even when its POST
fails, so with Wazuh and with yagura it loses what is sent during an
outage (docs/integrations.md); test_scenario6.py covers it.

Skipped (exit 77) when ../shared/scenarios is absent.
Usage: test_outage.py YAGURA SOURCE_ROOT"""
import collections
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, finish, wait_for  # noqa: E402
from receiver import Receiver  # noqa: E402

YAGURA, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
SHARED = os.path.join(ROOT, "..", "shared", "scenarios")
if not os.path.isdir(os.path.join(SHARED, "seed")):
    print("shared scenarios not found: skipped")
    sys.exit(77)
SEED, SAMPLES = os.path.join(SHARED, "seed"), os.path.join(SHARED, "samples")
N1 = int(os.environ.get("YG_OUTAGE_N", "500"))
N2 = 200
OUTAGE_S = float(os.environ.get("YG_OUTAGE_S", "60"))

P_HOOK, P_MMHOOK, P_MMAPI, P_SLACK = "/native/wazuh", "/hooks/mm", "/api/v4/posts", "/slack"
PATHS = (P_HOOK, P_MMHOOK, P_MMAPI, P_SLACK)
FLOW = re.compile(r'"flow_id": (\d+)')


def log_text(home):
    try:
        with open(os.path.join(home, "logs", "yagura.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Alerts:
    """alerts.json read incrementally: the 86611 alerts, flow_id -> alert id."""

    def __init__(self, home):
        self.path = os.path.join(home, "logs", "alerts", "alerts.json")
        self.off = 0
        self.ids = []            # 86611 alert ids in alerts.json order
        self.flow_to_id = {}
        self.dup_flows = 0       # one EVE record alerted twice

    def update(self):
        if not os.path.exists(self.path):
            return self
        with open(self.path, "rb") as f:
            f.seek(self.off)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.off += end
        for line in data[:end].split(b"\n"):
            if not line:
                continue
            a = json.loads(line)
            if a["rule"]["id"] != "86611":
                continue
            flow = json.loads(a["full_log"])["flow_id"]
            if flow in self.flow_to_id:
                self.dup_flows += 1
            self.flow_to_id[flow] = a["id"]
            self.ids.append(a["id"])
        return self


def eve_records(first, n):
    """n distinct Suricata alerts with metadata.severity ["high"] (-> 86611),
    each from its own source address, flow_id first..first+n-1."""
    with open(os.path.join(SAMPLES, "suricata-eve.json")) as f:
        base = json.loads(f.readline())
    assert base["alert"]["metadata"]["severity"] == ["high"]
    out = []
    for i in range(first, first + n):
        r = json.loads(json.dumps(base))
        r["flow_id"] = 7000000000 + i
        r["src_ip"] = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        r["src_port"] = 1024 + i % 60000
        r["alert"]["signature"] = f"yagura outage test {i}"
        r["alert"]["signature_id"] = 3000000 + i
        out.append(json.dumps(r, separators=(",", ":")) + "\n")
    return out


def request_alert_id(path, req, al):
    """The alert id of a request: webhook "id", slack "ts", Mattermost by
    the flow_id in its pretty-printed log."""
    j = req.json()
    if j is None:
        return None
    if path == P_HOOK:
        return j.get("id")
    if path == P_SLACK:
        return j["attachments"][0].get("ts")
    m = FLOW.search(j.get("text") if path == P_MMHOOK else j.get("message", ""))
    return al.flow_to_id.get(int(m.group(1))) if m else None


def tally(rec, al, ids):
    """{path: (missing, duplicates, order_ok, unknown)} over the alert ids
    `ids` (in alert order)."""
    out = {}
    want = set(ids)
    for p in PATHS:
        got = [request_alert_id(p, r, al) for r in rec.received(p)]
        c = collections.Counter(x for x in got if x in want)
        missing = [i for i in ids if c[i] == 0]
        dups = sum(v - 1 for v in c.values() if v > 1)
        firsts = []
        seen = set()
        for x in got:
            if x in want and x not in seen:
                seen.add(x)
                firsts.append(x)
        unknown = [x for x in got if x is None]
        out[p] = (missing, dups, firsts == [i for i in ids if i in seen], unknown)
    return out


def all_arrived(rec, al, ids):
    want = set(ids)
    for p in PATHS:
        got = {request_alert_id(p, r, al) for r in rec.received(p)}
        if not want <= got:
            return False
    return True


def outbox_states(home):
    db = sqlite3.connect(os.path.join(home, "var", "db", "outbox.db"))
    try:
        return dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    finally:
        db.close()


class Manager:
    def __init__(self, conf, home):
        self.conf, self.home, self.proc, self.errs = conf, home, None, ""

    def start(self):
        # Ready at YG-1001 "started": the collector has opened eve.json by
        # then. (YG-1004 without FIM comes before the collector opens its
        # files, and a line appended in between would be skipped by
        # only-future-events.)
        opened = "YG-1001 started"
        n = log_text(self.home).count(opened)
        # stderr to a file: a pipe nobody reads could fill and stop the manager
        self.errf = open(os.path.join(self.home, "stderr.txt"), "w+")
        self.proc = subprocess.Popen([YAGURA, "manager", "-c", self.conf, "-D", self.home, "-f"],
                                     stdout=subprocess.DEVNULL, stderr=self.errf, text=True)
        ok = wait_for(lambda: log_text(self.home).count(opened) > n or
                      self.proc.poll() is not None, 60)
        if not ok or self.proc.poll() is not None:
            # cannot go on without a manager
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.errs += self._read_err()
            self.proc = None
            check("manager starts", False, self.errs[-3000:] + log_text(self.home)[-3000:])
            rec.stop()
            finish()
        return True

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.errs += self._read_err()
        self.proc = None
        return rc

    def _read_err(self):
        self.errf.seek(0)
        text = self.errf.read()
        self.errf.close()
        return text


t_start = time.monotonic()
rec = Receiver().start()
with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    eve = EVE = os.path.join(tmp, "eve.json")
    open(eve, "w").close()
    # the article's local rules and decoders, unchanged (no paths in them
    # matter here)
    for sub, name in (("rules", "local_rules.xml"), ("decoders", "local_decoder.xml")):
        os.makedirs(os.path.join(home, "etc", sub))
        with open(os.path.join(SEED, name)) as f:
            text = f.read()
        with open(os.path.join(home, "etc", sub, name), "w") as f:
            f.write(text)
    conf = os.path.join(home, "etc", "ossec.conf")

    def integration(name, url, extra=""):
        return f"""
  <integration>
    <name>{name}</name>
    <hook_url>{url}</hook_url>
    <level>7</level>
    <group>malware,ids,attack,attacks,</group>
    <alert_format>json</alert_format>
    <retry_min>500ms</retry_min>
    <retry_max>2s</retry_max>
    <max_retries>1000</max_retries>{extra}
  </integration>"""

    MM_API_EXTRA = '<api_key>t</api_key><options>{"channel_id":"abc"}</options>'
    with open(conf, "w") as f:
        f.write(f"""<ossec_config>
  <localfile>
    <log_format>json</log_format>
    <location>{eve}</location>
  </localfile>
  <ruleset>
    <decoder_dir>{ROOT}/ruleset/decoders</decoder_dir>
    <rule_dir>{ROOT}/ruleset/rules</rule_dir>
    <decoder_dir>etc/decoders</decoder_dir>
    <rule_dir>etc/rules</rule_dir>
  </ruleset>
{integration("webhook", rec.url(P_HOOK), "<api_key>k</api_key>")}
{integration("mattermost", rec.url(P_MMHOOK))}
{integration("mattermost", rec.base, MM_API_EXTRA)}
{integration("slack", rec.url(P_SLACK))}
</ossec_config>
""")
    mgr = Manager(conf, home)
    al = Alerts(home)
    try:
        check("manager started", mgr.start(), log_text(home)[-3000:])
        # A first alert while the receiver is up: the path works.
        with open(eve, "a") as f:
            f.writelines(eve_records(0, 1))
        wait_for(lambda: al.update().ids, 20)
        first = list(al.ids)
        check("receiver up: the first alert reaches all 4 integrations",
              len(first) == 1 and wait_for(lambda: all_arrived(rec, al, first), 20),
              str({p: len(rec.received(p)) for p in PATHS}))

        # ---- phase 1: 60 s outage, SIGTERM + start in the middle
        rec.stop()
        t_down = time.monotonic()
        half = N1 // 2
        with open(eve, "a") as f:
            f.writelines(eve_records(1, half))
        wait_for(lambda: len(al.update().ids) >= 1 + half, 60, 0.2)
        check(f"phase 1: {half} alerts committed while the receiver is down",
              len(al.ids) == 1 + half, str(len(al.ids)))
        time.sleep(1.0)  # some retries fail meanwhile
        rc = mgr.stop(signal.SIGTERM)
        check("phase 1: SIGTERM during the outage: clean exit", rc == 0, mgr.errs[-2000:])
        # the other half arrives while the manager is stopped
        with open(eve, "a") as f:
            f.writelines(eve_records(1 + half, N1 - half))
        check("phase 1: manager started again", mgr.start(), log_text(home)[-3000:])
        wait_for(lambda: len(al.update().ids) >= 1 + N1, 60, 0.2)
        check(f"phase 1: all {N1} alerts committed", len(al.ids) == 1 + N1 and
              al.dup_flows == 0, f"{len(al.ids)} alerts, {al.dup_flows} records twice")
        st = outbox_states(home)
        print(f"     outbox during the outage: {st}")
        check("phase 1: nothing reached the receiver while it was down (it was down)",
              all(len(rec.received(p)) == 1 for p in PATHS))
        check("phase 1: nothing dead during the outage", st.get(3, 0) == 0, str(st))
        rest = OUTAGE_S - (time.monotonic() - t_down)
        if rest > 0:
            time.sleep(rest)
        print(f"     receiver down for {time.monotonic() - t_down:.1f} s")
        rec.start()
        t_up = time.monotonic()
        ids1 = list(al.ids)
        ok = wait_for(lambda: all_arrived(rec, al, ids1), 60, 0.2)
        print(f"     all messages arrived {time.monotonic() - t_up:.1f} s after the receiver "
              f"came back")
        for p in PATHS:
            ts = sorted(r.time - t_up for r in rec.received(p) if r.time > t_up)
            if ts:
                print(f"     {p}: first at +{ts[0]:.2f} s, half at +{ts[len(ts) // 2]:.2f} s, "
                      f"last at +{ts[-1]:.2f} s")
        ilines = [l for l in log_text(home).splitlines() if "integrations:" in l]
        print(f"     {len(ilines)} integration messages in yagura.log; the last ones:")
        for l in ilines[-6:]:
            print("       " + l[:220])
        time.sleep(2.0)  # a duplicate would come now
        prev = {}
        for p, (missing, dups, order, unknown) in tally(rec, al, ids1).items():
            prev[p] = dups
            print(f"     {p}: {len(rec.received(p))} requests for {len(ids1)} alerts, "
                  f"{len(missing)} missing, {dups} duplicated")
            check(f"phase 1 {p}: every alert exactly once ({len(ids1)})",
                  not missing and not dups and not unknown,
                  f"missing {missing[:5]}..., {dups} dups, {len(unknown)} unknown")
            check(f"phase 1 {p}: in alert order", order)
        st = outbox_states(home)
        check("phase 1: outbox: every row delivered", st == {2: 4 * len(ids1)}, str(st))

        # ---- phase 2a: kill -9 while the receiver is down and alerts are committed
        rec.stop()
        with open(eve, "a") as f:
            f.writelines(eve_records(1 + N1, N2))
        wait_for(lambda: len(al.update().ids) >= 1 + N1 + N2 // 3, 30, 0.02)
        mgr.stop(signal.SIGKILL)
        n_at_kill = len(al.update().ids) - (1 + N1)
        print(f"     SIGKILL after {n_at_kill} of {N2} alerts were in alerts.json; outbox then "
              f"{outbox_states(home)} (2: delivered, 0: pending)")
        check("phase 2: manager started again after SIGKILL", mgr.start(), log_text(home)[-3000:])
        wait_for(lambda: len(al.update().ids) >= 1 + N1 + N2, 60, 0.2)
        check(f"phase 2: all {N2} alerts committed once", len(al.ids) == 1 + N1 + N2 and
              al.dup_flows == 0, f"{len(al.ids)} alerts, {al.dup_flows} records twice")
        time.sleep(2.0)
        rec.start()
        ids2 = list(al.ids)
        ok = wait_for(lambda: all_arrived(rec, al, ids2), 60, 0.2)
        time.sleep(2.0)
        for p, (missing, dups, order, unknown) in tally(rec, al, ids2).items():
            dups, prev[p] = dups - prev[p], dups
            print(f"     {p}: {len(missing)} missing, {dups} duplicated of {len(ids2)}")
            check(f"phase 2 {p}: every alert exactly once after SIGKILL during the outage",
                  not missing and not dups and not unknown,
                  f"missing {missing[:5]}..., {dups} dups, {len(unknown)} unknown")
            check(f"phase 2 {p}: in alert order", order)
        st = outbox_states(home)
        check("phase 2: outbox: every row delivered", st == {2: 4 * len(ids2)}, str(st))
        print("     " + (" / ".join(l.split("YG-")[-1] for l in log_text(home).splitlines()
                                 if "offered" in l) or "no alert offered again at start"))

        # ---- phase 2b: kill -9 while messages are being delivered (at-least-once)
        rec.stop()
        with open(eve, "a") as f:
            f.writelines(eve_records(1 + N1 + N2, N2))
        wait_for(lambda: len(al.update().ids) >= 1 + N1 + 2 * N2, 60, 0.2)
        rec.start()
        ids3 = list(al.ids)
        n_before = len(rec.requests)
        wait_for(lambda: len(rec.requests) - n_before >= 2 * N2, 30, 0.005)
        mgr.stop(signal.SIGKILL)
        print(f"     SIGKILL after {len(rec.requests) - n_before} of {4 * N2} deliveries")
        check("phase 3: manager started again after SIGKILL during delivery", mgr.start(),
              log_text(home)[-3000:])
        wait_for(lambda: all_arrived(rec, al, ids3), 60, 0.2)
        time.sleep(2.0)
        for p, (missing, dups, order, unknown) in tally(rec, al, ids3).items():
            dups, prev[p] = dups - prev[p], dups
            print(f"     {p}: {len(missing)} missing, {dups} duplicated of {len(ids3)}")
            check(f"phase 3 {p}: none missing after SIGKILL during delivery",
                  not missing and not unknown, f"missing {missing[:5]}, {len(unknown)} unknown")
            check(f"phase 3 {p}: at most the message in flight sent twice (at-least-once)",
                  dups <= 1, f"{dups} duplicates")
        st = outbox_states(home)
        check("phase 3: outbox: every row delivered", st == {2: 4 * len(ids3)}, str(st))
    finally:
        if mgr.proc:
            rc = mgr.stop(signal.SIGTERM)
            check("final SIGTERM: clean exit", rc == 0, mgr.errs[-3000:])
        rec.stop()
    check("no sanitizer report", "ERROR: AddressSanitizer" not in mgr.errs and
          "runtime error:" not in mgr.errs, mgr.errs[-3000:])
    print(f"     total {time.monotonic() - t_start:.1f} s")
finish()
