package io.locus.nativeio.rdma;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A protection domain ({@code ibv_pd}): memory registered in it may be used by the queue pairs created in it. Close it
 * after its queue pairs and memory regions.
 */
public final class ProtectionDomain implements AutoCloseable {
    private final RdmaDevice device;
    private final long handle;
    private boolean closed;

    ProtectionDomain(RdmaDevice device, long handle) {
        this.device = device;
        this.handle = handle;
    }

    public RdmaDevice device() {
        return device;
    }

    long handle() {
        return handle;
    }

    /**
     * Registers the bytes of a direct buffer between its position and its limit. The region keeps the buffer
     * reachable, so its memory is not freed while the device may still reach it.
     *
     * @param access {@link MemoryRegion#ACCESS_LOCAL_WRITE} and the other {@code ACCESS_*} bits
     * @throws IllegalArgumentException for a heap buffer, an empty one, or remote write without local write
     * @throws RdmaException            {@code ibv_reg_mr}'s errno (ENOMEM: over the locked-memory limit)
     */
    public MemoryRegion register(ByteBuffer buffer, int access) throws RdmaException {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("only direct (off-heap) buffers can be registered");
        }
        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        return register(segment.address(), segment.byteSize(), access, buffer);
    }

    /**
     * Registers {@code [address, address + length)} of off-heap memory the caller keeps mapped until the region is
     * closed (e.g. from {@code IoUring.map}).
     */
    public MemoryRegion register(long address, long length, int access) throws RdmaException {
        return register(address, length, access, null);
    }

    private MemoryRegion register(long address, long length, int access, Object keepAlive) throws RdmaException {
        MemoryRegion.checkRegistration(address, length, access);
        long mr = RdmaException.check("ibv_reg_mr", RdmaNative.regMr0(handle, address, length, access));
        long keys = RdmaNative.mrKeys0(mr);
        return new MemoryRegion(mr, address, length, (int) keys, (int) (keys >>> 32), keepAlive);
    }

    /** {@code ibv_dealloc_pd}; EBUSY while queue pairs or memory regions still use it. */
    @Override
    public void close() throws RdmaException {
        if (!closed) {
            RdmaException.check("ibv_dealloc_pd", RdmaNative.deallocPd0(handle));
            closed = true;
        }
    }
}
