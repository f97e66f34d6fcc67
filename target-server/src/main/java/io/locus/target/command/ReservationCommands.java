package io.locus.target.command;

import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.target.core.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.locus.target.reservation.HostId;
import io.locus.target.reservation.ReservationNotices;
import io.locus.target.reservation.ReservationState;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The reservation commands on I/O queues (NVMe Base 7.6 to 7.9: Register 0Dh, Report 0Eh, Acquire 11h, Release 15h)
 * and the two reservation features (Reservation Notification Mask 82h, Reservation Persistence 83h), over the
 * namespace's {@link ReservationState}. As Linux nvmet ({@code pr.c}) parses them: the fields are checked before any
 * data moves, the keys are read from the data once it is here, and every malformed command gets a status:
 *
 * <ul>
 *   <li>RREGA above 2, RACQA above 2, RRELA above 1, an RTYPE of Acquire outside 1..6, CPTPL 01b, CPTPL 11b on a
 *       namespace that cannot persist, IEKEY on Acquire or Release (Linux, SPDK): Invalid Field + DNR;</li>
 *   <li>less data than the command reads (16 bytes for Register and Acquire, 8 for Release; none at all among them,
 *       where the SPDK target crashed on Preempt and Abort): Data SGL Length Invalid + DNR; more is accepted, as
 *       Linux and SPDK accept it (the Linux host sends 16 bytes with Release), up to MDTS (above it the transport
 *       answers Invalid Field before a command set sees the command);</li>
 *   <li>Report: SGL1 must describe exactly (NUMD + 1) dwords, as Get Log Page; fewer than the header (24 bytes
 *       plain, 64 extended) is Invalid Field (Linux).</li>
 * </ul>
 *
 * <p>Notifications go to every controller of the hosts concerned. When the namespace persists its reservations
 * (PTPL), the command completes only once the new state is on disk; that write runs on a virtual thread, never on the
 * reactor, and the completion comes back to the queue's reactor. Reservation commands are rare: they allocate.
 */
final class ReservationCommands {
    private static final Logger LOG = Logger.getLogger(ReservationCommands.class.getName());
    private static final int INVALID_FIELD = Status.INVALID_FIELD | Status.DNR;
    private static final int SGL_LENGTH = Status.DATA_SGL_LENGTH_INVALID | Status.DNR;
    private static final int BROADCAST_NSID = 0xFFFFFFFF;
    private static final int IEKEY = 1 << 3;
    /** Register and Acquire data: CRKEY then NRKEY or PRKEY; Release data: CRKEY. */
    private static final int KEYS_LENGTH = 16;
    private static final int KEY_LENGTH = 8;

    private ReservationCommands() {
    }

    static boolean isReservation(int opcode) {
        return opcode == NvmOpcode.RESERVATION_REGISTER || opcode == NvmOpcode.RESERVATION_REPORT
                || opcode == NvmOpcode.RESERVATION_ACQUIRE || opcode == NvmOpcode.RESERVATION_RELEASE;
    }

    /** Checks a reservation command's fields and transfer before its data moves. */
    static int validate(Request r, Namespace ns) {
        int cdw10 = r.cdw(10);
        int action = cdw10 & 0x7;
        boolean iekey = (cdw10 & IEKEY) != 0;
        switch (r.opcode) {
            case NvmOpcode.RESERVATION_REGISTER -> {
                int cptpl = cdw10 >>> 30;
                if (action > ReservationState.REPLACE || cptpl == 1
                        || (cptpl == ReservationState.CPTPL_SET && !ns.reservations().ptplCapable())) {
                    return INVALID_FIELD;
                }
                return dataAtLeast(r, KEYS_LENGTH);
            }
            case NvmOpcode.RESERVATION_ACQUIRE -> {
                int rtype = (cdw10 >>> 8) & 0xFF;
                if (iekey || action > ReservationState.PREEMPT_AND_ABORT || rtype < ReservationState.WRITE_EXCLUSIVE
                        || rtype > ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS) {
                    return INVALID_FIELD;
                }
                return dataAtLeast(r, KEYS_LENGTH);
            }
            case NvmOpcode.RESERVATION_RELEASE -> {
                if (iekey || action > ReservationState.CLEAR) {
                    return INVALID_FIELD;
                }
                return dataAtLeast(r, KEY_LENGTH);
            }
            default -> {
                long length = reportLength(r);
                if (r.transferLength != length) {
                    return SGL_LENGTH;
                }
                int header = extended(r) ? ReservationState.REPORT_EXTENDED_HEADER : ReservationState.REPORT_HEADER;
                if (length < header) {
                    return INVALID_FIELD;
                }
                return Status.SUCCESS;
            }
        }
    }

    private static int dataAtLeast(Request r, int length) {
        return r.transferLength < length ? SGL_LENGTH : Status.SUCCESS;
    }

    private static long reportLength(Request r) {
        return ((r.cdw(10) & 0xFFFFFFFFL) + 1) * 4;
    }

    private static boolean extended(Request r) {
        return (r.cdw(11) & 0x1) != 0;
    }

    /** Runs a validated reservation command; completes it (after the state is on disk when PTPL is on). */
    static void execute(Request r) {
        Controller c = r.queue.controller();
        Namespace ns = r.namespace;
        ReservationState state = ns.reservations();
        HostId host = c.reservationHost();
        int cdw10 = r.cdw(10);
        int action = cdw10 & 0x7;
        boolean iekey = (cdw10 & IEKEY) != 0;
        int rtype = (cdw10 >>> 8) & 0xFF;
        ByteBuf d = r.data;
        List<ReservationState.Notice> notices = new ArrayList<>();
        int status;
        switch (r.opcode) {
            case NvmOpcode.RESERVATION_REGISTER -> status = state.register(host, action, iekey, cdw10 >>> 30,
                    d.getLongLE(d.readerIndex()), d.getLongLE(d.readerIndex() + 8), notices);
            case NvmOpcode.RESERVATION_ACQUIRE -> status = state.acquire(host, action, rtype, d.getLongLE(d.readerIndex()),
                    d.getLongLE(d.readerIndex() + 8), notices);
            case NvmOpcode.RESERVATION_RELEASE -> status = state.release(host, action, rtype, d.getLongLE(d.readerIndex()), notices);
            default -> {
                int length = (int) reportLength(r);
                ByteBuf out = r.allocateZeroedReadData(length);
                status = state.report(extended(r), out, out.readerIndex(), length);
                if (!Status.isSuccess(status)) {
                    r.releaseData();
                }
                r.complete(status);
                return;
            }
        }
        notify(c, ns.nsid(), notices);
        completeWhenPersisted(r, state, status);
    }

    /** Delivers each notice to every controller of its host (each applies its own mask). */
    private static void notify(Controller c, int nsid, List<ReservationState.Notice> notices) {
        if (notices.isEmpty()) {
            return;
        }
        for (Controller other : c.subsystem().controllers()) {
            for (ReservationState.Notice n : notices) {
                if (n.host().equals(other.reservationHost())) {
                    other.reservationNotice(n.type(), nsid);
                }
            }
        }
    }

    /**
     * Completes {@code r} with {@code status} at once, or, when the change must reach the disk first (PTPL), once it
     * has: a failed write completes it with Internal Error and logs why, naming the file.
     */
    private static void completeWhenPersisted(Request r, ReservationState state, int status) {
        if (!state.needsPersist()) {
            r.complete(status);
            return;
        }
        var reactor = r.queue.pollGroup().reactor();
        Thread.ofVirtual().name("locus-reservation-persist").start(() -> {
            int result = status;
            try {
                state.persist();
            } catch (IOException | RuntimeException e) {
                LOG.warning("namespace " + r.namespace.nsid() + ": saving its reservation state failed: " + e.getMessage());
                result = Status.INTERNAL_ERROR;
            }
            int done = result;
            reactor.execute(() -> r.complete(done));
        });
    }

    // ---- features (admin queue) ---------------------------------------------------------------------------

    /** Set Features 82h / 83h; completes {@code r}. */
    static void setFeature(Request r, Controller c, int fid, int cdw11) {
        int nsid = r.nsid();
        if (fid == Feature.RESERVATION_NOTIFICATION_MASK) {
            if ((cdw11 & ~ReservationNotices.MASK_ALL) != 0) {
                r.complete(INVALID_FIELD);
                return;
            }
            if (nsid == BROADCAST_NSID) {
                for (Namespace ns : c.subsystem().namespaces()) {
                    c.reservationNotices().mask(ns.nsid(), cdw11);
                }
            } else if (c.subsystem().namespace(nsid) == null) {
                r.complete(Status.INVALID_NAMESPACE | Status.DNR);
                return;
            } else {
                c.reservationNotices().mask(nsid, cdw11);
            }
            r.complete(Status.SUCCESS, cdw11);
            return;
        }
        Namespace ns = nsid == BROADCAST_NSID ? null : c.subsystem().namespace(nsid);
        if (ns == null) {
            r.complete(nsid == BROADCAST_NSID ? INVALID_FIELD : Status.INVALID_NAMESPACE | Status.DNR);
            return;
        }
        int status = ns.reservations().setPtpl((cdw11 & 0x1) != 0);
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        r.namespace = ns;
        completeWhenPersisted(r, ns.reservations(), Status.SUCCESS);
    }

    /** Get Features 82h / 83h (current, or the default 0); completes {@code r}. */
    static void getFeature(Request r, Controller c, int fid, boolean defaults) {
        Namespace ns = c.subsystem().namespace(r.nsid());
        if (ns == null) {
            r.complete(Status.INVALID_NAMESPACE | Status.DNR);
            return;
        }
        if (defaults) {
            r.complete(Status.SUCCESS, 0);
        } else if (fid == Feature.RESERVATION_NOTIFICATION_MASK) {
            r.complete(Status.SUCCESS, c.reservationNotices().mask(ns.nsid()));
        } else {
            r.complete(Status.SUCCESS, ns.reservations().ptpl() ? 1 : 0);
        }
    }

    /** The Reservation Notification log page: the oldest page, taken (64 bytes, zeroes when there is none). */
    static ByteBuf logPage(Controller c) {
        ByteBuf page = AdminCommands.zeroed(io.locus.protocol.nvme.LogPage.RESERVATION_NOTIFICATION_LENGTH);
        c.reservationNotices().take(page, 0);
        return page;
    }
}
