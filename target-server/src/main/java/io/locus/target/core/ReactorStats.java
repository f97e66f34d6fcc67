package io.locus.target.core;

import org.HdrHistogram.Histogram;

/**
 * Request statistics of one reactor. Written only by that reactor (plain fields and single-writer recorders, no
 * locks on the hot path); read by the metrics endpoint, which tolerates counters that are a moment stale.
 */
public final class ReactorStats {
    /** Latency classes as the stats split them. */
    public static final int THROUGHPUT = 0;
    public static final int LATENCY = 1;
    private static final long MAX_MICROS = 60_000_000L;
    /** Why a queue moved onto a reactor: placement right after Connect (qid q on reactor (q - 1) mod n). */
    public static final int MOVE_CONNECT = 0;
    /** Why a queue moved onto a reactor: its homed flows belong there (provenance). */
    public static final int MOVE_PROVENANCE = 1;

    /** Why queued responses were flushed: a LATENCY or STEP_CRITICAL response leaves at once. */
    public static final int FLUSH_LATENCY = 0;
    /** Why queued responses were flushed: the batch reached its PDU or byte limit (ResponseBatching). */
    public static final int FLUSH_LIMIT = 1;
    /** Why queued responses were flushed: the end of the reactor's batch (or a queue move, or closing). */
    public static final int FLUSH_BATCH_END = 2;

    private final String reactor;
    private final long[] responseFlushes = new long[3];
    private final long[] flushWrites = new long[1];
    private final long[] commands = new long[2];
    private final long[] bytesRead = new long[1];
    private final long[] bytesWritten = new long[1];
    private final long[] errors = new long[1];
    private final long[] homedCompletions = new long[1];
    private final long[] remoteCompletions = new long[1];
    private final long[] queueMoves = new long[2];
    private final long[] flowMoves = new long[1];
    private final long[] flows = new long[1];
    private final long[] registrationReuse = new long[2];
    private final long[] rdmaReadCopyBytes = new long[1];
    private final long[] latencyWindowCuts = new long[1];
    /**
     * Latency-source services between the writes of a long flush: [0] all, [1] those that found input, [2] receive
     * buffers their reads took from the allocator.
     */
    private final long[] latencyServices = new long[3];
    private final StageHistograms stages = new StageHistograms(2, MAX_MICROS);

    public ReactorStats(String reactor) {
        this.reactor = reactor;
    }

    public String reactor() {
        return reactor;
    }

    /**
     * Records one finished I/O command (reactor thread only).
     *
     * @param remote whether it completed on a reactor other than its flow's home
     */
    public void recordIo(int latencyClass, boolean read, int bytes, boolean failed, long receivedNanos,
                         long backendSubmitNanos, long backendDoneNanos, long responseNanos, boolean homed, boolean remote) {
        commands[latencyClass]++;
        if (read) {
            bytesRead[0] += bytes;
        } else {
            bytesWritten[0] += bytes;
        }
        if (failed) {
            errors[0]++;
        }
        if (homed) {
            homedCompletions[0]++;
            if (remote) {
                remoteCompletions[0]++;
            }
        }
        stages.record(latencyClass, clamp((responseNanos - receivedNanos) / 1000), backendSubmitNanos != 0,
                clamp((backendDoneNanos - backendSubmitNanos) / 1000), clamp((responseNanos - backendDoneNanos) / 1000));
    }

    /**
     * Records a queue that moved onto this reactor (this reactor's thread, once the queue is here).
     *
     * @param reason        {@link #MOVE_CONNECT} or {@link #MOVE_PROVENANCE}
     * @param flowsCarried  distinct flows the queue served since it last moved: each moved with it
     */
    public void recordQueueMove(int reason, int flowsCarried) {
        queueMoves[reason]++;
        flowMoves[0] += flowsCarried;
    }

    /**
     * Records one flush of queued responses (reactor thread only).
     *
     * @param writes its socket writes: gathered writevs, or buffers handed to the channel where it writes (one per
     *               flush normally, either way)
     */
    public void recordFlush(int reason, int writes) {
        responseFlushes[reason]++;
        flushWrites[0] += writes;
    }

    /** Socket writes of the flushes of queued responses; over their sum, writes per flush. */
    public long flushWrites() {
        return flushWrites[0];
    }

    /** Flushes of queued responses for {@code reason} ({@link #FLUSH_LATENCY}, {@link #FLUSH_LIMIT}, {@link #FLUSH_BATCH_END}). */
    public long responseFlushes(int reason) {
        return responseFlushes[reason];
    }

    /**
     * Records one use of an RDMA buffer of this reactor's pool by a connection (reactor thread only): a hit when its
     * memory was already registered on the connection's device, a miss when it was registered now.
     */
    public void recordRegistrationReuse(boolean hit) {
        registrationReuse[hit ? 1 : 0]++;
    }

    /** RDMA buffer uses that found their registration ({@code hit}) or had to register ({@code !hit}). */
    public long registrationReuse(boolean hit) {
        return registrationReuse[hit ? 1 : 0];
    }

    /**
     * Records {@code bytes} of a read's data copied into a registered RDMA buffer before its RDMA WRITE, because the
     * backend put them elsewhere (reactor thread only). Reads the backend put into the offered data buffer, and reads
     * of the shared zeroes, are sent without a copy and not counted.
     */
    public void recordRdmaReadCopy(int bytes) {
        rdmaReadCopyBytes[0] += bytes;
    }

    /** Bytes of read data copied into registered RDMA buffers ({@link #recordRdmaReadCopy}). */
    public long rdmaReadCopyBytes() {
        return rdmaReadCopyBytes[0];
    }

    /**
     * Records a turn whose deferred throughput work stopped at the open latency window's byte bound, with more
     * waiting (reactor thread only).
     */
    public void recordLatencyWindowCut() {
        latencyWindowCuts[0]++;
    }

    /** Turns whose throughput work the open latency window cut short ({@link #recordLatencyWindowCut}). */
    public long latencyWindowCuts() {
        return latencyWindowCuts[0];
    }

    /**
     * Records one look at the latency sources between the socket writes of a long flush, and whether it found input
     * (reactor thread only; {@link PollGroup#serviceLatencySources()}).
     */
    public void recordLatencyService(boolean found) {
        latencyServices[0]++;
        if (found) {
            latencyServices[1]++;
        }
    }

    /**
     * Records a receive buffer taken from the allocator for a look at a latency source's socket (reactor thread only;
     * the TCP transport's receiver keeps the buffer of a look that read nothing for the next look).
     */
    public void recordLatencyServiceBuffer() {
        latencyServices[2]++;
    }

    /** Receive buffers the looks at latency sources took from the allocator ({@link #recordLatencyServiceBuffer}). */
    public long latencyServiceBuffers() {
        return latencyServices[2];
    }

    /** Looks at the latency sources between the writes of a long flush ({@link #recordLatencyService}). */
    public long latencyServices() {
        return latencyServices[0];
    }

    /** Of {@link #latencyServices()}, those that found a latency source's input and served it mid-flush. */
    public long latencyServicesServed() {
        return latencyServices[1];
    }

    /** Records a flow seen for the first time by a queue on this reactor (reactor thread only). */
    public void recordNewFlow() {
        flows[0]++;
    }

    private static long clamp(long micros) {
        return Math.max(0, Math.min(MAX_MICROS, micros));
    }

    public long commands(int latencyClass) {
        return commands[latencyClass];
    }

    public long bytesRead() {
        return bytesRead[0];
    }

    public long bytesWritten() {
        return bytesWritten[0];
    }

    public long errors() {
        return errors[0];
    }

    public long homedCompletions() {
        return homedCompletions[0];
    }

    public long remoteCompletions() {
        return remoteCompletions[0];
    }

    /** Queues that moved onto this reactor for {@code reason} ({@link #MOVE_CONNECT}, {@link #MOVE_PROVENANCE}). */
    public long queueMoves(int reason) {
        return queueMoves[reason];
    }

    /** Flows that moved onto this reactor with their queue (one per flow per move). */
    public long flowMoves() {
        return flowMoves[0];
    }

    /** Distinct (queue, flow) pairs first seen on this reactor. */
    public long flows() {
        return flows[0];
    }

    /** Cumulative request latency (received to response queued) for a class; any thread. */
    public Histogram requestLatency(int latencyClass) {
        return stages.total(latencyClass, StageHistograms.REQUEST);
    }

    public Histogram backendLatency(int latencyClass) {
        return stages.total(latencyClass, StageHistograms.BACKEND);
    }

    /** Backend done to response queued: the target's share of device_done_to_cqe_visible. */
    public Histogram doneToResponse(int latencyClass) {
        return stages.total(latencyClass, StageHistograms.DONE_TO_RESPONSE);
    }
}
