#!/usr/bin/env bash
# Runs on the GPU test machine from the .device/ folder that bench/gpu/pack.sh made (builds nothing): finds the
# CUDA libraries, prints the machine and versions, runs the CUDA and equivalence tests, times `alexnet4j bench`
# on the cuda backend and PyTorch on the same network, and prints a side-by-side table last.
# Full logs go to $LOGS (default .device/logs). Usage: run.sh [batch sizes...]   (default: 128 256)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LOGS=${LOGS:-$HERE/logs}
BATCHES=("${@:-128 256}")
read -r -a BATCHES <<< "${BATCHES[*]}"
WARMUP=${WARMUP:-5}
ITERATIONS=${ITERATIONS:-20}
mkdir -p "$LOGS"
JAVA=("$HERE/java/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
JAR=$HERE/lib/alexnet4j.jar
log() { echo "== $*" | tee -a "$LOGS/run.log"; }

# ---- 1. CUDA libraries: the folders of the sonames the JavaCPP presets load (never the toolkit's stubs) ----
NEEDED=(libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13
        libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9)
FOUND=$(find / \( -path /proc -o -path /sys -o -path /dev -o -path "$HERE" \) -prune -o \
        \( -name 'libcuda.so.1' -o -name 'libcudart.so.13*' -o -name 'libcublas*.so.13*' -o -name 'libnvrtc.so.13*' \
           -o -name 'libcudnn*.so.9*' \) -print 2>/dev/null | grep -Ev '/stubs/|/\.javacpp/' | sort)
echo "$FOUND" > "$LOGS/libraries.txt"
LIBRARY_DIRS=()
for name in "${NEEDED[@]}"; do
    path=$(grep -m1 "/$name" <<< "$FOUND" || true)
    if [[ -z $path ]]; then log "missing $name (see $LOGS/libraries.txt)"; continue; fi
    dir=$(dirname "$path")
    [[ " ${LIBRARY_DIRS[*]} " == *" $dir "* ]] || LIBRARY_DIRS+=("$dir")
done
export LD_LIBRARY_PATH=$(IFS=:; echo "${LIBRARY_DIRS[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
log "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# ---- 2. The machine ----
{
    nvidia-smi
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    "${JAVA[@]}" -version 2>&1
    command -v nvcc >/dev/null && nvcc --version | tail -2
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
} 2>&1 | tee "$LOGS/machine.txt"
"${JAVA[@]}" -cp "$JAR" org.alexnet4j.cli.Main info 2>&1 | tee "$LOGS/info.txt" | head -20

# ---- 3. Correctness: the CUDA tests and the equivalence suite over every available backend ----
log "tests (log: $LOGS/tests.log)"
"${JAVA[@]}" -Dorg.bytedeco.javacpp.logger.debug=${JAVACPP_DEBUG:-false} -jar "$HERE/lib/junit-platform-console-standalone.jar" execute \
    --class-path "$JAR:$HERE/test-classes" --scan-class-path "$HERE/test-classes" \
    --include-classname '^org\.alexnet4j\.backend\.(BackendEquivalenceTest|cuda\..*Test)$' \
    --details=tree --disable-banner --disable-ansi-colors > "$LOGS/tests.log" 2>&1
TESTS_STATUS=$?
tail -25 "$LOGS/tests.log"
log "tests exit status $TESTS_STATUS"

# ---- 4. Throughput: alexnet4j bench (its own wall-clock timing after synchronize) and PyTorch (CUDA events) ----
BENCH_HELP=$("${JAVA[@]}" -jar "$JAR" bench --help 2>&1) || log "no 'bench' command in this jar (merge the CLI, then pack again); timing PyTorch only"
PRECISIONS=(fp32)
if grep -q -- '--precision' <<< "$BENCH_HELP"; then PRECISIONS+=(tf32); fi
ROWS=()
for precision in "${PRECISIONS[@]}"; do
    for mode in forward train; do
        for batch in "${BATCHES[@]}"; do
            name="paper-$mode-b$batch-$precision"
            precision_flag=(); [[ $precision == tf32 ]] && precision_flag=(--precision TF32)
            "${JAVA[@]}" -jar "$JAR" bench --backend cuda --variant paper --batch "$batch" --mode "$mode" \
                --warmup "$WARMUP" --iterations "$ITERATIONS" "${precision_flag[@]}" --json > "$LOGS/alexnet4j-$name.log" 2>&1
            ours=$(tail -1 "$LOGS/alexnet4j-$name.log" | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["img_per_s"])' 2>/dev/null || echo failed)
            python3 "$HERE/torch_alexnet.py" --batch "$batch" --mode "$mode" --precision "$precision" \
                --warmup "$WARMUP" --iterations "$ITERATIONS" > "$LOGS/pytorch-$name.log" 2>&1
            theirs=$(tail -1 "$LOGS/pytorch-$name.log" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.1f %.1f" % (r["img_per_s_median"], r["img_per_s_mean"]))' 2>/dev/null || echo "failed failed")
            ROWS+=("$mode $batch $precision $ours $theirs")
            log "$name: alexnet4j $ours img/s; pytorch (median, mean) $theirs img/s"
        done
    done
done

# ---- 5. The table ----
{
    echo
    echo "AlexNet 'paper' variant, 1000 classes, 227x227, warm-up $WARMUP, $ITERATIONS timed steps; $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
    echo "alexnet4j: bench --backend cuda (mean over the timed steps); PyTorch: CUDA events per step (median, mean)"
    printf '%-8s %6s %-5s %16s %18s %16s %8s\n' mode batch prec "alexnet4j img/s" "pytorch med img/s" "pytorch mean" "ours/mean"
    for row in "${ROWS[@]}"; do
        read -r mode batch precision ours median mean <<< "$row"
        ratio=$(python3 -c "print('%.2f' % ($ours / $mean))" 2>/dev/null || echo -)
        printf '%-8s %6s %-5s %16s %18s %16s %8s\n' "$mode" "$batch" "$precision" "$ours" "$median" "$mean" "$ratio"
    done
    echo "tests exit status: $TESTS_STATUS (details: $LOGS/tests.log)"
} | tee "$LOGS/table.txt"
