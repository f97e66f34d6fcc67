package io.locus.target.transport.loop;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.PollGroup;
import io.locus.target.core.Queue;
import io.locus.target.core.Request;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One loop queue on its reactor: takes the host's SQE and data as a TCP queue takes a capsule and its H2CData,
 * hands the request to the {@link Dispatcher}, and returns the CQE and read data to the host's handler.
 */
final class LoopQueue extends Queue {
    private final LoopTransport transport;
    private LoopConnection.CompletionHandler[] handlers = new LoopConnection.CompletionHandler[32];
    private boolean hostGone;

    LoopQueue(LoopTransport transport, PollGroup group, Port port) {
        super(transport.dispatcher(), group, port);
        this.transport = transport;
    }

    @Override
    public String peer() {
        return "loop";
    }

    /** A command from the host (reactor thread). */
    void receive(byte[] command, byte[] payload, LoopConnection.CompletionHandler handler) {
        if (hostGone) {
            return;
        }
        Request r = allocate();
        if (r == null) {
            ByteBuf cqe = Unpooled.buffer(Cqe.LENGTH);
            Cqe.write(cqe, 0, 0, 0, sqHeadForCompletion(), Math.max(qid(), 0), 0, Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
            cqe.writerIndex(Cqe.LENGTH);
            handler.onCompletion(cqe, null);
            return;
        }
        if (r.slot >= handlers.length) {
            handlers = java.util.Arrays.copyOf(handlers, Math.max(r.slot + 1, handlers.length * 2));
        }
        handlers[r.slot] = handler;
        r.sqe.writeBytes(command);
        r.receivedNanos = pollGroup().readStamp();
        r.state = Request.State.RECEIVED;
        r.cid = Sqe.cid(r.sqe, 0);
        r.opcode = Sqe.opcode(r.sqe, 0);
        if (qid() > 0 && controller().provenanceEnabled()) {
            r.readProvenance();
        }
        consumeSqEntry();
        long sglLength = Sqe.sglLength(r.sqe, 0);
        r.transferLength = (int) Math.min(sglLength, Integer.MAX_VALUE);
        int status = dispatcher.checkCommand(r);
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        int sglId = Sqe.sglId(r.sqe, 0);
        if (sglLength > 0 && sglId != Sgl.ID_IN_CAPSULE && sglId != Sgl.ID_TRANSPORT) {
            r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
            return;
        }
        if (sglLength > transport.limits().maxTransferBytes()) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        if (direction == NvmOpcode.XFER_HOST_TO_CONTROLLER && sglLength > 0) {
            status = dispatcher.validate(r);
            if (status != Status.SUCCESS) {
                r.complete(status);
                return;
            }
            int carried = payload == null ? 0 : payload.length;
            if (carried != sglLength) {
                r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
                return;
            }
            r.allocateWriteData(carried).writeBytes(payload);
        }
        dispatcher.execute(r);
    }

    @Override
    protected void queueResponse(Request r) {
        ByteBuf cqe = Unpooled.buffer(Cqe.LENGTH);
        Cqe.write(cqe, 0, r.dw0, r.dw1, sqHeadForCompletion(), Math.max(qid(), 0), r.cid, r.status);
        cqe.writerIndex(Cqe.LENGTH);
        ByteBuf data = null;
        if (Status.isSuccess(r.status) && r.data != null && r.data.isReadable() && controllerToHost(r)) {
            data = Unpooled.copiedBuffer(r.data);
        }
        LoopConnection.CompletionHandler handler = handlers[r.slot];
        handlers[r.slot] = null;
        handler.onCompletion(cqe, data);
    }

    private static boolean controllerToHost(Request r) {
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        return direction == NvmOpcode.XFER_CONTROLLER_TO_HOST;
    }

    @Override
    protected boolean connected() {
        return !hostGone;
    }

    @Override
    public void close(String reason) {
        if (reactor().inReactor()) {
            disconnect();
        } else {
            reactor().execute(this::disconnect);
        }
    }

    private void disconnect() {
        if (hostGone) {
            return;
        }
        hostGone = true;
        disconnected();
        transport.queueClosed(this);
    }
}
