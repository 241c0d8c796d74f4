#!/usr/bin/env bash
# Submits a sharded neuralem fit to Slurm: an array of N fit tasks (one GPU each by
# default) and a merge job that runs once all of them succeeded.
#
#   docker/slurm/submit.sh MAP OUT.nem N [extra 'neuralem fit' args, e.g. --preset paper]
#
# Prints 'fit_job=ID' and 'merge_job=ID' on stdout. Shards go to WORK/shard_i.nem and
# logs to WORK/logs/. If the array fails, the merge job is cancelled
# (--kill-on-invalid-dep); re-running the same submit.sh resumes every shard.
# Choose N no larger than the number of regions (an empty shard is an error).
#
# Environment:
#   NEURALEM_WORK         shard and log directory (default: ./work)
#   NEURALEM_GRES         GPU request per fit task (default: gpu:1; empty: none)
#   NEURALEM_SBATCH_ARGS  extra sbatch options for both jobs (e.g. "--partition=gpu --time=4:00:00")
#   NEURALEM_BIN          neuralem binary on the compute nodes (default: 'neuralem'),
#                         or a wrapper running the container (see docker/README.md)
#   GOMLX_BACKEND         backend on the compute nodes (e.g. xla:cuda), exported by sbatch
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -lt 3 ]]; then
  sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
map="$1" out="$2" n="$3"
shift 3
if ! [[ "${n}" =~ ^[1-9][0-9]*$ ]]; then
  echo "submit: N = '${n}': want a positive number of shards" >&2
  exit 2
fi
if [[ ! -f "${map}" ]]; then
  echo "submit: MAP '${map}': no such file" >&2
  exit 2
fi
# Absolute paths: the jobs may start in another directory.
map="$(realpath "${map}")"
out="$(realpath -m "${out}")"
work="$(realpath -m "${NEURALEM_WORK:-work}")"
mkdir -p "${work}/logs" "$(dirname "${out}")"

gres="${NEURALEM_GRES-gpu:1}"
extra=()
if [[ -n "${NEURALEM_SBATCH_ARGS:-}" ]]; then
  read -r -a extra <<<"${NEURALEM_SBATCH_ARGS}"
fi
fit_opts=(--parsable --array="0-$((n - 1))" --output="${work}/logs/fit_%A_%a.out")
if [[ -n "${gres}" ]]; then
  fit_opts+=(--gres="${gres}")
fi

jobid() { # sbatch --parsable prints ID or ID;CLUSTER
  local id="${1%%;*}"
  if ! [[ "${id}" =~ ^[0-9]+$ ]]; then
    echo "submit: sbatch printed '${1}', not a job ID" >&2
    exit 1
  fi
  echo "${id}"
}

fit="$(sbatch "${fit_opts[@]}" "${extra[@]}" "${here}/fit-array.sbatch" "${map}" "${work}" "${n}" "$@")"
fit="$(jobid "${fit}")"
merge="$(sbatch --parsable --dependency="afterok:${fit}" --kill-on-invalid-dep=yes \
  --output="${work}/logs/merge_%j.out" "${extra[@]}" "${here}/merge.sbatch" "${out}" "${work}" "${n}")"
merge="$(jobid "${merge}")"
echo "submit: fit array ${fit} (${n} tasks, gres '${gres:-none}') -> merge job ${merge} -> ${out}" >&2
echo "fit_job=${fit}"
echo "merge_job=${merge}"
