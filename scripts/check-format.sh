#!/usr/bin/env bash
# check-format.sh: fails when a C file of the tree does not match
# .clang-format (the meson test `clang-format` runs it; `clang-format -i
# FILE` fixes one). Lists every file that differs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null 2>&1 || {
	echo "check-format: clang-format not found (scripts/install-deps.sh installs it)" >&2
	exit 1
}
bad=0
while IFS= read -r -d '' f; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (clang-format -i $f)"
		bad=$((bad + 1))
	fi
done < <(find src tests fuzz bench -name '*.[ch]' -print0 | sort -z)
if ((bad)); then
	echo "$bad file(s) do not match .clang-format"
	exit 1
fi
echo "every C file matches .clang-format"
