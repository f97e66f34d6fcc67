package io.locus.target.command;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.target.backend.BackendIo;
import io.locus.target.backend.BackendOp;
import io.locus.target.core.CommandSet;
import io.locus.target.core.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.netty.buffer.ByteBuf;

/**
 * NVM command set on I/O queues: Read, Write (FUA), Flush, Write Zeroes, Dataset Management (deallocate), and the
 * reservation commands ({@link ReservationCommands}); every command of the read and write groups is checked against
 * the namespace's reservation.
 * {@link #validate} runs before any data moves (so a bad write gets no R2T); {@link #execute} once the data is there.
 * One instance per queue; no allocation per command.
 */
public final class IoCommands implements CommandSet, Request.CompletionHandler {
    private static final int BROADCAST_NSID = 0xFFFFFFFF;
    private static final int MAX_DSM_RANGES = 256;

    /** Checks the command against its namespace and transfer; returns a status and sets {@link Request#namespace}. */
    @Override
    public int validate(Request r) {
        Controller c = r.queue.controller();
        int nsid = r.nsid();
        Namespace ns = nsid == BROADCAST_NSID ? null : c.subsystem().namespace(nsid);
        if (ns == null) {
            return Status.INVALID_NAMESPACE | Status.DNR;
        }
        r.namespace = ns;
        // ANA: the group's state through this controller's port (nvmet_check_ana_state): inaccessible, persistent
        // loss and change fail every I/O command with a path status, no DNR, so the host retries another path.
        int ana = c.port().ana().state(ns.anaGroupId()).ioStatus();
        if (ana != Status.SUCCESS) {
            return ana;
        }
        if (ReservationCommands.isReservation(r.opcode)) {
            return ReservationCommands.validate(r, ns);
        }
        int access = ns.reservations().access(c.reservationHost(), r.opcode);
        if (access != Status.SUCCESS) {
            return access;
        }
        switch (r.opcode) {
            case NvmOpcode.READ, NvmOpcode.WRITE -> {
                long slba = slba(r);
                int blocks = (r.cdw(12) & 0xFFFF) + 1;
                long bytes = (long) blocks << ns.blockShift();
                if (bytes > c.limits().maxTransferBytes()) {
                    return Status.INVALID_FIELD | Status.DNR;
                }
                if (r.transferLength != bytes) {
                    return Status.DATA_SGL_LENGTH_INVALID | Status.DNR;
                }
                if (outOfRange(ns, slba, blocks)) {
                    return Status.LBA_OUT_OF_RANGE | Status.DNR;
                }
                return Status.SUCCESS;
            }
            case NvmOpcode.WRITE_ZEROES -> {
                long slba = slba(r);
                int blocks = (r.cdw(12) & 0xFFFF) + 1;
                return outOfRange(ns, slba, blocks) ? Status.LBA_OUT_OF_RANGE | Status.DNR : Status.SUCCESS;
            }
            case NvmOpcode.DATASET_MANAGEMENT -> {
                int ranges = (r.cdw(10) & 0xFF) + 1;
                return r.transferLength < ranges * NvmOpcode.DSM_RANGE_LENGTH ? Status.DATA_SGL_LENGTH_INVALID | Status.DNR : Status.SUCCESS;
            }
            case NvmOpcode.FLUSH -> {
                return Status.SUCCESS;
            }
            default -> {
                return Status.INVALID_OPCODE | Status.DNR;
            }
        }
    }

    private static long slba(Request r) {
        return (r.cdw(10) & 0xFFFFFFFFL) | ((long) r.cdw(11) << 32);
    }

    private static boolean outOfRange(Namespace ns, long slba, long blocks) {
        return slba < 0 || slba + blocks > ns.blockCount() || slba + blocks < slba;
    }

    /** Runs a validated command; the request completes through the backend. */
    @Override
    public void execute(Request r) {
        Namespace ns = r.namespace;
        Controller c = r.queue.controller();
        BackendIo io = r.io;
        if (ReservationCommands.isReservation(r.opcode)) {
            ReservationCommands.execute(r);
            return;
        }
        // Checked again now that the data is here: a preemption since validation counts (Preempt and Abort).
        int access = ns.reservations().access(c.reservationHost(), r.opcode);
        if (access != Status.SUCCESS) {
            r.complete(access);
            return;
        }
        switch (r.opcode) {
            case NvmOpcode.READ -> {
                int length = r.transferLength;
                ByteBuf constant = ns.backend().constantReadData(length);
                ByteBuf data = constant != null ? r.readData(constant) : r.allocateReadData(length);
                io.reset(BackendOp.READ, slba(r) << ns.blockShift(), length, data);
                r.queue.ioCounters().countRead(length);
            }
            case NvmOpcode.WRITE -> {
                io.reset(BackendOp.WRITE, slba(r) << ns.blockShift(), r.transferLength, r.data);
                io.fua = (r.cdw(12) & NvmOpcode.CDW12_FUA) != 0 || !c.volatileWriteCacheEnabled();
                r.queue.ioCounters().countWrite(r.transferLength);
            }
            case NvmOpcode.FLUSH -> io.reset(BackendOp.FLUSH, 0, 0, null);
            case NvmOpcode.WRITE_ZEROES -> {
                long blocks = (r.cdw(12) & 0xFFFF) + 1L;
                io.reset(BackendOp.WRITE_ZEROES, slba(r) << ns.blockShift(), blocks << ns.blockShift(), null);
                io.fua = (r.cdw(12) & NvmOpcode.CDW12_FUA) != 0;
            }
            case NvmOpcode.DATASET_MANAGEMENT -> {
                if (!prepareDeallocate(r, ns, io)) {
                    return;
                }
            }
            default -> {
                r.complete(Status.INVALID_OPCODE | Status.DNR);
                return;
            }
        }
        if (r.opcode != NvmOpcode.READ && r.opcode != NvmOpcode.FLUSH) {
            long left = c.keepAliveRemainingNanos(r.queue.pollGroup().keepAliveStamp());
            if (left != Long.MAX_VALUE) {
                // The backend's threads read System.nanoTime(); the batch's reading of it makes the deadline earlier
                // by at most a turn, never later.
                io.notAfterNanos = r.queue.pollGroup().stampNanos() + left;
            }
        }
        r.state = Request.State.EXECUTING;
        r.submit(this);
    }

    /** Fills the deallocate ranges; completes the request itself (and returns false) when there is nothing to do. */
    private boolean prepareDeallocate(Request r, Namespace ns, BackendIo io) {
        int ranges = Math.min(MAX_DSM_RANGES, (r.cdw(10) & 0xFF) + 1);
        boolean deallocate = (r.cdw(11) & NvmOpcode.DSM_ATTR_DEALLOCATE) != 0;
        io.reset(BackendOp.DEALLOCATE, 0, 0, null);
        if (!deallocate) {
            r.complete(Status.SUCCESS);
            return false;
        }
        ByteBuf d = r.data;
        int base = d.readerIndex();
        int n = 0;
        for (int i = 0; i < ranges; i++) {
            int off = base + i * NvmOpcode.DSM_RANGE_LENGTH;
            long blocks = d.getUnsignedIntLE(off + 4);
            long slba = d.getLongLE(off + 8);
            if (blocks == 0) {
                continue;
            }
            if (outOfRange(ns, slba, blocks)) {
                r.complete(Status.LBA_OUT_OF_RANGE | Status.DNR);
                return false;
            }
            io.ranges[2 * n] = slba << ns.blockShift();
            io.ranges[2 * n + 1] = blocks << ns.blockShift();
            n++;
        }
        io.rangeCount = n;
        return true;
    }

    @Override
    public void onBackendDone(Request r, BackendIo io) {
        if (!Status.isSuccess(io.status) && r.opcode == NvmOpcode.READ) {
            r.releaseData();
        }
        r.complete(io.status);
    }
}
