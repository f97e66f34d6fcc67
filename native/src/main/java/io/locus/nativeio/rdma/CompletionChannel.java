package io.locus.nativeio.rdma;

/**
 * A completion channel ({@code ibv_comp_channel}): the fd a reactor puts into its epoll set for adaptive idle. The fd
 * is non-blocking. A reactor about to sleep arms its CQs ({@link CompletionQueue#requestNotify}), polls them once more
 * (a completion may have arrived before the arm), and sleeps in epoll; on wake-up it drains the channel with
 * {@link #nextEvent()}, acknowledges, and busy-polls again.
 */
public final class CompletionChannel implements AutoCloseable {
    private final long handle;
    private final int fd;
    private boolean closed;

    CompletionChannel(long handle) {
        this.handle = handle;
        this.fd = RdmaNative.compChannelFd0(handle);
    }

    /** The non-blocking fd: readable when a CQ armed on this channel has a completion. */
    public int fd() {
        return fd;
    }

    long handle() {
        return handle;
    }

    /**
     * Takes one event ({@code ibv_get_cq_event}) without blocking.
     *
     * @return the {@link CompletionQueue#handle() handle} of the CQ that has completions, or 0 when no event is waiting.
     *         Each event taken must be {@link CompletionQueue#acknowledge(int) acknowledged} before that CQ is closed
     *         (its close blocks until then); acknowledging in batches saves a mutex per event
     * @throws RdmaException on any error other than "nothing waiting"
     */
    public long nextEvent() throws RdmaException {
        return RdmaException.check("ibv_get_cq_event", RdmaNative.getCqEvent0(handle));
    }

    /** {@code ibv_destroy_comp_channel}; EBUSY while CQs still use it. */
    @Override
    public void close() throws RdmaException {
        if (!closed) {
            RdmaException.check("ibv_destroy_comp_channel", RdmaNative.destroyCompChannel0(handle));
            closed = true;
        }
    }
}
