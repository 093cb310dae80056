"""Shared helpers of the end-to-end test scripts: named checks, counted and
summarised with the closing line the test runners read."""
import sys

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
