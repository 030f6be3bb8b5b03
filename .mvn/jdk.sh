# Finds the JDK 25 or newer the build needs; sourced by mvnw and .ci/run (POSIX sh).
# Order: JAVA_HOME, then the java on PATH, when either is a JDK >= 25; else the newest JDK >= 25 installed in
# the usual places. A JDK is a directory with bin/java, bin/javac and a release file naming its version.

# The feature version of the JDK in $1 (17 for 17.0.2, 8 for 1.8.0_392), from its release file.
jdk_major() {
  [ -f "$1/release" ] || return 1
  sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9][0-9]*\).*/\2/p' "$1/release"
}

# Prints the first of "$@" that is a JDK >= 25 and returns 0; with --newest, the one of the highest version.
find_jdk() {
  newest=false best= best_major=0
  if [ "${1-}" = --newest ]; then newest=true; shift; fi
  for dir in "$@"; do
    [ -n "$dir" ] && [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major=$(jdk_major "$dir") || continue
    [ "${major:-0}" -ge 25 ] 2>/dev/null || continue
    if [ "$newest" = false ]; then printf '%s\n' "$dir"; return 0; fi
    if [ "$major" -gt "$best_major" ]; then best=$dir best_major=$major; fi
  done
  [ -n "$best" ] && printf '%s\n' "$best"
}

# The JDK directory of the java on PATH, if there is one.
path_jdk() {
  java=$(command -v java 2>/dev/null) || return 1
  java=$(readlink -f "$java" 2>/dev/null || printf '%s\n' "$java")
  dirname "$(dirname "$java")"
}

# Sets and exports JAVA_HOME to a JDK >= 25 (saying so on stderr when it is not the one JAVA_HOME or PATH
# named), or prints one line saying what is missing and how to point at it, and returns 1.
# ALEXNET4J_JDK_PLACES replaces the usual install places (a space-separated list of globs).
require_jdk25() {
  chosen=$(find_jdk "${JAVA_HOME-}" "$(path_jdk)") || chosen=
  if [ -z "$chosen" ]; then
    case $- in *f*) globbing_was_off=true; set +f ;; *) globbing_was_off=false ;; esac
    # shellcheck disable=SC2086 # the globs are meant to expand
    chosen=$(find_jdk --newest ${ALEXNET4J_JDK_PLACES:-/usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*}) || chosen=
    [ "$globbing_was_off" = false ] || set -f
    if [ -n "${JAVA_HOME-}" ]; then older="JAVA_HOME is $JAVA_HOME (Java $(jdk_major "$JAVA_HOME" || echo '?'))"
    else older="JAVA_HOME is unset and the java on PATH is $(path_jdk || echo 'missing') (Java $(jdk_major "$(path_jdk)" 2>/dev/null || echo '?'))"; fi
    if [ -z "$chosen" ]; then
      echo "alexnet4j needs a JDK 25 or newer and found none ($older): install one (e.g. Temurin 25) and run export JAVA_HOME=/path/to/jdk-25" >&2
      return 1
    fi
    echo "note: building with the JDK at $chosen ($older)" >&2
  fi
  JAVA_HOME=$chosen
  export JAVA_HOME
}
