package io.locus.initiator.bench;

import io.locus.initiator.Flow;
import io.locus.initiator.HostStatus;
import io.locus.initiator.IoCallback;
import io.locus.initiator.Namespace;
import io.locus.initiator.stats.RemoteCompletions;
import io.locus.initiator.queue.QueuePair;
import io.locus.runtime.Reactor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives one flow at a fixed queue depth of random reads, started on the flow's home reactor and continued from
 * each completion callback (no thread hop, no allocation), like {@code locus perf}'s worker.
 * <p>
 * Its routes are either one unfixed namespace handle (the library steers by the flow) or several fixed handles used
 * in turn by each slot (generic round-robin). A callback may then run on another reactor than the home one; every
 * thread records into its own lane (histograms, counters), so nothing is shared between writers, and the lane
 * number says whether the completion was remote.
 * <p>
 * A paced worker ({@code intervalNanos > 0}) starts a slot's next read no sooner than that long after the slot's
 * previous one started, like a training step that computes between two reads: a completion that comes earlier
 * schedules the next read on the home reactor's event loop for the rest of the interval. Both sides of the benchmark
 * then do the same critical work as long as each keeps up with the pace.
 */
final class FlowWorker implements IoCallback, Runnable {
    static final long HIGHEST_NANOS = 60_000_000_000L;
    /** Slowest requests kept per lane for the tail breakdown. */
    static final int TAIL_KEEP = 2048;

    /** One in-flight slot. */
    private static final class Io {
        final ByteBuf buf;
        long startNanos;
        QueuePair queue;
        int nextRoute;
        /** Issues this slot's next read on the home reactor once its interval has passed (paced flows only). */
        Runnable paced;

        Io(ByteBuf buf) {
            this.buf = buf;
        }
    }

    /** What one callback thread recorded. Single writer. */
    static final class Lane {
        final Histogram total = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram submitToSent = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram sentToVisible = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram visibleToCallback = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram targetDw1 = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram backendDw1 = new Histogram(1, HIGHEST_NANOS, 3);
        final TailSampler tail = new TailSampler(TAIL_KEEP);
        final SplittableRandom rnd;
        long completions;
        long bytes;
        long errors;
        long unknownStages;
        long queueMask;
        String firstError;

        Lane(long seed) {
            this.rnd = new SplittableRandom(seed);
        }

        void reset() {
            total.reset();
            submitToSent.reset();
            sentToVisible.reset();
            visibleToCallback.reset();
            targetDw1.reset();
            backendDw1.reset();
            tail.reset();
            completions = 0;
            bytes = 0;
            unknownStages = 0;
        }
    }

    private final String name;
    private final Flow flow;
    private final Namespace[] routes;
    private final int ioSize;
    private final int blocks;
    private final long units;
    private final boolean dw1Timing;
    private final RemoteCompletions where;
    private final Lane[] lanes;
    private final Io[] ios;
    private final long intervalNanos;
    private final Reactor home;
    private volatile long deadline;
    private volatile CountDownLatch done;

    /**
     * @param routes    handles to submit through: one unfixed handle (steered by the flow) or fixed ones used in turn
     * @param dw1Timing whether completions carry the target's timing in DW1 (provenance enabled)
     * @param where     the callback threads and the flow's home
     * @param intervalNanos least time between the starts of two reads of one slot; 0 issues the next at once
     * @param home      the reactor the worker is started on, where paced reads are issued
     */
    FlowWorker(String name, Flow flow, Namespace[] routes, int queueDepth, int ioSize, boolean dw1Timing,
               RemoteCompletions where, long seed, long intervalNanos, Reactor home) {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException(name + ": negative interval " + intervalNanos);
        }
        this.name = name;
        this.flow = flow;
        this.routes = routes.clone();
        this.ioSize = ioSize;
        int lbaSize = routes[0].lbaSize();
        if (ioSize % lbaSize != 0) {
            throw new IllegalArgumentException(name + ": I/O size " + ioSize + " is not a multiple of " + lbaSize);
        }
        this.blocks = ioSize / lbaSize;
        this.units = routes[0].blocks() / blocks;
        this.dw1Timing = dw1Timing;
        this.where = where;
        this.intervalNanos = intervalNanos;
        this.home = home;
        this.lanes = new Lane[where.slots()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(seed * 31 + i);
        }
        this.ios = new Io[queueDepth];
        for (int i = 0; i < queueDepth; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(ioSize, ioSize);
            ios[i] = new Io(buf);
            ios[i].nextRoute = i;
            Io io = ios[i];
            io.paced = () -> issueOrStop(io, lanes[where.currentSlot()], System.nanoTime());
        }
    }

    String name() {
        return name;
    }

    Flow flow() {
        return flow;
    }

    /**
     * Arms an open-ended run (the warm-up, recorded like the measurement so the same code is hot); {@code latch}
     * counts down once per slot when the slot stops, after {@link #stopAt}'s deadline.
     */
    void start(CountDownLatch latch) {
        this.deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        this.done = latch;
    }

    /** Forgets what callback slot {@code slot} recorded; only on that slot's thread (a message to its reactor). */
    void resetSlot(int slot) {
        lanes[slot].reset();
        where.reset(slot);
    }

    /** Stops issuing at {@code deadlineNanos}. */
    void stopAt(long deadlineNanos) {
        this.deadline = deadlineNanos;
    }

    int queueDepth() {
        return ios.length;
    }

    /** On the home reactor: fill the queue. */
    @Override
    public void run() {
        Lane lane = lanes[where.currentSlot()];
        for (Io io : ios) {
            issue(io, lane);
        }
    }

    private void issue(Io io, Lane lane) {
        Namespace route = routes.length == 1 ? routes[0] : routes[io.nextRoute++ % routes.length];
        long lba = lane.rnd.nextLong(units) * blocks;
        QueuePair q = route.queueFor(flow);
        io.queue = q;
        lane.queueMask |= 1L << Math.min(63, q.qid());
        io.startNanos = System.nanoTime();
        route.read(lba, blocks, io.buf, 0, flow, this, io);
    }

    /** On whichever reactor owns the queue: record, then issue the next read on the same slot. */
    @Override
    public void onComplete(Object context, int status, int dw0, int dw1) {
        long now = System.nanoTime();
        Io io = (Io) context;
        // Valid only now, inside the callback on the queue's reactor.
        long sent = io.queue.lastSentNanos();
        long visible = io.queue.lastVisibleNanos();
        int slot = where.currentSlot();
        Lane lane = lanes[slot];
        long total = Math.min(Math.max(0, now - io.startNanos), HIGHEST_NANOS);
        if (!HostStatus.ok(status)) {
            lane.errors++;
            if (lane.firstError == null) {
                lane.firstError = name + ": " + HostStatus.describe(status);
            }
        } else {
            where.record(slot);
            lane.completions++;
            lane.bytes += ioSize;
            lane.total.recordValue(total);
            long submitToSent = -1;
            long sentToVisible = -1;
            long visibleToCallback = -1;
            if (sent != 0 && visible != 0 && sent - io.startNanos >= 0 && visible - sent >= 0 && now - visible >= 0) {
                submitToSent = Math.min(sent - io.startNanos, HIGHEST_NANOS);
                sentToVisible = Math.min(visible - sent, HIGHEST_NANOS);
                visibleToCallback = Math.min(now - visible, HIGHEST_NANOS);
                lane.submitToSent.recordValue(submitToSent);
                lane.sentToVisible.recordValue(sentToVisible);
                lane.visibleToCallback.recordValue(visibleToCallback);
            } else {
                lane.unknownStages++;
            }
            long targetNanos = -1;
            long backendNanos = -1;
            if (dw1Timing) {
                targetNanos = (dw1 >>> 16) * 1000L;
                backendNanos = (dw1 & 0xFFFF) * 1000L;
                lane.targetDw1.recordValue(targetNanos);
                lane.backendDw1.recordValue(backendNanos);
            }
            lane.tail.offer(total, submitToSent, sentToVisible, visibleToCallback, targetNanos, backendNanos, now);
        }
        long due = io.startNanos + intervalNanos;
        if (intervalNanos > 0 && now - due < 0 && now - deadline < 0) {
            home.eventLoop().schedule(io.paced, due - now, TimeUnit.NANOSECONDS);
        } else {
            issueOrStop(io, lane, now);
        }
    }

    private void issueOrStop(Io io, Lane lane, long now) {
        if (now - deadline < 0) {
            issue(io, lane);
        } else {
            done.countDown();
        }
    }

    // ---------------------------------------------------------------- results (after the run)

    Histogram merged(java.util.function.Function<Lane, Histogram> which) {
        Histogram h = new Histogram(1, HIGHEST_NANOS, 3);
        for (Lane l : lanes) {
            h.add(which.apply(l));
        }
        return h;
    }

    long completions() {
        return sum(l -> l.completions);
    }

    long bytes() {
        return sum(l -> l.bytes);
    }

    long errors() {
        return sum(l -> l.errors);
    }

    long unknownStages() {
        return sum(l -> l.unknownStages);
    }

    /** Totals one counter over the lanes (read after the run, off the hot path). */
    private long sum(java.util.function.ToLongFunction<Lane> counter) {
        long n = 0;
        for (Lane l : lanes) {
            n += counter.applyAsLong(l);
        }
        return n;
    }

    String firstError() {
        for (Lane l : lanes) {
            if (l.firstError != null) {
                return l.firstError;
            }
        }
        return null;
    }

    /** The qids this flow's commands went to. */
    List<Integer> queues() {
        long mask = 0;
        for (Lane l : lanes) {
            mask |= l.queueMask;
        }
        List<Integer> qids = new ArrayList<>();
        for (int q = 0; q < 64; q++) {
            if ((mask & (1L << q)) != 0) {
                qids.add(q);
            }
        }
        return qids;
    }

    RemoteCompletions where() {
        return where;
    }

    /**
     * The slowest requests the lanes kept: {total, submitToSent, sentToVisible, visibleToCallback, target, backend,
     * completedAtNanos}.
     */
    List<long[]> tailRows() {
        List<long[]> all = new ArrayList<>();
        for (Lane l : lanes) {
            for (int i = 0; i < l.tail.size(); i++) {
                long[] row = new long[TailSampler.STAGES + 1];
                row[0] = l.tail.total(i);
                for (int s = 0; s < TailSampler.STAGES; s++) {
                    row[s + 1] = l.tail.stage(i, s);
                }
                all.add(row);
            }
        }
        return all;
    }

    void release() {
        for (Io io : ios) {
            io.buf.release();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
