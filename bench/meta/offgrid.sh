#!/usr/bin/env bash
# Reproduces bench/meta/README.md § "Off-grid supervision" (CPU, 2 cores), from anywhere:
# meta-trains the cpu preset's initialisation with off-grid points, then compares it with the
# shipped learned initialisation and random weights on held-out data (steps, the demo's graph,
# interpolation). Step counts, graphs and errors do not depend on the machine's load.
# Usage: bench/meta/offgrid.sh [OUTDIR] [M] [OUTER_STEPS]   (defaults /tmp/neuralem-offgrid, 4096, 400)
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-offgrid}
M=${2:-4096}
STEPS=${3:-400}
mkdir -p "$OUT/bin"
go build -o "$OUT/bin/neuralem" ./neuralem/cmd/neuralem
go build -o "$OUT/bin/heldout" ./bench/meta/heldout
INIT="$OUT/offgrid.nemi"
CTRL="$OUT/voxel$STEPS.nemi"

# Meta-training: the shipped init's split and settings, plus M off-grid points per region
# (resumable: rerunning continues the checkpoint); and the control, voxel centres only with the
# same schedule.
nice -n 15 "$OUT/bin/neuralem" meta-train --preset cpu --offgrid "$M" --steps "$STEPS" -o "$INIT" 2> "$OUT/train.log"
nice -n 15 "$OUT/bin/neuralem" meta-train --preset cpu --steps "$STEPS" -o "$CTRL" 2> "$OUT/train_control.log"

# (a) Held-out steps to MSE 1e-4 (random is printed too), and the shipped learned init.
nice -n 15 "$OUT/bin/heldout" -init "$INIT" -sets default,emd20026 | tee "$OUT/heldout_offgrid.md"
nice -n 15 "$OUT/bin/heldout" -init learned -random=false -sets default,emd20026 | tee "$OUT/heldout_learned.md"
nice -n 15 "$OUT/bin/heldout" -init "$CTRL" -random=false -sets default,emd20026 | tee "$OUT/heldout_control.md"

# (b) The demo's density graphs (fresh output directories: the demo resumes its fit).
for init in random learned "$INIT" "$CTRL"; do
  name=$(basename "$init" .nemi)
  rm -rf "$OUT/demo_$name"
  nice -n 15 "$OUT/bin/neuralem" demo --init "$init" --json -o "$OUT/demo_$name" > "$OUT/demo_$name.json"
done

# (c) Interpolation (§3.1) on the held-out simulated models, no wall-clock cap.
nice -n 15 "$OUT/bin/neuralem" experiment interp -models 7a4m,2src,1d66,9mqm -preset cpu -max-time 1000h \
  -crop-voxels 24 -control-fraction 0.25 -inits "random,learned,$INIT,$CTRL" -o "$OUT/interp_offgrid"
