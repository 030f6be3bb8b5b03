#!/usr/bin/env bash
# Builds the kit for the GPU test machine into .device/ (git-ignored, well under 64 MiB): the runnable jar
# with its linux-x86_64 JNI libraries, the JMH benchmarks jar, the test classes, the JUnit console launcher, a
# jlinked Java 25 runtime, run.sh, sample_memory.sh and torch_alexnet.py. Nothing is built on the GPU machine;
# there, run .device/run.sh (on this machine `.device/run.sh --dry` runs the same flow on the cpu backend).
# MAVEN_REPO=/path uses that local Maven repository for the library the benchmarks jar is built against.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/.device
cd "$ROOT"

# A JDK >= 25 (for jlink and the build), found as the build finds one (.mvn/jdk.sh, see DEVELOPERS.md).
. .mvn/jdk.sh
require_jdk25 || exit 1
[[ -x $JAVA_HOME/bin/jlink ]] || { echo "pack.sh: the JDK at $JAVA_HOME has no jlink" >&2; exit 1; }

# The console launcher of the JUnit platform that matches the project's JUnit 5.x.y is 1.x.y.
JUNIT=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
LAUNCHER_VERSION=1.${JUNIT#5.}

REPO_FLAG=(${MAVEN_REPO:+-Dmaven.repo.local=$MAVEN_REPO})
./mvnw -q "${REPO_FLAG[@]}" -DskipTests install   # target/alexnet4j.jar (shaded), target/test-classes, the library for bench/
./mvnw -q "${REPO_FLAG[@]}" -f bench/pom.xml package   # bench/target/benchmarks.jar
rm -rf "$OUT"
mkdir -p "$OUT/lib"
cp target/alexnet4j.jar bench/target/benchmarks.jar "$OUT/lib/"
# Keep only the JNI libraries the cuda backend loads (cudart, cuDNN, cuBLAS, NVRTC; javacpp's own lives elsewhere).
for jar in "$OUT/lib/alexnet4j.jar" "$OUT/lib/benchmarks.jar"; do
    UNUSED=$(unzip -Z1 "$jar" 'org/bytedeco/cuda/linux-x86_64/*' | grep -Ev '/libjni(cudart|cudnn|cublas|nvrtc)\.so$' || true)
    [[ -z $UNUSED ]] || zip -q -d "$jar" $UNUSED
done
# The CPU peers (bench/peers.sh: ONNX Runtime, libtorch and its OpenBLAS, some 600 MB unpacked) never run there.
zip -q -d "$OUT/lib/benchmarks.jar" 'org/alexnet4j/bench/peers/*' 'ai/onnxruntime/*' 'org/bytedeco/pytorch/*' 'org/bytedeco/openblas/*'
cp -r target/test-classes "$OUT/test-classes"
./mvnw -q "${REPO_FLAG[@]}" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$LAUNCHER_VERSION" \
    -DoutputDirectory="$OUT/lib" -Dmdep.stripVersion=true
# The runtime: the modules the jar needs (jdeps) less java.desktop (+19 MB, over the size limit: without it the
# kit cannot decode images or draw charts, which it does not need), plus java.management for JMH.
MODULES=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 target/alexnet4j.jar | sed 's/java\.desktop,\?//; s/,$//')
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES,java.management" \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$OUT/java"
cp bench/gpu/run.sh bench/gpu/sample_memory.sh bench/gpu/torch_alexnet.py "$OUT/"
chmod +x "$OUT/run.sh" "$OUT/sample_memory.sh"

du -sh "$OUT"/* | sed "s:$ROOT/::"
# What a device call carries: the tracked files and .device, at most 64 MiB.
TRACKED_BYTES=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
SIZE_MIB=$(( ($(du -sb "$OUT" | cut -f1) + TRACKED_BYTES) / 1048576 ))
if (( SIZE_MIB >= 64 )); then echo "pack.sh: .device and the tracked files are ${SIZE_MIB} MiB, over the 64 MiB a device call carries" >&2; exit 1; fi
echo "pack.sh: .device ready (${SIZE_MIB} MiB with the tracked files); on the GPU machine: OUT=\$OUT .device/run.sh (here: .device/run.sh --dry)"
