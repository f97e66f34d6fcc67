package io.locus.target.backend;

/**
 * One reactor's way into a backend (SPDK's {@code spdk_io_channel}): opened once per poll group by
 * {@link Backend#openChannel}, then used only on that reactor, so whatever the backend keeps per reactor (an
 * io_uring ring, a fixed-file slot) is found once, not looked up per I/O.
 */
public interface BackendChannel {
    /** Submits on this channel's reactor; the completion comes back to the channel's poll group. */
    void submit(BackendIo io);
}
