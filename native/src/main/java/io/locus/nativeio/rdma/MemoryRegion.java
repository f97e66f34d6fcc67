package io.locus.nativeio.rdma;

/**
 * Registered memory ({@code ibv_mr}): its {@link #lkey()} goes into the local scatter/gather entries of work requests,
 * its {@link #rkey()} to the peer (in an NVMe keyed SGL) so the peer can RDMA READ or WRITE it. Register once and reuse:
 * registration pins pages and costs a system call.
 */
public final class MemoryRegion implements AutoCloseable {
    public static final int ACCESS_LOCAL_WRITE = 1;
    public static final int ACCESS_REMOTE_WRITE = 1 << 1;
    public static final int ACCESS_REMOTE_READ = 1 << 2;
    public static final int ACCESS_REMOTE_ATOMIC = 1 << 3;

    private static final int KNOWN_ACCESS = ACCESS_LOCAL_WRITE | ACCESS_REMOTE_WRITE | ACCESS_REMOTE_READ
            | ACCESS_REMOTE_ATOMIC;

    private final long handle;
    private final long address;
    private final long length;
    private final int lkey;
    private final int rkey;
    @SuppressWarnings({"unused", "FieldCanBeLocal"}) // keeps a registered ByteBuffer's memory alive
    private final Object keepAlive;
    private boolean closed;

    MemoryRegion(long handle, long address, long length, int lkey, int rkey, Object keepAlive) {
        this.handle = handle;
        this.address = address;
        this.length = length;
        this.lkey = lkey;
        this.rkey = rkey;
        this.keepAlive = keepAlive;
    }

    /** Rejects what {@code ibv_reg_mr} would reject less clearly, before any native call. */
    static void checkRegistration(long address, long length, int access) {
        if (address == 0 || length <= 0) {
            throw new IllegalArgumentException("nothing to register: address " + address + ", length " + length);
        }
        if ((access & ~KNOWN_ACCESS) != 0) {
            throw new IllegalArgumentException("unknown access bits 0x" + Integer.toHexString(access & ~KNOWN_ACCESS));
        }
        boolean remoteWriteOrAtomic = (access & (ACCESS_REMOTE_WRITE | ACCESS_REMOTE_ATOMIC)) != 0;
        if (remoteWriteOrAtomic && (access & ACCESS_LOCAL_WRITE) == 0) {
            throw new IllegalArgumentException("remote write or atomic access needs ACCESS_LOCAL_WRITE too");
        }
    }

    /** First registered byte (virtual address, also what the peer uses with {@link #rkey()}). */
    public long address() {
        return address;
    }

    /** Registered bytes. */
    public long length() {
        return length;
    }

    /** The local key, for this side's scatter/gather entries. */
    public int lkey() {
        return lkey;
    }

    /** The remote key, for the peer's RDMA READ and WRITE. */
    public int rkey() {
        return rkey;
    }

    /** True when {@code [address, address + length)} lies inside this region. */
    public boolean contains(long address, long length) {
        return address >= this.address && length >= 0 && address + length <= this.address + this.length;
    }

    /** {@code ibv_dereg_mr}. */
    @Override
    public void close() throws RdmaException {
        if (!closed) {
            RdmaException.check("ibv_dereg_mr", RdmaNative.deregMr0(handle));
            closed = true;
        }
    }
}
