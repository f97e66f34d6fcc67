package io.locus.target.model;

import io.locus.target.backend.Backend;
import io.locus.target.backend.CompletionSink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A namespace: an NSID, a block size and the backend that stores it, its ANA group, and its identity (UUID, and the
 * NGUID with the same 16 bytes unless one is configured). A configured UUID always wins. Otherwise a namespace whose data persists (file, io_uring) derives
 * it from the subsystem NQN, the NSID and the backend's path, so a restart presents the same namespace; a memory or
 * null namespace gets a random one each time it is created, because its data is new each time too.
 *
 * <p>Why not derive those as well: the Linux host's native multipath joins a shared (NMIC b0) namespace to the head
 * with the same NSID under the same subsystem NQN when its IDs are equal, and refuses it ("IDs don't match for shared
 * namespace") when they differ (drivers/nvme/host/core.c {@code nvme_init_ns_head}). Two unrelated targets started
 * from the same default configuration would otherwise be merged into one block device.
 *
 * <p>Each reactor reaches the backend through its own {@link NamespaceChannel}, which counts the I/O in flight
 * there. Removal is pause, drain, close (SPDK pauses a subsystem the same way): {@link #pause} stops new I/O and
 * completes once every channel's I/O has finished; only then may the backend close.
 */
public final class Namespace {
    /** Lifecycle of the namespace's I/O. */
    public enum State {
        /** I/O is submitted to the backend. */
        ACTIVE,
        /** Removed: no new I/O reaches the backend; waiting for the I/O in flight to finish. */
        PAUSING,
        /** Nothing is in flight and nothing will be: the backend may close. */
        PAUSED
    }

    /** Reactors a namespace can have channels on (poll group indexes). */
    private static final int MAX_REACTORS = 1024;

    private final int nsid;
    private final Backend backend;
    private final int blockSize;
    private final int blockShift;
    private final long blockCount;
    private final UUID uuid;
    private final byte[] nguid;
    private final String source;
    private final int anaGroupId;
    /** Per poll group index; each entry written once, under this object's lock, and then read by its reactor only. */
    private final NamespaceChannel[] channels = new NamespaceChannel[MAX_REACTORS];
    private volatile State state = State.ACTIVE;

    public Namespace(String subsystemNqn, int nsid, Backend backend, int blockSize, UUID configuredUuid, String source) {
        this(subsystemNqn, nsid, backend, blockSize, configuredUuid, null, 1, source);
    }

    /**
     * @param configuredNguid the NGUID to report (16 bytes), or null for the UUID's 16 bytes
     * @param anaGroupId      ANAGRPID, 1..{@link PortAnaStates#ANAGRPMAX}: the ANA group whose per-port state governs
     *                        I/O to this namespace
     * @throws IllegalArgumentException on a bad block size, NSID, NGUID length or group
     */
    public Namespace(String subsystemNqn, int nsid, Backend backend, int blockSize, UUID configuredUuid,
                     byte[] configuredNguid, int anaGroupId, String source) {
        PortAnaStates.checkGroup(anaGroupId);
        if (configuredNguid != null && configuredNguid.length != 16) {
            throw new IllegalArgumentException("an NGUID is 16 bytes, not " + configuredNguid.length);
        }
        this.anaGroupId = anaGroupId;
        if (blockSize != 512 && blockSize != 4096) {
            throw new IllegalArgumentException("block size must be 512 or 4096, not " + blockSize);
        }
        if (nsid <= 0 || nsid == 0xFFFFFFFF) {
            throw new IllegalArgumentException("NSID must be between 1 and 0xFFFFFFFE, not " + Integer.toUnsignedString(nsid));
        }
        this.nsid = nsid;
        this.backend = backend;
        this.blockSize = blockSize;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
        this.blockCount = backend.size() >>> blockShift;
        if (blockCount == 0) {
            throw new IllegalArgumentException("namespace " + nsid + " is smaller than one block");
        }
        this.source = source;
        if (configuredUuid != null) {
            this.uuid = configuredUuid;
        } else if (backend.persistent()) {
            this.uuid = UUID.nameUUIDFromBytes((subsystemNqn + "/" + nsid + "/" + source).getBytes(StandardCharsets.UTF_8));
        } else {
            this.uuid = UUID.randomUUID();
        }
        this.nguid = configuredNguid != null ? configuredNguid.clone() : ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    }

    public int nsid() {
        return nsid;
    }

    public Backend backend() {
        return backend;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockShift() {
        return blockShift;
    }

    public long blockCount() {
        return blockCount;
    }

    public UUID uuid() {
        return uuid;
    }

    public byte[] nguid() {
        return nguid.clone();
    }

    /** ANAGRPID: the namespace's ANA group. */
    public int anaGroupId() {
        return anaGroupId;
    }

    public String source() {
        return source;
    }

    public State state() {
        return state;
    }

    /**
     * The channel of the reactor of poll group {@code index} (on that reactor), opened on its first I/O; null once
     * the namespace is pausing, when the I/O must not reach the backend.
     */
    public NamespaceChannel channel(int index, CompletionSink group) {
        NamespaceChannel c = channels[index];
        if (c != null && state == State.ACTIVE) {
            return c;
        }
        return open(index, group);
    }

    private synchronized NamespaceChannel open(int index, CompletionSink group) {
        if (state != State.ACTIVE) {
            return null;
        }
        NamespaceChannel c = channels[index];
        if (c == null) {
            c = new NamespaceChannel(backend.openChannel(group), group);
            channels[index] = c;
        }
        return c;
    }

    /**
     * Stops new I/O to the backend and returns what completes, on some reactor, once the I/O in flight on every
     * channel has finished (then the state is {@link State#PAUSED}). A reactor that read ACTIVE just before submits
     * before the drain check that follows on its own thread, so its I/O is waited for too.
     */
    public CompletableFuture<Void> pause() {
        List<CompletableFuture<Void>> drained = new ArrayList<>();
        synchronized (this) {
            if (state != State.ACTIVE) {
                throw new IllegalStateException("namespace " + nsid + " is already " + state);
            }
            state = State.PAUSING;
            for (NamespaceChannel c : channels) {
                if (c != null) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    c.group().reactor().execute(() -> c.whenIdle(() -> f.complete(null)));
                    drained.add(f);
                }
            }
        }
        return CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new)).thenRun(() -> state = State.PAUSED);
    }
}
