package io.locus.target.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;

/**
 * The bytes one queue sends between two flushes, as few buffers as possible: PDU headers, CapsuleResps and small
 * data are encoded back to back into one pooled buffer that goes to the channel once, at the flush, so a batch of
 * 4 KiB reads with their responses is one buffer and one socket write (the host batches its capsules the same way).
 * Data larger than {@link #COPY_LIMIT} is not copied: the batch so far goes to the channel, then the data buffer
 * itself, and the batch goes on in a fresh buffer; the flush is still one writev.
 *
 * <p>One per connection, used on its reactor only. Nothing is allocated on the Java heap per PDU or per batch: the
 * buffers come from the pooled allocator's thread cache.
 */
final class SendBatch {
    /** Data up to this size is copied into the batch (cheaper than one more buffer in the channel); larger goes as is. */
    static final int COPY_LIMIT = 16 * 1024;
    /** Size of a batch buffer: room for a few 4 KiB reads with their headers, within the allocator's thread cache. */
    private static final int BUFFER_BYTES = 32 * 1024;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ChannelHandlerContext ctx;
    private ByteBuf batch;
    /** Buffers handed to the channel since the last {@link #takeWrites}. */
    private int writes;

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Whether a buffer of {@code length} bytes of data is copied into the batch rather than sent as it is. */
    static boolean copies(int length) {
        return length <= COPY_LIMIT;
    }

    /**
     * Room for {@code bytes} more bytes at the batch's writer index; the caller writes them and moves the writer
     * index past them.
     */
    ByteBuf space(int bytes) {
        ByteBuf b = batch;
        if (b != null && b.writableBytes() >= bytes) {
            return b;
        }
        end();
        b = alloc.directBuffer(Math.max(bytes, BUFFER_BYTES));
        batch = b;
        return b;
    }

    /** Sends {@code buf} (its readable bytes, whose reference passes to the channel) after what is batched so far. */
    void append(ByteBuf buf) {
        end();
        write(buf);
    }

    /** Hands the batch to the channel (before a flush, or before a buffer that must follow it). */
    void end() {
        ByteBuf b = batch;
        if (b == null) {
            return;
        }
        batch = null;
        if (b.isReadable()) {
            write(b);
        } else {
            b.release();
        }
    }

    /** Drops what was not handed to the channel (the connection is gone). */
    void discard() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }

    /** Buffers handed to the channel since the last call (one per batch when no data was too large to copy). */
    int takeWrites() {
        int w = writes;
        writes = 0;
        return w;
    }

    private void write(ByteBuf buf) {
        writes++;
        ctx.write(buf, ctx.voidPromise());
    }
}
