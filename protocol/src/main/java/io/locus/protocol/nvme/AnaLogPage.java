package io.locus.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * The Asymmetric Namespace Access log page (LID 0x0C, PROTOCOL.md 8): a header, then one descriptor per ANA group.
 * <pre>
 *  header (16 B)
 *   0               8       10              16
 *  +---------------+-------+---------------+
 *  | CHGCNT (8)    | NGRPS | reserved      |
 *  +---------------+-------+---------------+
 *  group descriptor (32 B + 4 × NNSIDS), NGRPS of them back to back
 *   0        4        8               16     17              32
 *  +--------+--------+---------------+------+---------------+----------------------+
 *  |ANAGRPID| NNSIDS | CHGCNT (8)    |STATE | reserved      | NSID (4) × NNSIDS    |
 *  +--------+--------+---------------+------+---------------+----------------------+
 * </pre>
 * All fields little-endian; STATE in b3:0. With LSP b0 (RGO, "return groups only") NNSIDS is 0 in every descriptor.
 * Static accessors over a buffer: nothing is allocated.
 */
public final class AnaLogPage {
    public static final int HEADER_LENGTH = 16;
    public static final int CHANGE_COUNT_OFFSET = 0;
    public static final int GROUP_COUNT_OFFSET = 8;

    public static final int DESCRIPTOR_LENGTH = 32;
    public static final int GROUP_ID_OFFSET = 0;
    public static final int NSID_COUNT_OFFSET = 4;
    public static final int GROUP_CHANGE_COUNT_OFFSET = 8;
    public static final int STATE_OFFSET = 16;
    public static final int NSIDS_OFFSET = 32;

    /** LSP b0: return groups only (no NSID lists). */
    public static final int LSP_RGO = 1;

    public static final int STATE_OPTIMIZED = 0x01;
    public static final int STATE_NON_OPTIMIZED = 0x02;
    public static final int STATE_INACCESSIBLE = 0x03;
    public static final int STATE_PERSISTENT_LOSS = 0x04;
    public static final int STATE_CHANGE = 0x0F;

    private AnaLogPage() {
    }

    /**
     * Bytes the Linux host reads: header + NANAGRPID descriptors + MNAN NSIDs ({@code nvme_mpath_init_identify}),
     * rounded up to a dword.
     */
    public static long length(long nanagrpid, long mnan) {
        long bytes = HEADER_LENGTH + DESCRIPTOR_LENGTH * nanagrpid + 4 * mnan;
        return (bytes + 3) & ~3L;
    }

    public static long changeCount(ByteBuf log) {
        return log.getLongLE(CHANGE_COUNT_OFFSET);
    }

    public static int groupCount(ByteBuf log) {
        return log.getUnsignedShortLE(GROUP_COUNT_OFFSET);
    }

    /** Length of the descriptor at {@code at} with its NSID list. */
    public static long descriptorLength(ByteBuf log, int at) {
        return DESCRIPTOR_LENGTH + 4L * nsidCount(log, at);
    }

    public static int groupId(ByteBuf log, int at) {
        return log.getIntLE(at + GROUP_ID_OFFSET);
    }

    public static long nsidCount(ByteBuf log, int at) {
        return log.getUnsignedIntLE(at + NSID_COUNT_OFFSET);
    }

    public static long groupChangeCount(ByteBuf log, int at) {
        return log.getLongLE(at + GROUP_CHANGE_COUNT_OFFSET);
    }

    public static int state(ByteBuf log, int at) {
        return log.getUnsignedByte(at + STATE_OFFSET) & 0x0F;
    }

    /** The {@code i}-th NSID of the descriptor at {@code at}. */
    public static int nsid(ByteBuf log, int at, int i) {
        return log.getIntLE(at + NSIDS_OFFSET + 4 * i);
    }

    /** Writes a header (for targets and tests). */
    public static void writeHeader(ByteBuf log, long changeCount, int groups) {
        log.setLongLE(CHANGE_COUNT_OFFSET, changeCount);
        log.setShortLE(GROUP_COUNT_OFFSET, groups);
    }

    /** Writes a descriptor at {@code at}; returns the offset just past it. */
    public static int writeDescriptor(ByteBuf log, int at, int groupId, long changeCount, int state, int... nsids) {
        log.setIntLE(at + GROUP_ID_OFFSET, groupId);
        log.setIntLE(at + NSID_COUNT_OFFSET, nsids.length);
        log.setLongLE(at + GROUP_CHANGE_COUNT_OFFSET, changeCount);
        log.setByte(at + STATE_OFFSET, state & 0x0F);
        for (int i = 0; i < nsids.length; i++) {
            log.setIntLE(at + NSIDS_OFFSET + 4 * i, nsids[i]);
        }
        return at + NSIDS_OFFSET + 4 * nsids.length;
    }
}
