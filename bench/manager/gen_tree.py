#!/usr/bin/env python3
"""gen_tree.py: writes a deterministic file tree for the FIM scan benchmark.

NFILES regular files under DIR, 100 per directory, directories two levels
deep (DIR/aNN/bNN/), named like a web application's (php, js, css, png...).
Sizes: 99 % uniform in 1-16 kB, 1 % uniform in 100 kB-1 MB (about 13.9 kB
on average: 100,000 files are about 1.4 GB). Content is pseudo-random bytes
from a seeded pool, so it does not compress and hashes differ.

Same arguments, same tree. --estimate only prints the expected total bytes.

Usage: gen_tree.py DIR NFILES [--seed N] [--estimate]
"""

import argparse
import os
import random
import sys

SMALL = (1024, 16384)
LARGE = (100 * 1024, 1024 * 1024)
LARGE_SHARE = 0.01
EXTS = ["php", "php", "php", "js", "css", "html", "png", "json", "twig", "yml"]


def estimate(n):
    """Expected total size in bytes of n files."""
    return int(n * ((1 - LARGE_SHARE) * sum(SMALL) / 2 + LARGE_SHARE * sum(LARGE) / 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("nfiles", type=int)
    ap.add_argument("--seed", type=int, default=20240303)
    ap.add_argument("--estimate", action="store_true")
    a = ap.parse_args()
    if a.estimate:
        print(estimate(a.nfiles))
        return 0
    rng = random.Random(a.seed)
    pool = rng.randbytes(2 * LARGE[1])
    total = 0
    for i in range(a.nfiles):
        d = os.path.join(a.dir, f"a{i // 10000:02d}", f"b{(i // 100) % 100:02d}")
        if i % 100 == 0:
            os.makedirs(d, exist_ok=True)
        if rng.random() < LARGE_SHARE:
            size = rng.randint(*LARGE)
        else:
            size = rng.randint(*SMALL)
        off = rng.randrange(0, len(pool) - size)
        with open(os.path.join(d, f"f{i:06d}.{EXTS[i % len(EXTS)]}"), "wb") as f:
            f.write(pool[off:off + size])
        total += size
    print(f"{a.nfiles} files, {total} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
