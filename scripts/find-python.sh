#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or explains that none was found.
set -u
candidates=(python3.13 python3.12 python3)
for dir in "$HOME"/.pyenv/versions/3.13* "$HOME"/.pyenv/versions/3.12* /usr/local/bin /usr/bin; do
  for name in python3.13 python3.12; do
    [ -x "$dir/bin/$name" ] && candidates+=("$dir/bin/$name")
    [ -x "$dir/$name" ] && candidates+=("$dir/$name")
  done
done
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
echo "No Python >= 3.12 found. Install python3.12 or python3.13 (Django 6 needs it)." >&2
exit 1
