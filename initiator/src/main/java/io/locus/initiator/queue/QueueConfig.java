package io.locus.initiator.queue;

/**
 * Fixed settings of one queue pair.
 *
 * @param qid              0 for the admin queue, 1.. for I/O queues
 * @param entries          queue size (SQSIZE + 1); entries - 1 commands may be outstanding
 * @param headerDigest     ask for header digests (NVMe/TCP ICReq; other transports ignore it)
 * @param dataDigest       ask for data digests (NVMe/TCP ICReq; other transports ignore it)
 * @param maxRetries       resubmissions of a command that failed without DNR or was cut off by a connection loss
 * @param timeoutNanos     default limit from send to completion; past it the queue fails its connection
 */
public record QueueConfig(int qid, int entries, boolean headerDigest, boolean dataDigest, int maxRetries,
                          long timeoutNanos) {
    public QueueConfig {
        if (entries < 2 || entries > 65536) {
            throw new IllegalArgumentException("queue entries must be 2..65536");
        }
    }

    /** Commands that may be outstanding at once. */
    public int slots() {
        return entries - 1;
    }
}
