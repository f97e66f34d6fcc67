package io.locus.nativeio.rdma;

/**
 * A connection-manager event channel ({@code rdma_event_channel}): the fd a reactor (or the control thread that
 * listens) polls for connection events of the ids created on it. The fd is non-blocking.
 */
public final class CmEventChannel implements AutoCloseable {
    private final long handle;
    private final int fd;
    private boolean closed;

    private CmEventChannel(long handle) {
        this.handle = handle;
        this.fd = RdmaNative.eventChannelFd0(handle);
    }

    /**
     * {@code rdma_create_event_channel}.
     *
     * @throws IllegalStateException when the RDMA library is not loaded
     * @throws RdmaException         e.g. ENODEV or ENOENT when the kernel has no RDMA CM ({@code rdma_ucm})
     */
    public static CmEventChannel create() throws RdmaException {
        Rdma.ensureLibrary();
        return new CmEventChannel(RdmaException.check("rdma_create_event_channel", RdmaNative.createEventChannel0()));
    }

    /** The non-blocking fd: readable when an event is waiting. */
    public int fd() {
        return fd;
    }

    long handle() {
        return handle;
    }

    /**
     * An id for a reliable-connected queue pair ({@code rdma_create_id}, RDMA_PS_TCP) whose events come to this
     * channel carrying {@code context} ({@link CmEvent#context()}): an index or key the caller dispatches on.
     */
    public CmId createId(long context) throws RdmaException {
        return new CmId(RdmaException.check("rdma_create_id", RdmaNative.createId0(handle, context)));
    }

    /**
     * Copies the next event into {@code event} and acknowledges it ({@code rdma_get_cm_event} +
     * {@code rdma_ack_cm_event}), without blocking.
     *
     * @return true when an event was copied, false when none is waiting
     */
    public boolean poll(CmEvent event) throws RdmaException {
        return RdmaException.check("rdma_get_cm_event", RdmaNative.getCmEvent0(handle, event.address())) == 1;
    }

    /** {@code rdma_destroy_event_channel}, after every id on it was closed. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            RdmaNative.destroyEventChannel0(handle);
        }
    }
}
