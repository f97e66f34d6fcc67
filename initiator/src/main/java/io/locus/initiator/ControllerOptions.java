package io.locus.initiator;

import io.locus.initiator.auth.DhchapOptions;
import io.locus.runtime.IdleMode;
import io.locus.runtime.ReactorGroup;

import java.util.ArrayList;
import java.util.List;

/**
 * How to connect to and run a controller. Fluent setters, then {@link #conclude()} validates (the controller calls
 * it). Defaults follow the Linux host: queue size 128, keep-alive 5 s, reconnect every 10 s, give up after 600 s.
 */
public final class ControllerOptions {
    public static final int DEFAULT_QUEUE_SIZE = 128;
    public static final int ADMIN_QUEUE_SIZE = 32;
    public static final int DEFAULT_KATO_MS = 5_000;
    public static final long DEFAULT_RECONNECT_DELAY_MS = 10_000;
    public static final long DEFAULT_CTRL_LOSS_TMO_MS = 600_000;

    private int ioQueues = 1;
    private int queueSize = DEFAULT_QUEUE_SIZE;
    private int keepAliveTimeoutMs = -1;
    private boolean headerDigest;
    private boolean dataDigest;
    private long reconnectDelayMs = DEFAULT_RECONNECT_DELAY_MS;
    private long ctrlLossTimeoutMs = DEFAULT_CTRL_LOSS_TMO_MS;
    private long connectTimeoutMs = 10_000;
    private long ioTimeoutMs = 30_000;
    private long adminTimeoutMs = 60_000;
    private int maxRetries = 5;
    private boolean provenance = true;
    private boolean disableSqFlowControl;
    private int asyncEventRequests = 1;
    private ReactorGroup reactors;
    private IdleMode idleMode = IdleMode.ADAPTIVE;
    private final List<ControllerListener> listeners = new ArrayList<>();
    private DhchapOptions dhchap = DhchapOptions.NONE;

    public static ControllerOptions defaults() {
        return new ControllerOptions();
    }

    /** Number of I/O queues to ask for (Set Features Number of Queues); the controller may grant fewer. */
    public ControllerOptions ioQueues(int n) {
        this.ioQueues = n;
        return this;
    }

    /** Entries per I/O queue (SQSIZE + 1); at most queueSize - 1 commands are outstanding per queue. */
    public ControllerOptions queueSize(int n) {
        this.queueSize = n;
        return this;
    }

    /** Keep-alive timeout sent in Connect, in ms; 0 disables keep-alive. Default 5 s (discovery: 0). */
    public ControllerOptions keepAliveTimeoutMs(int ms) {
        this.keepAliveTimeoutMs = ms;
        return this;
    }

    public ControllerOptions headerDigest(boolean on) {
        this.headerDigest = on;
        return this;
    }

    public ControllerOptions dataDigest(boolean on) {
        this.dataDigest = on;
        return this;
    }

    /** Time between reconnect attempts after a connection loss ({@code reconnect_delay}, default 10 s). */
    public ControllerOptions reconnectDelayMs(long ms) {
        this.reconnectDelayMs = ms;
        return this;
    }

    /** How long to keep trying to reconnect before failing everything ({@code ctrl_loss_tmo}, default 600 s; -1 forever, 0 never reconnect). */
    public ControllerOptions ctrlLossTimeoutMs(long ms) {
        this.ctrlLossTimeoutMs = ms;
        return this;
    }

    /** Limit on TCP connect plus ICResp, and on each bring-up command. */
    public ControllerOptions connectTimeoutMs(long ms) {
        this.connectTimeoutMs = ms;
        return this;
    }

    /** An I/O command outstanding longer than this resets the controller (Linux io_timeout, default 30 s). */
    public ControllerOptions ioTimeoutMs(long ms) {
        this.ioTimeoutMs = ms;
        return this;
    }

    public ControllerOptions adminTimeoutMs(long ms) {
        this.adminTimeoutMs = ms;
        return this;
    }

    /** How often a command that failed without DNR (or was in flight at a connection loss) is retried. */
    public ControllerOptions maxRetries(int n) {
        this.maxRetries = n;
        return this;
    }

    /** Enable the Locus provenance extension when the controller advertises it (default true). */
    public ControllerOptions provenance(boolean on) {
        this.provenance = on;
        return this;
    }

    /** Ask for SQ flow control to be disabled on I/O queues (Connect CATTR b2), which allows C2HData SUCCESS. */
    public ControllerOptions disableSqFlowControl(boolean on) {
        this.disableSqFlowControl = on;
        return this;
    }

    /** Asynchronous Event Requests to keep outstanding (capped at the controller's AERL + 1). */
    public ControllerOptions asyncEventRequests(int n) {
        this.asyncEventRequests = n;
        return this;
    }

    /** Reactors to run the queues on; null (default) makes the controller start and own its own. */
    public ControllerOptions reactors(ReactorGroup group) {
        this.reactors = group;
        return this;
    }

    /** Idle mode of reactors the controller starts itself. */
    public ControllerOptions idleMode(IdleMode mode) {
        this.idleMode = mode;
        return this;
    }

    /** A listener registered before the first connect, so it sees every state change. */
    /** DH-HMAC-CHAP secrets (and the hashes and DH groups to offer); default none. */
    public ControllerOptions dhchap(DhchapOptions options) {
        this.dhchap = options == null ? DhchapOptions.NONE : options;
        return this;
    }

    public DhchapOptions dhchap() {
        return dhchap;
    }

    public ControllerOptions listener(ControllerListener listener) {
        this.listeners.add(listener);
        return this;
    }

    public int ioQueues() {
        return ioQueues;
    }

    public int queueSize() {
        return queueSize;
    }

    /** The keep-alive timeout to send for this kind of controller. */
    public int keepAliveTimeoutMs(boolean discovery) {
        if (keepAliveTimeoutMs >= 0) {
            return keepAliveTimeoutMs;
        }
        return discovery ? 0 : DEFAULT_KATO_MS;
    }

    public boolean headerDigest() {
        return headerDigest;
    }

    public boolean dataDigest() {
        return dataDigest;
    }

    public long reconnectDelayMs() {
        return reconnectDelayMs;
    }

    public long ctrlLossTimeoutMs() {
        return ctrlLossTimeoutMs;
    }

    public long connectTimeoutMs() {
        return connectTimeoutMs;
    }

    public long ioTimeoutMs() {
        return ioTimeoutMs;
    }

    public long adminTimeoutMs() {
        return adminTimeoutMs;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public boolean provenance() {
        return provenance;
    }

    public boolean disableSqFlowControl() {
        return disableSqFlowControl;
    }

    public int asyncEventRequests() {
        return asyncEventRequests;
    }

    public ReactorGroup reactors() {
        return reactors;
    }

    public IdleMode idleMode() {
        return idleMode;
    }

    public List<ControllerListener> listeners() {
        return List.copyOf(listeners);
    }

    public ControllerOptions conclude() {
        if (ioQueues < 1 || ioQueues > 65534) {
            throw new IllegalArgumentException("number of I/O queues must be 1..65534, not " + ioQueues);
        }
        if (queueSize < 2 || queueSize > 65536) {
            throw new IllegalArgumentException("queue size must be 2..65536, not " + queueSize);
        }
        if (keepAliveTimeoutMs < -1) {
            throw new IllegalArgumentException("keep-alive timeout must not be negative");
        }
        if (reconnectDelayMs <= 0) {
            throw new IllegalArgumentException("reconnect delay must be positive");
        }
        if (ctrlLossTimeoutMs < -1) {
            throw new IllegalArgumentException("ctrl-loss-tmo must be -1 (forever), 0 or positive");
        }
        if (connectTimeoutMs <= 0 || ioTimeoutMs <= 0 || adminTimeoutMs <= 0) {
            throw new IllegalArgumentException("time-outs must be positive");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max retries must not be negative");
        }
        if (asyncEventRequests < 0) {
            throw new IllegalArgumentException("async event requests must not be negative");
        }
        return this;
    }
}
