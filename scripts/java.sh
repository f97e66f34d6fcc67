# Finds a Java 25 (or newer) runtime and holds the launchers' JVM flags. Needs bash only: scripts/env.sh sources it for
# the checkout's launchers, and the distribution archive (scripts/dist) ships it as lib/locus-java.sh for its bin/ ones.

locus_java_version() { # prints the major version of $1/bin/java, or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'
}

locus_java_ok() { # true when $1 is a Java home of version 25 or newer
  local version
  version="$(locus_java_version "$1")"
  [ -n "$version" ] && [ "$version" -ge 25 ] 2>/dev/null
}

# Sets JAVA_HOME and puts its bin/ first on PATH. Looks, in order, at $LOCUS_JAVA_HOME (an explicit choice: an error
# when it is not Java 25+), $JAVA_HOME, the java on PATH, then where Temurin and Debian install it.
locus_find_java() {
  if [ -n "${LOCUS_JAVA_HOME:-}" ]; then
    if ! locus_java_ok "$LOCUS_JAVA_HOME"; then
      echo "locus: LOCUS_JAVA_HOME=$LOCUS_JAVA_HOME is not a Java 25 or newer (no bin/java there, or an older version)" >&2
      return 1
    fi
    export JAVA_HOME="$LOCUS_JAVA_HOME"
    export PATH="$JAVA_HOME/bin:$PATH"
    return 0
  fi
  local on_path="" candidate
  if command -v java >/dev/null 2>&1; then
    on_path="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  for candidate in "${JAVA_HOME:-}" "$on_path" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* \
                   /usr/lib/jvm/jdk-25* /opt/java/openjdk; do
    if [ -n "$candidate" ] && locus_java_ok "$candidate"; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "locus: no Java 25 found (looked at \$JAVA_HOME, the java on PATH and /usr/lib/jvm/temurin-25*); install Temurin 25 or set JAVA_HOME or LOCUS_JAVA_HOME" >&2
  return 1
}

# locus-target: heap and collector (LOCUS_JAVA_OPTS replaces them; README "Reactors and provenance" says why ZGC), then
# the flags it always needs: native access (JNI), Unsafe for Netty, no Netty per-access checks or leak sampling on the
# data path, one-line log records.
LOCUS_TARGET_DEFAULT_OPTS="-Xms256m -Xmx2g -XX:MaxDirectMemorySize=4g -XX:+UseZGC"
LOCUS_TARGET_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
  -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.leakDetection.level=disabled
  -Dio.netty.buffer.checkAccessible=false -Dio.netty.buffer.checkBounds=false
  '-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT %4$s %3$s: %5$s%6$s%n')

# The locus CLI (host): LOCUS_JAVA_OPTS is added after these. Netty per-access buffer checks and leak sampling cost
# time on every PDU; the host code is tested with them on.
LOCUS_HOST_JVM_FLAGS=(-XX:+UseParallelGC --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
  -Dio.netty.buffer.checkAccessible=false -Dio.netty.buffer.checkBounds=false -Dio.netty.leakDetection.level=disabled)

# locus-rpc (a JSON-RPC call, then exit): a small JVM that starts fast; LOCUS_RPC_JAVA_OPTS replaces it.
LOCUS_RPC_DEFAULT_OPTS="-Xshare:auto -XX:TieredStopAtLevel=1 -Xmx64m"
