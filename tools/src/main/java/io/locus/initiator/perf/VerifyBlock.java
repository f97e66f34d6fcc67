package io.locus.initiator.perf;

import io.locus.protocol.tcp.Crc32cDigest;
import io.netty.buffer.ByteBuf;

/**
 * Self-checking block contents for {@code perf --verify}: every logical block says which LBA it belongs to, which
 * write generation put it there, and carries a checksum over all of that.
 *
 * <pre>
 *   0          8        16           24                         size-8      size
 *  +----------+--------+------------+--------------------------+-----------+
 *  | LCSVRFY1 |  LBA   | generation | filler from (LBA, gen)   |  CRC32C   |
 *  +----------+--------+------------+--------------------------+-----------+
 * </pre>
 */
public final class VerifyBlock {
    /** The bytes "LCSVRFY1" read as a little-endian long. */
    public static final long MAGIC = 0x315946525653434CL;
    public static final int OK = 0;
    public static final int BAD_MAGIC = 1;
    public static final int WRONG_LBA = 2;
    public static final int BAD_CHECKSUM = 3;
    public static final int WRONG_GENERATION = 4;

    private VerifyBlock() {
    }

    /** Fills {@code blocks} blocks of {@code blockSize} at {@code index} for LBAs from {@code lba}, generation {@code gen}. */
    public static void fill(ByteBuf buf, int index, int blockSize, int blocks, long lba, long gen, Crc32cDigest crc) {
        for (int b = 0; b < blocks; b++) {
            int base = index + b * blockSize;
            long l = lba + b;
            buf.setLongLE(base, MAGIC);
            buf.setLongLE(base + 8, l);
            buf.setLongLE(base + 16, gen);
            long x = l * 0x9E3779B97F4A7C15L ^ gen;
            for (int i = 24; i < blockSize - 8; i += 8) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                buf.setLongLE(base + i, x);
            }
            buf.setLongLE(base + blockSize - 8, crc.compute(buf, base, blockSize - 8) & 0xFFFFFFFFL);
        }
    }

    /**
     * Checks one block. {@code expectedGen} &lt; 0 skips the generation check.
     *
     * @return {@link #OK} or the first thing wrong
     */
    public static int check(ByteBuf buf, int base, int blockSize, long lba, long expectedGen, Crc32cDigest crc) {
        if (buf.getLongLE(base) != MAGIC) {
            return BAD_MAGIC;
        }
        if ((crc.compute(buf, base, blockSize - 8) & 0xFFFFFFFFL) != buf.getLongLE(base + blockSize - 8)) {
            return BAD_CHECKSUM;
        }
        if (buf.getLongLE(base + 8) != lba) {
            return WRONG_LBA;
        }
        if (expectedGen >= 0 && buf.getLongLE(base + 16) != expectedGen) {
            return WRONG_GENERATION;
        }
        return OK;
    }

    public static long storedLba(ByteBuf buf, int base) {
        return buf.getLongLE(base + 8);
    }

    public static long storedGeneration(ByteBuf buf, int base) {
        return buf.getLongLE(base + 16);
    }

    public static String describe(int code) {
        return switch (code) {
            case BAD_MAGIC -> "not a verify block (no signature)";
            case WRONG_LBA -> "block belongs to another LBA";
            case BAD_CHECKSUM -> "checksum mismatch";
            case WRONG_GENERATION -> "stale data (older write generation)";
            default -> "ok";
        };
    }
}
