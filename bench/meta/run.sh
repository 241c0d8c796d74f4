#!/usr/bin/env bash
# Reproduces the tables of bench/meta/README.md § Results (CPU, 2 cores), from anywhere.
# Usage: bench/meta/run.sh [OUTDIR]   (default /tmp/neuralem-meta)
# Step counts do not depend on the machine's load; the seconds of the "Done when" fits and of the demo are
# taken in /work/bin/bench-quiet windows when it exists (it prints the load average before and after).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-meta}
mkdir -p "$OUT/bin"
# The binary is called neuralem so that bench-quiet windows pause it.
go build -o "$OUT/bin/neuralem" ./neuralem/cmd/neuralem
go build -o "$OUT/bin/heldout" ./bench/meta/heldout
QUIET=()
if [ -x /work/bin/bench-quiet ]; then QUIET=(/work/bin/bench-quiet); fi

# 1. Held-out steps to MSE 1e-4, learned vs random (the cpu preset's network and Adam: §§ 1, (a)),
#    then with K-FAC (§ (h)).
nice -n 10 "$OUT/bin/heldout" -sets default,emd2566,emd20026,sim | tee "$OUT/heldout.md"
nice -n 10 "$OUT/bin/heldout" -sets default,emd2566,emd20026,sim -optimizer kfac -cap 300 | tee "$OUT/heldout_kfac.md"

# 2. The issue's "Done when": the shipped default fitted from each initialisation (the cpu preset as
#    shipped: learned is its default, fitted with K-FAC; random weights are fitted with Adam), then the demo end to end, in one bench-quiet window, two rounds
#    alternating learned and random (fresh outputs: fit and demo resume an existing file).
D=neuralem/testdata/default/emd20026_crop.mrc.gz
donewhen() {
  for round in 1 2; do
    for init in learned random; do
      rm -rf "$OUT/$init.nem" "$OUT/demo_$init"
      /usr/bin/time -f "round $round fit $init wall %e s" "$OUT/bin/neuralem" fit "$D" --init $init --json -o "$OUT/$init.nem" > "$OUT/fit_${init}_$round.json"
      /usr/bin/time -f "round $round demo $init wall %e s" "$OUT/bin/neuralem" demo --init $init --json -o "$OUT/demo_$init" > "$OUT/demo_${init}_$round.json"
    done
  done 2>&1 | grep wall
}
export -f donewhen
export OUT D
"${QUIET[@]}" bash -c donewhen | tee "$OUT/donewhen.txt"

# 3. Interpolation (§3.1) on the held-out simulated models, 24-voxel cubes (8 regions of ≤ 16³ each),
#    learned vs random initialisation, beside aligned trilinear and cubic B-spline. No wall-clock cap
#    (--max-time 1000h), so that the results do not depend on the load.
nice -n 10 "$OUT/bin/neuralem" experiment interp -models 7a4m,2src,1d66,9mqm -crop-voxels 24 -preset cpu \
  -max-time 1000h -inits learned,random -checkpoint-dir "$OUT/ckpt" -o "$OUT/interp_heldout"
