package io.locus.target.backend;

import io.locus.nativeio.Errno;
import io.locus.nativeio.IoUring;
import io.locus.nativeio.NativeFile;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.Reactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * A regular file or block device through io_uring: each reactor submits to and reaps from its own ring
 * ({@link UringRing}), so a request is submitted and completed on its home reactor with no thread hop. O_DIRECT when
 * the namespace's block size meets the file's direct-I/O alignment, buffered otherwise (said once in the log).
 *
 * <p>Commands: Read, Write (FUA as RWF_DSYNC), Flush (fdatasync), Write Zeroes (fallocate ZERO_RANGE, else writes of
 * zeroes), Deallocate (BLOCK_URING_CMD_DISCARD on a block device, fallocate PUNCH_HOLE, else writes of zeroes on a
 * file; advisory on a device that can do neither).
 *
 * <p>Volatile write cache, as reported to hosts: buffered I/O sits in the page cache, and even O_DIRECT to a file
 * needs fdatasync for the file's block mapping and the device's cache, so both report one; O_DIRECT to a block device
 * reports what the device's queue says ({@code write_cache}: "write back" or "write through").
 *
 * <p>Where io_uring is unavailable {@link #open} logs why and returns a {@link FileBackend} instead.
 */
public final class UringBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(UringBackend.class.getName());
    private static final int NOT_ATTACHED = -2;
    private static final int ASSUMED_DIRECT_ALIGNMENT = 4096;

    private final Path path;
    private final NativeFile file;
    private final long size;
    private final boolean blockDevice;
    private final boolean volatileWriteCache;
    private final String mode;
    /** Fixed-file slot per ring id (-1: raw fd); written and read only on that ring's reactor. */
    private final int[] slotByRing = new int[UringRings.MAX_RINGS];
    private final Set<UringRing> rings = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private volatile boolean zeroRange = true;
    private volatile boolean punchHole = true;
    private volatile boolean discard;
    private volatile boolean closed;

    /**
     * Opens a uring namespace, or a {@link FileBackend} on the same file (with one log line saying why) where
     * io_uring is unavailable. {@code requestedSize} 0 means the file's size; a smaller regular file is extended.
     */
    public static Backend open(Path path, long requestedSize, int blockSize, int fileIoThreads) throws IOException {
        return open(path, requestedSize, blockSize, fileIoThreads, IoUring.unavailabilityCause(), true);
    }

    static Backend open(Path path, long requestedSize, int blockSize, int fileIoThreads, Optional<String> unavailable,
                        boolean preferDirect) throws IOException {
        if (unavailable.isPresent()) {
            LOG.warning("uring namespace " + path + ": io_uring unavailable (" + unavailable.get()
                    + "); serving it with the file backend");
            return new FileBackend(path, requestedSize, fileIoThreads);
        }
        return new UringBackend(path, requestedSize, blockSize, preferDirect);
    }

    /**
     * A uring namespace on {@code path} itself, with no fallback (io_uring must be available), as the backend bench
     * (the bench package's {@code UringBench}) opens one. {@code preferDirect}: O_DIRECT where the file system
     * takes it.
     */
    public UringBackend(Path path, long requestedSize, int blockSize, boolean preferDirect) throws IOException {
        this.path = path;
        FileBackend.checkCreatable(path, requestedSize);
        Arrays.fill(slotByRing, NOT_ATTACHED);
        int flags = NativeFile.O_RDWR | NativeFile.O_CREAT;
        NativeFile f;
        String buffered = null;
        if (preferDirect) {
            try {
                f = NativeFile.open(path, flags | NativeFile.O_DIRECT, 0644);
            } catch (IOException e) {
                if (NativeFile.errno(e) != -Errno.EINVAL) {
                    throw e;
                }
                buffered = "the filesystem refuses O_DIRECT";
                f = NativeFile.open(path, flags, 0644);
            }
        } else {
            buffered = "O_DIRECT not requested";
            f = NativeFile.open(path, flags, 0644);
        }
        try {
            NativeFile.Type type = f.type();
            this.blockDevice = type == NativeFile.Type.BLOCK_DEVICE;
            long current = f.size();
            if (type == NativeFile.Type.REGULAR && requestedSize > current) {
                f.truncate(requestedSize); // sparse
                current = requestedSize;
            }
            this.size = requestedSize > 0 ? Math.min(requestedSize, current) : current;
            if (size <= 0) {
                throw new IOException(path + " has size 0");
            }
            if (f.direct()) {
                String why = directProblem(f.directIoAlignment(), blockSize);
                if (why != null) {
                    buffered = why;
                    f.close();
                    f = NativeFile.open(path, flags, 0644);
                }
            }
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        this.file = f;
        this.discard = blockDevice;
        this.mode = file.direct() ? "O_DIRECT" : "buffered";
        this.volatileWriteCache = !file.direct() || !blockDevice || deviceCachesWrites(file);
        if (buffered != null) {
            LOG.info("uring namespace " + path + ": buffered I/O (" + buffered + ")");
        }
    }

    /** Why O_DIRECT cannot serve {@code blockSize}-byte blocks given the file's alignment, or null when it can. */
    static String directProblem(long alignment, int blockSize) {
        int offsetAlign = (int) alignment;
        long memoryAlign = alignment >>> 32;
        if (alignment == 0) {
            offsetAlign = ASSUMED_DIRECT_ALIGNMENT; // kernel too old to say: assume a 4 KiB-sector device
            memoryAlign = ASSUMED_DIRECT_ALIGNMENT;
        } else if (offsetAlign == 0) {
            return "the file does not support O_DIRECT";
        }
        if (blockSize % offsetAlign != 0) {
            return "block size " + blockSize + " is not a multiple of the O_DIRECT alignment " + offsetAlign;
        }
        if (memoryAlign > UringBufferPool.PAGE) {
            return "O_DIRECT memory alignment " + memoryAlign + " exceeds a page";
        }
        return null;
    }

    /** A block device's queue/write_cache: "write through" means acknowledged writes are already stable. */
    private static boolean deviceCachesWrites(NativeFile device) {
        try {
            long dev = device.deviceNumber();
            String sys = "/sys/dev/block/" + (dev >>> 32) + ":" + (dev & 0xFFFFFFFFL);
            for (String q : new String[] {sys + "/queue/write_cache", sys + "/../queue/write_cache"}) {
                Path p = Path.of(q);
                if (Files.exists(p)) {
                    return !Files.readString(p).trim().equals("write through");
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: say there is a cache, so hosts flush
        }
        return true;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean volatileWriteCache() {
        return volatileWriteCache;
    }

    /** Files deallocate to zeroes (punched holes, or zero writes); what a device's discard leaves is its business. */
    @Override
    public boolean persistent() {
        return true; // the data is in the file or device
    }

    @Override
    public boolean deallocateReadsZeroes() {
        return !blockDevice;
    }

    /**
     * {@code registration_reuse_hit_rate} over every ring of this JVM: the share of data I/Os that used the ring's
     * registered buffers (registered once, reused by every request) rather than unregistered memory.
     */
    public static double registrationReuseHitRate() {
        return UringRings.registrationReuseHitRate();
    }

    /**
     * Data I/Os that {@code reactor}'s io_uring ran, by buffer: through its registered (fixed) buffers or through
     * unregistered memory.
     */
    public record BufferRegistration(long registeredIos, long unregisteredIos) {
        /** {@code registration_reuse_hit_rate} of these I/Os; NaN when there were none. */
        public double hitRate() {
            long all = registeredIos + unregisteredIos;
            return all == 0 ? Double.NaN : (double) registeredIos / all;
        }
    }

    /**
     * The buffer registration figures of one reactor, over every ring it has run; empty when it never ran an
     * io_uring (its namespaces are memory, null or file backends, which register nothing).
     */
    public static Optional<BufferRegistration> bufferRegistration(Reactor reactor) {
        long[] ios = UringRings.bufferIos(reactor);
        return ios == null ? Optional.empty() : Optional.of(new BufferRegistration(ios[0], ios[1]));
    }

    /** True when I/O bypasses the page cache. */
    public boolean direct() {
        return file.direct();
    }

    @Override
    public void submit(BackendIo io) {
        Reactor reactor = io.sink().reactor();
        if (!reactor.inReactor()) {
            reactor.execute(() -> submit(io)); // not the data path: requests are submitted on their reactor
            return;
        }
        UringRing ring = ringFor(io);
        if (ring != null) {
            ring.submit(this, io);
        }
    }

    /** The ring of the submitting reactor (on that reactor), or null when the I/O was failed instead. */
    private UringRing ringFor(BackendIo io) {
        if (closed) {
            io.complete(Status.ABORTED_SQ_DELETION);
            return null;
        }
        Reactor reactor = io.sink().reactor();
        try {
            return UringRings.forReactor(reactor);
        } catch (RuntimeException e) {
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warning("uring namespace " + path + ": no io_uring on " + reactor.name() + ": " + e.getMessage());
            }
            io.complete(Status.INTERNAL_ERROR);
            return null;
        }
    }

    /** A reactor's channel: its ring, found on the channel's first I/O and kept (no registry lookup per submit). */
    @Override
    public BackendChannel openChannel(CompletionSink group) {
        return new BackendChannel() {
            private UringRing ring;

            @Override
            public void submit(BackendIo io) {
                UringRing r = ring;
                if (r == null || r.closed() || closed) {
                    r = ringFor(io);
                    if (r == null) {
                        return;
                    }
                    ring = r;
                }
                r.submit(UringBackend.this, io);
            }
        };
    }

    /** This backend's fixed-file slot on {@code ring}, registering the file there on first use (-1: use the fd). */
    int fileSlot(UringRing ring) {
        int slot = slotByRing[ring.id];
        if (slot == NOT_ATTACHED) {
            if (closed) {
                return -1; // a straggler after close: its fd is gone, so it fails instead of re-registering
            }
            slot = ring.attach(this);
            slotByRing[ring.id] = slot;
            rings.add(ring);
        }
        return slot;
    }

    /** Called by a ring that no longer knows this backend. */
    void forget(UringRing ring) {
        slotByRing[ring.id] = NOT_ATTACHED;
        rings.remove(ring);
    }

    int fd() {
        return file.fd();
    }

    boolean zeroRangeSupported() {
        return zeroRange;
    }

    boolean punchHoleSupported() {
        return punchHole;
    }

    boolean discardSupported() {
        return discard;
    }

    void zeroRangeUnsupported(int res) {
        if (zeroRange) {
            zeroRange = false;
            LOG.info("uring namespace " + path + ": fallocate(ZERO_RANGE) unsupported (" + Errno.describe(res)
                    + "); Write Zeroes writes zeroes");
        }
    }

    void punchHoleUnsupported(int res) {
        if (punchHole) {
            punchHole = false;
            LOG.info("uring namespace " + path + ": fallocate(PUNCH_HOLE) unsupported (" + Errno.describe(res) + ")"
                    + (blockDevice ? "" : "; Deallocate writes zeroes"));
        }
    }

    void discardUnsupported(int res) {
        if (discard) {
            discard = false;
            LOG.info("uring namespace " + path + ": BLOCK_URING_CMD_DISCARD unsupported (" + Errno.describe(res) + ")");
        }
    }

    void logFailure(String what, long offset, int res) {
        if (failureLogged.compareAndSet(false, true)) {
            LOG.warning("uring namespace " + path + ": " + what + " at " + offset + " failed: " + Errno.describe(res)
                    + " (further failures are not logged)");
        }
    }

    @Override
    public String describe() {
        return "uring " + path + " (" + mode + ")";
    }

    @Override
    public void flushBlocking() {
        try {
            file.fdatasync();
        } catch (IOException e) {
            LOG.warning("flush of " + path + " failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (UringRing ring : rings) {
            ring.detach(this);
        }
        flushBlocking();
        try {
            file.close();
        } catch (IOException e) {
            LOG.warning("close of " + path + " failed: " + e.getMessage());
        }
    }
}
