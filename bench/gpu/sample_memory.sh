#!/usr/bin/env bash
# Runs a command and samples, once a second while it runs, its resident host memory (RSS of it and its children)
# and, where nvidia-smi exists, the GPU memory in use; prints each sample and, at the end, the first, largest and
# last of each after the first quarter of the run, so a leak shows as growth. Exit status: the command's.
# Usage: sample_memory.sh COMMAND [ARGS...]
set -uo pipefail
"$@" &
PID=$!
gpu_mib() { command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -1 || echo -; }
rss_mib() { ps -o rss= --ppid "$PID" -p "$PID" 2>/dev/null | awk '{ sum += $1 } END { printf "%d", sum / 1024 }'; }
SAMPLES=()
while kill -0 "$PID" 2>/dev/null; do
    t=$SECONDS rss=$(rss_mib) gpu=$(gpu_mib)
    SAMPLES+=("$t $rss $gpu")
    echo "memory sample: t=${t}s host RSS ${rss} MiB, GPU ${gpu} MiB"
    sleep 1
done
wait "$PID"
STATUS=$?
if (( ${#SAMPLES[@]} >= 4 )); then
    printf '%s\n' "${SAMPLES[@]}" | awk -v skip=$(( ${#SAMPLES[@]} / 4 )) '
        NR > skip { if (!n++) { rss0 = $2; gpu0 = $3; gpuMax = $3 } if ($2 > rssMax) rssMax = $2; if ($3 + 0 > gpuMax + 0) gpuMax = $3; rss = $2; gpu = $3 }
        END { printf "memory after the first quarter (%d samples): host RSS first %d, max %d, last %d MiB; GPU first %s, max %s, last %s MiB\n",
                     n, rss0, rssMax, rss, gpu0, gpuMax, gpu }'
fi
exit $STATUS
