#!/usr/bin/env python3
"""A local SMTP receiver for the tests: Python 3.11's smtpd module on
127.0.0.1:PORT; every message received is appended to OUT as one JSON line
{"from", "to", "data"}. Usage: smtprecv.py PORT OUT (stopped by SIGTERM)."""
import json
import signal
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore  # noqa: E402
    import smtpd  # noqa: E402

PORT, OUT = int(sys.argv[1]), sys.argv[2]


class Receiver(smtpd.SMTPServer):
    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        with open(OUT, "a") as f:
            f.write(json.dumps({"from": mailfrom, "to": rcpttos, "data": data}) + "\n")
            f.flush()
        return None


signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
Receiver(("127.0.0.1", PORT), None, decode_data=False)
print("ready", flush=True)
asyncore.loop(timeout=0.2)
