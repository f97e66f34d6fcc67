package io.locus.initiator;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A controller's per-flow host statistics ({@link HostFlowStats}), recorded single-writer: every thread that consumes
 * completions (a reactor, or a thread blocked in a blocking call) has its own {@link Writer}, and in it one
 * {@link Lane} per flow, which only it writes. The hot path takes no lock and allocates nothing once a thread has
 * seen a flow (the first completion of a flow on a thread makes its lane). Snapshots merge every lane of a flow.
 */
final class FlowRecorders {
    static final int INLINE = 0;
    static final int HANDED_OFF = 1;
    static final int NO_HOME_REACTOR = 2;
    static final int BLOCKING = 3;

    private final Map<Integer, Record> flows = new ConcurrentHashMap<>();
    private final Map<Thread, Writer> threadWriters = new ConcurrentHashMap<>();

    /** A writer for one reactor; only that reactor's thread may use it. */
    Writer newWriter() {
        return new Writer(this);
    }

    /**
     * The writer of a thread that is not a reactor (a blocked caller). Kept until the controller goes away; one per
     * thread that ever made a blocking call with a flow.
     */
    Writer threadWriter(Thread t) {
        Writer w = threadWriters.get(t);
        if (w == null) {
            Writer fresh = new Writer(this);
            w = threadWriters.putIfAbsent(t, fresh);
            if (w == null) {
                w = fresh;
            }
        }
        return w;
    }

    HostFlowStats snapshot(int flowId) {
        Record r = flows.get(flowId);
        return r == null ? HostFlowStats.empty(flowId) : r.snapshot();
    }

    List<HostFlowStats> snapshots() {
        List<HostFlowStats> out = new ArrayList<>();
        for (Record r : flows.values()) {
            out.add(r.snapshot());
        }
        out.sort(Comparator.comparingInt(HostFlowStats::flowId));
        return out;
    }

    private Record record(int flowId) {
        return flows.computeIfAbsent(flowId, Record::new);
    }

    /** One flow: its lanes (one per writer thread) and the CPU of its last sampled consumer. */
    static final class Record {
        private static final VarHandle LAST_CPU;

        static {
            try {
                LAST_CPU = MethodHandles.lookup().findVarHandle(Record.class, "lastCpu", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final int flowId;
        final List<Lane> lanes = new CopyOnWriteArrayList<>();
        @SuppressWarnings("unused") // through LAST_CPU
        private int lastCpu = -1;

        Record(int flowId) {
            this.flowId = flowId;
        }

        HostFlowStats snapshot() {
            long[] sums = new long[Lane.COUNTERS];
            Histogram visible = HostFlowStats.newHistogram();
            Histogram oncpu = HostFlowStats.newHistogram();
            for (Lane l : lanes) {
                l.addTo(sums, visible, oncpu);
            }
            return new HostFlowStats(flowId, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7],
                    visible, oncpu);
        }

        /**
         * The previous consumer's CPU, replaced by {@code cpu}. Several consumers of one flow (a flow that is not
         * ANTI_MIGRATE, completing on several reactors) race here without a lock or an atomic: a migration may go
         * uncounted when two consumers sample at the same moment, and the field is written only when the CPU changed,
         * so a flow whose consumer stays put never writes a shared cache line.
         */
        int swapLastCpu(int cpu) {
            int prev = (int) LAST_CPU.getOpaque(this);
            if (prev != cpu) {
                LAST_CPU.setOpaque(this, cpu);
            }
            return prev;
        }
    }

    /** One flow as one thread records it. Counters are plain fields, read racily by snapshots (a moment stale). */
    static final class Lane {
        static final int COUNTERS = 8;

        final Record record;
        long completions;
        final long[] byDelivery = new long[4];
        long cpuSamples;
        long offHomeCpu;
        long migrations;
        private final SingleWriterRecorder visibleToWakeup = new SingleWriterRecorder(HostFlowStats.HIGHEST_NANOS, 2);
        private final SingleWriterRecorder wakeupToOnCpu = new SingleWriterRecorder(HostFlowStats.HIGHEST_NANOS, 2);
        // Reader side: what earlier snapshots took out of the recorders.
        private final Histogram visibleTotal = HostFlowStats.newHistogram();
        private final Histogram oncpuTotal = HostFlowStats.newHistogram();

        Lane(Record record) {
            this.record = record;
        }

        /**
         * One completion reaching its consumer.
         *
         * @param visibleToWakeup nanoseconds, or negative when the completion had no CQE (the host failed it)
         * @param wakeupToOnCpu   nanoseconds (0 inline)
         */
        void record(int delivery, long visibleToWakeup, long wakeupToOnCpu) {
            completions++;
            byDelivery[delivery]++;
            if (visibleToWakeup >= 0) {
                this.visibleToWakeup.recordValue(clamp(visibleToWakeup));
                this.wakeupToOnCpu.recordValue(clamp(wakeupToOnCpu));
            }
        }

        /** The consumer ran on {@code cpu}; {@code homeCpu} is the flow's. */
        void sampleCpu(int cpu, int homeCpu) {
            cpuSamples++;
            if (cpu != homeCpu) {
                offHomeCpu++;
            }
            int prev = record.swapLastCpu(cpu);
            if (prev >= 0 && prev != cpu) {
                migrations++;
            }
        }

        private static long clamp(long nanos) {
            return Math.max(0, Math.min(HostFlowStats.HIGHEST_NANOS, nanos));
        }

        /** Reader side (synchronized among readers; the writer never locks). */
        synchronized void addTo(long[] sums, Histogram visible, Histogram oncpu) {
            sums[0] += completions;
            for (int i = 0; i < byDelivery.length; i++) {
                sums[1 + i] += byDelivery[i];
            }
            sums[5] += cpuSamples;
            sums[6] += offHomeCpu;
            sums[7] += migrations;
            visibleTotal.add(visibleToWakeup.getIntervalHistogram());
            oncpuTotal.add(wakeupToOnCpu.getIntervalHistogram());
            visible.add(visibleTotal);
            oncpu.add(oncpuTotal);
        }
    }

    /** One thread's lanes by flow id: an open-addressing table only that thread reads and writes. */
    static final class Writer {
        private final FlowRecorders owner;
        private int[] keys = new int[16];
        private Lane[] lanes = new Lane[16];
        private int size;

        Writer(FlowRecorders owner) {
            this.owner = owner;
        }

        Lane lane(int flowId) {
            int mask = keys.length - 1;
            int i = mix(flowId) & mask;
            while (true) {
                Lane l = lanes[i];
                if (l == null) {
                    return add(flowId);
                }
                if (keys[i] == flowId) {
                    return l;
                }
                i = (i + 1) & mask;
            }
        }

        private Lane add(int flowId) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            Record r = owner.record(flowId);
            Lane l = new Lane(r);
            r.lanes.add(l);
            put(flowId, l);
            size++;
            return l;
        }

        private void put(int flowId, Lane l) {
            int mask = keys.length - 1;
            int i = mix(flowId) & mask;
            while (lanes[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = flowId;
            lanes[i] = l;
        }

        private void grow() {
            int[] oldKeys = keys;
            Lane[] oldLanes = lanes;
            keys = new int[oldKeys.length * 2];
            lanes = new Lane[oldLanes.length * 2];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldLanes[i] != null) {
                    put(oldKeys[i], oldLanes[i]);
                }
            }
        }

        private static int mix(int key) {
            int h = key * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
