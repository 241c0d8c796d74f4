#!/usr/bin/env bash
# Go (GoMLX, neuralem/siren) and PyTorch side by side, on one machine, in one run.
#
#   bash bench/siren/side-by-side.sh [--rounds 3] [--out FILE.md] [--go-only-env VAR=VALUE ...]
#
# Each round runs every Go figure, then every PyTorch figure (the next round in the
# opposite order), so a slow spell of the machine hits both sides. For each figure it
# prints the min and the median over the rounds, and the ratio Go speed ÷ PyTorch speed
# (>1: Go faster) from the medians and from the minima. The load average is printed
# before and after: numbers taken at a load above ~1.5 on 2 cores are not comparisons.
#
# Rows (the same network, initialisation, Adam and sum-of-Gaussians target on both sides,
# bench/siren/torch_step.py for PyTorch):
#   paper-32   paper network (W256, 4 hidden sine layers), 32³ region, one full-batch Adam step
#   cpu-16     cpu network (W64, 2 hidden), 16³ region, one step (one process, one region)
#   cpu-16x2   the same, two regions trained at once by two workers, time per region
#              (PyTorch: two processes at once with 1 thread each)
#   query-100k value + input gradient at 100k points, paper network (points/s)
#
# Needs Debian's python3-torch (apt-get install python3-torch). GOEXPERIMENT=simd is set here.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3
out=""
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "side-by-side: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || ((rounds < 3)); then
  echo "side-by-side: --rounds $rounds: want an integer ≥ 3" >&2; exit 2
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "side-by-side: /usr/bin/python3 cannot import torch: apt-get install python3-torch" >&2; exit 1
fi

export GOEXPERIMENT=simd
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "side-by-side: building the Go benchmark binary" >&2
go test -c -o "$work/siren.test" ./neuralem/siren
raw="$work/raw.tsv"
: >"$raw"

load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before="$(load)"

# record ROW SIDE VALUE UNIT
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$raw"; }

# gobench BENCH-REGEX BENCHTIME METRIC -> value of METRIC
gobench() {
  "$work/siren.test" -test.run XXX -test.bench "$1" -test.benchtime "$2" 2>&1 |
    awk -v m="$3" '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == m) print $i }' | tail -1
}

torchrun() { /usr/bin/python3 bench/siren/torch_step.py "$@"; }

go_side() {
  echo "  go: paper-32" >&2
  record paper-32 go "$(gobench '^BenchmarkStep32W256$' 3x s/step)" s
  echo "  go: cpu-16" >&2
  record cpu-16 go "$(gobench '^BenchmarkStepCPU16$' 30x s/step)" s
  echo "  go: cpu-16x2" >&2
  record cpu-16x2 go "$(gobench '^BenchmarkStepCPU16Workers2$' 30x s/step)" s
  echo "  go: query-100k" >&2
  record query-100k go "$(gobench '^BenchmarkQuery100kW256$' 3x points/s)" points/s
}

torch_side() {
  local o1 o2
  for th in 2 1; do
    echo "  torch: paper-32 and query-100k, $th thread(s)" >&2
    o1="$(torchrun --size 32 --width 256 --hidden 4 --steps 3 --threads "$th")"
    record paper-32 "torch-$th" "$(awk '/s\/step wall/ { for (i = 1; i <= NF; i++) if ($i == "s/step") print $(i-1) }' <<<"$o1")" s
    record query-100k "torch-$th" "$(sed -n 's/.*(\([0-9.]*\) points\/s).*/\1/p' <<<"$o1")" points/s
    echo "  torch: cpu-16, $th thread(s)" >&2
    o2="$(torchrun --size 16 --width 64 --hidden 2 --lr 1e-3 --steps 30 --threads "$th")"
    record cpu-16 "torch-$th" "$(awk '/s\/step wall/ { for (i = 1; i <= NF; i++) if ($i == "s/step") print $(i-1) }' <<<"$o2")" s
  done
  echo "  torch: cpu-16x2, two 1-thread processes at once" >&2
  torchrun --size 16 --width 64 --hidden 2 --lr 1e-3 --steps 30 --threads 1 >"$work/a.txt" &
  torchrun --size 16 --width 64 --hidden 2 --lr 1e-3 --steps 30 --threads 1 >"$work/b.txt" &
  wait
  # Two regions in the time of one step each: time per region is half the slower one.
  local ta tb
  ta="$(awk '/s\/step wall/ { for (i = 1; i <= NF; i++) if ($i == "s/step") print $(i-1) }' "$work/a.txt")"
  tb="$(awk '/s\/step wall/ { for (i = 1; i <= NF; i++) if ($i == "s/step") print $(i-1) }' "$work/b.txt")"
  record cpu-16x2 torch-2x1 "$(awk -v a="$ta" -v b="$tb" 'BEGIN { m = a > b ? a : b; printf "%.5f", m / 2 }')" s
}

for ((r = 1; r <= rounds; r++)); do
  echo "side-by-side: round $r of $rounds (load $(load))" >&2
  if ((r % 2)); then go_side; torch_side; else torch_side; go_side; fi
done
load_after="$(load)"

/usr/bin/python3 - "$raw" "$rounds" "$load_before" "$load_after" "$(go list -m -f '{{.Version}}' github.com/gomlx/gomlx)" \
  "$(go list -m -f '{{.Version}}' github.com/gomlx/compute)" "$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(git rev-parse --short HEAD)" <<'PY' | tee "${out:-/dev/null}"
import statistics, sys
raw, rounds, lb, la, gomlx, compute, torch, when, commit = sys.argv[1:10]
rows = {}
for line in open(raw):
    row, side, val, unit = line.rstrip("\n").split("\t")
    if not val:
        sys.exit(f"side-by-side: no value for {row} / {side}: a run failed")
    rows.setdefault(row, {}).setdefault(side, []).append(float(val))
    rows[row]["unit"] = unit
names = {"paper-32": "paper network, 32³, one Adam step",
         "cpu-16": "`cpu` network, 16³, one Adam step (one region)",
         "cpu-16x2": "`cpu` network, 16³, two regions at once, per region",
         "query-100k": "value + gradient, 100k points, paper network"}
def fmt(v, unit):
    if unit == "s":
        return f"{v*1000:.1f} ms" if v < 1 else f"{v:.2f} s"
    return f"{v:,.0f} pts/s"
print(f"Go (gomlx {gomlx}, compute {compute}) vs PyTorch {torch}, {rounds} rounds alternating; "
      f"{when}, commit {commit}; load average before {lb}, after {la}.\n")
print("| figure | Go min / median | PyTorch min / median | Go speed ÷ PyTorch speed (medians; minima) |")
print("|---|---|---|---|")
for row in ["paper-32", "cpu-16", "cpu-16x2", "query-100k"]:
    d = rows.get(row)
    if not d:
        continue
    unit = d.pop("unit")
    g = d.pop("go")
    gmin, gmed = (min(g), statistics.median(g)) if unit == "s" else (max(g), statistics.median(g))
    for side, vals in sorted(d.items()):
        tmin, tmed = (min(vals), statistics.median(vals)) if unit == "s" else (max(vals), statistics.median(vals))
        if unit == "s":
            rmed, rmin = tmed / gmed, tmin / gmin
        else:
            rmed, rmin = gmed / tmed, gmin / tmin
        label = {"torch-1": "1 thread", "torch-2": "2 threads", "torch-2x1": "2 processes × 1 thread"}[side]
        print(f"| {names[row]} | {fmt(gmin, unit)} / {fmt(gmed, unit)} | {label}: {fmt(tmin, unit)} / {fmt(tmed, unit)} | "
              f"**{rmed:.2f}**; {rmin:.2f} |")
print("\n(\"min\" is the fastest round: the lowest time, or the highest points/s.)")
PY
