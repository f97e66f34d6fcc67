package io.locus.initiator;

/** Lifecycle of a host-side controller, as {@link ControllerListener#onStateChange} reports it. */
public enum ControllerState {
    /** Bringing up the admin queue and I/O queues for the first time. */
    CONNECTING,
    /** All queues connected; commands flow. */
    LIVE,
    /** The connection was lost (or a protocol error or time-out reset it); commands wait, retries are pending. */
    RESETTING,
    /** Between reconnect attempts, or attempting one. */
    RECONNECTING,
    /** Gave up (ctrl-loss-tmo passed, or a Connect failed with DNR): every waiting command failed. Final. */
    FAILED,
    /** Closed by the owner. Final. */
    CLOSED;

    public boolean isFinal() {
        return this == FAILED || this == CLOSED;
    }
}
