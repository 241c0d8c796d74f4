#!/usr/bin/env bash
# Starts the classic Jupyter Notebook server on the repository's notebooks/ with the gonb kernel.
# Run kernels/setup.sh first. Extra arguments go to jupyter (e.g. --port 8889 --ip 0.0.0.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gopath="$(go env GOPATH)"
export PATH="$gopath/bin:$PATH" GOEXPERIMENT=simd
command -v gonb >/dev/null || { echo "kernels/notebook: gonb is not installed; run: bash kernels/setup.sh" >&2; exit 1; }
# (Read the list first: with pipefail, grep -q closing the pipe early would fail the check.)
specs="$(/usr/bin/python3 -m jupyter kernelspec list 2>/dev/null || true)"
grep -q '\bgonb\b' <<<"$specs" || { echo "kernels/notebook: the gonb kernel is not registered; run: bash kernels/setup.sh" >&2; exit 1; }
cd "$here/../notebooks"
/usr/bin/python3 -m jupyter trust ./*.ipynb >/dev/null 2>&1 || true
root=()
# Jupyter refuses to start as root without --allow-root (containers and CI machines run as root).
if [ "$(id -u)" = 0 ]; then root=(--allow-root); fi
exec /usr/bin/python3 -m jupyter notebook --no-browser "${root[@]}" --NotebookApp.notebook_dir="$PWD" "$@"
