package io.locus.target.auth;

import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.auth.DhchapFormatException;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapMessage;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The controller's side of DH-HMAC-CHAP on one queue, after Linux's {@code fabrics-cmd-auth.c}: a step that says
 * which message comes next, advanced by each Authentication Send ({@link #send}) and Receive ({@link #receive}).
 * <pre>
 * NEGOTIATE --send Negotiate--> CHALLENGE --receive--> REPLY --send Reply--> SUCCESS1 --receive--> DONE
 *                                                                                     (C2 sent: SUCCESS2 --send Success2--> DONE)
 * any error --> FAILURE1 --receive Failure1--> the controller is torn down
 * </pre>
 * A Negotiate restarts the exchange from any step (re-authentication keeps the queue usable while it runs). Runs on
 * the queue's reactor only; {@link #authenticated()} is read by the command gate on the same thread.
 */
public final class QueueAuth {
    public enum Step { NEGOTIATE, CHALLENGE, REPLY, SUCCESS1, SUCCESS2, FAILURE1, DONE }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ControllerAuth controller;
    private final int qid;
    private Step step = Step.NEGOTIATE;
    private volatile boolean authenticated;
    /** Set when the exchange ended in a failure the controller does not survive. */
    private boolean fatal;
    /** A log line (no secrets) waiting to be written by the caller, or null. */
    private String note;

    private int tid;
    private DhchapHash hash;
    private DhGroup group;
    private KeyPair keyPair;
    private byte[] c1;
    private int s1;
    private byte[] c2;
    private int s2;
    private byte[] sessionKey;
    private int explanation;

    QueueAuth(ControllerAuth controller, int qid) {
        this.controller = controller;
        this.qid = qid;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public Step step() {
        return step;
    }

    /** Whether the exchange ended in a failure (whose line was or will be logged by {@link DhchapTarget}). */
    public boolean failed() {
        return fatal || step == Step.FAILURE1;
    }

    /** Whether the controller must be torn down once the current command completed. */
    public boolean fatal() {
        return fatal;
    }

    /** The pending log line, once. */
    public String takeNote() {
        String n = note;
        note = null;
        return n;
    }

    /** An Authentication Send carrying {@code message}. */
    public void send(byte[] message) {
        DhchapMessage m;
        try {
            m = DhchapMessage.decode(message);
        } catch (DhchapFormatException e) {
            fail(e.explanation(), "unreadable message: " + e.getMessage());
            return;
        }
        if (m instanceof DhchapMessage.Negotiate n) {
            negotiate(n);
            return;
        }
        if (step == Step.FAILURE1) {
            return; // the failure is waiting to be fetched
        }
        if (m.transactionId() != tid) {
            fail(Dhchap.INCORRECT_PAYLOAD, "transaction " + m.transactionId() + " where " + tid + " was under way");
            return;
        }
        switch (m) {
            case DhchapMessage.Reply r when step == Step.REPLY -> reply(r);
            case DhchapMessage.Success2 s when step == Step.SUCCESS2 -> {
                authenticated = true;
                done();
            }
            case DhchapMessage.Failure f when !f.fromController() -> {
                authenticated = false;
                fatal = true;
                note = "the host rejected the controller's response: " + Dhchap.describeFailure(f.explanation())
                        + " (is the host's --dhchap-ctrl-secret the controller's dhchap_ctrl_key?)";
                done();
            }
            default -> fail(Dhchap.INCORRECT_MESSAGE, "unexpected " + m.getClass().getSimpleName() + " at step " + step);
        }
    }

    /** An Authentication Receive with room for {@code al} bytes: the message to return, or null when it does not fit. */
    public byte[] receive(int al) {
        byte[] out;
        switch (step) {
            case CHALLENGE -> {
                out = challenge();
                step = Step.REPLY;
            }
            case SUCCESS1 -> {
                out = success1();
                if (c2 == null) {
                    done();
                } else {
                    step = Step.SUCCESS2;
                }
            }
            case FAILURE1 -> {
                out = failure1();
                fatal = true;
            }
            default -> {
                fail(Dhchap.INCORRECT_MESSAGE, "Authentication Receive at step " + step);
                out = failure1();
                fatal = true;
            }
        }
        if (out.length > al) {
            fail(Dhchap.INCORRECT_PAYLOAD, "Authentication Receive of " + al + " bytes cannot hold the " + out.length + "-byte message");
            fatal = true;
            return null;
        }
        return out;
    }

    private void negotiate(DhchapMessage.Negotiate n) {
        clear();
        tid = n.transactionId();
        step = Step.NEGOTIATE;
        if (n.secureChannel() != 0) {
            fail(Dhchap.CONCAT_MISMATCH, "secure channel concatenation asked for; not supported");
            return;
        }
        DhchapHostConfig config = controller.config();
        if (config == null) {
            fail(Dhchap.NOT_USABLE, "the host started DH-HMAC-CHAP, but no dhchap_key is configured for it");
            return;
        }
        hash = null;
        for (DhchapHash h : config.hashes()) {
            if (n.hashIds().contains(h.id())) {
                hash = h;
                break;
            }
        }
        if (hash == null) {
            fail(Dhchap.HASH_UNUSABLE, "no hash in common: the host offers " + ids(n.hashIds()) + ", the controller accepts "
                    + config.hashes().stream().map(DhchapHash::id).toList());
            return;
        }
        group = null;
        for (DhGroup g : config.dhGroups()) {
            if (n.dhGroupIds().contains(g.id())) {
                group = g;
                break;
            }
        }
        if (group == null) {
            fail(Dhchap.DHGROUP_UNUSABLE, "no DH group in common: the host offers " + ids(n.dhGroupIds())
                    + ", the controller accepts " + config.dhGroups().stream().map(DhGroup::id).toList());
            return;
        }
        step = Step.CHALLENGE;
    }

    private byte[] challenge() {
        s1 = nonZeroSeqnum();
        c1 = new byte[hash.length()];
        RANDOM.nextBytes(c1);
        byte[] dhValue = new byte[0];
        if (!group.isNull()) {
            keyPair = group.generateKeyPair();
            dhValue = group.publicValue(keyPair);
        }
        return new DhchapMessage.Challenge(tid, hash.id(), group.id(), s1, c1, dhValue).encode();
    }

    private void reply(DhchapMessage.Reply r) {
        if (r.response().length != hash.length()) {
            fail(Dhchap.INCORRECT_PAYLOAD, "response of " + r.response().length + " bytes for " + hash.label());
            return;
        }
        byte[] challenge = c1;
        if (group.isNull()) {
            if (r.dhValue().length != 0) {
                fail(Dhchap.INCORRECT_PAYLOAD, "a DH value with the null group");
                return;
            }
        } else {
            try {
                sessionKey = group.sharedSecret(keyPair, r.dhValue());
            } catch (GeneralSecurityException e) {
                fail(Dhchap.DHGROUP_UNUSABLE, "bad " + group.label() + " value from the host: " + e.getMessage());
                return;
            }
            challenge = Dhchap.augmentedChallenge(hash, sessionKey, c1);
        }
        byte[] key = controller.config().hostKey().transform(controller.hostNqn());
        byte[] expected = Dhchap.hostResponse(hash, key, challenge, s1, tid, controller.hostNqn(), controller.subsystemNqn());
        Arrays.fill(key, (byte) 0);
        if (!MessageDigest.isEqual(expected, r.response())) {
            fail(Dhchap.FAILED, "the host's response does not match its configured dhchap_key (wrong secret)");
            return;
        }
        if (r.challengeValid() && r.seqnum() != 0) {
            if (controller.config().ctrlKey() == null) {
                fail(Dhchap.FAILED, "the host asked the controller to authenticate itself, but no dhchap_ctrl_key is configured for it");
                return;
            }
            c2 = r.challenge();
            s2 = r.seqnum();
        } else {
            c2 = null;
            authenticated = true;
        }
        step = Step.SUCCESS1;
    }

    private byte[] success1() {
        if (c2 == null) {
            return new DhchapMessage.Success1(tid, hash.length(), false, null).encode();
        }
        byte[] challenge = group.isNull() ? c2 : Dhchap.augmentedChallenge(hash, sessionKey, c2);
        byte[] key = controller.config().ctrlKey().transform(controller.subsystemNqn());
        byte[] r2 = Dhchap.controllerResponse(hash, key, challenge, s2, tid, controller.hostNqn(), controller.subsystemNqn());
        Arrays.fill(key, (byte) 0);
        return new DhchapMessage.Success1(tid, hash.length(), true, r2).encode();
    }

    private byte[] failure1() {
        return new DhchapMessage.Failure(tid, true, Dhchap.REASON_FAILED, explanation == 0 ? Dhchap.FAILED : explanation).encode();
    }

    private void fail(int why, String line) {
        authenticated = false;
        explanation = why;
        step = Step.FAILURE1;
        note = line + " [" + Dhchap.describeFailure(why) + "]";
        clear();
    }

    private void done() {
        step = Step.DONE;
        clear();
    }

    /** Drops the ephemeral values of an exchange (the DH private key, the session key, the challenges). */
    private void clear() {
        keyPair = null;
        if (sessionKey != null) {
            Arrays.fill(sessionKey, (byte) 0);
            sessionKey = null;
        }
        c1 = null;
        c2 = null;
    }

    public int qid() {
        return qid;
    }

    private static int nonZeroSeqnum() {
        int s;
        do {
            s = RANDOM.nextInt();
        } while (s == 0);
        return s;
    }

    private static String ids(java.util.List<Integer> ids) {
        return ids.toString();
    }
}
