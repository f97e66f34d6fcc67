package io.locus.initiator.auth;

import io.locus.initiator.NvmeException;
import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.auth.DhchapFormatException;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapMessage;
import io.locus.protocol.nvme.Status;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The host's side of DH-HMAC-CHAP on one queue (after Linux's {@code drivers/nvme/host/auth.c}): Negotiate, read the
 * Challenge, Reply (with C2 when the controller must prove itself), read Success1 (checking R2), Success2 — or a
 * failure, reported as one {@link NvmeException} line that never holds a secret. Runs on the caller's thread.
 */
public final class DhchapHost {
    /** Room for any challenge or success message (Linux CHAP_BUF_SIZE). */
    static final int RECEIVE_LENGTH = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private DhchapHost() {
    }

    /**
     * After a successful Connect on queue {@code qid}: authenticates when the controller asks (ATR in {@code connectDw0})
     * or, on an I/O subsystem, when the host wants the controller to prove itself (a controller secret is set).
     */
    public static void afterConnect(int connectDw0, boolean discovery, DhchapOptions options, AuthChannel channel, int qid,
                                    String hostNqn, String subsystemNqn, String endpoint) {
        boolean required = (connectDw0 & (Dhchap.CONNECT_ATR | Dhchap.CONNECT_ASCR)) != 0;
        if ((connectDw0 & Dhchap.CONNECT_ASCR) != 0) {
            throw new NvmeException(endpoint + " requires secure channel concatenation (DH-HMAC-CHAP with TLS), which this host does not do",
                    Dhchap.AUTHENTICATION_REQUIRED | Status.DNR);
        }
        if (!required && (discovery || !options.bidirectional())) {
            return;
        }
        if (!options.hasSecret()) {
            throw new NvmeException("the target at " + endpoint + " requires DH-HMAC-CHAP authentication for host '" + hostNqn
                    + "' (give its secret with --dhchap-secret)", Dhchap.AUTHENTICATION_REQUIRED | Status.DNR);
        }
        authenticate(options, channel, qid, hostNqn, subsystemNqn, endpoint);
    }

    /** Runs the whole exchange on one queue (also to re-authenticate a live queue). */
    public static void authenticate(DhchapOptions options, AuthChannel channel, int qid, String hostNqn, String subsystemNqn,
                                    String endpoint) {
        String where = "DH-HMAC-CHAP with " + endpoint + " (queue " + qid + ") failed: ";
        int tid = RANDOM.nextInt(0x10000);
        send(channel, new DhchapMessage.Negotiate(tid, 0, options.hashes().stream().map(DhchapHash::id).toList(),
                options.dhGroups().stream().map(DhGroup::id).toList()).encode(), where);

        DhchapMessage m = receive(channel, where);
        if (!(m instanceof DhchapMessage.Challenge c)) {
            throw unexpected(m, "a challenge", where);
        }
        DhchapHash hash = DhchapHash.byId(c.hashId());
        DhGroup group = DhGroup.byId(c.dhGroupId());
        if (c.transactionId() != tid || hash == null || !options.hashes().contains(hash) || group == null
                || !options.dhGroups().contains(group) || c.challenge().length != hash.length()
                || c.dhValue().length != group.valueLength()) {
            failure2(channel, tid, Dhchap.INCORRECT_PAYLOAD);
            throw fail(where + "the controller's challenge does not fit what the host offered (" + c + ")");
        }
        byte[] sessionKey = null;
        byte[] publicValue = new byte[0];
        byte[] c1 = c.challenge();
        if (!group.isNull()) {
            KeyPair pair = group.generateKeyPair();
            publicValue = group.publicValue(pair);
            try {
                sessionKey = group.sharedSecret(pair, c.dhValue());
            } catch (GeneralSecurityException e) {
                failure2(channel, tid, Dhchap.DHGROUP_UNUSABLE);
                throw fail(where + "the controller's " + group.label() + " value is not valid: " + e.getMessage());
            }
            c1 = Dhchap.augmentedChallenge(hash, sessionKey, c1);
        }
        byte[] key = options.secret().transform(hostNqn);
        byte[] r1 = Dhchap.hostResponse(hash, key, c1, c.seqnum(), tid, hostNqn, subsystemNqn);
        Arrays.fill(key, (byte) 0);
        boolean bidirectional = options.bidirectional();
        byte[] c2 = new byte[hash.length()];
        int s2 = 0;
        if (bidirectional) {
            RANDOM.nextBytes(c2);
            do {
                s2 = RANDOM.nextInt();
            } while (s2 == 0);
        }
        send(channel, new DhchapMessage.Reply(tid, bidirectional, s2, r1, c2, publicValue).encode(), where);

        m = receive(channel, where);
        if (m instanceof DhchapMessage.Failure f) {
            wipe(sessionKey);
            throw fail(where + (f.explanation() == Dhchap.FAILED
                    ? "the target rejected the host's response (wrong --dhchap-secret for host '" + hostNqn + "'?)"
                    : "the target answered " + Dhchap.describeFailure(f.explanation())));
        }
        if (!(m instanceof DhchapMessage.Success1 s1) || s1.transactionId() != tid) {
            wipe(sessionKey);
            throw unexpected(m, "success", where);
        }
        if (bidirectional) {
            byte[] cb = group.isNull() ? c2 : Dhchap.augmentedChallenge(hash, sessionKey, c2);
            byte[] ctrlKey = options.ctrlSecret().transform(subsystemNqn);
            byte[] expected = Dhchap.controllerResponse(hash, ctrlKey, cb, s2, tid, hostNqn, subsystemNqn);
            Arrays.fill(ctrlKey, (byte) 0);
            wipe(sessionKey);
            if (!s1.responseValid() || s1.hashLength() != hash.length() || !MessageDigest.isEqual(expected, s1.response())) {
                failure2(channel, tid, Dhchap.FAILED);
                throw fail(where + "the controller did not prove it knows the controller secret (wrong --dhchap-ctrl-secret, "
                        + "or not the controller it claims to be)");
            }
            send(channel, new DhchapMessage.Success2(tid).encode(), where);
        }
        wipe(sessionKey);
    }

    private static void send(AuthChannel channel, byte[] message, String where) {
        int status = channel.send(message);
        if (status != Status.SUCCESS) {
            throw fail(where + "Authentication Send: " + Status.describe(status));
        }
    }

    private static DhchapMessage receive(AuthChannel channel, String where) {
        byte[] data = channel.receive(RECEIVE_LENGTH);
        if (data == null) {
            throw fail(where + "Authentication Receive: " + Status.describe(channel.lastStatus()));
        }
        try {
            return DhchapMessage.decode(data);
        } catch (DhchapFormatException e) {
            throw fail(where + "unreadable message from the controller: " + e.getMessage());
        }
    }

    /** Tells the controller the host rejects it (best effort: the exchange has failed anyway). */
    private static void failure2(AuthChannel channel, int tid, int explanation) {
        try {
            channel.send(new DhchapMessage.Failure(tid, false, Dhchap.REASON_FAILED, explanation).encode());
        } catch (RuntimeException ignored) {
            // the connection may be gone already
        }
    }

    private static NvmeException unexpected(DhchapMessage m, String wanted, String where) {
        if (m instanceof DhchapMessage.Failure f) {
            return fail(where + "the target answered " + Dhchap.describeFailure(f.explanation()));
        }
        return fail(where + "expected " + wanted + ", got " + m.getClass().getSimpleName());
    }

    private static NvmeException fail(String message) {
        return new NvmeException(message, Dhchap.AUTHENTICATION_REQUIRED | Status.DNR);
    }

    private static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
