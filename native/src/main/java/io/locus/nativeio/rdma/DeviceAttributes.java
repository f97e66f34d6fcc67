package io.locus.nativeio.rdma;

/**
 * A device's limits ({@code ibv_query_device}), the ones a transport sizes its queues and its read depth by.
 *
 * @param nodeGuid          the node GUID, host order
 * @param maxMrSize         largest memory region, bytes
 * @param maxQp             queue pairs
 * @param maxQpWr           work requests outstanding per queue (send or receive)
 * @param maxSge            scatter/gather entries per work request
 * @param maxCq             completion queues
 * @param maxCqe            entries per completion queue
 * @param maxMr             memory regions
 * @param maxPd             protection domains
 * @param maxQpRdAtom       RDMA READs a queue pair may have outstanding as the responder (IRD)
 * @param maxQpInitRdAtom   RDMA READs a queue pair may have outstanding as the initiator (ORD)
 * @param maxSrq            shared receive queues (0: none)
 * @param maxSrqWr          work requests per shared receive queue
 * @param physicalPortCount ports
 */
public record DeviceAttributes(long nodeGuid, long maxMrSize, int maxQp, int maxQpWr, int maxSge, int maxCq, int maxCqe,
                               int maxMr, int maxPd, int maxQpRdAtom, int maxQpInitRdAtom, int maxSrq, int maxSrqWr,
                               int physicalPortCount) {
    /** From the 14 values {@code queryDevice0} writes, in this record's order. */
    static DeviceAttributes of(long[] v) {
        return new DeviceAttributes(v[0], v[1], (int) v[2], (int) v[3], (int) v[4], (int) v[5], (int) v[6], (int) v[7],
                (int) v[8], (int) v[9], (int) v[10], (int) v[11], (int) v[12], (int) v[13]);
    }
}
