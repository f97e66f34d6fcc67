# Sourced by the launchers: finds a JDK 25 and Maven, installing Maven and build tools with apt-get when missing and root.
# Sets JAVA_HOME, LOCUS_ROOT and puts the JDK first on PATH.

LOCUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LOCUS_ROOT

# locus_find_java and the launchers' JVM flags
source "$LOCUS_ROOT/scripts/java.sh"

locus_apt_install() { # installs the named Debian packages when root, else says what is missing
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "locus: installing $* with apt-get" >&2
    if [ -z "${LOCUS_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
      export LOCUS_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "locus: missing $*; install them (apt-get install $*) or run as root" >&2
    return 1
  fi
}

export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

locus_require_build_tools() {
  command -v mvn >/dev/null 2>&1 || locus_apt_install maven
  command -v gcc >/dev/null 2>&1 || locus_apt_install gcc libc6-dev
  [ -f /usr/include/liburing.h ] || locus_apt_install liburing-dev
  # rdma-core: headers to build liblocus-rdma.so, and the providers (soft-RoCE's rxe among them) it loads at run time
  { [ -f /usr/include/infiniband/verbs.h ] && [ -f /usr/include/rdma/rdma_cma.h ]; } \
    || locus_apt_install libibverbs-dev librdmacm-dev
  compgen -G "/usr/lib/*/libibverbs/librxe-*.so" >/dev/null || locus_apt_install ibverbs-providers
}

# What the kernel VM tests need (scripts/kernel-vm: the Linux kernel host and target in a guest). Never fails: where
# it cannot install them, the tests skip with one line saying why.
locus_offer_vm_tools() {
  local missing=() tool pkg
  for tool in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio depmod:kmod nvme:nvme-cli fio:fio \
              mkfs.xfs:xfsprogs mkfs.ext4:e2fsprogs blkdiscard:util-linux rdma:iproute2; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "${tool%%:*}" >/dev/null 2>&1 \
      || missing+=("${tool##*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  locus_apt_install "${missing[@]}" || echo "locus: kernel VM tests will skip: missing ${missing[*]}" >&2
  return 0
}

# Builds the distribution (all modules' jars and their dependencies) unless it is already up to date.
locus_build_if_needed() {
  local stamp="$LOCUS_ROOT/target-server/target/locus-build.stamp"
  # Tests that launch the scripts run inside the Maven build, which has just built everything: use that build.
  if [ -n "${LOCUS_NO_BUILD:-}" ]; then
    [ -f "$LOCUS_ROOT/target-server/target/classpath.txt" ] && return 0
    echo "locus: LOCUS_NO_BUILD is set but there is no build (target-server/target/classpath.txt)" >&2
    return 1
  fi
  if [ -f "$stamp" ] && [ -z "$(find "$LOCUS_ROOT" -regex "$LOCUS_ROOT/[^/]*/target" -prune -o -name .git -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.c' -o -name '*.h' \) -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  locus_require_build_tools
  echo "locus: building (first use or sources changed)..." >&2
  (cd "$LOCUS_ROOT" && mvn -B -q -ntp -Dstyle.color=never -DskipTests install >&2) || { echo "locus: build failed" >&2; return 1; }
  touch "$stamp"
}
