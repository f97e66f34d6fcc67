package io.locus.runtime;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.jctools.queues.MpscArrayQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The work of one reactor, one turn per {@link #doWork()} call, on its owner thread:
 * <pre>
 *   work = transport (Netty event loop: socket I/O, then its tasks and due timers within T)
 *        + inbound messages (at most N, none started after T)
 *        + each poller in order (at most N items, none started after T)
 * </pre>
 * where T is {@link ReactorConfig#windowNanos()} measured on the reactor's {@link NanoClock}, and N the config's
 * per-turn counts. A turn never spins or blocks: whoever drives the agent (a {@link Reactor}'s thread with its idle
 * strategy, or an invoker) decides what to do after an idle turn, and blocks through {@link #awaitWork(long)}. A test makes the agent on its own thread with a manual
 * clock and calls {@code doWork()} directly.
 * <p>
 * Other threads reach the agent only through {@link #execute(Runnable)}: a JCTools MPSC queue, counted as a remote
 * hand-off.
 */
public final class ReactorAgent implements Agent {
    private static final Logger LOG = Logger.getLogger(ReactorAgent.class.getName());
    private static final int MESSAGE_QUEUE_CAPACITY = 64 * 1024;
    private static final Runnable NUDGE = () -> { };

    private final ReactorConfig config;
    private final Thread owner;
    private final NanoClock clock;
    private final ManualIoEventLoop eventLoop;
    private final MpscArrayQueue<Runnable> messages = new MpscArrayQueue<>(MESSAGE_QUEUE_CAPACITY);
    private final List<Poller> pollers = new ArrayList<>();
    private final AtomicLong remoteMessages = new AtomicLong();
    private volatile boolean accepting = true;
    private volatile boolean sleeping;
    private long turns;
    private long idleTurns;
    /** The clock as this turn last read it (owner thread only). */
    private long clockReading;

    /**
     * @param config           the micro-window sizes (validated here)
     * @param owner            the only thread that may call {@link #doWork()}; the event loop's thread
     * @param ioHandlerFactory the Netty transport (epoll or NIO, see {@link NettyTransports})
     * @param clock            every time the agent reads, in nanoseconds; production passes {@code System::nanoTime}
     */
    public ReactorAgent(ReactorConfig config, Thread owner, IoHandlerFactory ioHandlerFactory, NanoClock clock) {
        this.config = config.conclude();
        this.owner = owner;
        this.clock = clock;
        this.eventLoop = new ManualIoEventLoop(null, owner, ioHandlerFactory, new ClockTicker(clock));
    }

    @Override
    public String roleName() {
        return config.name();
    }

    public ReactorConfig config() {
        return config;
    }

    /** The clock of every time decision on this reactor; pollers compare their deadlines against it. */
    public NanoClock clock() {
        return clock;
    }

    /** The Netty event loop this agent drives; register channels on it. */
    public ManualIoEventLoop eventLoop() {
        return eventLoop;
    }

    public boolean inReactor() {
        return Thread.currentThread() == owner;
    }

    /**
     * Owner thread: the clock as the turn last read it, before the messages and before each poller (nanoseconds on
     * {@link #clock()}; 0 before the first turn). A poller that wants "now" at its start reads this instead of the
     * clock: on a virtual machine a clock read costs tens of nanoseconds, and a turn already reads it once per stage.
     */
    public long clockReading() {
        return clockReading;
    }

    private long readClock() {
        long now = clock.nanoTime();
        clockReading = now;
        return now;
    }

    /**
     * One turn: the transport, the inbound messages, then every poller, each in its micro-window.
     *
     * @return items done this turn (0: idle)
     */
    @Override
    public int doWork() {
        long window = config.windowNanos();
        int work = eventLoop.runNow(window);
        work += drainMessages(readClock() + window);
        for (int i = 0; i < pollers.size(); i++) {
            work += pollers.get(i).poll(config.itemsPerPoller(), readClock() + window);
        }
        turns++;
        if (work == 0) {
            idleTurns++;
        }
        return work;
    }

    /** Adds a poller; callable from any thread (it is handed to the reactor as a message). */
    public void addPoller(Poller poller) {
        if (inReactor()) {
            pollers.add(poller);
        } else {
            execute(() -> pollers.add(poller));
        }
    }

    public void removePoller(Poller poller) {
        if (inReactor()) {
            pollers.remove(poller);
        } else {
            execute(() -> pollers.remove(poller));
        }
    }

    /**
     * Runs a task on this reactor in a later turn. From any thread other than the owner it crosses through the MPSC
     * queue, is counted, and wakes a reactor blocked in {@link #awaitWork(long)}.
     *
     * @throws IllegalStateException when the queue is full and the reactor has stopped
     */
    public void execute(Runnable task) {
        if (!inReactor()) {
            remoteMessages.incrementAndGet();
        }
        while (!messages.offer(task)) {
            if (!accepting) {
                throw new IllegalStateException("reactor " + config.name() + " is stopped");
            }
            Thread.onSpinWait();
        }
        if (sleeping) {
            // Netty's own task hand-off has the race-free wake-up handshake with its blocking wait; a bare wakeup()
            // that lands just before the loop blocks can be lost for a whole sleep period.
            eventLoop.execute(NUDGE);
        }
    }

    /** Messages that crossed into this reactor from other threads. */
    public long remoteMessages() {
        return remoteMessages.get();
    }

    public long turns() {
        return turns;
    }

    public long idleTurns() {
        return idleTurns;
    }

    /**
     * Owner thread: blocks in the transport's wait for at most {@code maxNanos} (unless a message is already queued),
     * waking early for socket I/O, a due timer or a message from another thread.
     */
    public void awaitWork(long maxNanos) {
        sleeping = true;
        if (messages.isEmpty()) {
            eventLoop.run(maxNanos);
        }
        sleeping = false;
    }

    /** Any thread: the reactor is stopping; a full message queue now fails instead of waiting. */
    void stopAccepting() {
        accepting = false;
        eventLoop.wakeup();
    }

    /**
     * Owner thread, after the last turn: runs what was queued before the stop, so callers waiting on it are not left
     * hanging, then shuts the event loop down.
     */
    @Override
    public void onClose() {
        try {
            drainMessages(Long.MAX_VALUE);
            eventLoop.runNow();
        } finally {
            shutDownEventLoop();
        }
    }

    /**
     * Everything queued has run, so no quiet period is wanted: a graceful shutdown would wait for one on the
     * reactor's clock (2 s by default), for ever on a manual clock that nobody moves. Netty still closes the
     * registered channels on the way down.
     */
    @SuppressWarnings("deprecation")
    private void shutDownEventLoop() {
        eventLoop.shutdown();
        while (!eventLoop.isTerminated()) {
            eventLoop.runNow();
        }
    }

    /** @param deadlineNanos no new message starts after it ({@code Long.MAX_VALUE}: count bound only) */
    private int drainMessages(long deadlineNanos) {
        int done = 0;
        Runnable task;
        while (done < config.messagesPerTurn() && (task = messages.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "task on reactor " + config.name() + " failed", t);
            }
            done++;
            if (deadlineNanos != Long.MAX_VALUE && Poller.expired(clock, deadlineNanos)) {
                break;
            }
        }
        return done;
    }
}
