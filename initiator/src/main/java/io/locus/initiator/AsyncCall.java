package io.locus.initiator;

import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.DeferredSubmit;
import io.locus.initiator.queue.QueuePair;

/** Submits a control-plane command without waiting (keep-alive, AER, event log reads): never blocks a thread. */
final class AsyncCall {
    private AsyncCall() {
    }

    static void submit(QueuePair queue, SyncCall.Setup setup, IoCallback callback, boolean control, long timeoutNanos) {
        Command c = queue.acquire();
        if (c == null) {
            queue.defer(new DeferredSubmit(queue) {
                @Override
                protected void fill(Command slot) {
                    prepare(slot, setup, callback, control, timeoutNanos);
                }

                @Override
                protected void fail(int status) {
                    callback.onComplete(null, status, 0, 0);
                }
            });
            return;
        }
        prepare(c.reset(), setup, callback, control, timeoutNanos);
        if (control) {
            queue.submitControl(c);
        } else {
            queue.submit(c);
        }
    }

    private static void prepare(Command c, SyncCall.Setup setup, IoCallback callback, boolean control, long timeoutNanos) {
        setup.fill(c);
        c.callback = callback;
        c.retryable = !control;
        c.timeoutNanos = timeoutNanos;
    }
}
