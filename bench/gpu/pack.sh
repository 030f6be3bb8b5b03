#!/usr/bin/env bash
# Builds the kit for the GPU test machine into .device/ (git-ignored, well under 64 MiB): the runnable jar
# with its linux-x86_64 JNI libraries, the test classes, the JUnit console launcher, a jlinked Java 25 runtime,
# run.sh and torch_alexnet.py. Nothing is built on the GPU machine; there, run .device/run.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/.device
cd "$ROOT"

# A JDK >= 25 (for jlink and the build), looked for as DEVELOPERS.md says: $JAVA_HOME, Temurin 25, java on PATH.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 "$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /none)")")")"; do
    if [[ -n $candidate && -x $candidate/bin/jlink && $(java_major "$candidate") -ge 25 ]] 2>/dev/null; then export JAVA_HOME=$candidate; break; fi
    candidate=
done
[[ -n $candidate ]] || { echo "pack.sh: no JDK 25 or newer with jlink found (checked \$JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64, java on PATH)" >&2; exit 1; }

# The console launcher of the JUnit platform that matches the project's JUnit 5.x.y is 1.x.y.
JUNIT=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
LAUNCHER_VERSION=1.${JUNIT#5.}

./mvnw -q -DskipTests package   # target/alexnet4j.jar (shaded) and target/test-classes
rm -rf "$OUT"
mkdir -p "$OUT/lib"
cp target/alexnet4j.jar "$OUT/lib/"
# Keep only the JNI libraries the cuda backend loads (cudart, cuDNN, cuBLAS, NVRTC; javacpp's own lives elsewhere).
UNUSED=$(unzip -Z1 "$OUT/lib/alexnet4j.jar" 'org/bytedeco/cuda/linux-x86_64/*' | grep -Ev '/libjni(cudart|cudnn|cublas|nvrtc)\.so$' || true)
[[ -z $UNUSED ]] || zip -q -d "$OUT/lib/alexnet4j.jar" $UNUSED
cp -r target/test-classes "$OUT/test-classes"
./mvnw -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$LAUNCHER_VERSION" \
    -DoutputDirectory="$OUT/lib" -Dmdep.stripVersion=true
"$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$OUT/java"
cp bench/gpu/run.sh bench/gpu/torch_alexnet.py "$OUT/"
chmod +x "$OUT/run.sh"

du -sh "$OUT"/* | sed "s:$ROOT/::"
SIZE_MIB=$(( $(du -sk "$OUT" | cut -f1) / 1024 ))
if (( SIZE_MIB >= 64 )); then echo "pack.sh: .device is ${SIZE_MIB} MiB, over the 64 MiB a device call carries" >&2; exit 1; fi
echo "pack.sh: .device ready (${SIZE_MIB} MiB); on the GPU machine run: .device/run.sh"
