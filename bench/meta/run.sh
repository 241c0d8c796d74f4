#!/usr/bin/env bash
# Reproduces the tables of bench/meta/README.md (CPU, 2 cores), from the repository root's parent or anywhere.
# Usage: bench/meta/run.sh [OUTDIR]   (default /tmp/neuralem-meta)
# Step counts do not depend on the machine's load; the seconds of the "Done when" fits are taken in
# /work/bin/bench-quiet windows when it exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-meta}
mkdir -p "$OUT"
go build -o "$OUT/neuralem" ./neuralem/cmd/neuralem
go build -o "$OUT/heldout" ./bench/meta/heldout
QUIET=()
if [ -x /work/bin/bench-quiet ]; then QUIET=(/work/bin/bench-quiet); fi

# 1. Held-out steps to MSE 1e-4, learned vs random (the cpu preset's network and Adam).
nice -n 10 "$OUT/heldout" -sets default,emd2566,emd20026,sim | tee "$OUT/heldout.md"

# 2. The issue's "Done when": the shipped default fitted from each initialisation (the cpu preset as shipped).
D=neuralem/testdata/default/emd20026_crop.mrc.gz
rm -f "$OUT/learned.nem" "$OUT/random.nem"
"${QUIET[@]}" "$OUT/neuralem" fit "$D" --init learned --json -o "$OUT/learned.nem" | tee "$OUT/fit_learned.json"
"${QUIET[@]}" "$OUT/neuralem" fit "$D" --init random --json -o "$OUT/random.nem" | tee "$OUT/fit_random.json"

# 3. Interpolation (§3.1) on the held-out simulated models, 24-voxel cubes (8 regions of 16³ each),
#    learned vs random initialisation, beside aligned trilinear and cubic B-spline.
for init in learned random; do
  nice -n 10 "$OUT/neuralem" experiment interp -models 7a4m,2src,1d66,9mqm -crop-voxels 24 -preset cpu -init "$init" \
    -checkpoint-dir "$OUT/ckpt" -o "$OUT/interp_$init"
done
