package io.locus.runtime;

/**
 * One source of work a reactor polls each turn (transport, backend completions, RDMA CQs...).
 * Like Agrona's {@code Agent.doWork()}: returns how much it did, 0 when idle, so the reactor can decide to back off.
 * A poller must do at most {@code maxItems} items per call, so no poller starves another.
 */
public interface Poller {
    int poll(int maxItems);

    String name();
}
