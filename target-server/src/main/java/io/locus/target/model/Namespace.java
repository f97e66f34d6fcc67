package io.locus.target.model;

import io.locus.target.backend.Backend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A namespace: an NSID, a block size and the backend that stores it. Its NGUID and UUID are derived from the
 * subsystem NQN, the NSID and the backend's identity, so they stay the same across restarts unless configured.
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
        this.uuid = configuredUuid != null ? configuredUuid
                : UUID.nameUUIDFromBytes((subsystemNqn + "/" + nsid + "/" + source).getBytes(StandardCharsets.UTF_8));
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
