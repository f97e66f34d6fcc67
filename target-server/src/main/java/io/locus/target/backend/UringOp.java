package io.locus.target.backend;

import io.locus.nativeio.Errno;
import io.locus.nativeio.IoUring;
import io.locus.nativeio.NativeFile;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;

/**
 * One slot of a ring's in-flight table (its index is the SQE's user_data): the state machine that turns one
 * {@link BackendIo} into SQEs, one at a time, and finishes it. Preallocated per ring and reused, so a request costs
 * no allocation.
 *
 * <pre>
 *   READ   : READ_FIXED chunk -> copy out -> (next chunk | done)       short read at EOF reads as zeroes
 *   WRITE  : copy in -> WRITE_FIXED chunk (RWF_DSYNC when FUA) -> (next chunk | done)
 *   FLUSH  : FSYNC(DATASYNC) -> done
 *   WRITE_ZEROES : FALLOCATE(ZERO_RANGE) | WRITE_FIXED from the zero region... -> [FSYNC when FUA] -> done
 *   DEALLOCATE   : per range: URING_CMD(BLOCK_DISCARD) | FALLOCATE(PUNCH_HOLE) | zero writes | skip -> done
 * </pre>
 * Each fallback is learned once per backend (the first EOPNOTSUPP switches it) and then taken directly.
 */
final class UringOp {
    private enum Phase {
        /** Free slot. */
        IDLE,
        /** Reading a chunk into the pool buffer. */
        READ,
        /** Writing a chunk from the pool buffer. */
        WRITE,
        /** fdatasync for Flush, or after Write Zeroes with FUA. */
        SYNC,
        /** fallocate(ZERO_RANGE) of the current range. */
        ZERO_RANGE,
        /** Writing zeroes over the current range, where fallocate cannot. */
        ZERO_WRITE,
        /** fallocate(PUNCH_HOLE) of the current deallocate range. */
        PUNCH,
        /** BLOCK_URING_CMD_DISCARD of the current deallocate range. */
        DISCARD
    }

    final int slot;
    private final UringRing ring;
    private final UringBufferPool buffers;

    private Phase phase = Phase.IDLE;
    UringBackend backend;
    BackendIo io;
    private int buffer = -1;
    /** Index in the request's data where the transfer starts (reader index for writes, writer index for reads). */
    private int dataBase;
    /** Bytes done: of the transfer, or of the current range. */
    private long done;
    private int rangeIndex;
    private long rangeOffset;
    private long rangeLength;

    UringOp(int slot, UringRing ring, UringBufferPool buffers) {
        this.slot = slot;
        this.ring = ring;
        this.buffers = buffers;
    }

    /** Starts {@code io}; false (nothing staged) when no pool buffer is free, so the ring queues it. */
    boolean start(UringBackend b, BackendIo request) {
        if (request.op == BackendOp.READ || request.op == BackendOp.WRITE) {
            buffer = buffers.acquire(request.length);
            if (buffer < 0) {
                return false;
            }
        }
        backend = b;
        io = request;
        done = 0;
        switch (request.op) {
            case READ -> {
                dataBase = request.data.writerIndex();
                read();
            }
            case WRITE -> {
                dataBase = request.data.readerIndex();
                write();
            }
            case FLUSH -> sync();
            case WRITE_ZEROES -> {
                rangeOffset = request.offset;
                rangeLength = request.length;
                zeroRange();
            }
            case DEALLOCATE -> {
                rangeIndex = -1;
                nextRange();
            }
        }
        return true;
    }

    /** The SQE of this slot finished with {@code res} (bytes, or a negative errno). */
    void onCompletion(int res) {
        switch (phase) {
            case READ -> onRead(res);
            case WRITE -> onWrite(res);
            case SYNC -> finish(res < 0 ? writeError(res, "fdatasync") : Status.SUCCESS);
            case ZERO_RANGE -> {
                if (unsupported(res)) {
                    backend.zeroRangeUnsupported(res);
                    zeroWrite();
                } else if (res < 0) {
                    finish(writeError(res, "fallocate(ZERO_RANGE)"));
                } else {
                    rangeDone();
                }
            }
            case ZERO_WRITE -> {
                if (res <= 0) {
                    finish(writeError(res, "zero write"));
                } else {
                    done += res;
                    if (done < rangeLength) {
                        zeroWrite();
                    } else {
                        rangeDone();
                    }
                }
            }
            case PUNCH -> {
                if (unsupported(res)) {
                    backend.punchHoleUnsupported(res);
                    deallocateRange();
                } else if (res < 0) {
                    finish(writeError(res, "fallocate(PUNCH_HOLE)"));
                } else {
                    rangeDone();
                }
            }
            case DISCARD -> {
                if (unsupported(res) || res == -Errno.ENOTTY) {
                    backend.discardUnsupported(res);
                    deallocateRange();
                } else if (res < 0) {
                    finish(writeError(res, "discard"));
                } else {
                    rangeDone();
                }
            }
            case IDLE -> throw new IllegalStateException("completion for idle slot " + slot);
        }
    }

    private void read() {
        phase = Phase.READ;
        int n = (int) Math.min(buffers.capacity(buffer), io.length - done);
        ring.stageData(this, false, buffers.address(buffer), n, 0, io.offset + done);
    }

    private void onRead(int res) {
        ByteBuf data = io.data;
        if (res < 0) {
            backend.logFailure("read", io.offset + done, res);
            finish(Status.UNRECOVERED_READ_ERROR);
            return;
        }
        if (res == 0) {
            // Past the end of a regular file (its sparse tail): zeroes, like any unwritten block.
            data.setZero(dataBase + (int) done, (int) (io.length - done));
            done = io.length;
        } else {
            buffers.copyOut(buffer, 0, data, dataBase + (int) done, res);
            done += res;
        }
        if (done < io.length) {
            read();
        } else {
            data.writerIndex(dataBase + (int) io.length);
            finish(Status.SUCCESS);
        }
    }

    private void write() {
        phase = Phase.WRITE;
        int n = (int) Math.min(buffers.capacity(buffer), io.length - done);
        buffers.copyIn(io.data, dataBase + (int) done, buffer, n);
        ring.stageData(this, true, buffers.address(buffer), n, io.fua ? IoUring.RWF_DSYNC : 0, io.offset + done);
    }

    private void onWrite(int res) {
        if (res <= 0) {
            finish(writeError(res, "write"));
            return;
        }
        done += res;
        if (done < io.length) {
            write();
        } else {
            finish(Status.SUCCESS);
        }
    }

    private void sync() {
        phase = Phase.SYNC;
        ring.stageFile(this, IoUring.OP_FSYNC, 0, 0, IoUring.FSYNC_DATASYNC, 0);
    }

    private void zeroRange() {
        done = 0;
        if (!backend.zeroRangeSupported()) {
            zeroWrite();
            return;
        }
        phase = Phase.ZERO_RANGE;
        // fallocate through io_uring: addr carries the length, len the mode.
        ring.stageFile(this, IoUring.OP_FALLOCATE, rangeLength,
                NativeFile.FALLOC_FL_ZERO_RANGE | NativeFile.FALLOC_FL_KEEP_SIZE, 0, rangeOffset);
    }

    private void zeroWrite() {
        phase = Phase.ZERO_WRITE;
        int n = (int) Math.min(buffers.zeroLength(), rangeLength - done);
        ring.stageData(this, true, buffers.zeroAddress(), n, 0, rangeOffset + done);
    }

    private void nextRange() {
        rangeIndex++;
        if (rangeIndex >= io.rangeCount) {
            finish(Status.SUCCESS);
            return;
        }
        rangeOffset = io.ranges[2 * rangeIndex];
        rangeLength = io.ranges[2 * rangeIndex + 1];
        done = 0;
        deallocateRange();
    }

    /** Picks the best way to deallocate the current range that this backend has not yet found unsupported. */
    private void deallocateRange() {
        if (backend.discardSupported()) {
            phase = Phase.DISCARD;
            ring.stageDiscard(this, rangeOffset, rangeLength);
        } else if (backend.punchHoleSupported()) {
            phase = Phase.PUNCH;
            ring.stageFile(this, IoUring.OP_FALLOCATE, rangeLength,
                    NativeFile.FALLOC_FL_PUNCH_HOLE | NativeFile.FALLOC_FL_KEEP_SIZE, 0, rangeOffset);
        } else if (backend.deallocateReadsZeroes()) {
            zeroRange();
        } else {
            rangeDone(); // Deallocate is advisory where the device cannot do it
        }
    }

    private void rangeDone() {
        if (io.op == BackendOp.DEALLOCATE) {
            nextRange();
        } else if (io.fua) {
            sync();
        } else {
            finish(Status.SUCCESS);
        }
    }

    private static boolean unsupported(int res) {
        return res == -Errno.EOPNOTSUPP || res == -Errno.EINVAL || res == -Errno.ENOSYS;
    }

    private int writeError(int res, String what) {
        backend.logFailure(what, io.offset, res);
        return res == -Errno.ENOSPC ? Status.CAPACITY_EXCEEDED : Status.WRITE_FAULT;
    }

    private void finish(int status) {
        BackendIo request = io;
        if (buffer >= 0) {
            buffers.release(buffer);
            buffer = -1;
        }
        phase = Phase.IDLE;
        io = null;
        backend = null;
        ring.release(this);
        request.complete(status);
    }

    boolean idle() {
        return phase == Phase.IDLE;
    }
}
