package io.locus.target.model;

/**
 * Limits a controller advertises and enforces.
 *
 * @param mqes               CAP.MQES: largest I/O queue size, 0's based
 * @param maxIoQueues        most I/O queues per controller
 * @param mdts               MDTS exponent (max transfer = 2^mdts * 4 KiB)
 * @param ioInCapsuleBytes   in-capsule data accepted on I/O queues (IOCCSZ = (64 + this) / 16)
 * @param adminInCapsuleBytes in-capsule data accepted on the admin queue
 * @param maxH2cData         MAXH2CDATA advertised in ICResp
 * @param kasUnits100ms      KAS: keep-alive granularity in 100 ms units
 * @param readyTimeout500ms  CAP.TO
 * @param provenance         whether the provenance extension is advertised and honoured
 * @param batchPdus          throughput responses coalesced per flush, at most
 * @param batchBytes         data coalesced per flush for throughput flows that set BOUNDED_BATCH (provenance)
 */
public record TargetLimits(int mqes, int maxIoQueues, int mdts, int ioInCapsuleBytes, int adminInCapsuleBytes,
                           int maxH2cData, int kasUnits100ms, int readyTimeout500ms, boolean provenance, int batchPdus,
                           int batchBytes) {

    public static TargetLimits defaults() {
        return new TargetLimits(1023, 64, 5, 8192, 8192, 128 * 1024, 10, 30, true, 32, 2 * 1024 * 1024);
    }

    public int maxTransferBytes() {
        return (1 << mdts) * 4096;
    }

    public int ioccsz() {
        return (64 + ioInCapsuleBytes) / 16;
    }
}
