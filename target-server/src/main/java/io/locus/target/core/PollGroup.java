package io.locus.target.core;

import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;
import io.locus.target.backend.BackendIo;
import io.locus.target.backend.CompletionSink;
import io.locus.target.model.Controller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The per-reactor poll group (SPDK's {@code spdk_nvmf_poll_group}): the backend-completion poller of one reactor,
 * the throughput work deferred behind latency-class work, the keep-alive of the controllers whose admin queue lives
 * here, and the reactor's statistics. Backends that complete on the reactor (memory, null, io_uring)
 * queue here without crossing threads; completions from other threads (the file backend's I/O pool) arrive through
 * the reactor's MPSC queue and are counted there as remote. After each batch, queues that produced responses are
 * flushed once, so responses of one turn share a syscall.
 */
public final class PollGroup implements Poller, CompletionSink {
    /** Something with pending writes to flush once a batch is done. */
    public interface Flushable {
        void flushPending();
    }

    /**
     * A queue that carries latency-class commands, read between the socket writes of another queue's long flush
     * ({@link #serviceLatencySources()}), so its next capsule does not wait for the whole flush.
     */
    public interface LatencySource {
        /**
         * Reads what the queue's socket holds now and parses it, as the event loop would (commands dispatch, and
         * this reactor's backends complete into its urgent list); false when nothing was read, or the queue cannot
         * be read outside its event loop now (TLS, a move, a read already on the stack).
         */
        boolean readNow();

        /** Sends the responses queued so far, if any. */
        void sendResponsesNow();
    }

    /** The keep-alive clock of a running target: the data path's own clock, so one reading serves both. */
    public static final LongSupplier SYSTEM_CLOCK = System::nanoTime;

    private final Reactor reactor;
    private final ArrayDeque<BackendIo> urgent = new ArrayDeque<>(256);
    private final ArrayDeque<BackendIo> ready = new ArrayDeque<>(1024);
    private final ArrayDeque<Request> deferred = new ArrayDeque<>(1024);
    private final List<Flushable> dirty = new ArrayList<>();
    /** Queues with latency-class commands on this reactor, read between the writes of a long flush. */
    private LatencySource[] latencySources = new LatencySource[4];
    private int latencySourceCount;
    /** {@link #serviceLatencySources()} is on the stack: it does not nest. */
    private boolean servicingLatency;
    /** When a latency-class request last arrived or completed here ({@link #openLatencyWindow}); reactor thread only. */
    private long lastLatencyClassNanos;
    /** Whether {@link #lastLatencyClassNanos} holds a reading yet (any long is a valid nanoTime). */
    private boolean latencyClassSeen;
    /** Controllers whose admin queue this reactor owns: their keep-alive is checked here. */
    private final List<Controller> keepAlives = new ArrayList<>();
    private final LongSupplier clock;
    private long nextKeepAliveCheck;
    private long localCompletions;
    private long deferredCommands;
    private final AtomicLong remoteCompletions = new AtomicLong();

    private final ReactorStats stats;
    /**
     * The default of {@link #latencyWindowBytes(int)} (config {@code reactors.window_bytes}): two 128 KiB reads per
     * turn, about 30-60 us of socket writes on loopback.
     */
    public static final int DEFAULT_LATENCY_WINDOW_BYTES = 256 * 1024;
    /**
     * How long after its last latency-class request a reactor still stops long flushes for its latency sources: a
     * step-critical flow that computes for up to a second between two reads keeps its protection, while latency-class
     * connections that have gone quiet stop costing the bulk flows a read of their sockets per 64 KiB written.
     */
    public static final long LATENCY_SERVICE_HORIZON_NANOS = 1_000_000_000L;
    /** Throughput data (bytes) deferred commands may start per turn while the latency window is open. */
    private int latencyWindowBytes = DEFAULT_LATENCY_WINDOW_BYTES;
    private final int reactorIndex;
    private final int reactorCount;
    /** {@link System#nanoTime()} as this group last read it ({@link #readStamp()}); reactor thread only. */
    private long stampNanos;
    /** The keep-alive clock at the last {@link #readStamp()}; reactor thread only. */
    private long keepAliveStamp;

    /** The window when polled outside a reactor turn; inside one the reactor's {@code windowNanos} applies. */
    static final long DEFAULT_WINDOW_NANOS = io.locus.runtime.ReactorConfig.DEFAULT_WINDOW_NANOS;

    /** How often the keep-alive of the controllers here is checked; KATO is rounded up to whole seconds anyway. */
    static final long KEEP_ALIVE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    public PollGroup(Reactor reactor) {
        this(reactor, 0, 1, SYSTEM_CLOCK);
    }

    /** @param reactorIndex this reactor's place among {@code reactorCount}: flows homed on CPU c belong to reactor c mod count */
    public PollGroup(Reactor reactor, int reactorIndex, int reactorCount) {
        this(reactor, reactorIndex, reactorCount, SYSTEM_CLOCK);
    }

    /** @param clock the time keep-alive is measured in (nanoseconds; tests pass a manual one) */
    public PollGroup(Reactor reactor, int reactorIndex, int reactorCount, LongSupplier clock) {
        this.reactor = reactor;
        this.reactorIndex = reactorIndex;
        this.reactorCount = reactorCount;
        this.stats = new ReactorStats(reactor.name());
        this.clock = clock;
    }

    /**
     * Reactor thread: reads {@link System#nanoTime()} for the data path and keeps the reading as the stamp that
     * requests take until the next read ({@link #stampNanos()}). Read where a batch of work starts (a socket read, a
     * poll, each completion's window check) and for every latency-class response, so a throughput request's stage
     * times are late by at most the part of a batch before it, and one read serves a batch: on a virtual machine a
     * read costs tens of nanoseconds, and reading per stage per request took a tenth of a busy reactor's CPU.
     */
    public long readStamp() {
        long now = System.nanoTime();
        stampNanos = now;
        keepAliveStamp = clock == SYSTEM_CLOCK ? now : clock.getAsLong();
        return now;
    }

    /**
     * Reactor thread: the keep-alive clock ({@link #nanoTime()}) as of the last {@link #readStamp()}, that is when the
     * commands being run now were received or their batch began. Commands are checked against KATO with it instead of
     * a reading each: a reading from earlier in the turn can only find a keep-alive expired later, never sooner, and
     * the difference is at most one turn against KATO's whole seconds.
     */
    public long keepAliveStamp() {
        return keepAliveStamp;
    }

    /**
     * Reactor thread: the last {@link #readStamp()} reading, for a request's stage stamps ({@code receivedNanos},
     * backend submit and completion, response). Readings only move forward, so stage times are never negative.
     */
    public long stampNanos() {
        return stampNanos;
    }

    /** Now, on this group's clock. */
    public long nanoTime() {
        return clock.getAsLong();
    }

    public ReactorStats stats() {
        return stats;
    }

    /** Whether a flow homed on {@code homeCpu} belongs to this reactor. */
    public boolean isHome(int homeCpu) {
        return homeCpu % reactorCount == reactorIndex;
    }

    /** The reactor of the flows homed on {@code homeCpu}, as an index among the reactors. */
    public int homeIndex(int homeCpu) {
        return homeCpu % reactorCount;
    }

    /** This reactor's index among the reactors. */
    public int index() {
        return reactorIndex;
    }

    public int reactorCount() {
        return reactorCount;
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    /** Starts checking {@code controller}'s keep-alive here (its admin queue's reactor; reactor thread only). */
    public void watchKeepAlive(Controller controller) {
        keepAlives.add(controller);
    }

    public void unwatchKeepAlive(Controller controller) {
        keepAlives.remove(controller);
    }

    /**
     * Tears down the controllers here whose host sent no Keep Alive within KATO; returns how many. A teardown closes
     * the admin queue, which unwatches its controller: the list is walked from the end so that removal is safe.
     */
    public int checkKeepAlives(long now) {
        int expired = 0;
        for (int i = keepAlives.size() - 1; i >= 0; i--) {
            if (i < keepAlives.size() && keepAlives.get(i).expireKeepAliveIfDue(now)) {
                expired++;
            }
        }
        return expired;
    }
    /** A completion that crossed from another thread runs here, stamped now. */
    @Override
    public void dispatchRemote(BackendIo io) {
        io.dispatch(readStamp());
    }

    @Override
    public void deliver(BackendIo io) {
        if (reactor.inReactor()) {
            localCompletions++;
            (io.urgent ? urgent : ready).addLast(io);
        } else {
            remoteCompletions.incrementAndGet();
            reactor.execute(io);
        }
    }

    /** Marks a queue for one flush at the end of the current batch (reactor thread only). */
    public void markDirty(Flushable queue) {
        dirty.add(queue);
    }

    /** Drops every pending flush of {@code queue} (reactor thread only): it is leaving this reactor, already flushed. */
    public void forget(Flushable queue) {
        for (int i = dirty.size() - 1; i >= 0; i--) {
            if (dirty.get(i) == queue) {
                dirty.remove(i);
            }
        }
    }

    /**
     * Sets how much throughput data (bytes, {@code reactors.window_bytes}) deferred commands may start in one turn
     * while the reactor's latency window is open; at least one command starts per turn whatever its size.
     */
    public void latencyWindowBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("latency window bytes must be positive, not " + bytes);
        }
        this.latencyWindowBytes = bytes;
    }

    /**
     * A latency-class request arrived or completed here (reactor thread only): opens the reactor's active latency
     * window (ARCHITECTURE.md) for the request's budget, {@code budgetMicros} (0: none given, the reactor's
     * micro-window). While it is open the reactor spins and throughput work starts at most
     * {@link #latencyWindowBytes(int)} per turn, so the next latency-class capsule waits behind at most that much
     * bulk data in the reactor's turn and in its sockets.
     */
    public void openLatencyWindow(int budgetMicros) {
        long now = reactor.clock().nanoTime();
        reactor.openLatencyWindow(now, io.locus.runtime.ReactorConfig.latencyWindowNanos(budgetMicros));
        lastLatencyClassNanos = now;
        latencyClassSeen = true;
    }

    /**
     * Whether the reactor's active latency window is open now (reactor thread only): a latency-class request ran or
     * completed here within its budget, so the next capsule of a closed-loop flow may arrive any moment.
     */
    public boolean latencyWindowOpen() {
        return reactor.latencyWindowOpen(reactor.clock().nanoTime());
    }

    /**
     * Registers {@code source} (reactor thread only; a second call is a no-op): from now on a long flush of another
     * queue on this reactor reads it between its socket writes (within {@link #LATENCY_SERVICE_HORIZON_NANOS} of
     * the last latency-class request here). A source stays
     * registered until {@link #removeLatencySource}: when it closes or moves.
     */
    public void addLatencySource(LatencySource source) {
        for (int i = 0; i < latencySourceCount; i++) {
            if (latencySources[i] == source) {
                return;
            }
        }
        if (latencySourceCount == latencySources.length) {
            latencySources = Arrays.copyOf(latencySources, latencySourceCount * 2);
        }
        latencySources[latencySourceCount++] = source;
    }

    /** Unregisters {@code source} (reactor thread only); a no-op when it is not registered. */
    public void removeLatencySource(LatencySource source) {
        for (int i = 0; i < latencySourceCount; i++) {
            if (latencySources[i] == source) {
                System.arraycopy(latencySources, i + 1, latencySources, i, latencySourceCount - i - 1);
                latencySources[--latencySourceCount] = null;
                return;
            }
        }
    }

    /**
     * Whether a flush of a queue that is not a latency source should stop between socket writes to
     * {@link #serviceLatencySources()} (reactor thread only): latency sources are registered, a latency-class
     * request ran here within {@link #LATENCY_SERVICE_HORIZON_NANOS}, and no service is already on the stack. Open
     * latency window or not: a sparse latency-class flow (a step that computes for milliseconds between two reads)
     * sends its next capsule long after its budget closed the window, and it would otherwise wait behind a whole
     * flush of up to {@code reactors.batch_bytes}. With no source here, never.
     */
    public boolean latencyServiceWanted() {
        return latencySourceCount > 0 && !servicingLatency && latencyClassSeen
                && reactor.clock().nanoTime() - lastLatencyClassNanos < LATENCY_SERVICE_HORIZON_NANOS;
    }

    /**
     * Between two socket writes of another queue's flush (reactor thread only): reads the latency sources' sockets,
     * runs the urgent (latency-class) completions that gives, and sends those sources' responses at once. A
     * latency-class capsule that arrives while the reactor writes a megabyte of bulk data to another socket so
     * waits for one write of that flush, not for all of it. The urgent completions run here are latency-class ones,
     * of any transport; a TCP queue that has them is a source and never stops its own flush for this, and a flush
     * asked for from inside a stop is sent by the flush under way (SendBatch). Does not nest.
     *
     * @return whether any source had input
     */
    public boolean serviceLatencySources() {
        if (servicingLatency) {
            return false;
        }
        servicingLatency = true;
        try {
            boolean read = false;
            for (int i = 0; i < latencySourceCount; i++) {
                read |= latencySources[i].readNow();
            }
            stats.recordLatencyService(read);
            if (!read) {
                return false;
            }
            BackendIo io;
            while ((io = urgent.pollFirst()) != null) {
                io.dispatch(readStamp());
            }
            for (int i = 0; i < latencySourceCount; i++) {
                latencySources[i].sendResponsesNow();
            }
            return true;
        } finally {
            servicingLatency = false;
        }
    }

    /** Throughput commands held back behind latency-class work so far (reactor thread only). */
    public long deferredCommands() {
        return deferredCommands;
    }

    /** Queues throughput work to run after this turn's latency-class work (reactor thread only). */
    public void defer(Request request) {
        deferredCommands++;
        deferred.addLast(request);
    }

    /**
     * One micro-window: latency-class completions first, then throughput completions, then deferred throughput
     * commands. Each stage takes at most {@code maxItems} and starts nothing new once the reactor's window
     * ({@code deadlineNanos}) has passed, so the reactor returns to the network (and to newly arrived latency-class
     * commands) within a bounded time. Latency-class completions get at least one item per turn whatever the clock
     * says. While the reactor's latency window is open, deferred throughput commands stop once they have started
     * {@link #latencyWindowBytes(int)} of data (at least one command per turn). Then one flush per dirty queue.
     */
    @Override
    public int poll(int maxItems, long deadlineNanos) {
        int done = 0;
        if (urgent.isEmpty() && ready.isEmpty() && deferred.isEmpty()) {
            flushDirty();
            checkKeepAlivesIfDue();
            return 0;
        }
        readStamp();
        BackendIo io;
        while (done < maxItems && (io = urgent.pollFirst()) != null) {
            io.dispatch(stampNanos);
            done++;
            if (readStamp() - deadlineNanos >= 0) {
                flushDirty();
                return done;
            }
        }
        int budget = done + maxItems;
        while (done < budget && (io = ready.pollFirst()) != null) {
            io.dispatch(stampNanos);
            done++;
            if (readStamp() - deadlineNanos >= 0) {
                flushDirty();
                return done;
            }
        }
        budget = done + maxItems;
        Request r;
        long bytesLeft = deferred.isEmpty() || !latencyWindowOpen()
                ? Long.MAX_VALUE : latencyWindowBytes;
        while (done < budget && (r = deferred.pollFirst()) != null) {
            bytesLeft -= r.transferLength; // read before it runs: a request that completes at once is recycled
            r.queue.dispatcher.runDeferred(r);
            done++;
            if (readStamp() - deadlineNanos >= 0) {
                break;
            }
            if (bytesLeft <= 0 && !deferred.isEmpty()) {
                stats.recordLatencyWindowCut();
                break;
            }
        }
        flushDirty();
        return done + checkKeepAlivesIfDue();
    }

    private int checkKeepAlivesIfDue() {
        if (keepAlives.isEmpty()) {
            return 0;
        }
        long now = clock.getAsLong();
        if (now - nextKeepAliveCheck < 0) {
            return 0;
        }
        nextKeepAliveCheck = now + KEEP_ALIVE_CHECK_NANOS;
        return checkKeepAlives(now);
    }

    /** A window of the default length from now, for callers outside a reactor turn (tests, the backend bench). */
    @Override
    public int poll(int maxItems) {
        return poll(maxItems, System.nanoTime() + DEFAULT_WINDOW_NANOS);
    }

    /** Flushes queues marked dirty; also called by the transport at the end of a read batch. */
    public void flushDirty() {
        for (int i = 0; i < dirty.size(); i++) {
            dirty.get(i).flushPending();
        }
        dirty.clear();
    }

    public long localCompletions() {
        return localCompletions;
    }

    /** Completions that arrived from another thread (the file backend's I/O pool). */
    public long remoteCompletions() {
        return remoteCompletions.get();
    }

    @Override
    public String name() {
        return "poll-group";
    }
}
