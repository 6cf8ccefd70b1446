#!/usr/bin/env bash
# Notebooks, library and README must agree: exporting and cleaning must change nothing.
# On CI (a fresh clone) the tree must also be clean afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
snapshot() { git status --porcelain --untracked-files=all; git diff | sha1sum; }
before=$(snapshot)
nbdev-export
nbdev-clean
python tools/readme.py
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "OUT OF SYNC: nbdev-export / nbdev-clean / tools/readme.py changed these files:" >&2
  git status --porcelain --untracked-files=all | sed 's/^/  /' >&2
  echo "Commit the regenerated files together with the notebooks." >&2
  exit 1
fi
if [ -n "${CI:-}" ] && [ -n "$(git status --porcelain)" ]; then
  echo "OUT OF SYNC: the tree is not clean after export and clean:" >&2
  git status --porcelain >&2
  exit 1
fi
echo "sync check: notebooks, library and README agree"
