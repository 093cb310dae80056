"""ui_paint_report.py: ui_paint.js's RESULT json (stdin) as BENCHMARKS.md
tables. Usage: ui_paint_report.py ALERTS_JSON_COUNT"""
import json
import sys

r = json.load(sys.stdin)


def f(x):
    return "-" if x is None else f"{x:.0f}"


print("| page | first paint p50 / max ms | data shown p50 / max ms | slowest API call, p50 / max ms |")
print("| --- | ---: | ---: | --- |")
for name, p in r["pages"].items():
    s = p["slowest"]
    call = f"{s[0]} ({s[1]:.0f} / {s[2]:.0f})" if s else "-"
    err = " (%d error states)" % p["errors"] if p["errors"] else ""
    print(f"| {name} | {f(p['fcp_p50'])} / {f(p['fcp_max'])} | {f(p['shown_p50'])} / {f(p['shown_max'])}{err} | {call} |")
l = r["live"]
print()
print("live (alerts page, last hour): %d sshd failures written at %d/s in %.1f s; %s of them in alerts.json; "
      "the API's total grew by %d while waiting; %d shown as a table row at least once; written -> row on screen "
      "p50 %s ms, p99 %s ms, max %s ms; the total shown at the end %d (the API: %d before, %d at the end)" % (
          l["sent"], l["rate"], l["wrote_s"], sys.argv[1], l["stored"], l["on_screen"], f(l["p50"]), f(l["p99"]),
          f(l["max"]), l["total_shown"], l["total_before"], l["total_api"]))
for n in r["notes"]:
    print("note: " + n)
