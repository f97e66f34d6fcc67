package io.locus.target.model;

import io.locus.target.backend.Backend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A namespace: an NSID, a block size and the backend that stores it, and its identity (UUID, and the NGUID with the
 * same 16 bytes). A configured UUID always wins. Otherwise a namespace whose data persists (file, io_uring) derives
 * it from the subsystem NQN, the NSID and the backend's path, so a restart presents the same namespace; a memory or
 * null namespace gets a random one each time it is created, because its data is new each time too.
 *
 * <p>Why not derive those as well: the Linux host's native multipath joins a shared (NMIC b0) namespace to the head
 * with the same NSID under the same subsystem NQN when its IDs are equal, and refuses it ("IDs don't match for shared
 * namespace") when they differ (drivers/nvme/host/core.c {@code nvme_init_ns_head}). Two unrelated targets started
 * from the same default configuration would otherwise be merged into one block device.
 */
public final class Namespace {
    private final int nsid;
    private final Backend backend;
    private final int blockSize;
    private final int blockShift;
    private final long blockCount;
    private final UUID uuid;
    private final byte[] nguid;
    private final String source;

    public Namespace(String subsystemNqn, int nsid, Backend backend, int blockSize, UUID configuredUuid, String source) {
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
        this.nguid = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
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

    public String source() {
        return source;
    }
}
