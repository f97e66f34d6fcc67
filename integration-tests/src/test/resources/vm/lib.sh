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

# fio_rounds DEV [SIZE]: in the background, rounds of fio (random 4 KiB writes over SIZE, 4M by default, O_DIRECT,
# crc32c verify of all of it) on DEV until /tmp/stop-fio exists. /tmp/fio.rounds counts the rounds finished; /tmp/fio.rc appears at the end:
# 0 after a clean stop, 1 when a round failed (an I/O error or a verify mismatch; its output is in /tmp/fio.log).
fio_rounds() {
  rm -f /tmp/stop-fio /tmp/fio.rc /tmp/fio.log /tmp/fio.rounds
  ( rounds=0
    while [ ! -e /tmp/stop-fio ]; do
      fio --name=rounds --filename="$1" --rw=randwrite --bs=4k --size="${2:-4M}" --direct=1 --ioengine=libaio \
          --iodepth=8 --verify=crc32c --verify_fatal=1 --randrepeat=0 --output=/tmp/fio.last \
        || { cat /tmp/fio.last >> /tmp/fio.log; echo "fio failed in round $rounds" >> /tmp/fio.log; echo 1 > /tmp/fio.rc; exit; }
      rounds=$((rounds + 1))
      echo $rounds > /tmp/fio.rounds
    done
    echo "rounds $rounds" >> /tmp/fio.log
    echo 0 > /tmp/fio.rc ) > /dev/null 2>&1 &
}

# fio_stop: stops fio_rounds after its current round, then prints its log and "fio rc N".
fio_stop() {
  touch /tmp/stop-fio
  for i in $(seq 3000); do [ -e /tmp/fio.rc ] && break; sleep 0.1; done
  cat /tmp/fio.log
  echo "fio rc $(cat /tmp/fio.rc)"
}
