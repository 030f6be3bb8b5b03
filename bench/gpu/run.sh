#!/usr/bin/env bash
# Runs on the GPU test machine from the .device/ folder that bench/gpu/pack.sh made (builds nothing), most valuable
# step first, each under `timeout` and all within one time budget (steps that no longer fit are skipped and
# listed): the machine and library versions; the cuda test suite (every op case, the whole network, the cuda tests:
# a cuda backend that cannot load fails them); alexnet4j `bench --backend cuda` and PyTorch eager side by side
# (paper and single-tower, forward and training, batch 128 before 256, FP32 then TF32, the batch resident on the
# GPU and copied from the host); the training step replayed as a CUDA graph; a short `train --backend cuda` with
# memory sampled; BF16 and FP16 against PyTorch's mixed precision and the demo trained in BF16; the JMH CPU-vs-GPU
# network benchmark. The side-by-side table is printed last.
#
# Usage: run.sh [--dry]
#   --dry: the whole flow on a machine without a GPU: the cpu backend stands in for cuda, batches of 2 and 4, a
#          stand-in prints labelled numbers for PyTorch when it is missing, cpu tests instead of cuda ones. With
#          PYTHON naming a python3 that has torch (e.g. Debian's /usr/bin/python3), torch_alexnet.py itself runs on
#          the CPU at full width against alexnet4j at width 0.25: a check of the script, not a comparison.
# Everything it writes goes to $OUT (default: ./out), at most 8 files, each also summarised on stdout:
#   run.log (every step: command, limit, status, duration), machine.txt, tests.txt, bench.txt (each benchmark's
#   output; JSON lines for the table), train.txt, jmh.txt, table.txt.
# Environment: BUDGET_SECONDS (540), PYTHON (/opt/torch/.venv/bin/python3), ITERATIONS (20), WARMUP (5),
#   TEST_BACKENDS (cuda; dry: cpu), REQUIRE_CUDA (1; dry: 0), and per-step limits LIMIT_TESTS (240),
#   LIMIT_BENCH (150), LIMIT_TRAIN (120), LIMIT_JMH (150).
# Exit status: 0 only when every step that ran succeeded and none was skipped for lack of time.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DRY=0
if [[ ${1:-} == --dry ]]; then DRY=1; shift; fi
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
BUDGET_SECONDS=${BUDGET_SECONDS:-540}
START=$SECONDS
JAVA=("$HERE/java/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g)
JAR=$HERE/lib/alexnet4j.jar
if (( DRY )); then
    BACKEND=cpu BATCHES=${BATCHES:-2,4} TEST_BACKENDS=${TEST_BACKENDS:-cpu} REQUIRE_CUDA=${REQUIRE_CUDA:-0}
    ITERATIONS=${ITERATIONS:-3} WARMUP=${WARMUP:-1} PYTHON=${PYTHON:-python3} JAVA=("${JAVA[@]/-Xmx24g/-Xmx4g}") MODEL=(--width 0.25)
else
    BACKEND=cuda BATCHES=${BATCHES:-128,256} TEST_BACKENDS=${TEST_BACKENDS:-cuda} REQUIRE_CUDA=${REQUIRE_CUDA:-1}
    ITERATIONS=${ITERATIONS:-20} WARMUP=${WARMUP:-5} PYTHON=${PYTHON:-/opt/torch/.venv/bin/python3} MODEL=()
fi
STEPS=()   # "name: outcome" per step, in order
FAILED=0

note() { echo "== [$((SECONDS - START))s] $*" | tee -a "$OUT/run.log"; }

# run_step NAME LIMIT FILE COMMAND...: runs COMMAND under `timeout` (TERM at LIMIT seconds, KILL 10 s later),
# LIMIT cut to what is left of the budget; skipped when less than 20 s are left. Output is appended to FILE.
run_step() {
    local name=$1 limit=$2 file=$3
    shift 3
    local left=$(( BUDGET_SECONDS - (SECONDS - START) ))
    if (( left < 20 )); then
        note "$name: SKIPPED, ${left}s of the ${BUDGET_SECONDS}s budget left"
        STEPS+=("$name: skipped (budget)"); FAILED=1
        return 99
    fi
    (( limit > left )) && limit=$left
    note "$name: limit ${limit}s: $*"
    echo "== $name: $*" >> "$file"
    local began=$SECONDS
    timeout -k 10 "$limit" "$@" >> "$file" 2>&1
    local status=$?
    if (( status == 124 || status == 137 )); then
        note "$name: TIMED OUT after $((SECONDS - began))s (limit ${limit}s)"
        STEPS+=("$name: timed out after $((SECONDS - began))s"); FAILED=1
    else
        note "$name: exit status $status after $((SECONDS - began))s"
        STEPS+=("$name: exit $status, $((SECONDS - began))s")
        (( status == 0 )) || FAILED=1
    fi
    return $status
}

# ---- 1. The machine and the CUDA libraries (the folders of the sonames JavaCPP loads, never the toolkit's stubs) ----
{
    FOUND=$(find /usr /opt /lib /lib64 /root \( -path "$HERE" -o -path /usr/share \) -prune -o \
            \( -name 'libcuda.so.1' -o -name 'libcudart.so.13*' -o -name 'libcublas*.so.13*' -o -name 'libnvrtc*.so.13*' \
               -o -name 'libcudnn*.so.9*' \) -print 2>/dev/null | grep -Ev '/stubs/|/\.javacpp/' | sort)
    LIBRARY_DIRS=()
    # Every soname the JNI libraries need (readelf -d) or cuDNN loads itself; the driver last, so that its folder (often
    # the system's, which may hold other CUDA or cuDNN builds) comes after the toolkit's and the Python wheels' folders.
    for name in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13 libnvrtc-builtins.so.13 libcudnn.so.9 \
                libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9 libcudnn_engines_precompiled.so.9 libcuda.so.1; do
        path=$(grep -m1 "/$name" <<< "$FOUND" || true)
        if [[ -z $path ]]; then echo "missing $name"; continue; fi
        dir=$(dirname "$path")
        [[ " ${LIBRARY_DIRS[*]} " == *" $dir "* ]] || LIBRARY_DIRS+=("$dir")
    done
    echo "libraries found:"; echo "$FOUND"
    echo "LD_LIBRARY_PATH dirs: ${LIBRARY_DIRS[*]}"
    printf '%s\n' "${LIBRARY_DIRS[@]}" > "$OUT/.library_dirs"
} > "$OUT/machine.txt" 2>&1
LD_DIRS=$(paste -sd: "$OUT/.library_dirs"); rm -f "$OUT/.library_dirs"
export LD_LIBRARY_PATH=$LD_DIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# The machine: one line of GPU facts, the Java runtime, PyTorch, the backends alexnet4j sees.
run_step machine 60 "$OUT/machine.txt" bash -c 'nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "no nvidia-smi";
    "$0" -version; "$1" -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, \"cudnn\", torch.backends.cudnn.version())" \
        || echo "no PyTorch at $1"' "${JAVA[0]}" "$PYTHON"
run_step info 60 "$OUT/machine.txt" "${JAVA[@]}" -jar "$JAR" info
grep -E "name,|NVIDIA|H200|^torch|no PyTorch|version \"|missing|cuda|backend" "$OUT/machine.txt" | head -12

# ---- 2. Correctness first: the equivalence suite and the cuda tests; NativeKernelsTest needs nvcc and g++, not a GPU ----
TEST_FLAGS=(-Dalexnet4j.test.backends="$TEST_BACKENDS" -Dalexnet4j.requireCuda=$([[ $REQUIRE_CUDA == 1 ]] && echo true || echo false))
run_step tests "${LIMIT_TESTS:-240}" "$OUT/tests.txt" "${JAVA[@]}" "${TEST_FLAGS[@]}" -jar "$HERE/lib/junit-platform-console-standalone.jar" execute \
    --class-path "$JAR:$HERE/test-classes" --select-class org.alexnet4j.backend.BackendEquivalenceTest \
    --select-class org.alexnet4j.backend.WholeNetworkEquivalenceTest --select-class org.alexnet4j.backend.PrecisionEquivalenceTest \
    --select-class org.alexnet4j.backend.CaptureReplayTest \
    --select-package org.alexnet4j.backend.cuda --exclude-classname '.*NativeKernelsTest' \
    --details=tree --disable-banner --disable-ansi-colors
TESTS_STATUS=$?
# The failing tests with their messages (stack frames left out), then the counts.
failures() {
    sed -n '/^Failures (/,/^Test run finished/p' "$OUT/tests.txt" \
        | grep -Ev '^\s+(at )?[^ ]+\((.*\.java:[0-9]+|Unknown Source|Native Method)\)$|^\s+\[\.\.\.\]$|^\s+(MethodSource|ClassSource) \[|^\s*$|^Test run finished' \
        | cut -c1-1500 | head -150
    grep -E '^\[ +[0-9]+ tests (successful|failed|skipped|aborted|found) +\]' "$OUT/tests.txt" | tail -5
}
echo "== tests: exit status $TESTS_STATUS"; failures

# ---- 3. Throughput, side by side: alexnet4j and PyTorch on the same GPU, per precision and variant ----
BENCH_FLAGS=("${MODEL[@]}" --batch "$BATCHES" --mode forward,train --data device,host --warmup "$WARMUP" --warmup-seconds 1 --iterations "$ITERATIONS" --json)
TORCH_FLAGS=(--batch "$BATCHES" --mode forward,train --data device,host --warmup "$WARMUP" --iterations "$ITERATIONS")
if (( DRY )) && ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    # No PyTorch here: a stand-in that prints the same JSON lines with "framework": "stand-in" and no real timing.
    TORCH=("$PYTHON" -c 'import json, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
for batch in args["--batch"].split(","):
    for variant in args.get("--variant", "paper").split(","):
        for mode in args["--mode"].split(","):
            for data in args["--data"].split(","):
                print(json.dumps({"framework": "stand-in", "variant": variant, "batch": int(batch), "mode": mode, "data": data,
                                  "precision": args["--precision"], "img_per_s_median": 1.0, "img_per_s_mean": 1.0}))' )
    TORCH_FLAGS=(--batch "$BATCHES" --mode forward,train --data device,host)
else
    TORCH=("$PYTHON" "$HERE/torch_alexnet.py" --device "$( (( DRY )) && echo cpu || echo cuda )")
fi
for precision in fp32 $( (( DRY )) || echo tf32 ); do # the cpu backend standing in has fp32 only
    for variant in paper single-tower; do
        run_step "alexnet4j $variant $precision" "${LIMIT_BENCH:-150}" "$OUT/bench.txt" \
            "${JAVA[@]}" -jar "$JAR" bench --backend "$BACKEND" --precision "$precision" --variant "$variant" "${BENCH_FLAGS[@]}"
        run_step "pytorch $variant $precision" "${LIMIT_BENCH:-150}" "$OUT/bench.txt" "${TORCH[@]}" --precision "$precision" --variant "$variant" "${TORCH_FLAGS[@]}"
    done
done

# ---- 3b. The training step recorded once and replayed (a CUDA graph): no host round trip per step ----
run_step "alexnet4j paper fp32 replayed" "${LIMIT_BENCH:-150}" "$OUT/bench.txt" \
    "${JAVA[@]}" -jar "$JAR" bench --backend "$BACKEND" --precision fp32 --variant paper --graph "${BENCH_FLAGS[@]/forward,train/train}"

# ---- 4. A short training run (the synthetic demo) with host and GPU memory sampled over it ----
run_step "train $BACKEND" "${LIMIT_TRAIN:-120}" "$OUT/train.txt" "$HERE/sample_memory.sh" "${JAVA[@]}" -jar "$JAR" train --backend "$BACKEND" \
    $( (( DRY )) && echo --epochs 2 --synthetic-images 400 ) --checkpoint-dir "$(mktemp -d)" # on the GPU: the demo's defaults
grep -E "^epoch|top-1|memory after|error" "$OUT/train.txt" | tail -6

# ---- 5. Reduced precision against PyTorch's automatic mixed precision (channels_last), paper only ----
for precision in bf16 fp16; do
    (( DRY )) && break # the cpu backend computes in fp32 only
    run_step "alexnet4j paper $precision" "${LIMIT_BENCH:-150}" "$OUT/bench.txt" \
        "${JAVA[@]}" -jar "$JAR" bench --backend cuda --precision "$precision" --variant paper "${BENCH_FLAGS[@]/device,host/device}"
    run_step "pytorch paper $precision" "${LIMIT_BENCH:-150}" "$OUT/bench.txt" "${TORCH[@]}" --precision "$precision" --variant paper \
        "${TORCH_FLAGS[@]/device,host/device}"
done

# ---- 5b. The demo trained in BF16: it should end within a point of the FP32 run of step 4 ----
(( DRY )) || run_step "train cuda bf16" "${LIMIT_TRAIN:-120}" "$OUT/train.txt" "$HERE/sample_memory.sh" "${JAVA[@]}" -jar "$JAR" train \
    --backend cuda --precision bf16 --checkpoint-dir "$(mktemp -d)"
grep -E "final validation" "$OUT/train.txt"

# ---- 6. JMH: the whole network on cpu and cuda (bench/ NetworkBenchmark) ----
if (( DRY )); then JMH_PARAMS=(-p backend=cpu -p batch=2 -wi 0 -i 1 -r 1); else JMH_PARAMS=(-p backend=cuda,cpu -p batch=128 -wi 1 -w 2 -i 3 -r 3); fi
run_step "jmh network" "${LIMIT_JMH:-150}" "$OUT/jmh.txt" "${JAVA[@]}" -cp "$HERE/lib/benchmarks.jar:$JAR" org.openjdk.jmh.Main NetworkBenchmark \
    -p variant=paper -p mode=train "${JMH_PARAMS[@]}" -f 1
grep -E "^Benchmark|NetworkBenchmark\.step" "$OUT/jmh.txt" | tail -6

# ---- 7. The table: alexnet4j against PyTorch per configuration, medians of per-step times ----
"$PYTHON" - "$OUT/bench.txt" > "$OUT/table.txt" 2>&1 <<'PYTHON'
import json, sys
ours, theirs = {}, {}
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    key = (r["variant"], r["precision"], r["mode"], r["batch"], r["data"] + (" graph" if r.get("graph") else ""))
    if "backend" in r:
        ours[key] = r
    else:
        theirs[key] = r
print("img/s: medians of per-step times after warm-up (alexnet4j: wall clock of whole steps ending with the loss on the host;")
print("PyTorch: CUDA events, each step synchronized); ratio = alexnet4j / PyTorch")
print(f"{'variant':13} {'prec':4} {'mode':7} {'batch':>5} {'data':12} {'alexnet4j':>10} {'pytorch':>10} {'ratio':>6}")
for key in sorted(set(ours) | set(theirs), key=lambda k: (k[0], ["fp32", "tf32", "bf16", "fp16"].index(k[1]), k[2], k[3], k[4])):
    a = ours.get(key, {}).get("img_per_s_median")
    t = theirs.get(key, {}).get("img_per_s_median")
    label = theirs.get(key, {}).get("framework", "pytorch")
    ratio = f"{a / t:6.2f}" if a and t else "     -"
    print(f"{key[0]:13} {key[1]:4} {key[2]:7} {key[3]:5} {key[4]:12} {a or float('nan'):10.1f} {t or float('nan'):10.1f} {ratio}"
          + ("" if label == "pytorch" else f"  ({label})"))
PYTHON

echo
echo "== steps (budget ${BUDGET_SECONDS}s, used $((SECONDS - START))s):"; printf '   %s\n' "${STEPS[@]}" | tee -a "$OUT/run.log"
echo "== failing tests:"; failures
echo "== table ($OUT/table.txt):"; cat "$OUT/table.txt"
(( TESTS_STATUS == 0 && FAILED == 0 ))
