package io.locus.target.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bytes one queue sends between two flushes, sent in as few socket writes as possible. PDU headers, CapsuleResps
 * and digests are encoded back to back into a pooled batch buffer. How data goes depends on the channel:
 * <ul>
 *   <li><b>Gathered</b> (a native channel whose socket nothing stands between, that is no TLS): data is not copied.
 *   The batch keeps its segments in send order — ranges of its batch buffers and whole data buffers — and a flush
 *   hands them to the kernel in one {@code writev}, an iovec per segment, as SPDK's posix sock gathers each PDU's
 *   header and data iovecs into one {@code sendmsg}. That skips the copy of each read's data into the batch and
 *   Netty's outbound buffer (an entry, a recycled object and its bookkeeping per buffer) on every response's path.
 *   Netty writes instead whenever it holds bytes it could not write yet (a full socket): the segments go to the
 *   channel in order, as buffers, and so does whatever a direct write left when the socket took only part of it;
 *   until Netty has drained, every later flush goes through it too, so bytes never overtake each other.</li>
 *   <li><b>Through the channel</b> (TLS, or NIO): data up to {@link #COPY_LIMIT} is copied into the batch, so a batch of
 *   4 KiB reads is one buffer for the channel; larger data goes as its own buffer after the batch so far.</li>
 * </ul>
 *
 * <p>A gathered flush writes at most {@link #CHUNK_BYTES} per writev (whole TCP segments): a megabyte of 128 KiB
 * reads goes in four writes, which moves it faster than one. While its reactor has latency-class queues active within
 * the last second, a gathered flush of a queue without latency-class commands also lets its {@link Preemption} serve
 * those queues between two writes, so their capsules do not wait for a megabyte of bulk data, and writes at most
 * {@link #PREEMPTION_CHUNK_BYTES} per writev while a latency-class capsule is due.
 *
 * <p>One per connection, used on its reactor only. Nothing is allocated on the Java heap per PDU or per flush: batch
 * buffers come from the pooled allocator's thread cache (a gathered batch reuses its buffer after a complete write),
 * and the segment arrays grow only to the largest flush.
 */
final class SendBatch {
    private static final Logger LOG = Logger.getLogger(SendBatch.class.getName());
    /** Through the channel, data up to this size is copied into the batch (cheaper than one more buffer there). */
    static final int COPY_LIMIT = 16 * 1024;
    /** Size of a batch buffer: headers of a few hundred PDUs, or a few copied 4 KiB reads with theirs. */
    private static final int BUFFER_BYTES = 32 * 1024;
    /** Iovecs per writev: within every kernel's IOV_MAX (1024); a larger flush takes more than one write. */
    private static final int MAX_IOVECS = 256;
    private static final int INITIAL_SEGMENTS = 64;
    /**
     * Bytes one writev offers at most, in whole TCP segments ({@link #chunkFor}): four loopback segments. A flush (up
     * to {@link ResponseBatching#UNIFORM_BYTES}, 2 MiB for BOUNDED_BATCH flows) goes in writevs of this size: on the
     * 2-core VM of the README's figures, spdk_nvme_perf's 128 KiB reads at QD16 ran 14% and 16% faster than with the
     * whole flush in one writev (two builds, alternating slices, 6 of 8 and 8 of 8 won), and a C loopback writer moved
     * 13 GB/s in writevs of four segments, 9 GB/s in writevs of one and 8 GB/s in writevs of 1 MiB (README, "Reactors
     * and provenance").
     * Also the chunk of a preempted flush while no latency-class capsule is due (a sparse flow between two reads):
     * beside a critical flow paced at one read per 2 ms, 64 KiB chunks then cost the bulk flow 35% of its throughput
     * against provenance off on average, these 12% (bench-provenance, alternating one-round runs).
     */
    static final int CHUNK_BYTES = 256 * 1024;
    /**
     * Bytes one writev offers at most while a {@link Preemption} is wanted and a latency-class capsule is
     * {@linkplain Preemption#due() due}: about 15-25 us of copying into a loopback socket on the machines measured
     * (README, "Reactors and provenance"), the longest such a capsule on another queue of the reactor waits for this
     * flush. The chunk actually used is a whole number of the socket's TCP segments ({@link #chunkFor}).
     */
    static final int PREEMPTION_CHUNK_BYTES = 64 * 1024;

    /**
     * What a gathered flush stops for between its socket writes: the poll group's latency sources
     * ({@link io.locus.target.core.PollGroup#serviceLatencySources()}).
     */
    interface Preemption {
        /** Whether the flush should write in chunks and {@link #run} between them. */
        boolean wanted();

        /**
         * Whether a latency-class capsule may arrive any moment (the reactor's latency window is open): chunks of
         * {@link #PREEMPTION_CHUNK_BYTES}, otherwise of {@link #CHUNK_BYTES}. Asked before each chunk.
         */
        boolean due();

        /** Serves what waits; must not flush this batch. */
        void run();
    }

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ChannelHandlerContext ctx;
    /** The socket a gathered flush writes to; null when flushes go through the channel. */
    private FileDescriptor socket;
    private IovArray iovecs;
    /** The batch buffer being encoded into, and where its bytes not yet in a segment start. */
    private ByteBuf batch;
    private int mark;
    /** Gathered segments in send order: buffer, first byte, length; owned ones (data) are released once sent. */
    private ByteBuf[] segmentBuf = new ByteBuf[INITIAL_SEGMENTS];
    private int[] segmentFrom = new int[INITIAL_SEGMENTS];
    private int[] segmentLength = new int[INITIAL_SEGMENTS];
    private boolean[] segmentOwned = new boolean[INITIAL_SEGMENTS];
    private int segments;
    /** The first segment not yet sent, and how much of it was. */
    private int first;
    private int firstSent;
    /** Batch buffers filled before the current one since the last flush (their ranges are segments). */
    private ByteBuf[] filled = new ByteBuf[4];
    private int filledCount;
    /** Socket writes and buffers handed to the channel since the last {@link #takeWrites}. */
    private int writes;
    private Preemption preemption;
    /** Where TCP_INFO is read for {@link #preemptionChunk}; made at the first preempted flush. */
    private EpollTcpInfo tcpInfo;
    /** A gathered flush is under way (a preemption between its writes may ask for another). */
    private boolean flushing;

    /**
     * Binds the batch to its connection's handler. Gathers when the channel is native and the handler is the
     * pipeline's first (a TLS handler, added before it at accept, has to see every byte).
     */
    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        boolean nothingBetween = ctx.pipeline().first() == ctx.handler();
        this.socket = nothingBetween && ctx.channel() instanceof UnixChannel unix ? unix.fd() : null;
    }

    /** Sets what a gathered flush stops for between its writes (null: nothing; it writes as much as it can at once). */
    void preemption(Preemption p) {
        this.preemption = p;
    }

    /** Whether flushes gather into direct socket writes (a native channel without TLS; see the class comment). */
    boolean gathers() {
        return socket != null;
    }

    /**
     * The bytes per writev for a socket whose send MSS is {@code mss}: the largest whole number of segments within
     * {@code cap} ({@link #CHUNK_BYTES}, or {@link #PREEMPTION_CHUNK_BYTES} while a capsule is due),
     * or one segment when the MSS is larger, or the cap when the MSS is unknown (0). A chunk that is not a whole
     * number of segments leaves a runt: 64 KiB on loopback (MSS 65,483) went out as a full segment and a runt of the
     * last 53 bytes and the PDU headers, and the host acknowledged every second segment: twice the segments and ACKs
     * per byte of bulk data, about a fifth of the bulk flow's throughput in bench-provenance.
     */
    static int chunkFor(long mss, int cap) {
        if (mss <= 0) {
            return cap;
        }
        if (mss >= cap) {
            return (int) Math.min(Integer.MAX_VALUE, mss);
        }
        return (int) (cap / mss * mss);
    }

    /** The chunk for the next write: {@link #chunkFor} the smaller cap while {@code p} (when preempting) has one due. */
    private static long chunk(Preemption p, boolean preempting, long mss) {
        return chunkFor(mss, preempting && p.due() ? PREEMPTION_CHUNK_BYTES : CHUNK_BYTES);
    }

    /**
     * This socket's send MSS now (TCP_INFO, into one reused buffer), or 0 where it cannot be asked: asked at the
     * start of each flush that is preempted or larger than {@link #CHUNK_BYTES}, as Linux grows a new connection's
     * MSS with the peer's window (32,768 first on loopback).
     */
    private long sendMss() {
        if (!(ctx.channel() instanceof EpollSocketChannel epoll)) {
            return 0;
        }
        EpollTcpInfo info = tcpInfo;
        if (info == null) {
            info = new EpollTcpInfo();
            tcpInfo = info;
        }
        try {
            return epoll.tcpInfo(info).sndMss();
        } catch (RuntimeException e) {
            return 0; // no TCP_INFO: the plain caps
        }
    }

    /** Whether data of {@code length} bytes is copied into the batch rather than sent from its own buffer. */
    boolean copies(int length) {
        return socket == null && length <= COPY_LIMIT;
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
        if (socket == null) {
            end();
        } else {
            retire();
        }
        b = alloc.directBuffer(Math.max(bytes, BUFFER_BYTES));
        batch = b;
        mark = 0;
        return b;
    }

    /** Sends {@code buf} (its readable bytes; the reference passes to the batch) after what is batched so far. */
    void append(ByteBuf buf) {
        if (socket == null) {
            end();
            write(buf);
            return;
        }
        closeRange();
        if (buf.isReadable()) {
            addSegment(buf, buf.readerIndex(), buf.readableBytes(), true);
        } else {
            buf.release();
        }
    }

    /** Sends everything batched since the last flush: gathered in direct writes when it can, else through Netty. */
    void flush() {
        if (socket == null) {
            end();
            ctx.flush();
            return;
        }
        if (flushing) {
            return; // asked from a preemption between this flush's writes: the flush under way sends it too
        }
        flushing = true;
        try {
            flushGathered();
        } finally {
            flushing = false;
        }
    }

    private void flushGathered() {
        closeRange();
        while (first < segments && directWritable()) {
            try {
                writeDirect();
            } catch (IOException e) {
                LOG.log(Level.FINE, e, () -> "write to " + ctx.channel().remoteAddress() + " failed");
                discard();
                ctx.close();
                return;
            }
            if (first < segments) {
                break; // the socket took less: Netty takes the rest
            }
            closeRange(); // bytes batched by a preemption between the writes
        }
        boolean handed = first < segments;
        for (int i = first; i < segments; i++) {
            int skip = i == first ? firstSent : 0;
            ByteBuf b = segmentBuf[i];
            write(segmentOwned[i] ? b.readerIndex(segmentFrom[i] + skip)
                    : b.retainedSlice(segmentFrom[i] + skip, segmentLength[i] - skip));
            segmentBuf[i] = null;
        }
        clearSegments();
        if (batch != null) {
            if (handed) {
                batch.release(); // the slices handed to Netty keep what they cover
                batch = null;
            } else {
                batch.clear(); // every byte of it is on the socket: encode the next flush over it
                mark = 0;
            }
        }
        if (handed) {
            ctx.flush();
        }
    }

    /** Drops what was not sent (the connection is gone). */
    void discard() {
        for (int i = first; i < segments; i++) {
            if (segmentOwned[i]) {
                segmentBuf[i].release();
            }
            segmentBuf[i] = null;
        }
        clearSegments();
        if (batch != null) {
            batch.release();
            batch = null;
        }
        if (iovecs != null) {
            iovecs.release();
            iovecs = null;
        }
    }

    /** Socket writes and buffers handed to the channel since the last call (one per flush, normally). */
    int takeWrites() {
        int w = writes;
        writes = 0;
        return w;
    }

    // ---- through the channel --------------------------------------------------------------------------------

    /** Hands the batch to the channel (before a flush, or before a buffer that must follow it). */
    private void end() {
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

    private void write(ByteBuf buf) {
        writes++;
        ctx.write(buf, ctx.voidPromise());
    }

    // ---- gathered -------------------------------------------------------------------------------------------

    /** True when Netty holds nothing of this channel's, so a write of ours cannot overtake one of its. */
    private boolean directWritable() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out != null && out.isEmpty() && socket.isOpen();
    }

    /** Writes segments until all are sent or the socket takes less than it was given. */
    private void writeDirect() throws IOException {
        IovArray v = iovecs;
        if (v == null) {
            v = new IovArray(alloc.directBuffer(MAX_IOVECS * IovArray.IOV_SIZE));
            v.maxCount(MAX_IOVECS);
            iovecs = v;
        }
        Preemption p = preemption;
        boolean preempting = p != null && p.wanted();
        // A flush within one chunk goes in one writev without asking the socket anything.
        long mss = preempting || exceedsOneChunk() ? sendMss() : 0;
        long limit = chunk(p, preempting, mss);
        while (first < segments) {
            v.clear();
            long offered = 0;
            int skip = firstSent;
            for (int i = first; i < segments && offered < limit; i++) {
                int length = (int) Math.min(segmentLength[i] - skip, limit - offered);
                if (!v.add(segmentBuf[i], segmentFrom[i] + skip, length)) {
                    break;
                }
                offered += length;
                skip = 0;
            }
            long sent = socket.writevAddresses(v.memoryAddress(0), v.count());
            writes++;
            advance(sent);
            if (sent < offered) {
                return; // the socket is full: Netty takes the rest and waits for it to drain
            }
            if (preempting && first < segments) {
                // A latency-class capsule that came in on another queue meanwhile runs now, not after this flush.
                p.run();
                preempting = p.wanted();
                limit = chunk(p, preempting, mss);
            }
        }
    }

    /** Whether the bytes not yet sent are more than {@link #CHUNK_BYTES} (counted only that far). */
    private boolean exceedsOneChunk() {
        long pending = -firstSent;
        for (int i = first; i < segments && pending <= CHUNK_BYTES; i++) {
            pending += segmentLength[i];
        }
        return pending > CHUNK_BYTES;
    }

    /** Marks {@code bytes} more as sent, releasing the data buffers they finish. */
    private void advance(long bytes) {
        while (bytes > 0) {
            int left = segmentLength[first] - firstSent;
            if (bytes < left) {
                firstSent += (int) bytes;
                return;
            }
            bytes -= left;
            if (segmentOwned[first]) {
                segmentBuf[first].release();
            }
            segmentBuf[first] = null;
            first++;
            firstSent = 0;
        }
    }

    /** Makes the batch buffer's bytes since the last segment a segment of their own. */
    private void closeRange() {
        ByteBuf b = batch;
        if (b != null && b.writerIndex() > mark) {
            addSegment(b, mark, b.writerIndex() - mark, false);
            mark = b.writerIndex();
        }
    }

    /** The batch buffer is full: its ranges stay segments, and it is released after the flush. */
    private void retire() {
        ByteBuf b = batch;
        if (b == null) {
            return;
        }
        closeRange();
        batch = null;
        if (b.writerIndex() == 0) {
            b.release();
            return;
        }
        if (filledCount == filled.length) {
            filled = Arrays.copyOf(filled, filledCount * 2);
        }
        filled[filledCount++] = b;
    }

    /** Forgets the segments (each already sent, handed on or released) and releases the filled batch buffers. */
    private void clearSegments() {
        segments = 0;
        first = 0;
        firstSent = 0;
        for (int i = 0; i < filledCount; i++) {
            filled[i].release();
            filled[i] = null;
        }
        filledCount = 0;
    }

    private void addSegment(ByteBuf buf, int from, int length, boolean owned) {
        if (segments == segmentBuf.length) {
            int n = segments * 2;
            segmentBuf = Arrays.copyOf(segmentBuf, n);
            segmentFrom = Arrays.copyOf(segmentFrom, n);
            segmentLength = Arrays.copyOf(segmentLength, n);
            segmentOwned = Arrays.copyOf(segmentOwned, n);
        }
        segmentBuf[segments] = buf;
        segmentFrom[segments] = from;
        segmentLength[segments] = length;
        segmentOwned[segments] = owned;
        segments++;
    }
}
