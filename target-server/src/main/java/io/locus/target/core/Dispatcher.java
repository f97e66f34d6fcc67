package io.locus.target.core;

import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.target.model.Controller;

/**
 * Runs commands for every transport (the Linux target's {@code nvmet_req_init}/{@code nvmet_req_complete}): picks
 * the command set, validates a command once (before its data moves, so a failed write gets no R2T or RDMA READ),
 * executes it once the data is there — deferring throughput work behind latency-class work on provenance
 * controllers, whose latency-class requests open the reactor's latency window — and on completion does the
 * accounting every transport needs (statistics, flows, placement votes, error log, JFR event) before the transport
 * queues the response. Stateless apart from the command sets: one instance serves every queue.
 */
public final class Dispatcher {
    private final CommandSet fabrics;
    private final CommandSet admin;
    private final CommandSet io;

    public Dispatcher(CommandSet fabrics, CommandSet admin, CommandSet io) {
        this.fabrics = fabrics;
        this.admin = admin;
        this.io = io;
    }

    /**
     * The checks every command gets as it arrives, whatever carried it: SGLs only (PSDT 01b) and no fused commands,
     * which are not supported — Invalid Field + DNR, as Linux nvmet answers both.
     */
    public int checkCommand(Request r) {
        if (Sqe.psdt(r.sqe, 0) != 1 || Sqe.fuse(r.sqe, 0) != 0) {
            return Status.INVALID_FIELD | Status.DNR;
        }
        return Status.SUCCESS;
    }

    /**
     * Checks an I/O command against its namespace and transfer before any data moves; remembers that it did, so
     * {@link #execute} does not check again. Fabrics and admin commands are checked as they execute.
     */
    public int validate(Request r) {
        Queue q = r.queue;
        if (r.opcode == AdminOpcode.FABRICS || q.controller() == null || q.qid() == 0) {
            return Status.SUCCESS;
        }
        r.validated = true;
        return io.validate(r);
    }

    /** Runs a command whose data (if any) is here. */
    public void execute(Request r) {
        r.state = Request.State.EXECUTING;
        Queue q = r.queue;
        Controller controller = q.controller();
        if (r.opcode == AdminOpcode.FABRICS) {
            fabrics.execute(r);
        } else if (controller == null) {
            r.complete(Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
        } else if (!controller.authenticated(q.qid())) {
            // DH-HMAC-CHAP: only fabrics commands until this queue has authenticated.
            r.complete(Dhchap.AUTHENTICATION_REQUIRED | Status.DNR);
        } else if (q.qid() == 0) {
            admin.execute(r);
        } else {
            int status = r.validated ? Status.SUCCESS : validate(r);
            if (controller.keepAliveExpired(q.pollGroup().keepAliveStamp())) {
                // Its host has heard nothing for longer than KATO (this process was frozen, or the path cut) and
                // has moved the command to another path: running it now could overwrite newer data written there.
                // The admin reactor's keep-alive check tears the controller down. (The batch's reading, not one per
                // command: a clock read costs tens of nanoseconds on a virtual machine.)
                r.complete(Status.ABORTED_SQ_DELETION);
            } else if (status != Status.SUCCESS) {
                r.complete(status);
            } else if (controller.provenanceEnabled() && !r.urgent()) {
                // Throughput work waits for this turn's latency-class work, on controllers whose host enabled
                // provenance only: a standard host's commands all run at once, exactly as in generic mode.
                q.pollGroup().defer(r);
            } else {
                if (r.urgent()) {
                    q.onLatencyClass();
                    q.pollGroup().openLatencyWindow(r.budgetMicros);
                }
                io.execute(r);
            }
        }
    }

    /** Runs a command deferred behind latency-class work (poll group). */
    void runDeferred(Request r) {
        if (r.queue.isClosed()) {
            r.reset();
            r.queue.release(r);
            return;
        }
        io.execute(r);
    }

    /** Accounts for a finished request, has its transport queue the response, and recycles it. */
    void complete(Request r) {
        Queue q = r.queue;
        if (q.isClosed() || !q.connected()) {
            r.reset();
            q.release(r);
            return;
        }
        // A latency-class response is stamped now; others take the reading their batch began with (PollGroup).
        long now = r.urgent() ? q.pollGroup().readStamp() : q.pollGroup().stampNanos();
        account(q, r, now);
        if (r.urgent()) {
            // The window stays open for the budget after the response, until the flow's next request is here.
            q.pollGroup().openLatencyWindow(r.budgetMicros);
        }
        q.queueResponse(r);
        r.reset();
        q.release(r);
        q.afterResponse();
    }

    private static void account(Queue q, Request r, long now) {
        int status = r.status;
        if (r.hasProvenance) {
            r.dw1 = r.timingDw1(now);
        }
        PollGroup group = q.pollGroup();
        if (q.qid() > 0 && r.opcode != AdminOpcode.FABRICS) {
            boolean homed = r.hasProvenance && r.homeCpu != ProvenanceWire.HOME_CPU_UNSET;
            group.stats().recordIo(r.urgent() ? ReactorStats.LATENCY : ReactorStats.THROUGHPUT,
                    r.opcode == NvmOpcode.READ, r.transferLength, !Status.isSuccess(status), r.receivedNanos,
                    r.backendSubmitNanos, r.backendDoneNanos, now, homed, homed && !group.isHome(r.homeCpu));
            if (r.hasProvenance && q.flows().note(r.flowId)) {
                group.stats().recordNewFlow();
            }
            if (homed) {
                q.placement().vote(r.homeCpu, group);
            }
        }
        if (RequestEvent.TYPE.isEnabled()) {
            recordEvent(q, r, now);
        }
        Controller controller = q.controller();
        if (!Status.isSuccess(status) && controller != null) {
            controller.errorLog().record(Math.max(q.qid(), 0), r.cid, status, r.nsid());
        }
    }

    private static void recordEvent(Queue q, Request r, long now) {
        RequestEvent e = new RequestEvent();
        e.cntlid = q.controller() == null ? -1 : q.controller().cntlid();
        e.qid = q.qid();
        e.cid = r.cid;
        e.opcode = r.opcode;
        e.status = r.status;
        e.flowId = r.hasProvenance ? r.flowId : -1;
        e.latencyClass = r.hasProvenance ? r.latencyClass : -1;
        e.bytes = r.transferLength;
        e.targetNanos = now - r.receivedNanos;
        e.backendNanos = r.backendSubmitNanos == 0 ? 0 : r.backendDoneNanos - r.backendSubmitNanos;
        e.doneToResponseNanos = r.backendSubmitNanos == 0 ? 0 : now - r.backendDoneNanos;
        e.backendDoneAt = r.backendSubmitNanos == 0 ? 0 : r.backendDoneNanos;
        e.responseAt = now;
        e.commit();
    }
}
