package io.locus.target.command;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.target.auth.DhchapTarget;
import io.locus.target.core.CommandSet;
import io.locus.target.core.Queue;
import io.locus.target.core.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.Subsystem;
import io.locus.target.model.TargetContext;
import io.netty.buffer.ByteBuf;

/**
 * Fabrics command set (opcode 0x7F): Connect, Property Get, Property Set.
 *
 * <p>Connect data (NVMe over Fabrics 1.1, Connect command data) is checked field by field and a bad field answered
 * with Connect Invalid Parameters, IATTR 1 and IPO its offset: SUBNQN (256) and HOSTNQN (512) must be NUL-terminated
 * within 224 bytes (SPDK's target checks HOSTNQN so; Linux's truncates at byte 255), HOSTID (0) must not be all
 * zeroes, and an I/O queue's HOSTID must be its controller's. The Linux and SPDK hosts send a random, per-host
 * constant HOSTID (Linux {@code nvmf_host.id}, SPDK {@code default_extended_host_id}) and NUL-terminated NQNs of at
 * most 223 bytes, so they pass; an empty HOSTNQN, which spdk_nvme_perf sends, is admitted where any host is.
 */
public final class FabricsCommands implements CommandSet {
    /** Discovery controllers with KATO 0 get this keep-alive (Linux target default). */
    static final long DISCOVERY_DEFAULT_KATO_MS = 120_000;
    /** Connect-data IATTR value naming an offset in the Connect data rather than the SQE. */
    private static final int IATTR_DATA = 1;

    private final TargetContext target;

    public FabricsCommands(TargetContext target) {
        this.target = target;
    }

    @Override
    public void execute(Request r) {
        int fctype = Sqe.fctype(r.sqe, 0);
        Queue queue = r.queue;
        if (fctype == FabricsCommand.CONNECT) {
            if (queue.controller() != null) {
                r.complete(Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
                return;
            }
            connect(r);
            return;
        }
        if (queue.controller() == null) {
            r.complete(Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
            return;
        }
        if (DhchapTarget.isAuthentication(fctype)) {
            DhchapTarget.execute(r, fctype, target.rejects());
            return;
        }
        if (queue.qid() != 0) {
            r.complete(Status.INVALID_OPCODE | Status.DNR);
            return;
        }
        // Property Get/Set carry their values in the SQE and CQE: no data (Linux nvmet: nvmet_check_transfer_len(req, 0)).
        switch (fctype) {
            case FabricsCommand.PROPERTY_GET -> {
                if (r.checkTransferLength(0)) {
                    propertyGet(r);
                }
            }
            case FabricsCommand.PROPERTY_SET -> {
                if (r.checkTransferLength(0)) {
                    propertySet(r);
                }
            }
            default -> r.complete(Status.INVALID_OPCODE | Status.DNR);
        }
    }

    private void connect(Request r) {
        ByteBuf sqe = r.sqe;
        int recfmt = sqe.getUnsignedShortLE(FabricsCommand.CONNECT_RECFMT_OFFSET);
        int qid = sqe.getUnsignedShortLE(FabricsCommand.CONNECT_QID_OFFSET);
        int sqsize = sqe.getUnsignedShortLE(FabricsCommand.CONNECT_SQSIZE_OFFSET);
        int cattr = sqe.getUnsignedByte(FabricsCommand.CONNECT_CATTR_OFFSET);
        long kato = sqe.getUnsignedIntLE(FabricsCommand.CONNECT_KATO_OFFSET);
        Queue queue = r.queue;
        if (recfmt != 0) {
            reject(r, "Connect RECFMT " + recfmt);
            r.complete(Status.CONNECT_INCOMPATIBLE_FORMAT | Status.DNR);
            return;
        }
        // Exactly the 1024-byte Connect data (Linux nvmet: nvmet_check_transfer_len(req, sizeof(connect data))).
        if (r.data == null || r.transferLength != ConnectData.LENGTH || r.data.readableBytes() != ConnectData.LENGTH) {
            r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
            return;
        }
        if (sqsize == 0 || sqsize > target.limits().mqes()) {
            reject(r, "Connect SQSIZE " + sqsize);
            invalidParameter(r, 0, FabricsCommand.CONNECT_SQSIZE_OFFSET);
            return;
        }
        ByteBuf data = r.data;
        int base = data.readerIndex();
        int cntlid = ConnectData.cntlid(data, base);
        String subnqn = ConnectData.readNqn(data, base + ConnectData.SUBNQN_OFFSET);
        if (subnqn == null) {
            reject(r, "Connect SUBNQN not NUL-terminated within " + (ConnectData.NQN_MAX_LENGTH + 1) + " bytes");
            invalidParameter(r, IATTR_DATA, ConnectData.SUBNQN_OFFSET);
            return;
        }
        String hostnqn = ConnectData.readNqn(data, base + ConnectData.HOSTNQN_OFFSET);
        if (hostnqn == null) {
            reject(r, "Connect HOSTNQN not NUL-terminated within " + (ConnectData.NQN_MAX_LENGTH + 1) + " bytes");
            invalidParameter(r, IATTR_DATA, ConnectData.HOSTNQN_OFFSET);
            return;
        }
        if (ConnectData.hostIdIsZero(data, base)) {
            reject(r, "Connect HOSTID all zeroes from " + hostnqn);
            invalidParameter(r, IATTR_DATA, ConnectData.HOSTID_OFFSET);
            return;
        }
        Subsystem subsystem = target.subsystem(subnqn);
        if (subsystem == null) {
            reject(r, "Connect to unknown subsystem '" + subnqn + "' from " + hostnqn);
            invalidParameter(r, IATTR_DATA, ConnectData.SUBNQN_OFFSET);
            return;
        }
        // An empty HOSTNQN is no NQN, but spdk_nvme_perf sends one (all NUL) unless given "hostnqn:" (app/spdk_nvme_perf
        // perf.c probe_cb copies the trid entry's empty hostnqn); SPDK's and Linux's targets admit it where any host
        // may connect, and so do we. Where hosts are listed it names none of them: Invalid Parameters.
        if (hostnqn.isEmpty() && !subsystem.allowAnyHost()) {
            reject(r, "empty host NQN for " + subnqn + ", which admits listed hosts only");
            invalidParameter(r, IATTR_DATA, ConnectData.HOSTNQN_OFFSET);
            return;
        }
        if (!subsystem.hostAllowed(hostnqn)) {
            reject(r, "host '" + hostnqn + "' is not allowed in " + subnqn);
            r.complete(Status.CONNECT_INVALID_HOST | Status.DNR, ipo(IATTR_DATA, ConnectData.HOSTNQN_OFFSET));
            return;
        }
        io.locus.protocol.tls.PskIdentity tls = queue.tlsIdentity();
        if (tls != null && !(tls.hostNqn().equals(hostnqn) && tls.subsystemNqn().equals(subnqn))) {
            reject(r, "Connect as '" + hostnqn + "' to " + subnqn + " over TLS with the PSK identity of another host or subsystem ('" + tls.text() + "')");
            r.complete(Status.CONNECT_INVALID_HOST | Status.DNR, ipo(IATTR_DATA, ConnectData.HOSTNQN_OFFSET));
            return;
        }
        boolean flowControlDisabled = (cattr & FabricsCommand.CATTR_DISABLE_SQ_FLOW_CONTROL) != 0;
        if (qid == 0) {
            if (cntlid != ConnectData.CNTLID_DYNAMIC) {
                reject(r, "admin Connect with CNTLID " + cntlid + " (only the dynamic model is supported)");
                invalidParameter(r, IATTR_DATA, ConnectData.CNTLID_OFFSET);
                return;
            }
            if (subsystem.isDiscovery() && kato == 0) {
                kato = DISCOVERY_DEFAULT_KATO_MS;
            }
            byte[] hostId = new byte[ConnectData.HOSTID_LENGTH];
            data.getBytes(base + ConnectData.HOSTID_OFFSET, hostId);
            Controller controller = new Controller(subsystem, target.limits(), hostnqn, hostId, queue.port(), kato, target.discoveryLog(),
                    queue.pollGroup().nanoTime());
            int id = subsystem.register(controller);
            if (id < 0) {
                reject(r, "no controller ID left in " + subnqn + " (all of " + subsystem.minCntlid() + ".."
                        + subsystem.maxCntlid() + " are in use; see min_cntlid / max_cntlid)");
                r.complete(Status.CONNECT_CONTROLLER_BUSY);
                return;
            }
            controller.assignCntlid(id);
            controller.attachAdminQueue(queue);
            queue.bind(controller, 0, sqsize, flowControlDisabled);
            r.complete(Status.SUCCESS,
                    id | DhchapTarget.onConnect(controller, subsystem, hostnqn, 0, target.rejects(), r.queue.peer()));
            return;
        }
        if (subsystem.isDiscovery()) {
            reject(r, "I/O queue Connect to the discovery subsystem");
            invalidParameter(r, 0, FabricsCommand.CONNECT_QID_OFFSET);
            return;
        }
        Controller controller = subsystem.controller(cntlid);
        if (controller == null || !controller.hostNqn().equals(hostnqn)) {
            reject(r, "I/O Connect to unknown controller " + cntlid + " of " + subnqn);
            invalidParameter(r, IATTR_DATA, ConnectData.CNTLID_OFFSET);
            return;
        }
        // The host identifier is per host, so every queue of a controller carries the admin queue's (both hosts send
        // one constant ID: Linux opts->host->id, SPDK opts.extended_host_id). Neither peer target checks it.
        if (!controller.hostIdMatches(data, base)) {
            reject(r, "I/O Connect qid " + qid + " with a HOSTID other than controller " + cntlid + "'s");
            invalidParameter(r, IATTR_DATA, ConnectData.HOSTID_OFFSET);
            return;
        }
        int status = controller.attachIoQueue(qid, queue);
        if (status != Status.SUCCESS) {
            reject(r, "I/O Connect qid " + qid + " to controller " + cntlid + ": " + Status.describe(status));
            if (status == Status.COMMAND_SEQUENCE_ERROR) {
                r.complete(status);
            } else {
                invalidParameter(r, 0, FabricsCommand.CONNECT_QID_OFFSET);
            }
            return;
        }
        queue.bind(controller, qid, sqsize, flowControlDisabled);
        r.complete(Status.SUCCESS,
                controller.cntlid() | DhchapTarget.onConnect(controller, subsystem, hostnqn, qid, target.rejects(), r.queue.peer()));
    }

    private static int ipo(int iattr, int offset) {
        return (offset & 0xFFFF) | (iattr << 16);
    }

    private static void invalidParameter(Request r, int iattr, int offset) {
        r.complete(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, ipo(iattr, offset));
    }

    private void reject(Request r, String what) {
        target.rejects().reject(r.queue.peer(), what);
    }

    private void propertyGet(Request r) {
        Controller c = r.queue.controller();
        int attrib = r.sqe.getUnsignedByte(FabricsCommand.PROPERTY_ATTRIB_OFFSET) & 0x7;
        int offset = r.sqe.getIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET);
        boolean eightBytes = attrib == 1;
        long value;
        switch (offset) {
            case Property.CAP -> value = c.cap();
            case Property.VS -> value = Property.VS_1_3;
            case Property.CC -> value = c.cc();
            case Property.CSTS -> value = c.csts();
            case Property.NSSR, Property.INTMS, Property.INTMC, Property.CRTO -> value = 0;
            default -> {
                r.complete(Status.INVALID_FIELD | Status.DNR);
                return;
            }
        }
        if (offset == Property.CAP && !eightBytes) {
            // 4-byte read of an 8-byte property: the low dword (both peers allow it).
            value &= 0xFFFFFFFFL;
        }
        r.dw1 = eightBytes ? (int) (value >>> 32) : 0;
        r.complete(Status.SUCCESS, (int) value);
    }

    private void propertySet(Request r) {
        Controller c = r.queue.controller();
        int offset = r.sqe.getIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET);
        long value = r.sqe.getLongLE(FabricsCommand.PROPERTY_VALUE_OFFSET);
        switch (offset) {
            case Property.CC -> {
                c.writeCc((int) value);
                r.complete(Status.SUCCESS);
            }
            case Property.NSSR -> r.complete(Status.SUCCESS);
            default -> r.complete(Status.INVALID_FIELD | Status.DNR);
        }
    }
}
