package io.locus.target.command;

import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.nvme.Status;
import io.locus.target.auth.ControllerAuth;
import io.locus.target.auth.DhchapHostConfig;
import io.locus.target.auth.QueueAuth;
import io.locus.target.core.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.RejectLog;
import io.locus.target.model.Subsystem;
import io.netty.buffer.ByteBuf;

import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * The target's DH-HMAC-CHAP entry points; the rest of the target calls only these three (and the controller's
 * teardown calls {@link ControllerAuth#controllerClosed}):
 * <ul>
 * <li>{@link #onConnect} from a successful Connect: returns the Connect response's ATR bit when the host has a secret
 *     configured (and starts that queue's exchange);</li>
 * <li>{@link #allows} (as {@link Controller#authenticated}, which the transport-neutral dispatcher asks): false for a command other than a fabrics one on a queue that has not
 *     authenticated (answer {@link Dhchap#AUTHENTICATION_REQUIRED}, as Linux's {@code nvmet_check_auth_status});</li>
 * <li>{@link #execute} for Authentication Send/Receive (FCTYPE 0x05/0x06), on the admin and I/O queues.</li>
 * </ul>
 * A failed exchange answers AUTH_Failure1, logs one rate-limited line saying why (never a secret), and then tears
 * the controller down with all its queues (Linux: {@code nvmet_ctrl_fatal_error}).
 */
public final class DhchapTarget {
    private static final Logger LOG = Logger.getLogger(DhchapTarget.class.getName());
    private static final int SECP_OFFSET = 43;
    private static final int SPSP0_OFFSET = 41;
    private static final int SPSP1_OFFSET = 42;
    private static final int LENGTH_OFFSET = 44;
    /** The largest message: a Reply with SHA-512 and an ffdhe8192 value (16 + 128 + 1024), with room to spare. */
    private static final int MAX_MESSAGE = 8192;

    private DhchapTarget() {
    }

    /**
     * Called when a Connect succeeded on queue {@code qid} of {@code controller}. Returns {@link Dhchap#CONNECT_ATR}
     * to OR into the response's DW0 when the host must authenticate, else 0. {@code rejects} and {@code peer} are for
     * the line that says why, should the host leave without authenticating.
     */
    public static int onConnect(Controller controller, Subsystem subsystem, String hostNqn, int qid, RejectLog rejects,
                                String peer) {
        ControllerAuth auth;
        if (qid == 0) {
            DhchapHostConfig config = subsystem.isDiscovery() ? null : subsystem.hostAuth(hostNqn);
            if (config == null) {
                return 0;
            }
            auth = new ControllerAuth(config, hostNqn, subsystem.nqn(), lines(rejects), peer);
            controller.auth(auth);
        } else {
            auth = controller.auth();
            if (auth == null) {
                return 0;
            }
        }
        auth.newQueue(qid);
        return Dhchap.CONNECT_ATR;
    }

    /** Whether a command other than a fabrics command may run on queue {@code qid} of {@code controller}. */
    public static boolean allows(Controller controller, int qid) {
        return controller.authenticated(qid);
    }

    /** Whether {@code fctype} is one of the two authentication commands. */
    public static boolean isAuthentication(int fctype) {
        return fctype == FabricsCommand.AUTHENTICATION_SEND || fctype == FabricsCommand.AUTHENTICATION_RECEIVE;
    }

    /** Runs Authentication Send or Receive on a connected queue. */
    public static void execute(Request r, int fctype, RejectLog rejects) {
        ByteBuf sqe = r.sqe;
        if (sqe.getUnsignedByte(SECP_OFFSET) != Dhchap.SECP || sqe.getUnsignedByte(SPSP0_OFFSET) != Dhchap.SPSP0
                || sqe.getUnsignedByte(SPSP1_OFFSET) != Dhchap.SPSP1) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        long length = sqe.getUnsignedIntLE(LENGTH_OFFSET);
        if (length == 0 || length > MAX_MESSAGE) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        if (!r.checkTransferLength(length)) {
            return;
        }
        Controller controller = r.queue.controller();
        int qid = r.queue.qid();
        ControllerAuth auth = controller.auth();
        if (auth == null) {
            // No secret for this host: the exchange can only end in AUTH_Failure1 (Linux answers so too).
            auth = new ControllerAuth(null, controller.hostNqn(), controller.subsystem().nqn(), lines(rejects),
                    r.queue.peer());
            controller.auth(auth);
        }
        QueueAuth queue = auth.queue(qid);
        if (queue == null) {
            queue = auth.newQueue(qid);
        }
        if (fctype == FabricsCommand.AUTHENTICATION_SEND) {
            byte[] message = new byte[(int) length];
            r.data.getBytes(r.data.readerIndex(), message);
            queue.send(message);
            finish(r, queue, controller, rejects, Status.SUCCESS);
            java.util.Arrays.fill(message, (byte) 0);
            return;
        }
        byte[] out = queue.receive((int) length);
        if (out == null) {
            finish(r, queue, controller, rejects, Status.INVALID_FIELD | Status.DNR);
            return;
        }
        ByteBuf buf = r.allocateZeroedReadData((int) length);
        buf.setBytes(buf.readerIndex(), out);
        finish(r, queue, controller, rejects, Status.SUCCESS);
    }

    /** Where the auth state writes its rejection lines: the target's reject log, if there is one. */
    private static BiConsumer<String, String> lines(RejectLog rejects) {
        return rejects == null ? null : rejects::reject;
    }

    private static void finish(Request r, QueueAuth queue, Controller controller, RejectLog rejects, int status) {
        String note = queue.takeNote();
        String peer = r.queue.peer();
        int qid = queue.qid();
        if (note != null) {
            rejects.reject(peer, "DH-HMAC-CHAP of host '" + controller.hostNqn() + "' to " + controller.subsystem().nqn()
                    + " (controller " + controller.cntlid() + ", queue " + qid + ") failed: " + note);
        } else if (queue.step() == QueueAuth.Step.DONE && queue.authenticated()) {
            LOG.fine(() -> "DH-HMAC-CHAP: host '" + controller.hostNqn() + "' authenticated on controller "
                    + controller.cntlid() + " queue " + qid + " from " + peer);
        }
        boolean fatal = queue.fatal();
        r.complete(status);
        if (fatal) {
            // After the response went out (the reactor drains its messages after this turn's flush).
            r.queue.reactor().execute(() -> controller.shutdown("DH-HMAC-CHAP authentication failed"));
        }
    }
}
