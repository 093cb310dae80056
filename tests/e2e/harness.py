"""Shared helpers of the end-to-end test scripts: named checks, counted and
summarised with the closing line the test runners read, and the small
helpers every script needs (ports, polling, files)."""
import os
import socket
import sys
import time

_failures = []
_passed = 0


def check(name, cond, detail=""):
    """Records one check; prints it, with `detail` when it failed."""
    global _passed
    if cond:
        _passed += 1
        print(f"ok   {name}")
    else:
        _failures.append(name)
        print(f"FAIL {name} {detail}")


def finish():
    """Prints 'N passed, N failed' and exits 1 when anything failed."""
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=10.0, step=0.1):
    """Polls pred() until it returns something true or timeout seconds pass;
    returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def text(path):
    """The file's text ('' when it does not exist); bad bytes replaced."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def write(path, content, mode=None):
    """Writes content to path, creating the directories; chmod when mode."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    if mode is not None:
        os.chmod(path, mode)
