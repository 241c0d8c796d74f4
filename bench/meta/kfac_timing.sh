#!/usr/bin/env bash
# Reproduces the timings of bench/meta/README.md § (i) and bench/siren/README.md § 10 (CPU, 2 cores), from anywhere.
# Usage: bench/meta/kfac_timing.sh [OUTDIR]   (default /tmp/neuralem-kfac)
# Two windows, each under /work/bin/bench-quiet when it exists (it prints the load average before and after):
#   1. the training-step benchmarks (Adam, Adam with the output layer solved, K-FAC; 3 rounds alternated), then
#      the issue's "Done when" fits of the shipped default (learned init = K-FAC, random = Adam; 2 rounds);
#   2. the demo, 3 rounds of learned + K-FAC, random + Adam and learned + Adam, alternated.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
OUT=${1:-/tmp/neuralem-kfac}
mkdir -p "$OUT/bin"
# Named neuralem and siren.test so that bench-quiet windows pause other such processes, not these.
go build -o "$OUT/bin/neuralem" ./neuralem/cmd/neuralem
(cd neuralem/siren && go test -c -o "$OUT/bin/siren.test" .)
QUIET=()
if [ -x /work/bin/bench-quiet ]; then QUIET=(/work/bin/bench-quiet); fi
export OUT ROOT=$PWD D=neuralem/testdata/default/emd20026_crop.mrc.gz

steps_and_fits() {
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S)"
  cd "$ROOT/neuralem/siren"
  for r in 1 2 3; do
    for v in "" Solved KFAC; do
      "$OUT/bin/siren.test" -test.run XXX -test.bench "^BenchmarkStepCPU16$v\$|^BenchmarkStepCPU16Workers2$v\$" \
        -test.benchtime 60x 2>&1 | grep ^Bench | sed "s/^/round $r /"
    done
  done
  cd "$ROOT"
  for r in 1 2; do
    for init in learned random; do
      rm -f "$OUT/fit_$init.nem"
      s=$(date +%s.%N)
      "$OUT/bin/neuralem" fit "$D" --init $init --json -o "$OUT/fit_$init.nem" > "$OUT/fit_${init}_$r.json" 2>/dev/null
      e=$(date +%s.%N)
      python3 -c "import json,sys; j=json.load(open(sys.argv[1]))
print('round %s fit %-7s wall %5.1f s, %d steps, %s' % (sys.argv[2], sys.argv[3], float(sys.argv[5])-float(sys.argv[4]), j['steps'], j['network']))" \
        "$OUT/fit_${init}_$r.json" $r $init $s $e
    done
  done
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S)"
}

demos() {
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S)"
  cd "$ROOT"
  for r in 1 2 3; do
    for v in "learned kfac" "random adam" "learned adam"; do
      set -- $v
      rm -rf "$OUT/demo"
      s=$(date +%s.%N)
      "$OUT/bin/neuralem" demo --init $1 --optimizer $2 --json -o "$OUT/demo" > "$OUT/demo_$1_$2_$r.json" 2>/dev/null
      e=$(date +%s.%N)
      python3 -c "import json,sys; j=json.load(open(sys.argv[1])); g=j['graphs'][0]['metrics']
print('round %s demo %-14s wall %5.1f s, fit %d steps, neural graph %d nodes, sensitivity %.1f %%, specificity %.1f %%' % (sys.argv[2], sys.argv[3], float(sys.argv[5])-float(sys.argv[4]), j['fit']['steps'], g['nodes'], 100*g['sensitivity'], 100*g['specificity']))" \
        "$OUT/demo_$1_$2_$r.json" $r "$1+$2" $s $e
    done
  done
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S)"
}
export -f steps_and_fits demos
"${QUIET[@]}" bash -c steps_and_fits 2>&1 | tee "$OUT/steps_and_fits.txt"
"${QUIET[@]}" bash -c demos 2>&1 | tee "$OUT/demos.txt"
