package io.locus.target.backend;

import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;
import io.locus.target.command.Request;
import io.locus.target.metrics.ReactorStats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend-completion poller of one reactor. Backends that complete on the reactor (memory, null, io_uring)
 * queue here without crossing threads; completions from other threads (the file backend's I/O pool) arrive through
 * the reactor's MPSC queue and are counted there as remote. After each batch, queues that produced responses are
 * flushed once, so responses of one turn share a syscall.
 */
public final class ReactorCompletions implements Poller, CompletionSink {
    /** Something with pending writes to flush once a batch is done. */
    public interface Flushable {
        void flushPending();
    }

    private final Reactor reactor;
    private final ArrayDeque<BackendIo> urgent = new ArrayDeque<>(256);
    private final ArrayDeque<BackendIo> ready = new ArrayDeque<>(1024);
    private final ArrayDeque<Request> deferred = new ArrayDeque<>(1024);
    private final List<Flushable> dirty = new ArrayList<>();
    private long localCompletions;
    private long deferredCommands;
    private final AtomicLong remoteCompletions = new AtomicLong();

    private final ReactorStats stats;
    private final int reactorIndex;
    private final int reactorCount;

    /** The window when polled outside a reactor turn; inside one the reactor's {@code windowNanos} applies. */
    public static final long DEFAULT_WINDOW_NANOS = io.locus.runtime.ReactorConfig.DEFAULT_WINDOW_NANOS;

    public ReactorCompletions(Reactor reactor) {
        this(reactor, 0, 1);
    }

    /** @param reactorIndex this reactor's place among {@code reactorCount}: flows homed on CPU c belong to reactor c mod count */
    public ReactorCompletions(Reactor reactor, int reactorIndex, int reactorCount) {
        this.reactor = reactor;
        this.reactorIndex = reactorIndex;
        this.reactorCount = reactorCount;
        this.stats = new ReactorStats(reactor.name());
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

    public Reactor reactor() {
        return reactor;
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
     * says. Then one flush per dirty queue.
     */
    @Override
    public int poll(int maxItems, long deadlineNanos) {
        int done = 0;
        BackendIo io;
        while (done < maxItems && (io = urgent.pollFirst()) != null) {
            io.dispatch();
            done++;
            if (Poller.expired(deadlineNanos)) {
                flushDirty();
                return done;
            }
        }
        int budget = done + maxItems;
        while (done < budget && (io = ready.pollFirst()) != null) {
            io.dispatch();
            done++;
            if (Poller.expired(deadlineNanos)) {
                flushDirty();
                return done;
            }
        }
        budget = done + maxItems;
        Request r;
        while (done < budget && (r = deferred.pollFirst()) != null) {
            r.queue.runDeferred(r);
            done++;
            if (Poller.expired(deadlineNanos)) {
                break;
            }
        }
        flushDirty();
        return done;
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
        return "backend-completions";
    }
}
