#!/usr/bin/env bash
# Reproduces the tables of bench/experiments/README.md (CPU, 2 cores), one command each.
# Usage: bench/experiments/run.sh [OUTDIR] [STEP...]
#   OUTDIR defaults to /tmp/neuralem-experiments; STEPs are any of
#   interp noise graph graph-random verdict earlier (default: interp noise graph graph-random verdict).
# The full-size outputs of 1 Dec 2026 are in bench/experiments/results/ (README there).
# Fitted neural maps are checkpointed in OUTDIR/ckpt (keyed by map values, tiling, network and
# initialisation), so a killed run resumes where it stopped.
#
# Every neural fit here runs without a wall-clock cap (--max-time 1000h): on a shared machine a
# time cap makes results depend on the load; the cpu preset's step cap (2000 per region) and its
# stop rule (natural fit point below 4e-4, exit below 1e-4) decide.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-experiments}
shift || true
STEPS=${*:-interp noise graph graph-random verdict}
mkdir -p "$OUT/bin"
# The binary is called neuralem so that bench-quiet windows pause it.
go build -o "$OUT/bin/neuralem" ./neuralem/cmd/neuralem
X=(nice -n 10 "$OUT/bin/neuralem" experiment)
CPU=(-preset cpu -max-time 1000h -checkpoint-dir "$OUT/ckpt")
INITS=${INITS:-random,learned}

for step in $STEPS; do
  case $step in
  interp)
    # §3.1 / Fig. 5 on all 14 simulated models: the whole input map when it has at most
    # 24 000 voxels, else the largest cube within that budget (every model's map is larger:
    # a 27-voxel cube, 2 × 2 × 2 = 8 cpu-preset regions, around the atom nearest the model's
    # centre); both initialisations; errors on a reproducible 25 % of the non-zero 0.2 Å
    # control voxels plus every control peak. 13 min on 2 shared cores (README, issue 14).
    # INTERP_MODELS=a,b runs a subset (empty: all 14).
    "${X[@]}" interp "${CPU[@]}" -models "${INTERP_MODELS-}" -max-input-voxels ${INTERP_VOXELS:-24000} \
      -control-fraction 0.25 -inits "$INITS" -o "$OUT/interp"
    ;;
  noise)
    # Noise experiment: every model, a 15-voxel cube (one cpu-preset region), white and
    # band-limited noise at peak/σ 1, 3, 10 and ∞, low-pass factors 0.5, 1 (the matched rule), 2;
    # errors on a reproducible 25 % of the non-zero 0.2 Å control voxels plus every peak
    # (scoring all of them took 2–3 min per model on the shared machine, the fits ~1 min).
    "${X[@]}" noise "${CPU[@]}" -crop-voxels 15 -control-fraction 0.25 -snrs 1,3,10,inf -noise white,band -lowpass 0.5,1,2 -noise-seed 1 \
      -inits "$INITS" -o "$OUT/noise"
    ;;
  graph)
    # §3.2 / Table 1 / Fig. 6: neural maps of every whole map (learned initialisation; both
    # cores), graphs from the neural field and the whole-map B-spline at the same whole-map
    # threshold, scored per chain. --model-margin 6 fits and walks the map within 6 Å of the
    # model's bounding box, normalised as the whole map: for the masked maps (EMD-20026,
    # EMD-2566, EMD-0093, masked within 4 Å or less of their models) that is all of their
    # density. Regions with no density (all zeros outside a mask) are set exactly, not trained.
    # GRAPH_PAIRS=a,b runs a subset (empty: all five). "learned" is the binary's shipped init:
    # results/graph.json was made with the previous, voxel-only one (binary f0aeb85); since 11208f0 it
    # is the off-grid one, and results/graph_shipped_emd2566.json / _emd20026.json are this step
    # with GRAPH_PAIRS=EMD-2566, then GRAPH_PAIRS=EMD-20026 (binary fc0518e).
    "${X[@]}" graph "${CPU[@]}" -fit-neural -model-margin 6 -inits learned \
      -pairs "${GRAPH_PAIRS-}" -o "$OUT/graph"
    ;;
  graph-random)
    # The same whole-map graphs of the two held-out near-atomic maps from the random
    # initialisation: are the neural graph's extra nodes the learned prior's?
    "${X[@]}" graph "${CPU[@]}" -fit-neural -model-margin 6 -inits random \
      -pairs EMD-2566,EMD-20026 -o "$OUT/graph_random"
    ;;
  verdict)
    "${X[@]}" verdict -interp-json "$OUT/interp.json" -noise-json "$OUT/noise.json" -graph-json "$OUT/graph.json" \
      -o "$OUT/verdict"
    ;;
  earlier)
    # The earlier tables (README "Earlier runs"): 24-voxel crops, the cpu network of the time
    # (width 64, 2 hidden, lr 1e-3) capped at 600 steps; B-spline graphs of the whole maps;
    # neural graphs of crops.
    NET=(-preset cpu -width 64 -hidden-layers 2 -lr 1e-3 -max-time 10m -max-steps 600 -region-size 64 -low-loss 1e-5)
    "${X[@]}" interp -models 5gob,1CRN,4oz7,1blu,1d66,9mqm,7l2i -crop-voxels 24 "${NET[@]}" \
      -checkpoint-dir "$OUT/ckpt" -o "$OUT/interp_cpu_v24"
    "${X[@]}" graph -o "$OUT/graph_bspline"
    "${X[@]}" graph -pairs EMD-20026 -fit-neural -neural-crop 24 "${NET[@]}" -checkpoint-dir "$OUT/ckpt" -o "$OUT/graph_neural_20026"
    "${X[@]}" graph -pairs EMD-2566 -fit-neural -neural-crop 32 "${NET[@]}" -checkpoint-dir "$OUT/ckpt" -o "$OUT/graph_neural_2566"
    ;;
  *)
    echo "run.sh: unknown step $step (want interp, noise, graph, graph-random, verdict, earlier)" >&2
    exit 2
    ;;
  esac
done
