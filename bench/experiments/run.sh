#!/usr/bin/env bash
# Reproduces the tables of bench/experiments/README.md (CPU, 2 cores).
# Usage: bench/experiments/run.sh [OUTDIR]   (default /tmp/neuralem-experiments)
# Once `neuralem experiment interp|graph` exists, the same runs are
#   go run ./neuralem/cmd/neuralem experiment interp ...  (same options).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-experiments}
mkdir -p "$OUT"
go build -o "$OUT/neuralem" ./neuralem/cmd/neuralem
X=("$OUT/neuralem" experiment)
# The network of the measured runs: the "cpu" preset as it was then (width 64, 2 hidden sine layers,
# lr 1e-3, 10 min per region), capped at 600 steps. siren's "cpu" preset has since become 128/3/5e-4.
# They started from random weights (before the learned initialisation): -init random reproduces them.
NET=(-width 64 -hidden-layers 2 -lr 1e-3 -max-time 10m -max-steps 600 -region-size 64 -low-loss 1e-5 -init random)

# 1. Interpolation (§3.1): 7 models, a 24-voxel cube per model, width-64 SIREN capped at 600 steps.
"${X[@]}" interp -models 5gob,1CRN,4oz7,1blu,1d66,9mqm,7l2i -crop-voxels 24 -preset cpu "${NET[@]}" \
  -checkpoint-dir "$OUT/ckpt" -o "$OUT/interp_cpu_v24"

# 2. Graphs (§3.2) from the B-spline of every whole map (all five pairs), with timings.
"${X[@]}" graph -o "$OUT/graph_bspline"

# 3. Graphs from neural maps fitted on crops (width-64 SIREN, 600 steps per region), with
#    the B-spline of the same crop: EMD-20026 on a 24 Å cube (37 voxels of 0.65 Å),
#    EMD-2566 on a 32 Å cube (24 voxels of 1.34 Å).
"${X[@]}" graph -pairs EMD-20026 -fit-neural -neural-crop 24 -preset cpu "${NET[@]}" \
  -checkpoint-dir "$OUT/ckpt" -o "$OUT/graph_neural_20026"
"${X[@]}" graph -pairs EMD-2566 -fit-neural -neural-crop 32 -preset cpu "${NET[@]}" \
  -checkpoint-dir "$OUT/ckpt" -o "$OUT/graph_neural_2566"
