package io.locus.nativeio.rdma;

/**
 * One RDMA device as librdmacm opened it (an {@code ibv_context}): what a reactor allocates its protection domain,
 * completion channel and completion queues on. Found through {@link Rdma#devices()} or {@link CmId#device()}; owned
 * by librdmacm, so never closed.
 */
public final class RdmaDevice {
    private final long handle;
    private final String name;
    private final DeviceAttributes attributes;

    RdmaDevice(long handle, String name, DeviceAttributes attributes) {
        this.handle = handle;
        this.name = name;
        this.attributes = attributes;
    }

    static RdmaDevice open(long handle) throws RdmaException {
        long[] values = new long[14];
        RdmaException.check("ibv_query_device", RdmaNative.queryDevice0(handle, values));
        return new RdmaDevice(handle, RdmaNative.deviceName0(handle), DeviceAttributes.of(values));
    }

    /** The device name, e.g. {@code "rxe0"} or {@code "mlx5_0"}. */
    public String name() {
        return name;
    }

    public DeviceAttributes attributes() {
        return attributes;
    }

    /** The {@code ibv_context} pointer; compare with {@link CmEvent} handles, never dereference. */
    public long handle() {
        return handle;
    }

    /** A protection domain: a reactor allocates one per device and registers its buffer pool in it once. */
    public ProtectionDomain allocateProtectionDomain() throws RdmaException {
        return new ProtectionDomain(this, RdmaException.check("ibv_alloc_pd", RdmaNative.allocPd0(handle)));
    }

    /** A completion channel with a non-blocking fd, for a reactor's epoll set. */
    public CompletionChannel createCompletionChannel() throws RdmaException {
        return new CompletionChannel(RdmaException.check("ibv_create_comp_channel", RdmaNative.createCompChannel0(handle)));
    }

    /**
     * A completion queue of at least {@code entries} entries, shared by as many queue pairs as the caller likes.
     *
     * @param channel the channel that reports it after {@link CompletionQueue#requestNotify}, or null for a CQ that is
     *                only ever busy-polled
     * @param vector  the completion vector (interrupt) to use, 0 to {@code numCompVectors - 1}
     */
    public CompletionQueue createCompletionQueue(int entries, CompletionChannel channel, int vector) throws RdmaException {
        if (entries < 1) {
            throw new IllegalArgumentException("a completion queue needs at least one entry, got " + entries);
        }
        if (vector < 0) {
            throw new IllegalArgumentException("completion vector must not be negative, got " + vector);
        }
        long cq = RdmaException.check("ibv_create_cq",
                RdmaNative.createCq0(handle, entries, channel == null ? 0 : channel.handle(), vector));
        return new CompletionQueue(cq, RdmaNative.cqCapacity0(cq));
    }

    @Override
    public String toString() {
        return name;
    }
}
