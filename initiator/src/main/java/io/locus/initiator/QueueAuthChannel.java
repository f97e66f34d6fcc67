package io.locus.initiator;

import io.locus.initiator.auth.AuthChannel;
import io.locus.initiator.tcp.TcpQueue;
import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.nvme.AdminOpcode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Authentication Send/Receive as blocking calls on one queue (bring-up commands, or ordinary ones on a live queue). */
final class QueueAuthChannel implements AuthChannel {
    private final TcpQueue queue;
    private final boolean control;
    private final long timeoutMs;
    private final String endpoint;
    private int lastStatus;

    QueueAuthChannel(TcpQueue queue, boolean control, long timeoutMs, String endpoint) {
        this.queue = queue;
        this.control = control;
        this.timeoutMs = timeoutMs;
        this.endpoint = endpoint;
    }

    /** {@link Controller#reauthenticate()}: admin queue first, then each I/O queue. */
    static void reauthenticate(Controller ctrl) {
        io.locus.initiator.auth.DhchapOptions o = ctrl.options().dhchap();
        if (!o.hasSecret()) {
            throw new IllegalStateException("no DH-HMAC-CHAP secret to re-authenticate with (ControllerOptions.dhchap)");
        }
        TransportId id = ctrl.transportId();
        String hostNqn = ctrl.host().hostNqn();
        io.locus.initiator.auth.DhchapHost.authenticate(o, new QueueAuthChannel(ctrl.adminQueue(), false,
                ctrl.options().adminTimeoutMs(), id.endpoint()), 0, hostNqn, id.subsystemNqn(), id.endpoint());
        for (int i = 0; i < ctrl.ioQueueCount(); i++) {
            TcpQueue q = ctrl.ioQueue(i);
            io.locus.initiator.auth.DhchapHost.authenticate(o, new QueueAuthChannel(q, false, ctrl.options().ioTimeoutMs(),
                    id.endpoint()), q.qid(), hostNqn, id.subsystemNqn(), id.endpoint());
        }
    }

    @Override
    public int send(byte[] message) {
        ByteBuf data = Unpooled.wrappedBuffer(message);
        Completion done = SyncCall.run(queue, c -> fill(c, FabricsCommand.AUTHENTICATION_SEND, data, message.length), control,
                timeoutMs, "Authentication Send (queue " + queue.qid() + ") to " + endpoint);
        lastStatus = done.status();
        return done.status();
    }

    @Override
    public byte[] receive(int allocationLength) {
        ByteBuf into = Unpooled.buffer(allocationLength, allocationLength);
        Completion done = SyncCall.run(queue, c -> fill(c, FabricsCommand.AUTHENTICATION_RECEIVE, into, allocationLength), control,
                timeoutMs, "Authentication Receive (queue " + queue.qid() + ") from " + endpoint);
        lastStatus = done.status();
        if (!done.ok()) {
            return null;
        }
        byte[] out = new byte[allocationLength];
        into.getBytes(0, out);
        return out;
    }

    @Override
    public int lastStatus() {
        return lastStatus;
    }

    private static void fill(io.locus.initiator.tcp.Command c, int fctype, ByteBuf data, int length) {
        c.opcode = AdminOpcode.FABRICS;
        c.nsid = fctype;
        c.cdw10 = Dhchap.CDW10;
        c.cdw11 = length;
        c.data = data;
        c.dataIndex = 0;
        c.dataLength = length;
        c.retryable = false;
    }
}
