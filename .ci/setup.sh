#!/usr/bin/env bash
# Installs what neuralem's build, tests and main job need on a fresh Debian machine
# (the reference tools the tests compare against), then downloads Go modules and installs
# the pinned staticcheck.
# Idempotent: a second run installs nothing and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages used as independent references by the tests (run with /usr/bin/python3).
# chromium checks that notebook charts draw; libjs-requirejs loads RequireJS as Jupyter pages do.
APT_PACKAGES=(python3-gemmi python3-mrcfile python3-numpy python3-scipy python3-sklearn python3-networkx
  chromium libjs-requirejs
  slurm-wlm munge shellcheck python3-yaml)   # docker/: a real local Slurm cluster, script lint, k8s YAML

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

echo "setup: downloading Go modules"
go mod download

# staticcheck, pinned here (the one place: internal/lint's test reads this line and runs this
# version on ./..., configured by staticcheck.conf).
STATICCHECK_VERSION=0.8.2
gobin="$(go env GOBIN)"
if [ -z "$gobin" ]; then gobin="$(go env GOPATH | cut -d: -f1)/bin"; fi
if "$gobin/staticcheck" -version 2>/dev/null | grep -qF "($STATICCHECK_VERSION)"; then
  echo "setup: staticcheck $STATICCHECK_VERSION present"
else
  echo "setup: installing staticcheck $STATICCHECK_VERSION into $gobin"
  go install "honnef.co/go/tools/cmd/staticcheck@v$STATICCHECK_VERSION"
fi

# The Jupyter kernel (GoNB), ECharts bundles and kernelspec: the notebooks are tested like code.
bash kernels/setup.sh
echo "setup: done"
