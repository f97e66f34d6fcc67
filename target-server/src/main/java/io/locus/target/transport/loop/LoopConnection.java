package io.locus.target.transport.loop;

import io.locus.protocol.nvme.Sqe;
import io.netty.buffer.ByteBuf;

/**
 * The host end of one loop queue (Linux's {@code nvme-loop} host side): submits SQEs with their data and receives
 * CQEs with theirs. Callable from any thread; the command runs on the queue's reactor, and the completion is called
 * there.
 */
public final class LoopConnection implements AutoCloseable {
    /** Receives a command's completion on the queue's reactor. */
    public interface CompletionHandler {
        /**
         * @param cqe  the 16-byte completion queue entry
         * @param data the data a successful controller-to-host command returned, or null; the handler owns both
         */
        void onCompletion(ByteBuf cqe, ByteBuf data);
    }

    private final LoopQueue queue;

    LoopConnection(LoopQueue queue) {
        this.queue = queue;
    }

    /**
     * Submits a command. SGL1 of {@code sqe} must describe the transfer (Transport Data Block or in-capsule Data
     * Block, with its length); {@code data} is what a host-to-controller command carries (read from its reader
     * index; the caller keeps ownership), null otherwise.
     */
    public void submit(ByteBuf sqe, ByteBuf data, CompletionHandler handler) {
        byte[] command = new byte[Sqe.LENGTH];
        sqe.getBytes(sqe.readerIndex(), command);
        byte[] payload = null;
        if (data != null) {
            payload = new byte[data.readableBytes()];
            data.getBytes(data.readerIndex(), payload);
        }
        byte[] carried = payload;
        queue.reactor().execute(() -> queue.receive(command, carried, handler));
    }

    /** The queue's reactor (tests reach the target's state through it). */
    public io.locus.runtime.Reactor reactor() {
        return queue.reactor();
    }

    /** Disconnects (as a host dropping its connection would). */
    @Override
    public void close() {
        queue.close("host disconnected");
    }
}
