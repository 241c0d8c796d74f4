#!/usr/bin/env bash
# Sets up the GoNB Jupyter kernel for neuralem's notebooks on a fresh Debian machine.
#
#   bash kernels/setup.sh          # install everything (idempotent)
#   bash kernels/notebook.sh       # then start the notebook server on notebooks/
#
# Installs: Jupyter (Debian packages; run by /usr/bin/python3), GoNB and goimports
# (pinned in kernels/tools/go.mod, because the module proxy refuses GoNB's version
# list), the ECharts JavaScript (npm, pinned in kernels/js/package.json, read from
# disk and inlined by neuralem/charts so charts render offline), and a kernelspec
# named "gonb" whose environment sets GOEXPERIMENT=simd and the GoMLX backend.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

say() { echo "kernels/setup: $*"; }

# 1. Jupyter from Debian.
APT=(jupyter-notebook jupyter-nbconvert jupyter-client jupyter-nbformat python3-ipykernel)
missing=()
for p in "${APT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Jupyter packages present"
fi

# 2. GoNB and goimports, pinned by the tools module.
GOBIN="$(go env GOPATH)/bin"
export PATH="$GOBIN:$PATH"
if ! command -v gonb >/dev/null || ! command -v goimports >/dev/null; then
  say "installing gonb and goimports into $GOBIN"
  (cd "$here/tools" && go install github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
else
  say "gonb and goimports present"
fi

# 3. ECharts bundles (offline charts).
if [ ! -f "$here/js/node_modules/echarts/dist/echarts.min.js" ] || [ ! -f "$here/js/node_modules/echarts-gl/dist/echarts-gl.min.js" ]; then
  say "installing echarts and echarts-gl with npm"
  (cd "$here/js" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
else
  say "echarts present"
fi

# 4. The kernelspec, with the environment builds need.
say "registering the gonb kernel"
gonb --install --force_deps --logtostderr >/dev/null 2>&1 || gonb --install --force_deps
datadir="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}"
spec="$datadir/kernels/gonb/kernel.json"
[ -f "$spec" ] || { echo "kernels/setup: gonb did not write $spec" >&2; exit 1; }
/usr/bin/python3 - "$spec" "$GOBIN" "$here/js/node_modules" <<'PY'
import json, os, sys
spec, gobin, js = sys.argv[1:4]
k = json.load(open(spec))
env = k.setdefault("env", {})
env["GOEXPERIMENT"] = "simd"
# The backend: the user's choice if set (e.g. xla:cuda), else none, so the
# notebooks use siren.DefaultBackendConfig (the Go backend, ops run one
# after another: compute v0.1.5's parallel op scheduler can deadlock).
if os.environ.get("GOMLX_BACKEND"):
    env["GOMLX_BACKEND"] = os.environ["GOMLX_BACKEND"]
else:
    env.pop("GOMLX_BACKEND", None)
env["NEURALEM_JS_DIR"] = js
parts = [gobin, "/usr/local/go/bin"] + os.environ.get("PATH", "/usr/bin:/bin").split(":")
env["PATH"] = ":".join(dict.fromkeys(p for p in parts if p))
json.dump(k, open(spec, "w"), indent=2)
PY
say "kernel ready: $spec (GOEXPERIMENT=simd, GOMLX_BACKEND=${GOMLX_BACKEND:-unset, so the default Go backend})"
say "start the server with: bash kernels/notebook.sh"
