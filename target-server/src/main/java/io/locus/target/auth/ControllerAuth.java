package io.locus.target.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The DH-HMAC-CHAP state of one controller whose host has a secret configured: its settings, the NQNs the responses
 * bind, and one {@link QueueAuth} per queue (each queue, admin and I/O, runs the exchange, as on Linux). Hung on the
 * controller at the admin Connect and gone with it. Driven by {@code command.DhchapTarget} (the Authentication
 * Send/Receive commands); this package knows nothing of the target's model, so the model can hold this state.
 */
public final class ControllerAuth {
    private final DhchapHostConfig config;
    private final String hostNqn;
    private final String subsystemNqn;
    private final Map<Integer, QueueAuth> queues = new ConcurrentHashMap<>();
    /** Writes one rejection line: (peer address, line); null for none. */
    private final BiConsumer<String, String> rejects;
    private final String peer;

    /**
     * @param config  the host's settings; null when it has none (an exchange it starts fails)
     * @param rejects writes a rejection line (peer, line), as the target's reject log does; null for none
     */
    public ControllerAuth(DhchapHostConfig config, String hostNqn, String subsystemNqn, BiConsumer<String, String> rejects,
                          String peer) {
        this.config = config;
        this.hostNqn = hostNqn;
        this.subsystemNqn = subsystemNqn;
        this.rejects = rejects;
        this.peer = peer;
    }

    /**
     * Called once by the controller's teardown. When the host had to authenticate and the admin queue never did, and
     * no failure was logged (the host closed after Connect, or the keep-alive expired mid-exchange), writes the one
     * line that says why: a Linux host without {@code --dhchap-secret} connects, sees ATR and leaves without a word.
     */
    public void controllerClosed(int cntlid, String reason) {
        if (!required() || rejects == null) {
            return;
        }
        QueueAuth admin = queues.get(0);
        if (admin == null || admin.authenticated() || admin.failed()) {
            return;
        }
        String what = admin.step() == QueueAuth.Step.NEGOTIATE
                ? "the host never started DH-HMAC-CHAP, which its configured dhchap_key requires (no --dhchap-secret on the host?)"
                : "DH-HMAC-CHAP was still under way (waiting for " + admin.step() + ")";
        rejects.accept(peer, "host '" + hostNqn + "' left " + subsystemNqn + " (controller " + cntlid
                + ") without authenticating: " + what + "; controller torn down: " + reason);
    }

    /** Whether the host has a secret configured, so its queues must authenticate. */
    boolean required() {
        return config != null;
    }

    /** The host's settings; null when it has none (an exchange it starts fails). */
    DhchapHostConfig config() {
        return config;
    }

    String hostNqn() {
        return hostNqn;
    }

    String subsystemNqn() {
        return subsystemNqn;
    }

    /** A fresh, unauthenticated state for a queue that just connected (replacing one of an earlier connection). */
    public QueueAuth newQueue(int qid) {
        QueueAuth q = new QueueAuth(this, qid);
        queues.put(qid, q);
        return q;
    }

    public QueueAuth queue(int qid) {
        return queues.get(qid);
    }

    /** Whether queue {@code qid} completed the exchange. */
    public boolean authenticated(int qid) {
        QueueAuth q = queues.get(qid);
        return q != null && q.authenticated();
    }

    /** Whether commands other than fabrics ones may run on queue {@code qid}: no secret required, or it authenticated. */
    public boolean allows(int qid) {
        return !required() || authenticated(qid);
    }

    @Override
    public String toString() {
        return "ControllerAuth[" + hostNqn + " -> " + subsystemNqn + ", " + config + "]";
    }
}
