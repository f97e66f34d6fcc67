package io.locus.target.transport.rdma;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;

/**
 * A queue's completion-channel fd in its reactor's epoll set, so that an adaptive reactor asleep in epoll wakes for
 * an RDMA completion (SPDK's rdma poll group does the same with its CQ channel in the reactor's interrupt mode). The
 * fd is the completion channel's: nothing here closes it.
 */
final class CompletionWakeup implements EpollIoHandle {
    /** What a wake-up does (the reactor thread, inside its epoll turn). */
    @FunctionalInterface
    interface Target {
        void onCompletionEvent();
    }

    private final FileDescriptor fd;
    private final Target target;

    CompletionWakeup(int fd, Target target) {
        this.fd = new FileDescriptor(fd);
        this.target = target;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        target.onCompletionEvent();
    }

    @Override
    public void close() {
        // The completion channel owns the fd.
    }
}
