package io.locus.initiator;

/**
 * Receives the completion of an asynchronous command, on the reactor of the queue that carried it; for an
 * {@link Flow#ANTI_MIGRATE} flow whose completion landed on a reactor off its home CPU, on the reactor on the home CPU
 * instead ({@link Controller#homeReactor}), where {@link io.locus.initiator.queue.QueuePair#lastSentNanos()} and
 * {@link io.locus.initiator.queue.QueuePair#lastVisibleNanos()} of the carrying queue are not valid.
 * Implement it once (a field, an object per in-flight slot): a capturing lambda per request would allocate.
 * The callback must not block; it may submit more commands (they go straight to the queue, no hand-off).
 */
@FunctionalInterface
public interface IoCallback {
    /**
     * @param context the object passed with the submission (may be null)
     * @param status  NVMe status field as {@link io.locus.protocol.nvme.Status} encodes it, 0 on success; failures
     *                detected by the host use {@link HostStatus} codes; {@link HostStatus#describe} turns it into text
     * @param dw0     completion dword 0 (command specific)
     * @param dw1     completion dword 1 (with provenance: backend µs b15:0, target µs b31:16)
     */
    void onComplete(Object context, int status, int dw0, int dw1);
}
