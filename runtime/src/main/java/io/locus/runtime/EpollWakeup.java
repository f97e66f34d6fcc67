package io.locus.runtime;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A file descriptor in a reactor's epoll set whose readiness runs a callback on the reactor: how an adaptive reactor
 * asleep in its epoll wait wakes for an event source that is not a socket, such as an RDMA completion channel (SPDK's
 * RDMA poll group puts its CQ channels' fds into the reactor's interrupt fd group the same way; Linux's nvme-rdma
 * and nvmet-rdma take the CQ interrupt instead).
 * <p>
 * The fd is watched level-triggered for EPOLLIN: the callback must make it unreadable (read what is waiting), or
 * it runs again on the next turn. The fd stays the caller's: nothing here closes it. {@link #watch} and
 * {@link #cancel} are called on the reactor's thread; the registration completes in a later turn.
 */
public final class EpollWakeup {
    private static final Logger LOG = Logger.getLogger(EpollWakeup.class.getName());

    private final String name;
    private IoRegistration registration;
    private boolean cancelled;

    private EpollWakeup(String name) {
        this.name = name;
    }

    /**
     * Puts {@code fd} into {@code loop}'s epoll set.
     *
     * @param loop       the reactor's event loop ({@link Reactor#eventLoop()})
     * @param fd         a non-blocking fd; readable means "there is something to do"
     * @param name       what the fd is, for the log when it cannot be watched
     * @param onReadable runs on the reactor each time the fd is readable
     * @return the watch, or null when the loop is not epoll (NIO, io_uring): then an adaptive reactor sees the
     *         source's work no later than its {@link ReactorConfig#maxSleepNanos()}
     */
    public static EpollWakeup watch(IoEventLoop loop, int fd, String name, Runnable onReadable) {
        if (fd < 0 || !loop.isCompatible(Handle.class)) {
            return null;
        }
        EpollWakeup watch = new EpollWakeup(name);
        loop.register(new Handle(new FileDescriptor(fd), onReadable)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.log(Level.FINE, "{0}: not in the reactor''s epoll set: {1}", new Object[] {name, f.cause()});
                return;
            }
            IoRegistration r = (IoRegistration) f.getNow();
            if (watch.cancelled) {
                r.cancel();
                return;
            }
            r.submit(EpollIoOps.EPOLLIN);
            watch.registration = r;
        });
        return watch;
    }

    /** Whether the fd is in the epoll set now (its registration completed and it was not cancelled). */
    public boolean active() {
        return registration != null && !cancelled;
    }

    /** Takes the fd out of the epoll set (now, or as its registration completes). Reactor thread; idempotent. */
    public void cancel() {
        cancelled = true;
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
    }

    @Override
    public String toString() {
        return "EpollWakeup[" + name + (active() ? ", active]" : "]");
    }

    private record Handle(FileDescriptor fd, Runnable onReadable) implements EpollIoHandle {
        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            onReadable.run();
        }

        @Override
        public void close() {
            // The fd is the caller's.
        }
    }
}
