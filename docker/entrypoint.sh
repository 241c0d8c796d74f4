#!/usr/bin/env bash
# Entrypoint of the neuralem container images (docker/cpu, docker/cuda). It also runs
# outside Docker (the tests run it on the CPU from a checkout), so it assumes nothing
# about the image beyond what it checks.
#
#   entrypoint.sh                       neuralem --help
#   entrypoint.sh fit MAP -o OUT.nem    a neuralem command (any of 'neuralem --help')
#   entrypoint.sh neuralem ARGS...      the same, explicitly
#   entrypoint.sh notebook [ARGS...]    Jupyter with the GoNB kernel on the notebooks
#   entrypoint.sh bash                  any other program, run as given
#
# Environment:
#   NEURALEM_BIN            the neuralem binary (default: 'neuralem' on PATH)
#   NEURALEM_REPO           the source tree with kernels/ and notebooks/ (default: this
#                           script's parent directory)
#   NEURALEM_NOTEBOOK_IP    address Jupyter listens on (default 0.0.0.0)
#   NEURALEM_NOTEBOOK_PORT  port Jupyter listens on (default 8888)
#   GOMLX_BACKEND           GoMLX backend: 'go:ops_sequential' (CPU image default) or 'xla:cuda' (CUDA
#                           image default; needs 'docker run --gpus all')
#   GOEXPERIMENT            set to 'simd' unless already set (notebook builds need it)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="${NEURALEM_REPO:-$(cd "$here/.." && pwd)}"
bin="${NEURALEM_BIN:-neuralem}"
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"

# The neuralem commands that may be given without the 'neuralem' prefix. The tests
# compare this list with the commands 'neuralem --help' prints.
commands=(crop demo eval experiment export fit graph info merge meta-train query simulate)

say() { echo "entrypoint: $*" >&2; }

usage() {
  cat <<'EOF'
neuralem container: 'COMMAND ARGS...' runs 'neuralem COMMAND ARGS...';
'notebook [jupyter args]' starts Jupyter (GoNB kernel) on the notebooks;
anything else is run as a program (e.g. 'bash').
EOF
}

# A GPU backend without a visible NVIDIA device fails deep inside PJRT; say why first.
check_backend() {
  case "${GOMLX_BACKEND:-go}" in
    xla:cuda* | xla:gpu* | cuda*)
      if ! compgen -G '/dev/nvidia[0-9]*' >/dev/null; then
        say "GOMLX_BACKEND=${GOMLX_BACKEND} but no NVIDIA GPU is visible (no /dev/nvidia0):" \
          "run the container with 'docker run --gpus all ...', or set GOMLX_BACKEND=go:ops_sequential for the CPU"
      fi
      ;;
    *) ;;
  esac
}

run_neuralem() {
  if ! command -v "$bin" >/dev/null 2>&1; then
    say "neuralem binary '$bin' not found (set NEURALEM_BIN to its path)"
    exit 127
  fi
  check_backend
  exec "$bin" "$@"
}

run_notebook() {
  local nb="$repo/kernels/notebook.sh"
  if [ ! -f "$nb" ]; then
    say "$nb not found (set NEURALEM_REPO to the neuralem source tree)"
    exit 127
  fi
  check_backend
  exec bash "$nb" --ip="${NEURALEM_NOTEBOOK_IP:-0.0.0.0}" --port="${NEURALEM_NOTEBOOK_PORT:-8888}" "$@"
}

if [ $# -eq 0 ]; then
  run_neuralem --help
fi

case "$1" in
  neuralem)
    shift
    if [ $# -eq 0 ]; then set -- --help; fi
    run_neuralem "$@"
    ;;
  notebook)
    shift
    run_notebook "$@"
    ;;
  help | -h | --help)
    usage
    run_neuralem --help
    ;;
  -*)
    run_neuralem "$@"
    ;;
  *) ;;
esac

for c in "${commands[@]}"; do
  if [ "$1" = "$c" ]; then
    run_neuralem "$@"
  fi
done

exec "$@"
