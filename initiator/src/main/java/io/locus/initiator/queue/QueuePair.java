package io.locus.initiator.queue;

import io.locus.initiator.HostStatus;
import io.locus.initiator.IoCallback;
import io.locus.initiator.NvmeException;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;
import org.agrona.concurrent.NanoClock;
import org.jctools.queues.MpmcArrayQueue;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One host queue pair (admin or I/O), whatever the transport: its preallocated command slots and, while connected,
 * its {@link HostConnection}. The pair outlives connections, so commands cut off by a connection loss wait in it and
 * go out again after the reconnect.
 * <p>
 * Threading: everything touching the connection and the slots' state runs on the pair's reactor. Other threads call
 * only {@link #acquire()} (a lock-free free list) and {@link #submit(Command)} (the slot itself is handed to the
 * reactor as its message), and the control-plane methods that return futures.
 * <p>
 * Hot path, no allocation: submit → the connection encodes the command into its turn's batch → {@link #poll} flushes
 * once per reactor turn → the connection parses the response and calls {@link #onResponse} → callback on this
 * reactor, or, for a command that carries a flow, the slot's preallocated {@link RoutedCompletion} to the
 * {@link CompletionRouter} (which may run the callback on another reactor). Times (deadlines, stage stamps) are read
 * from the reactor's clock.
 */
public final class QueuePair implements Poller {
    private static final Logger LOG = Logger.getLogger(QueuePair.class.getName());
    /** Flush times remembered for stage timing (a power of two). */
    private static final int FLUSH_RING = 64;
    /** Connect always travels in-capsule (1024 bytes of data), before Identify told the host IOCCSZ. */
    private static final int CONTROL_IN_CAPSULE = 8192;

    /** Connection life of the queue. */
    public enum State {
        /** No connection; commands wait (after a loss) for the controller to reconnect. */
        DISCONNECTED,
        /** Transport connect and its setup (TCP: ICReq/ICResp) under way. */
        CONNECTING,
        /** The transport is up; only bring-up commands (Connect) may go out. */
        CONNECTED,
        /** Fabrics Connect done: every command goes out. */
        LIVE,
        /** The controller gave up: every command fails at once. Final until {@link #connect}. */
        FAILED,
        /** Closed by its owner. Final. */
        CLOSED
    }

    private final QueueConfig config;
    private final Reactor reactor;
    private final NanoClock clock;
    /** The clock when the input batch being parsed was read ({@link #beginReceive()}); reactor thread only. */
    private long receiveNanos;
    private boolean receiving;
    private final QueueOwner owner;
    private final CompletionRouter router;
    private final HostConnection connection;
    private final Command[] slots;
    /** Per slot, the carrier of a flow's completion to the router; null without a router. */
    private final RoutedCompletion[] carriers;
    private final MpmcArrayQueue<Command> free;
    private final int indexBits;
    private final int indexMask;
    private final int generationMask;
    private final ArrayDeque<DeferredSubmit> waiters = new ArrayDeque<>();
    /**
     * Deferred submits handed to the reactor and not yet given a slot (or failed): while any is, {@link #acquire}
     * gives no slot to a newcomer, so a caller's later command cannot overtake its earlier, deferred one (a slot
     * freed between the deferral and the reactor running it would otherwise go to the later command first).
     */
    private final java.util.concurrent.atomic.AtomicInteger deferredOutstanding = new java.util.concurrent.atomic.AtomicInteger();
    private final Runnable timeoutCheck = this::checkTimeouts;

    private volatile State state = State.DISCONNECTED;
    private volatile String lastError;
    private CompletableFuture<Void> connectFuture;
    private String endpoint = "";
    private Command pendingHead;
    private Command pendingTail;
    private int inCapsuleLimit;
    private boolean provenance;

    // Stage timing (reactor-only): the times of the last FLUSH_RING flushes; per slot, the flush count when its
    // command was encoded (it leaves with the next flush; -1 when not sent) and when its completion was parsed.
    private final long[] flushNanos = new long[FLUSH_RING];
    private long flushes;
    private final long[] slotFlush;
    private final long[] slotVisible;
    private long lastSentNanos;
    private long lastVisibleNanos;

    // Counters (reactor-written; read racily for stats).
    private long sent;
    private long completed;
    private long retried;
    private long carrierSpills;

    /**
     * @param router     where completions of commands that carry a flow go (anti-migration, per-flow timing); null
     *                   runs every callback on this queue's reactor
     * @param transport  makes this pair's connection (TCP, RDMA)
     */
    public QueuePair(QueueConfig config, Reactor reactor, QueueOwner owner, CompletionRouter router,
                     HostConnection.Factory transport) {
        this.config = config;
        this.reactor = reactor;
        this.clock = reactor.clock();
        this.owner = owner;
        this.router = router;
        int count = config.slots();
        this.slots = new Command[count];
        this.free = new MpmcArrayQueue<>(Math.max(2, count));
        this.slotFlush = new long[count];
        this.slotVisible = new long[count];
        java.util.Arrays.fill(slotFlush, -1);
        for (int i = 0; i < count; i++) {
            slots[i] = new Command(this, i);
            free.offer(slots[i]);
        }
        this.indexBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, count - 1));
        this.indexMask = (1 << indexBits) - 1;
        this.generationMask = indexBits >= 16 ? 0 : (1 << (16 - indexBits)) - 1;
        if (router != null) {
            this.carriers = new RoutedCompletion[count];
            for (int i = 0; i < count; i++) {
                carriers[i] = router.newCarrier(this);
            }
        } else {
            this.carriers = null;
        }
        this.connection = transport.create(this);
        reactor.addPoller(this);
    }

    public QueueConfig config() {
        return config;
    }

    public int qid() {
        return config.qid();
    }

    public Reactor reactor() {
        return reactor;
    }

    /** The transport under this pair (for its transport-specific settings, e.g. the TCP digests negotiated). */
    public HostConnection connection() {
        return connection;
    }

    public State state() {
        return state;
    }

    /** The reason of the last connection loss or failure, or null. */
    public String lastError() {
        return lastError;
    }

    /** The endpoint of the current or last connection ({@code host:port}), for messages. */
    public String endpoint() {
        return endpoint;
    }

    /** Commands that may be outstanding at once. */
    public int depth() {
        return slots.length;
    }

    public long sentCount() {
        return sent;
    }

    public long completedCount() {
        return completed;
    }

    public long retriedCount() {
        return retried;
    }

    /**
     * Completions that found their slot's carrier still on its way to another reactor and took a fresh one (the
     * only allocation on the routed path; rare: the slot was reused and completed again before the other reactor ran).
     */
    public long carrierSpills() {
        return carrierSpills;
    }

    /**
     * Stage timing, valid only inside an {@link IoCallback} running for this queue on its reactor (not in one handed
     * to another reactor): when the completing command left in a flush (the reactor's clock, {@link System#nanoTime()}
     * in production), or 0 when unknown (never sent, or more than 64 flushes ago).
     */
    public long lastSentNanos() {
        return lastSentNanos;
    }

    /**
     * Stage timing, valid only inside an {@link IoCallback} running for this queue: when the completing command's
     * completion was parsed (completion visible at the host), or 0 when the host failed it.
     */
    public long lastVisibleNanos() {
        return lastVisibleNanos;
    }

    /** Reactor: most data bytes {@code command} may carry inside its capsule (IOCCSZ learned at go-live). */
    public int inCapsuleLimit(Command command) {
        return command.control ? Math.max(inCapsuleLimit, CONTROL_IN_CAPSULE) : inCapsuleLimit;
    }

    /** Reactor: whether I/O commands carry the provenance extension on this queue. */
    public boolean provenance() {
        return provenance;
    }

    // ---------------------------------------------------------------- submission (any thread)

    /** A free slot (fields as the last user left them: call {@link Command#reset()}), or null when all are taken. */
    public Command acquire() {
        if (deferredOutstanding.get() > 0) {
            return null;
        }
        Command c = free.poll();
        if (c != null) {
            c.state = Command.State.ACQUIRED;
        }
        return c;
    }

    /** Submits a filled slot: directly on the reactor thread, else handed over through the reactor's queue. */
    public void submit(Command c) {
        if (reactor.inReactor()) {
            submitOnReactor(c);
        } else {
            reactor.execute(c);
        }
    }

    /** Submits a bring-up command, which may go out before the queue is live. */
    public void submitControl(Command c) {
        c.control = true;
        c.retryable = false;
        submit(c);
    }

    /** Overload path: wait for a slot on the reactor. */
    public void defer(DeferredSubmit d) {
        deferredOutstanding.incrementAndGet();
        if (reactor.inReactor()) {
            onDeferred(d);
        } else {
            reactor.execute(d);
        }
    }

    // ---------------------------------------------------------------- control plane (any thread → reactor)

    /**
     * Opens a new connection and runs the transport's setup. Completes when the queue is {@link State#CONNECTED};
     * fails with an {@link NvmeException} whose message says what went wrong.
     */
    public CompletableFuture<Void> connect(InetSocketAddress address, String endpoint, long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> startConnect(address, endpoint, timeoutMs, f));
        return f;
    }

    /** Fabrics Connect succeeded: set the limits learned from Identify and let every waiting command go. */
    public CompletableFuture<Void> goLive(int inCapsuleLimit, boolean provenance) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            this.inCapsuleLimit = inCapsuleLimit;
            this.provenance = provenance && config.qid() != 0;
            if (state == State.CONNECTED) {
                state = State.LIVE;
                drainPending();
                f.complete(null);
            } else {
                f.completeExceptionally(new NvmeException("queue " + config.qid() + " lost its connection during bring-up"
                        + (lastError != null ? ": " + lastError : "")));
            }
        });
        return f;
    }

    /** Tears the connection down (in-flight commands wait for a reconnect), without telling the owner. */
    public CompletableFuture<Void> disconnect(String reason) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            failConnection(reason, false);
            f.complete(null);
        });
        return f;
    }

    /** Gives up: fails every waiting and in-flight command with {@code status} and every later one too. */
    public CompletableFuture<Void> fail(int status, String reason) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            lastError = reason;
            connection.close();
            state = State.FAILED;
            failAll(status);
            f.complete(null);
        });
        return f;
    }

    /** Closes for good: commands fail with Aborted By Host (DNR). */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable r = () -> {
            if (state != State.CLOSED) {
                connection.close();
                state = State.CLOSED;
                failAll(HostStatus.ABORTED_BY_HOST | Status.DNR);
                reactor.removePoller(this);
            }
            f.complete(null);
        };
        try {
            reactor.execute(r);
        } catch (IllegalStateException stopped) {
            f.complete(null);
        }
        return f;
    }

    /** Asks the reactor to fail the connection of any command past its deadline (call periodically). */
    public void scheduleTimeoutCheck() {
        reactor.execute(timeoutCheck);
    }

    // ---------------------------------------------------------------- reactor side: sending

    void submitOnReactor(Command c) {
        switch (state) {
            case LIVE -> send(c);
            case CONNECTED -> {
                if (c.control) {
                    send(c);
                } else if (c.failFast) {
                    finish(c, HostStatus.HOST_PATH_ERROR, 0, 0);
                } else {
                    enqueuePending(c);
                }
            }
            case CLOSED -> finish(c, HostStatus.ABORTED_BY_HOST | Status.DNR, 0, 0);
            case FAILED -> finish(c, HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            default -> {
                if (c.control || c.failFast) {
                    finish(c, HostStatus.HOST_PATH_ERROR, 0, 0);
                } else {
                    enqueuePending(c);
                }
            }
        }
    }

    void onDeferred(DeferredSubmit d) {
        if (state == State.CLOSED || state == State.FAILED) {
            deferredOutstanding.decrementAndGet();
            d.fail(state == State.CLOSED ? HostStatus.ABORTED_BY_HOST | Status.DNR : HostStatus.HOST_PATH_ERROR | Status.DNR);
            return;
        }
        Command c = waiters.isEmpty() ? free.poll() : null;
        if (c == null) {
            waiters.addLast(d);
            return;
        }
        deferredOutstanding.decrementAndGet();
        c.state = Command.State.ACQUIRED;
        d.fill(c.reset());
        submitOnReactor(c);
    }

    private void send(Command c) {
        c.generation = (c.generation + 1) & generationMask;
        c.cid = c.index | (c.generation << indexBits);
        c.state = Command.State.IN_FLIGHT;
        long now = now();
        c.deadlineNanos = now + (c.timeoutNanos != 0 ? c.timeoutNanos : config.timeoutNanos());
        openLatencyWindow(c, now);
        slotFlush[c.index] = flushes;
        slotVisible[c.index] = 0;
        connection.send(c);
        sent++;
    }

    /**
     * Transport, reactor thread: one batch of input (one socket read) is about to be parsed. Until
     * {@link #endReceive()}, the completions parsed from it are stamped visible with this one clock reading (they
     * became visible together), and commands sent meanwhile (from their callbacks) start their timeout from it. One
     * read per batch instead of two per command: on a virtual machine a clock read costs tens of nanoseconds.
     */
    public void beginReceive() {
        receiveNanos = clock.nanoTime();
        receiving = true;
    }

    /** Transport, reactor thread: the batch {@link #beginReceive()} began is parsed. */
    public void endReceive() {
        receiving = false;
    }

    /** The batch's reading while a batch is parsed, else the clock. */
    private long now() {
        return receiving ? receiveNanos : clock.nanoTime();
    }

    /** Reactor poller: flush once per turn whatever this turn wrote. */
    @Override
    public int poll(int maxItems) {
        if (!connection.flush()) {
            return 0;
        }
        flushNanos[(int) (++flushes & (FLUSH_RING - 1))] = clock.nanoTime();
        return 1;
    }

    @Override
    public String name() {
        return "nvme-" + connection.transportName() + "-q" + config.qid() + "-flush";
    }

    // ---------------------------------------------------------------- reactor side: what the connection reports

    /** The in-flight command with this CID, or null when none (stale, unknown or invented CID). */
    public Command lookup(int cid) {
        int index = cid & indexMask;
        if (index >= slots.length) {
            return null;
        }
        Command c = slots[index];
        return c.state == Command.State.IN_FLIGHT && c.cid == cid ? c : null;
    }

    /** The transport is up and its setup done: bring-up commands may go out. */
    public void onConnected() {
        state = State.CONNECTED;
        CompletableFuture<Void> f = connectFuture;
        connectFuture = null;
        if (f != null) {
            f.complete(null);
        }
    }

    /** The transport connect failed (refused, unreachable, timed out): the connect future fails with {@code reason}. */
    public void onConnectFailed(String reason, Throwable cause) {
        lastError = reason;
        connection.close();
        state = State.DISCONNECTED;
        CompletableFuture<Void> f = connectFuture;
        connectFuture = null;
        if (f != null) {
            f.completeExceptionally(new NvmeException(reason, cause));
        }
    }

    /**
     * The connection is lost (closed by the peer, protocol error, transport error): it is torn down, the owner is
     * told, and in-flight commands wait for the reconnect or fail.
     */
    public void onConnectionLost(String reason) {
        failConnection(reason, true);
    }

    /**
     * The response to {@code c} (from {@link #lookup}) arrived with {@code status} (the transport's own error, e.g. a
     * data digest mismatch, already folded in): retried when it failed without DNR and retries are left, else
     * delivered.
     */
    public void onResponse(Command c, int status, int dw0, int dw1) {
        long now = now();
        slotVisible[c.index] = now;
        openLatencyWindow(c, now);
        completed++;
        if (!Status.isSuccess(status) && !Status.dnr(status) && c.retryable && c.retries < config.maxRetries()
                && state == State.LIVE) {
            c.retries++;
            retried++;
            c.state = Command.State.ACQUIRED;
            send(c);
            return;
        }
        finish(c, status, dw0, dw1);
    }

    /**
     * A latency-class flow's command goes out or comes back: the reactor's active latency window opens for the flow's
     * budget, so that bulk reads on this reactor take a bounded bite per turn while it waits (TcpQueue's receive
     * allocator) and an adaptive reactor spins.
     */
    private void openLatencyWindow(Command c, long now) {
        if (c.flow != null) {
            long window = c.flow.latencyWindowNanos();
            if (window > 0) {
                reactor.openLatencyWindow(now, window);
            }
        }
    }

    // ---------------------------------------------------------------- completion

    /**
     * Delivers a completion: the slot is free again before the callback runs, so the callback can reuse it. A command
     * that carried a flow goes to the router (which may run the callback on another reactor), any other runs here.
     */
    private void finish(Command c, int status, int dw0, int dw1) {
        IoCallback callback = c.callback;
        Object context = c.context;
        long encodedAt = slotFlush[c.index];
        lastSentNanos = encodedAt >= 0 && flushes > encodedAt && flushes - encodedAt <= FLUSH_RING
                ? flushNanos[(int) ((encodedAt + 1) & (FLUSH_RING - 1))] : 0;
        lastVisibleNanos = slotVisible[c.index];
        slotFlush[c.index] = -1;
        slotVisible[c.index] = 0;
        RoutedCompletion routed = null;
        if (carriers != null && c.flow != null && callback != null && !c.direct) {
            routed = carriers[c.index];
            if (routed.isHandedOff()) {
                routed = router.newCarrier(this);
                carriers[c.index] = routed;
                carrierSpills++;
            }
            routed.fill(c.flow, callback, context, c.cid, status, dw0, dw1, lastVisibleNanos);
        }
        release(c);
        if (callback != null) {
            try {
                if (routed != null) {
                    routed.deliver();
                } else {
                    callback.onComplete(context, status, dw0, dw1);
                }
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "completion callback failed", t);
            }
        }
    }

    private void release(Command c) {
        c.data = null;
        c.callback = null;
        c.context = null;
        c.flow = null;
        c.next = null;
        DeferredSubmit waiter = waiters.pollFirst();
        if (waiter != null) {
            deferredOutstanding.decrementAndGet();
            c.state = Command.State.ACQUIRED;
            waiter.fill(c.reset());
            submitOnReactor(c);
            return;
        }
        c.state = Command.State.FREE;
        free.offer(c);
    }

    // ---------------------------------------------------------------- connection management (reactor)

    private void startConnect(InetSocketAddress address, String endpoint, long timeoutMs, CompletableFuture<Void> f) {
        if (state == State.CLOSED) {
            f.completeExceptionally(new NvmeException("queue is closed"));
            return;
        }
        connection.close();
        this.endpoint = endpoint;
        state = State.CONNECTING;
        connectFuture = f;
        connection.open(address, endpoint, timeoutMs);
    }

    private void failConnection(String reason, boolean notifyOwner) {
        if (state == State.DISCONNECTED || state == State.CLOSED || state == State.FAILED) {
            return;
        }
        lastError = reason;
        connection.close();
        state = State.DISCONNECTED;
        CompletableFuture<Void> f = connectFuture;
        connectFuture = null;
        if (f != null) {
            f.completeExceptionally(new NvmeException(reason));
        }
        if (notifyOwner) {
            owner.onQueueFailure(this, reason);
        }
        setAsideInFlight();
    }

    /**
     * In-flight commands go back to wait for the reconnect when they may be retried; the rest (and fail-fast ones,
     * which another path may take) fail now with a Host Path Error.
     */
    private void setAsideInFlight() {
        for (Command c : slots) {
            if (c.state != Command.State.IN_FLIGHT) {
                continue;
            }
            if (c.retryable && !c.failFast && c.retries < config.maxRetries()) {
                c.retries++;
                retried++;
                enqueuePending(c);
            } else {
                finish(c, HostStatus.HOST_PATH_ERROR, 0, 0);
            }
        }
    }

    private void failAll(int status) {
        Command c = pendingHead;
        pendingHead = null;
        pendingTail = null;
        while (c != null) {
            Command next = c.next;
            finish(c, status, 0, 0);
            c = next;
        }
        for (Command s : slots) {
            if (s.state == Command.State.IN_FLIGHT) {
                finish(s, status, 0, 0);
            }
        }
        DeferredSubmit d;
        while ((d = waiters.pollFirst()) != null) {
            deferredOutstanding.decrementAndGet();
            d.fail(status);
        }
    }

    private void enqueuePending(Command c) {
        c.state = Command.State.PENDING;
        c.next = null;
        if (pendingTail == null) {
            pendingHead = c;
        } else {
            pendingTail.next = c;
        }
        pendingTail = c;
    }

    private void drainPending() {
        Command c = pendingHead;
        pendingHead = null;
        pendingTail = null;
        while (c != null) {
            Command next = c.next;
            c.next = null;
            submitOnReactor(c);
            c = next;
        }
    }

    private void checkTimeouts() {
        if (state != State.LIVE && state != State.CONNECTED) {
            return;
        }
        long now = clock.nanoTime();
        for (Command c : slots) {
            if (c.state == Command.State.IN_FLIGHT && now - c.deadlineNanos > 0) {
                long ms = ((c.timeoutNanos != 0 ? c.timeoutNanos : config.timeoutNanos())) / 1_000_000;
                failConnection(String.format("%s (opcode 0x%02x, command id 0x%04x) got no answer from %s within %d ms",
                        config.qid() == 0 ? "admin command" : "I/O command", c.opcode, c.cid, endpoint, ms), true);
                return;
            }
        }
    }
}
