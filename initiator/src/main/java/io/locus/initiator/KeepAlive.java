package io.locus.initiator;

import io.locus.initiator.queue.QueuePair;
import io.locus.protocol.nvme.Status;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Sends Keep Alive every KATO/2 (Linux host behaviour) while the admin queue is connected: a fixed-rate timer on the
 * admin queue's reactor ({@link Controller#timerReactor()}), so the cadence follows that reactor's clock.
 * A Keep Alive still unanswered when the next one is due (KATO/2 after it was sent) resets the controller: the
 * controller, or the path to it, has gone silent (a partition without a reset, a frozen target), and a multipath
 * namespace can move the path's commands elsewhere within KATO of the last answer rather than 1.5 × KATO (Linux waits
 * a whole KATO for the Keep Alive itself; its own deadline, KATO, stays as a backstop in the admin queue's time-out
 * check). One that completes with an error status resets it too.
 */
final class KeepAlive implements IoCallback {
    private static final Logger LOG = Logger.getLogger(KeepAlive.class.getName());

    private final Controller controller;
    private final AtomicBoolean outstanding = new AtomicBoolean();
    private ScheduledFuture<?> task;
    private volatile long katoNanos;

    KeepAlive(Controller controller) {
        this.controller = controller;
    }

    /** Control thread; the ticks run on the timer reactor. */
    void start(int katoMs) {
        stop();
        katoNanos = TimeUnit.MILLISECONDS.toNanos(katoMs);
        outstanding.set(false);
        long period = Math.max(1, katoMs / 2);
        task = controller.timerReactor().eventLoop().scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** Control thread. */
    void stop() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void tick() {
        QueuePair admin = controller.adminQueue();
        QueuePair.State s = admin.state();
        if (s != QueuePair.State.CONNECTED && s != QueuePair.State.LIVE) {
            return;
        }
        if (!outstanding.compareAndSet(false, true)) {
            String reason = "Keep Alive unanswered for " + TimeUnit.NANOSECONDS.toMillis(katoNanos / 2)
                    + " ms (KATO/2): the controller is silent";
            LOG.warning(() -> controller.transportId() + ": " + reason);
            controller.onQueueFailure(admin, reason);
            return;
        }
        AsyncCall.submit(admin, AdminCommands::keepAlive, this, true, katoNanos);
    }

    /** Reactor thread. */
    @Override
    public void onComplete(Object context, int status, int dw0, int dw1) {
        outstanding.set(false);
        if (Status.isSuccess(status)) {
            return;
        }
        int code = status & 0x7FF;
        if (code == (HostStatus.HOST_PATH_ERROR & 0x7FF) || code == (HostStatus.ABORTED_BY_HOST & 0x7FF)) {
            return; // the connection is already gone; the reset is under way
        }
        String reason = "Keep Alive failed: " + HostStatus.describe(status);
        LOG.warning(() -> controller.transportId() + ": " + reason);
        controller.onQueueFailure(controller.adminQueue(), reason);
    }
}
