package io.locus.target.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DH-HMAC-CHAP state of one controller whose host has a secret configured: its settings, the NQNs the responses
 * bind, and one {@link QueueAuth} per queue (each queue, admin and I/O, runs the exchange, as on Linux). Hung on the
 * controller at the admin Connect and gone with it.
 */
public final class ControllerAuth {
    private final DhchapHostConfig config;
    private final String hostNqn;
    private final String subsystemNqn;
    private final Map<Integer, QueueAuth> queues = new ConcurrentHashMap<>();

    ControllerAuth(DhchapHostConfig config, String hostNqn, String subsystemNqn) {
        this.config = config;
        this.hostNqn = hostNqn;
        this.subsystemNqn = subsystemNqn;
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
    QueueAuth newQueue(int qid) {
        QueueAuth q = new QueueAuth(this, qid);
        queues.put(qid, q);
        return q;
    }

    QueueAuth queue(int qid) {
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
