package io.locus.initiator;

import io.locus.nativeio.NativeThreadPinning;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ThreadPinning;

import java.util.Objects;

/**
 * Who a request is for: the provenance that travels with it (ARCHITECTURE.md, "Provenance on the wire").
 * Create one per flow and pass the same value with each submission; it is only read.
 *
 * @param id           flow id (CDW2)
 * @param latencyClass what the flow cares about
 * @param homeCpu      CPU that consumes the completions, or -1 when unset
 * @param homeNode     NUMA node of that CPU (0 when unknown)
 * @param flags        {@link #ANTI_MIGRATE}, {@link #BOUNDED_BATCH}, {@link #REUSE_REGISTRATION}. With ANTI_MIGRATE and a home
 *                     CPU, an asynchronous completion that lands on a reactor off the home CPU is handed to the
 *                     reactor on it ({@link Controller#homeReactor}) and its callback runs there; blocking calls are
 *                     consumed by the waiting thread, which {@link #pinConsumer()} can keep on the home CPU
 * @param budgetMicros latency budget in microseconds (saturates at 65535 on the wire), 0 for none
 */
public record Flow(int id, LatencyClass latencyClass, int homeCpu, int homeNode, int flags, int budgetMicros) {
    public static final int ANTI_MIGRATE = ProvenanceWire.FLAG_ANTI_MIGRATE;
    public static final int BOUNDED_BATCH = ProvenanceWire.FLAG_BOUNDED_BATCH;
    public static final int REUSE_REGISTRATION = ProvenanceWire.FLAG_REUSE_REGISTRATION;

    public Flow {
        Objects.requireNonNull(latencyClass, "latencyClass");
        if ((flags & ~0xFF) != 0) {
            throw new IllegalArgumentException("flow flags must fit in 8 bits");
        }
        if (budgetMicros < 0) {
            throw new IllegalArgumentException("latency budget must not be negative");
        }
    }

    public static Flow of(int id, LatencyClass latencyClass) {
        return new Flow(id, latencyClass, -1, 0, 0, 0);
    }

    /**
     * How long one of this flow's commands keeps its reactor's active latency window open when it is sent and when
     * it completes (nanoseconds, {@link ReactorConfig#latencyWindowNanos}: the budget, or the reactor's micro-window
     * without one); 0 for a THROUGHPUT or PREFETCH flow, which opens none.
     */
    public long latencyWindowNanos() {
        if (latencyClass != LatencyClass.LATENCY && latencyClass != LatencyClass.STEP_CRITICAL) {
            return 0;
        }
        return ReactorConfig.latencyWindowNanos(budgetMicros);
    }

    /**
     * Pins the calling thread, the flow's consumer, to the flow's home CPU with the native library; see
     * {@link #pinConsumer(ThreadPinning)}.
     */
    public boolean pinConsumer() {
        return pinConsumer(NativeThreadPinning.instance());
    }

    /**
     * Pins the calling thread to this flow's home CPU, so the thread that consumes the flow's completions (one that
     * makes blocking calls on the flow, or waits for what its callbacks hand over) stays on the CPU the flow's
     * provenance names, beside the home reactor. Call it once, from the consumer thread itself, before its first
     * request. A platform thread only: virtual threads are never pinned.
     *
     * @return true when the thread is now pinned; false when the flow has no home CPU or the pinning refused (CPU
     *         offline or outside this process's cpuset, no native library: {@link NativeThreadPinning} has then
     *         logged why, once)
     */
    public boolean pinConsumer(ThreadPinning pinning) {
        return homeCpu >= 0 && !Thread.currentThread().isVirtual() && pinning.pinCurrentThread(homeCpu);
    }

    /** CDW3 as the wire carries it: home cpu b15:0 (0xFFFF unset) | home node b31:16. */
    public int wireCdw3() {
        return ProvenanceWire.cdw3(homeCpu < 0 ? ProvenanceWire.HOME_CPU_UNSET : homeCpu, homeNode);
    }

    /** MPTR as the wire carries it: class | flags | budget. */
    public long wireMptr() {
        return ProvenanceWire.mptr(latencyClass.wire(), flags, budgetMicros);
    }
}
