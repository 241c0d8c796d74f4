#!/usr/bin/env bash
# Starts the classic Jupyter Notebook server on the repository's notebooks/ with the gonb kernel.
# Run kernels/setup.sh first. Extra arguments go to jupyter (e.g. --port 8889 --ip 0.0.0.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gopath="$(go env GOPATH)"
export PATH="$gopath/bin:$PATH" GOEXPERIMENT=simd
command -v gonb >/dev/null || { echo "kernels/notebook: gonb is not installed; run: bash kernels/setup.sh" >&2; exit 1; }
/usr/bin/python3 -m jupyter kernelspec list 2>/dev/null | grep -q '\bgonb\b' || { echo "kernels/notebook: the gonb kernel is not registered; run: bash kernels/setup.sh" >&2; exit 1; }
cd "$here/../notebooks"
/usr/bin/python3 -m jupyter trust ./*.ipynb >/dev/null 2>&1 || true
exec /usr/bin/python3 -m jupyter notebook --no-browser --NotebookApp.notebook_dir="$PWD" "$@"
