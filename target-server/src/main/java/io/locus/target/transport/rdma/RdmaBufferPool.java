package io.locus.target.transport.rdma;

import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.target.core.ReactorStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fixed-size buffers of one reactor, in slabs of direct memory that are each registered once per RDMA device and then
 * reused by every connection on that reactor (SPDK's per-poll-group buffer cache; Linux nvmet-rdma registers per
 * command instead). A buffer is an int handle: its address, its {@link ByteBuf} view (made once, with the slab) and
 * the slab's keys are array lookups. Slabs are added on demand up to {@code maxBuffers}.
 *
 * <p>{@link #lkey} counts a registration-reuse hit when the buffer's slab was already registered on the device and
 * a miss when it had to register it now; the rate of hits is the metric's {@code registration_reuse_hit_rate}.
 *
 * <p>Reactor thread only.
 */
final class RdmaBufferPool {
    /** Slabs are at least this big, so that small buffers do not need many registrations. */
    private static final int MIN_SLAB_BYTES = 1 << 20;
    private static final int MIN_SLAB_BUFFERS = 16;

    private final String name;
    private final ReactorStats stats;
    private final int bufferSize;
    private final int slabBuffers;
    private final int maxBuffers;
    private ByteBuffer[] slabs = new ByteBuffer[0];
    private ByteBuf[] slabViews = new ByteBuf[0];
    private long[] slabAddresses = new long[0];
    private ByteBuf[] views = new ByteBuf[0];
    private int[] free = new int[0];
    private int freeCount;
    /** Devices seen, and per device the keys of each slab (0 with {@code registered} false: not yet). */
    private Object[] devices = new Object[0];
    private int[][] lkeys = new int[0][];
    private boolean[][] registered = new boolean[0][];
    private long hits;
    private long misses;

    /**
     * @param bufferSize bytes per buffer (rounded up to 64)
     * @param maxBuffers most buffers this pool will hold
     */
    RdmaBufferPool(String name, ReactorStats stats, int bufferSize, int maxBuffers) {
        this.name = name;
        this.stats = stats;
        this.bufferSize = (bufferSize + 63) & ~63;
        this.slabBuffers = Math.max(MIN_SLAB_BUFFERS, MIN_SLAB_BYTES / this.bufferSize);
        this.maxBuffers = Math.max(maxBuffers, 1);
    }

    int bufferSize() {
        return bufferSize;
    }

    /** A free buffer, or -1 when the pool is at its limit with every buffer in use. */
    int take() {
        if (freeCount == 0 && !grow()) {
            return -1;
        }
        return free[--freeCount];
    }

    void give(int buffer) {
        free[freeCount++] = buffer;
    }

    /** Buffers not in use (out of {@link #capacity()}). */
    int available() {
        return freeCount;
    }

    /** Buffers made so far. */
    int capacity() {
        return views.length;
    }

    /** The buffer's memory, indexes reset ({@code [0, 0)}, capacity {@link #bufferSize()}); the pool holds its one reference. */
    ByteBuf view(int buffer) {
        return views[buffer].clear();
    }

    /** Whether {@code buf} is the buffer's own view ({@link #view}), e.g. filled in place by a backend. */
    boolean isView(int buffer, ByteBuf buf) {
        return views[buffer] == buf;
    }

    /** The buffer's slab as one buffer and the buffer's offset in it ({@link #offset}). */
    ByteBuf slabView(int buffer) {
        return slabViews[buffer / slabBuffers];
    }

    int offset(int buffer) {
        return (buffer % slabBuffers) * bufferSize;
    }

    long address(int buffer) {
        return slabAddresses[buffer / slabBuffers] + (long) offset(buffer);
    }

    /** The lkey of {@code buffer} on {@code verbs}'s device, registering its slab there first if needed. */
    int lkey(int buffer, Verbs verbs) throws IOException {
        int d = deviceIndex(verbs.device());
        int slab = buffer / slabBuffers;
        if (registered[d][slab]) {
            hits++;
            stats.recordRegistrationReuse(true);
            return lkeys[d][slab];
        }
        misses++;
        stats.recordRegistrationReuse(false);
        lkeys[d][slab] = verbs.register(slabs[slab]).lkey();
        registered[d][slab] = true;
        return lkeys[d][slab];
    }

    long reuseHits() {
        return hits;
    }

    long reuseMisses() {
        return misses;
    }

    private int deviceIndex(Object device) {
        for (int i = 0; i < devices.length; i++) {
            if (devices[i] == device) {
                return i;
            }
        }
        int i = devices.length;
        devices = Arrays.copyOf(devices, i + 1);
        devices[i] = device;
        lkeys = Arrays.copyOf(lkeys, i + 1);
        registered = Arrays.copyOf(registered, i + 1);
        lkeys[i] = new int[slabs.length];
        registered[i] = new boolean[slabs.length];
        return i;
    }

    /** Adds a slab; false at the limit. */
    private boolean grow() {
        int have = views.length;
        if (have >= maxBuffers) {
            return false;
        }
        int n = Math.min(slabBuffers, maxBuffers - have);
        int bytes = slabBuffers * bufferSize;
        // alignedSlice rounds the start up and the capacity down to pages: a page more than the rounded-up size.
        ByteBuffer slab = ByteBuffer.allocateDirect(((bytes + 4095) & ~4095) + 4096).alignedSlice(4096)
                .limit(bytes).slice();
        int s = slabs.length;
        slabs = Arrays.copyOf(slabs, s + 1);
        slabs[s] = slab;
        ByteBuf slabView = Unpooled.wrappedBuffer(slab.duplicate().clear());
        slabViews = Arrays.copyOf(slabViews, s + 1);
        slabViews[s] = slabView;
        slabAddresses = Arrays.copyOf(slabAddresses, s + 1);
        slabAddresses[s] = MemorySegment.ofBuffer(slab).address();
        for (int d = 0; d < devices.length; d++) {
            lkeys[d] = Arrays.copyOf(lkeys[d], s + 1);
            registered[d] = Arrays.copyOf(registered[d], s + 1);
        }
        // Buffer handles are slab * slabBuffers + i; a short last slab leaves a gap no handle points into.
        int first = s * slabBuffers;
        views = Arrays.copyOf(views, first + n);
        free = Arrays.copyOf(free, first + n);
        for (int i = 0; i < n; i++) {
            views[first + i] = slabView.slice(i * bufferSize, bufferSize);
            free[freeCount++] = first + n - 1 - i;
        }
        return true;
    }

    @Override
    public String toString() {
        return name + " pool: " + freeCount + " of " + views.length + " buffers of " + bufferSize + " bytes free";
    }
}
