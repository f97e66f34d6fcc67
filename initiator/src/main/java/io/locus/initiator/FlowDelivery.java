package io.locus.initiator;

import io.locus.initiator.queue.CompletionRouter;
import io.locus.initiator.queue.RoutedCompletion;
import io.locus.initiator.queue.QueuePair;
import io.locus.runtime.Reactor;

import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A controller's consumer policy for completions of commands that carry a flow, and the per-flow host statistics.
 * <ul>
 *   <li>Anti-migration: an {@link Flow#ANTI_MIGRATE} flow whose completion lands on a reactor off its home CPU is
 *       handed to the reactor on the home CPU through that reactor's {@link Reactor#execute} (its MPSC queue, which
 *       counts remote hand-offs); the callback runs there. With no reactor on the home CPU it runs where it landed,
 *       counted as {@code noHomeReactor}.</li>
 *   <li>Blocking calls: the waiting thread is the consumer; the reactor only wakes it, and the waiter records.</li>
 *   <li>Every other completion runs inline on the queue's reactor.</li>
 * </ul>
 * Recorded per flow, single-writer on the consuming thread ({@link FlowRecorders}): how it was delivered, the
 * {@code cqe_visible_to_wakeup} and {@code wakeup_to_oncpu} stages, and for flows with a home CPU where the consumer
 * ran ({@code migrations_per_flow}); exported as the JFR event {@code io.locus.HostCompletion} when that is enabled.
 * The hot path allocates nothing: each command slot has a preallocated {@link Carrier}, which is itself the task that
 * crosses to the home reactor.
 */
final class FlowDelivery implements CompletionRouter {
    private static final Logger LOG = Logger.getLogger(FlowDelivery.class.getName());

    private final List<Reactor> reactors;
    private final FlowRecorders recorders = new FlowRecorders();
    private final FlowRecorders.Writer[] reactorWriters;
    /** The controller's CNTLID, for the JFR events (set at each association; -1 before). */
    private volatile int cntlid = -1;
    /** Index into {@link #reactors} of the first reactor configured on each CPU, -1 where none. */
    private final int[] homeByCpu;

    FlowDelivery(List<Reactor> reactors) {
        this.reactors = List.copyOf(reactors);
        this.reactorWriters = new FlowRecorders.Writer[this.reactors.size()];
        int maxCpu = -1;
        for (int i = 0; i < reactorWriters.length; i++) {
            reactorWriters[i] = recorders.newWriter();
            maxCpu = Math.max(maxCpu, this.reactors.get(i).cpu());
        }
        this.homeByCpu = new int[maxCpu + 1];
        Arrays.fill(homeByCpu, -1);
        for (int i = this.reactors.size() - 1; i >= 0; i--) {
            int cpu = this.reactors.get(i).cpu();
            if (cpu >= 0) {
                homeByCpu[cpu] = i;
            }
        }
    }

    void cntlid(int id) {
        this.cntlid = id;
    }

    /** The reactor configured on {@code cpu} (the first, when several share it), or null. */
    Reactor homeReactor(int cpu) {
        int i = homeIndex(cpu);
        return i < 0 ? null : reactors.get(i);
    }

    private int homeIndex(int cpu) {
        return cpu >= 0 && cpu < homeByCpu.length ? homeByCpu[cpu] : -1;
    }

    HostFlowStats snapshot(int flowId) {
        return recorders.snapshot(flowId);
    }

    List<HostFlowStats> snapshots() {
        return recorders.snapshots();
    }

    @Override
    public RoutedCompletion newCarrier(QueuePair queue) {
        return new Carrier(queue, writerOf(queue.reactor()));
    }

    private FlowRecorders.Writer writerOf(Reactor r) {
        for (int i = 0; i < reactorWriters.length; i++) {
            if (reactors.get(i) == r) {
                return reactorWriters[i];
            }
        }
        throw new IllegalArgumentException("reactor " + r.name() + " is not one of this controller's");
    }

    /**
     * Queue's reactor, from a library callback (a split transfer's last chunk): delivers the flow's completion as if a
     * slot had completed. Allocates one carrier (the split path allocates anyway).
     */
    void deliverOnce(QueuePair queue, Flow flow, IoCallback callback, Object context, int status, int dw0, int dw1) {
        Carrier k = new Carrier(queue, writerOf(queue.reactor()));
        k.set(flow, callback, context, status, dw0, dw1, queue.lastVisibleNanos());
        k.deliver();
    }

    /** The waiting thread, back from a blocking call on a flow: it was the consumer. */
    void recordBlocking(Flow flow, SyncCall call) {
        long awakeNanos = call.awakeNanos();
        FlowRecorders.Lane lane = recorders.threadWriter(Thread.currentThread()).lane(flow.id());
        long visible = call.visibleNanos();
        long woken = call.wakeNanos();
        long toWakeup = visible == 0 || woken == 0 ? -1 : woken - visible;
        long toOnCpu = woken == 0 ? 0 : Math.max(0, awakeNanos - woken);
        lane.record(FlowRecorders.BLOCKING, toWakeup, toOnCpu);
        int cpu = sample(lane, flow);
        emit(HostCompletionEvent.BLOCKING, call.qid(), call.cid(), visible, call.status(), flow, cpu, toWakeup, toOnCpu);
    }

    /** Samples the consumer's CPU for a homed flow; returns it, or -1 when not read. */
    private static int sample(FlowRecorders.Lane lane, Flow flow) {
        if (flow.homeCpu() < 0) {
            return HostCompletionEvent.TYPE.isEnabled() ? CpuProbe.currentCpu() : -1;
        }
        int cpu = CpuProbe.currentCpu();
        if (cpu >= 0) {
            lane.sampleCpu(cpu, flow.homeCpu());
        }
        return cpu;
    }

    private void emit(String delivery, int qid, int cid, long visibleAt, int status, Flow flow, int cpu, long toWakeup,
                      long toOnCpu) {
        if (!HostCompletionEvent.TYPE.isEnabled()) {
            return;
        }
        HostCompletionEvent e = new HostCompletionEvent();
        e.cntlid = cntlid;
        e.qid = qid;
        e.cid = cid;
        e.visibleAt = visibleAt;
        e.status = status;
        e.flowId = flow.id();
        e.latencyClass = flow.latencyClass().wire();
        e.homeCpu = flow.homeCpu();
        e.cpu = cpu;
        e.delivery = delivery;
        e.visibleToWakeupNanos = Math.max(0, toWakeup);
        e.wakeupToOnCpuNanos = toOnCpu;
        e.commit();
    }

    /** One slot's carrier: delivered on the queue's reactor, or run on the home reactor after a hand-off. */
    final class Carrier extends RoutedCompletion {
        private final FlowRecorders.Writer local;
        private FlowRecorders.Writer home;
        private long issuedNanos;

        Carrier(QueuePair queue, FlowRecorders.Writer local) {
            super(queue);
            this.local = local;
        }

        void set(Flow flow, IoCallback callback, Object context, int status, int dw0, int dw1, long visibleNanos) {
            fill(flow, callback, context, -1, status, dw0, dw1, visibleNanos);
        }

        @Override
        protected void deliver() {
            Flow f = flow;
            if (callback instanceof SyncCall sync) {
                IoCallback cb = callback;
                Object ctx = context;
                clear();
                sync.woken(visibleNanos, System.nanoTime(), queue.qid(), cid);
                cb.onComplete(ctx, status, dw0, dw1);
                return;
            }
            int homeCpu = f.homeCpu();
            if ((f.flags() & Flow.ANTI_MIGRATE) != 0 && homeCpu >= 0 && queue.reactor().cpu() != homeCpu) {
                int h = homeIndex(homeCpu);
                if (h < 0) {
                    runHere(FlowRecorders.NO_HOME_REACTOR, HostCompletionEvent.NO_HOME_REACTOR);
                    return;
                }
                home = reactorWriters[h];
                issuedNanos = System.nanoTime();
                handingOff();
                try {
                    reactors.get(h).execute(this);
                } catch (IllegalStateException stopped) {
                    taken();
                    runHere(FlowRecorders.NO_HOME_REACTOR, HostCompletionEvent.NO_HOME_REACTOR);
                }
                return;
            }
            runHere(FlowRecorders.INLINE, HostCompletionEvent.INLINE);
        }

        /** The callback on this (the queue's) reactor: the wake-up is the callback starting, so wakeup_to_oncpu is 0. */
        private void runHere(int delivery, String eventDelivery) {
            long now = System.nanoTime();
            Flow f = flow;
            IoCallback cb = callback;
            Object ctx = context;
            int st = status;
            int cmd = cid;
            long visible = visibleNanos;
            long toWakeup = visibleNanos == 0 ? -1 : now - visibleNanos;
            clear();
            FlowRecorders.Lane lane = local.lane(f.id());
            lane.record(delivery, toWakeup, 0);
            int cpu = sample(lane, f);
            emit(eventDelivery, queue.qid(), cmd, visible, st, f, cpu, toWakeup, 0);
            cb.onComplete(ctx, st, dw0, dw1);
        }

        /** Home reactor: a hand-off arrived. */
        @Override
        public void run() {
            long now = System.nanoTime();
            Flow f = flow;
            IoCallback cb = callback;
            Object ctx = context;
            int st = status;
            int d0 = dw0;
            int d1 = dw1;
            long issued = issuedNanos;
            int cmd = cid;
            long visible = visibleNanos;
            long toWakeup = visibleNanos == 0 ? -1 : issued - visibleNanos;
            FlowRecorders.Writer w = home;
            clear();
            taken();
            long toOnCpu = now - issued;
            FlowRecorders.Lane lane = w.lane(f.id());
            lane.record(FlowRecorders.HANDED_OFF, toWakeup, toOnCpu);
            int cpu = sample(lane, f);
            emit(HostCompletionEvent.HANDED_OFF, queue.qid(), cmd, visible, st, f, cpu, toWakeup, toOnCpu);
            try {
                cb.onComplete(ctx, st, d0, d1);
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "completion callback failed", t);
            }
        }
    }
}
