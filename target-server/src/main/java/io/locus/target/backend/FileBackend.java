package io.locus.target.backend;

import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A regular file or block device through positional FileChannel I/O. The syscalls block, so they run on a small
 * pool of I/O threads and the completion goes back to the submitting reactor: that hop is the reason this backend
 * exists beside the io_uring one, which completes on the reactor itself. Writes go to the page cache (volatile write
 * cache reported); FUA writes and Flush force data to stable storage with fdatasync.
 *
 * <p>Reactors hand I/Os to the threads through one bounded array queue of the I/Os themselves: nothing is allocated
 * per I/O (no task object, no queue node).
 */
public final class FileBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(FileBackend.class.getName());
    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    /** Far above any sum of queue depths; an I/O that finds it full fails rather than blocking a reactor. */
    private static final int QUEUED_MAX = 1 << 16;
    /** Tells one I/O thread to stop, behind the I/Os queued before it. */
    private static final BackendIo STOP = new BackendIo(null, null);

    private final BlockingQueue<BackendIo> queued = new ArrayBlockingQueue<>(QUEUED_MAX);
    private final Thread[] workers;
    private volatile boolean closed;
    private final ByteBuffer zeroes = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    /**
     * Opens (creating when absent) {@code path}. {@code requestedSize} 0 means: use the existing size.
     * A regular file smaller than the requested size is extended (sparse).
     */
    public FileBackend(Path path, long requestedSize, int ioThreads) throws IOException {
        this.path = path;
        checkCreatable(path, requestedSize);
        FileChannel opened;
        try {
            opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            // NoSuchFileException and AccessDeniedException carry only the path: say which it was.
            throw new IOException(path + ": cannot open: " + (e.getReason() != null ? e.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()), e);
        }
        this.channel = opened;
        long current = channel.size();
        if (Files.isRegularFile(path) && requestedSize > current) {
            channel.write(ByteBuffer.wrap(new byte[1]), requestedSize - 1);
            current = requestedSize;
        }
        if (current == 0 && !Files.isRegularFile(path)) {
            // FileChannel reports 0 for block devices: their size must come from the configuration.
            current = requestedSize;
        }
        this.size = requestedSize > 0 ? Math.min(requestedSize, current) : current;
        if (size <= 0) {
            channel.close();
            throw new IOException(path + " has size 0");
        }
        this.workers = new Thread[Math.max(1, ioThreads)];
        Thread.Builder threads = Thread.ofPlatform().daemon(true).name("locus-file-io-", 0);
        for (int i = 0; i < workers.length; i++) {
            workers[i] = threads.start(this::work);
        }
    }

    /**
     * Fails with a sentence when {@code path} does not exist and cannot be created: no size to create it with
     * ({@code requestedSize} 0), or no directory to create it in.
     */
    static void checkCreatable(Path path, long requestedSize) throws IOException {
        if (Files.exists(path)) {
            return;
        }
        if (requestedSize <= 0) {
            throw new IOException(path + " does not exist and no size was given to create it");
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException(path + " cannot be created: directory " + parent + " does not exist");
        }
    }

    /** An I/O thread: runs queued I/Os until told to stop. */
    private void work() {
        try {
            for (BackendIo io = queued.take(); io != STOP; io = queued.take()) {
                execute(io);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean volatileWriteCache() {
        return true;
    }

    @Override
    public boolean persistent() {
        return true; // the data is in the file
    }

    @Override
    public boolean deallocateReadsZeroes() {
        return true;
    }

    @Override
    public void submit(BackendIo io) {
        if (closed || !queued.offer(io)) {
            io.complete(Status.INTERNAL_ERROR);
        }
    }

    private void execute(BackendIo io) {
        int status = Status.SUCCESS;
        if (io.op != BackendOp.READ && io.op != BackendOp.FLUSH && io.notAfterNanos != Long.MAX_VALUE
                && System.nanoTime() - io.notAfterNanos > 0) {
            // Queued here when this process stopped (SIGSTOP) and resumed after its controller's keep-alive expired:
            // the host has sent it down another path since, and writing now could overwrite newer data.
            io.complete(Status.ABORTED_SQ_DELETION);
            return;
        }
        try {
            switch (io.op) {
                case READ -> read(io.offset, (int) io.length, io.data);
                case WRITE -> {
                    write(io.offset, (int) io.length, io.data);
                    if (io.fua) {
                        channel.force(false);
                    }
                }
                case FLUSH -> channel.force(false);
                case WRITE_ZEROES -> {
                    zero(io.offset, io.length);
                    if (io.fua) {
                        channel.force(false);
                    }
                }
                case DEALLOCATE -> {
                    for (int i = 0; i < io.rangeCount; i++) {
                        zero(io.ranges[2 * i], io.ranges[2 * i + 1]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "file backend " + path + ": " + io.op + " at " + io.offset + " failed: " + e);
            status = io.op == BackendOp.READ ? Status.UNRECOVERED_READ_ERROR : Status.WRITE_FAULT;
        }
        io.complete(status);
    }

    private void read(long offset, int length, ByteBuf dst) throws IOException {
        int writer = dst.writerIndex();
        int done = 0;
        while (done < length) {
            int n = dst.setBytes(writer + done, channel, offset + done, length - done);
            if (n < 0) {
                // Past the end of a regular file: sparse tail reads as zeroes.
                dst.setZero(writer + done, length - done);
                break;
            }
            done += n;
        }
        dst.writerIndex(writer + length);
    }

    private void write(long offset, int length, ByteBuf src) throws IOException {
        int reader = src.readerIndex();
        int done = 0;
        while (done < length) {
            done += src.getBytes(reader + done, channel, offset + done, length - done);
        }
    }

    private void zero(long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            ByteBuffer z = zeroes.duplicate();
            z.limit(n);
            while (z.hasRemaining()) {
                channel.write(z, offset + done + z.position());
            }
            done += n;
        }
    }

    @Override
    public void flushBlocking() {
        try {
            channel.force(true);
        } catch (IOException e) {
            LOG.warning("flush of " + path + " failed: " + e);
        }
    }

    @Override
    public String describe() {
        return "file " + path;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The I/Os already queued run first; then each thread takes one STOP.
        for (Thread ignored : workers) {
            queued.offer(STOP);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (Thread t : workers) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushBlocking();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warning("close of " + path + " failed: " + e);
        }
    }
}
