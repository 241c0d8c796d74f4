#!/usr/bin/env bash
# Docker HEALTHCHECK of the neuralem images. Healthy when the neuralem binary runs and,
# if a Jupyter server was started by 'entrypoint.sh notebook', it answers on its port.
# With a GPU backend (GOMLX_BACKEND=xla:cuda…) an NVIDIA device must be visible too.
set -euo pipefail
bin="${NEURALEM_BIN:-neuralem}"

"$bin" --help >/dev/null 2>&1 || { echo "healthcheck: '$bin --help' failed" >&2; exit 1; }

case "${GOMLX_BACKEND:-go}" in
  xla:cuda* | xla:gpu* | cuda*)
    compgen -G '/dev/nvidia[0-9]*' >/dev/null || { echo "healthcheck: GOMLX_BACKEND=${GOMLX_BACKEND} and no /dev/nvidia0" >&2; exit 1; }
    ;;
  *) ;;
esac

# Check the notebook server only if one is running.
if pgrep -f 'jupyter.notebook|jupyter-notebook' >/dev/null 2>&1; then
  port="${NEURALEM_NOTEBOOK_PORT:-8888}"
  /usr/bin/python3 - "$port" <<'PY' || { echo "healthcheck: Jupyter does not answer on port $port" >&2; exit 1; }
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/api" % sys.argv[1], timeout=10).read()
PY
fi
