package io.locus.runtime;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One reactor: a {@link ReactorAgent} (the work of a turn) and what runs it. Two threading modes over the same agent,
 * as Aeron has:
 * <ul>
 * <li><b>dedicated</b> ({@link #Reactor(ReactorConfig, ThreadPinning)}, then {@link #start()}): the runner. One
 *     platform thread, pinned to {@link ReactorConfig#cpu()}, runs turns in a loop and after each one asks its idle
 *     strategy ({@link IdleMode}) whether to spin or to block in the transport's wait;</li>
 * <li><b>invoker</b> ({@link #invoker}): no thread of its own; the thread that made it calls {@link #invoke()} for
 *     each turn, as a test does with a manual clock.</li>
 * </ul>
 * Every time decision (the micro-window bounds, the latency window, idle back-off, the event loop's timers) reads the
 * reactor's {@link NanoClock}: {@code System::nanoTime} unless a clock is given.
 * <p>
 * Other threads reach a reactor only through {@link #execute(Runnable)} (a JCTools MPSC queue, counted as a remote
 * hand-off).
 */
public final class Reactor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reactor.class.getName());
    /** The production clock. */
    public static final NanoClock SYSTEM_CLOCK = System::nanoTime;

    private final ReactorConfig config;
    private final ThreadPinning pinning;
    /** The runner's thread; null in invoker mode. */
    private final Thread thread;
    private final ReactorAgent agent;
    private final AdaptiveIdle idle;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean pinned;

    public Reactor(ReactorConfig config, ThreadPinning pinning) {
        this(config, pinning, NettyTransports.ioHandlerFactory());
    }

    public Reactor(ReactorConfig config, ThreadPinning pinning, IoHandlerFactory ioHandlerFactory) {
        this(config, pinning, ioHandlerFactory, SYSTEM_CLOCK);
    }

    /** A dedicated reactor whose time decisions read {@code clock} (nanoseconds, monotonic). */
    public Reactor(ReactorConfig config, ThreadPinning pinning, IoHandlerFactory ioHandlerFactory, NanoClock clock) {
        this.config = config.conclude();
        this.pinning = pinning;
        // A FastThreadLocalThread, so Netty's per-thread buffer caches and recyclers take their fast path.
        FastThreadLocalThread t = new FastThreadLocalThread(this::run, config.name());
        t.setDaemon(true);
        this.thread = t;
        this.agent = new ReactorAgent(config, t, ioHandlerFactory, clock);
        this.idle = new AdaptiveIdle(config, clock, agent::awaitWork);
    }

    private Reactor(ReactorConfig config, IoHandlerFactory ioHandlerFactory, NanoClock clock, Thread owner) {
        this.config = config.conclude();
        this.pinning = ThreadPinning.NONE;
        this.thread = null;
        this.agent = new ReactorAgent(config, owner, ioHandlerFactory, clock);
        this.idle = new AdaptiveIdle(config, clock, agent::awaitWork);
    }

    /**
     * An invoker-mode reactor owned by the calling thread: nothing runs until that thread calls {@link #invoke()}.
     * The config's CPU and idle mode are not used (the caller's thread is what it is, and decides when to turn).
     */
    public static Reactor invoker(ReactorConfig config, NanoClock clock) {
        return new Reactor(config, NettyTransports.ioHandlerFactory(), clock, Thread.currentThread());
    }

    /** Starts the runner's thread. @throws IllegalStateException in invoker mode */
    public Reactor start() {
        if (thread == null) {
            throw new IllegalStateException("reactor " + config.name() + " is an invoker: call invoke() for each turn");
        }
        thread.start();
        return this;
    }

    /**
     * Invoker mode, owner thread: runs one turn.
     *
     * @return items done (0: idle)
     * @throws IllegalStateException on a dedicated reactor, or from another thread
     */
    public int invoke() {
        if (thread != null || !agent.inReactor()) {
            throw new IllegalStateException("reactor " + config.name() + " runs on its own thread");
        }
        return agent.doWork();
    }

    public String name() {
        return config.name();
    }

    public int cpu() {
        return config.cpu();
    }

    public boolean isPinned() {
        return pinned;
    }

    /** The clock of every time decision on this reactor (nanoseconds); pollers compare their deadlines to it. */
    public NanoClock clock() {
        return agent.clock();
    }

    /** The Netty event loop this reactor drives; register channels on it. */
    /** Reactor thread: the clock as this reactor's turn last read it ({@link ReactorAgent#clockReading()}). */
    public long clockReading() {
        return agent.clockReading();
    }

    public ManualIoEventLoop eventLoop() {
        return agent.eventLoop();
    }

    public boolean inReactor() {
        return agent.inReactor();
    }

    /** Adds a poller; callable from any thread (it is handed to the reactor as a message). */
    public void addPoller(Poller poller) {
        agent.addPoller(poller);
    }

    public void removePoller(Poller poller) {
        agent.removePoller(poller);
    }

    /**
     * Runs a task on this reactor. From the reactor itself it runs inline-later (next drain); from any other thread
     * it crosses through the MPSC queue, is counted, and wakes a sleeping reactor.
     */
    public void execute(Runnable task) {
        agent.execute(task);
    }

    /**
     * Reactor thread: opens (or stretches) the reactor's active latency window until {@code nowNanos + budgetNanos}
     * on {@link #clock()}: a latency-class flow is active. While it is open the reactor spins (adaptive mode) and
     * the owners of throughput work bound what that work may hold the reactor or a socket for
     * ({@link #latencyWindowOpen}); a window that already reaches further stays as it is.
     */
    public void openLatencyWindow(long nowNanos, long budgetNanos) {
        idle.openLatencyWindow(nowNanos, budgetNanos);
    }

    /** Reactor thread: whether the active latency window ({@link #openLatencyWindow}) reaches past {@code nowNanos}. */
    public boolean latencyWindowOpen(long nowNanos) {
        return idle.latencyWindowOpen(nowNanos);
    }

    /** Messages that crossed into this reactor from other threads. */
    public long remoteMessages() {
        return agent.remoteMessages();
    }

    public long turns() {
        return agent.turns();
    }

    /** The idle mode in effect (the config's unless {@link #idleMode(IdleMode)} changed it). */
    public IdleMode idleMode() {
        return idle.mode();
    }

    /** Switches what the reactor does when a turn finds no work; any thread, takes effect at the next idle turn. */
    public void idleMode(IdleMode mode) {
        idle.mode(mode);
    }

    public long idleTurns() {
        return agent.idleTurns();
    }

    private void run() {
        if (config.cpu() >= 0) {
            pinned = pinning.pinCurrentThread(config.cpu());
        }
        try {
            agent.onStart();
            while (running) {
                idle.idle(agent.doWork());
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "reactor " + config.name() + " failed", t);
        } finally {
            try {
                agent.onClose();
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "reactor " + config.name() + " did not close cleanly", t);
            }
            stopped.countDown();
        }
    }

    /**
     * Stops the reactor after its current turn, runs what was already queued, and shuts its event loop down. From
     * another thread of a dedicated reactor it waits up to 5 s for that; an invoker closes on its owner thread.
     */
    @Override
    public void close() {
        running = false;
        agent.stopAccepting();
        if (thread == null) {
            if (agent.inReactor() && stopped.getCount() > 0) {
                agent.onClose();
                stopped.countDown();
            }
            return;
        }
        if (!inReactor() && thread.isAlive()) {
            try {
                if (!stopped.await(5, TimeUnit.SECONDS)) {
                    LOG.warning("reactor " + config.name() + " did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
