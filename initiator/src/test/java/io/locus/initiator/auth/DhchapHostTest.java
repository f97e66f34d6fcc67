package io.locus.initiator.auth;

import io.locus.initiator.HostStatus;
import io.locus.initiator.NvmeException;
import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapMessage;
import io.locus.protocol.auth.DhchapSecret;
import io.locus.protocol.nvme.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host's side of DH-HMAC-CHAP against a scripted controller. */
class DhchapHostTest {
    static final String HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-0000-4000-8000-00000000000a";
    static final String SUBNQN = "nqn.2026-11.io.locus:host-auth";
    static final DhchapOptions OPTIONS = new DhchapOptions(DhchapSecret.generate(1, 32), null, null, null);

    /** Answers each Authentication Receive with the next scripted reply (given the T_ID the host negotiated). */
    static final class ScriptedChannel implements AuthChannel {
        final Deque<IntFunction<byte[]>> replies = new ArrayDeque<>();
        final List<DhchapMessage> sent = new java.util.ArrayList<>();
        int tid = -1;
        int lastStatus;

        @Override
        public int send(byte[] message) {
            try {
                DhchapMessage m = DhchapMessage.decode(message);
                sent.add(m);
                if (m instanceof DhchapMessage.Negotiate n) {
                    tid = n.transactionId();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return Status.SUCCESS;
        }

        @Override
        public byte[] receive(int allocationLength) {
            byte[] b = replies.removeFirst().apply(tid);
            if (b == null) {
                lastStatus = HostStatus.HOST_PATH_ERROR | Status.DNR;
            }
            return b;
        }

        @Override
        public int lastStatus() {
            return lastStatus;
        }
    }

    static byte[] challenge(int tid) {
        return java.util.Arrays.copyOf(new DhchapMessage.Challenge(tid, DhchapHash.SHA256.id(), DhGroup.NULL.id(), 42,
                new byte[32], new byte[0]).encode(), 4096);
    }

    /**
     * Linux's nvmet ends the controller as it hands out AUTH_Failure1 for a wrong response (nvmet_ctrl_fatal_error
     * before the Receive completes), so the host may see the connection close instead: that is the wrong secret too,
     * and the one line says so rather than "SCT 3 SC 0x70".
     */
    @Test
    void aConnectionClosedInsteadOfTheVerdictReadsAsAWrongSecret() {
        ScriptedChannel ch = new ScriptedChannel();
        ch.replies.add(DhchapHostTest::challenge);
        ch.replies.add(tid -> null);
        NvmeException e = assertThrows(NvmeException.class,
                () -> DhchapHost.authenticate(OPTIONS, ch, 0, HOSTNQN, SUBNQN, "10.0.0.2:4420"));
        assertTrue(e.getMessage().contains("closed the connection instead of answering the host's response"), e.getMessage());
        assertTrue(e.getMessage().contains("wrong --dhchap-secret for host '" + HOSTNQN + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("SCT 3"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertInstanceOf(DhchapMessage.Reply.class, ch.sent.get(1));
    }

    @Test
    void aConnectionClosedInsteadOfTheChallengeSaysTheTargetRefusedTheNegotiation() {
        ScriptedChannel ch = new ScriptedChannel();
        ch.replies.add(tid -> null);
        NvmeException e = assertThrows(NvmeException.class,
                () -> DhchapHost.authenticate(OPTIONS, ch, 0, HOSTNQN, SUBNQN, "10.0.0.2:4420"));
        assertTrue(e.getMessage().contains("instead of sending its challenge"), e.getMessage());
    }

    @Test
    void aFailure1StillSaysWrongSecret() {
        ScriptedChannel ch = new ScriptedChannel();
        ch.replies.add(DhchapHostTest::challenge);
        ch.replies.add(tid -> new DhchapMessage.Failure(tid, true, 1, 1).encode());
        NvmeException e = assertThrows(NvmeException.class,
                () -> DhchapHost.authenticate(OPTIONS, ch, 0, HOSTNQN, SUBNQN, "10.0.0.2:4420"));
        assertTrue(e.getMessage().contains("the target rejected the host's response"), e.getMessage());
    }
}
