package io.locus.runtime;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.jctools.queues.MpscArrayQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One pinned platform thread that owns a set of queues and does all their work in a duty cycle:
 * <pre>
 *   work = transport (Netty event loop, driven here) + pollers (backend completions, ...) + inbound messages
 *   idle(work)
 * </pre>
 * Each stage runs in a bounded micro-window (at most N items and T ns per turn), in a fixed order: Netty's event loop
 * (socket I/O, then its tasks within T), the inbound messages, then each poller. A stage starts no new item once its
 * T has passed, so one busy stage delays the others by about T at most. Other threads reach a reactor only
 * through {@link #execute(Runnable)}, which goes through a JCTools MPSC queue and is counted as a remote hand-off.
 */
public final class Reactor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reactor.class.getName());
    private static final int MESSAGE_QUEUE_CAPACITY = 64 * 1024;
    private static final Runnable NUDGE = () -> { };

    private final ReactorConfig config;
    private final ThreadPinning pinning;
    private final Thread thread;
    private final ManualIoEventLoop eventLoop;
    private final MpscArrayQueue<Runnable> messages = new MpscArrayQueue<>(MESSAGE_QUEUE_CAPACITY);
    private final List<Poller> pollers = new ArrayList<>();
    private final AtomicLong remoteMessages = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean sleeping;
    private volatile boolean pinned;
    private long latencyWindowEndNanos;
    private long turns;
    private long idleTurns;

    public Reactor(ReactorConfig config, ThreadPinning pinning) {
        this(config, pinning, NettyTransports.ioHandlerFactory());
    }

    public Reactor(ReactorConfig config, ThreadPinning pinning, IoHandlerFactory ioHandlerFactory) {
        this.config = config.conclude();
        this.pinning = pinning;
        // A FastThreadLocalThread, so Netty's per-thread buffer caches and recyclers take their fast path.
        FastThreadLocalThread t = new FastThreadLocalThread(this::run, config.name());
        t.setDaemon(true);
        this.thread = t;
        this.eventLoop = new ManualIoEventLoop(thread, ioHandlerFactory);
    }

    public Reactor start() {
        thread.start();
        return this;
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

    /** The Netty event loop this reactor drives; register channels on it. */
    public ManualIoEventLoop eventLoop() {
        return eventLoop;
    }

    public boolean inReactor() {
        return Thread.currentThread() == thread;
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
     * Runs a task on this reactor. From the reactor itself it runs inline-later (next drain); from any other thread
     * it crosses through the MPSC queue, is counted, and wakes a sleeping reactor.
     */
    public void execute(Runnable task) {
        if (!inReactor()) {
            remoteMessages.incrementAndGet();
        }
        while (!messages.offer(task)) {
            if (!running) {
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

    /** Keeps the reactor spinning (adaptive mode) until the given budget has passed: a latency-class flow is active. */
    public void openLatencyWindow(long nowNanos, long budgetNanos) {
        long end = nowNanos + budgetNanos;
        if (end - latencyWindowEndNanos > 0) {
            latencyWindowEndNanos = end;
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

    private void run() {
        if (config.cpu() >= 0) {
            pinned = pinning.pinCurrentThread(config.cpu());
        }
        long lastWork = System.nanoTime();
        try {
            while (running) {
                long window = config.windowNanos();
                int work = eventLoop.runNow(window);
                work += drainMessages(System.nanoTime() + window);
                for (int i = 0; i < pollers.size(); i++) {
                    work += pollers.get(i).poll(config.itemsPerPoller(), System.nanoTime() + window);
                }
                turns++;
                if (work > 0) {
                    lastWork = System.nanoTime();
                    continue;
                }
                idleTurns++;
                if (config.idleMode() == IdleMode.BUSY) {
                    Thread.onSpinWait();
                    continue;
                }
                long now = System.nanoTime();
                if (now - lastWork < config.spinNanos() || now - latencyWindowEndNanos < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                if (messages.isEmpty()) {
                    eventLoop.run(config.maxSleepNanos());
                }
                // Not counted as work: a wait that timed out goes straight back to sleep instead of spinning again.
                sleeping = false;
            }
            // Drain what was queued before the stop so callers waiting on it are not left hanging.
            drainMessages(Long.MAX_VALUE);
            eventLoop.runNow();
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "reactor " + config.name() + " failed", t);
        } finally {
            // No quiet period: the default graceful shutdown would idle for 2 s before the loop terminates.
            eventLoop.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            while (!eventLoop.isTerminated()) {
                eventLoop.runNow();
            }
            stopped.countDown();
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
            if (deadlineNanos != Long.MAX_VALUE && Poller.expired(deadlineNanos)) {
                break;
            }
        }
        return done;
    }

    @Override
    public void close() {
        running = false;
        eventLoop.wakeup();
        if (!inReactor()) {
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
