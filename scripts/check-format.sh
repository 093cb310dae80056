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
# One clang-format for every file (a process per file is slow on a busy
# machine); its warnings name the files that differ.
mapfile -d '' files < <(find src tests fuzz bench -name '*.[ch]' -print0 | sort -z)
if out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
	echo "every C file matches .clang-format (${#files[@]} files)"
	exit 0
fi
bad=$(printf '%s\n' "$out" | grep -oE '^[^: ]+\.[ch]:[0-9]+:[0-9]+: (error|warning)' | cut -d: -f1 | sort -u)
for f in $bad; do
	echo "not formatted: $f (clang-format -i $f)"
done
echo "$(printf '%s\n' "$bad" | grep -c .) file(s) do not match .clang-format"
exit 1
