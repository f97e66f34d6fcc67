# Shell functions for guest commands (sourced before each one).
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:5e1f0c2a-7d3b-4c1e-9a6f-0123456789ab
HOSTID=5e1f0c2a-7d3b-4c1e-9a6f-0123456789ab
HOSTARGS="--hostnqn $HOSTNQN --hostid $HOSTID"

# nsdev NQN NSID: the block device of that namespace (empty when it is not there).
nsdev() {
  local s b
  for s in /sys/class/nvme-subsystem/nvme-subsys*; do
    [ -e "$s/subsysnqn" ] && [ "$(cat "$s/subsysnqn")" = "$1" ] || continue
    for b in "$s"/nvme*n*; do
      [ -e "$b/nsid" ] && [ "$(cat "$b/nsid")" = "$2" ] && { echo "/dev/$(basename "$b")"; return 0; }
    done
  done
  return 0
}

# ctrldev NQN: the character device of the (first) live controller of that subsystem.
ctrldev() {
  local c
  for c in /sys/class/nvme/nvme*; do
    [ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$1" ] && { echo "/dev/$(basename "$c")"; return 0; }
  done
  return 0
}

# wait_ns NQN NSID: waits (up to 20 s) for the namespace's block device after a connect (the scan is asynchronous).
wait_ns() {
  local i d
  for i in $(seq 200); do
    d="$(nsdev "$1" "$2")"
    if [ -n "$d" ] && [ -b "$d" ]; then echo "$d"; return 0; fi
    sleep 0.1
  done
  echo "no block device for $1 nsid $2 after 20 s" >&2
  return 1
}

# roundtrip DEV BS COUNT [SKIP]: O_DIRECT write of random data, O_DIRECT read back, compared by checksum.
roundtrip() {
  local dev=$1 bs=$2 count=$3 skip=${4:-0}
  head -c $((bs * count)) /dev/urandom > /tmp/rt.in
  dd if=/tmp/rt.in of="$dev" bs="$bs" count="$count" seek="$skip" oflag=direct conv=notrunc status=none
  dd if="$dev" of=/tmp/rt.out bs="$bs" count="$count" skip="$skip" iflag=direct status=none
  local a b
  a=$(sha256sum < /tmp/rt.in | cut -d' ' -f1)
  b=$(sha256sum < /tmp/rt.out | cut -d' ' -f1)
  [ "$a" = "$b" ] || { echo "checksum mismatch at bs=$bs count=$count: wrote $a read $b"; return 1; }
  echo "roundtrip bs=$bs count=$count ok"
}
