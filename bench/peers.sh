#!/bin/bash
# alexnet4j against its peers on the single-tower AlexNet (227x227, LRN, 1000 classes), every number of the
# comparison in bench/RESULTS.md from this one script: the FMA peak, then ROUNDS rounds that alternate the engines
# (alexnet4j, ONNX Runtime with LRN as its own op and as elementwise ops, libtorch), one process per measurement.
#   bench/peers.sh [ROUNDS] [STEPS]     (defaults 3 and 20, twenty times STEPS at batch 1, whose median of a few
#                                        dozen steps moves by several ms from process to process, where 400 steps
#                                        agree within a few percent; THREADS=2, BATCHES="64 1", WARMUP=10 seconds
#                                        per measurement from the environment)
# Needs a JDK 25 (found as the build finds one: .mvn/jdk.sh), a python3 with torch and onnx for the ONNX
# export (PYTHON, default Debian's /usr/bin/python3 with python3-torch and python3-onnx), and bench/target/benchmarks.jar:
#   ./mvnw -q install -DskipTests && ./mvnw -q -f bench/pom.xml package
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3} STEPS=${2:-20} THREADS=${THREADS:-2} BATCHES=${BATCHES:-"64 1"} WARMUP=${WARMUP:-10} PYTHON=${PYTHON:-/usr/bin/python3}
. .mvn/jdk.sh
require_jdk25 || exit 1
J="$JAVA_HOME/bin/java"
JAR=bench/target/benchmarks.jar OUT=bench/target/peers
[ -f "$JAR" ] || { echo "peers.sh: build $JAR first (see the header)" >&2; exit 1; }
PEERS=("$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -cp "$JAR" org.alexnet4j.bench.peers.Peers)
mkdir -p "$OUT"
if [ ! -f "$OUT/single-tower-lrn.onnx" ] || [ ! -f "$OUT/single-tower-decomposed.onnx" ]; then
  "${PEERS[@]}" weights "$OUT/weights.safetensors"
  for lrn in lrn decomposed; do
    "$PYTHON" -W ignore bench/peers/export_onnx.py "$OUT/weights.safetensors" "$OUT/single-tower-$lrn.onnx" $lrn > /dev/null
  done
fi
peer() { "${PEERS[@]}" "$@" --warmup "$WARMUP" 2>&1 | grep -v -e '^WARNING' -e '^Warning: Versions'; }

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) processors, $THREADS threads per engine"
lscpu | grep -E 'Model name|^CPU family|^Model:' | tr -s ' ' | paste -sd ';'
echo "== FMA peak (all processors)"
"$J" -jar "$JAR" FmaPeak -wi 2 -i 5 -r 1 -f 1 2>/dev/null | grep -E '^FmaPeakBenchmark' || true
for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  for batch in $BATCHES; do
    steps=$STEPS
    [ "$batch" = 1 ] && steps=$((STEPS * 20))
    peer alexnet4j forward "$batch" "$THREADS" "$steps"
    for lrn in lrn decomposed; do
      peer onnxruntime forward "$batch" "$THREADS" "$steps" --onnx "$OUT/single-tower-$lrn.onnx" | sed "s/^onnxruntime /onnxruntime-$lrn /"
    done
  done
  peer alexnet4j train 64 "$THREADS" "$STEPS"
  peer libtorch train 64 "$THREADS" "$STEPS" --weights "$OUT/weights.safetensors"
done
