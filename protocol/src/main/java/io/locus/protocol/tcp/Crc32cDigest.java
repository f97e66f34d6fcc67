package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * NVMe/TCP header and data digests: CRC32C (init and final xor 0xFFFFFFFF), stored little-endian.
 * One instance per connection, used by one thread; {@link CRC32C} is intrinsified by the JIT.
 */
public final class Crc32cDigest {
    private final CRC32C crc = new CRC32C();

    /** CRC32C of {@code buf[index, index + length)} without moving indices or allocating for single-buffer ByteBufs. */
    public int compute(ByteBuf buf, int index, int length) {
        crc.reset();
        update(buf, index, length);
        return (int) crc.getValue();
    }

    /** Continues a digest across several buffers: call {@link #reset()}, then update, then {@link #value()}. */
    public void reset() {
        crc.reset();
    }

    public void update(ByteBuf buf, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + index, length);
        } else if (buf.nioBufferCount() == 1) {
            ByteBuffer nio = buf.internalNioBuffer(index, length);
            crc.update(nio);
        } else {
            for (ByteBuffer nio : buf.nioBuffers(index, length)) {
                crc.update(nio);
            }
        }
    }

    public int value() {
        return (int) crc.getValue();
    }
}
