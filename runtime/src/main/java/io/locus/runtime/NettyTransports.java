package io.locus.runtime;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.logging.Logger;

/**
 * Chooses Netty's native epoll transport where it loads (fewer copies and syscalls than NIO, and no selector
 * garbage), else NIO. Reactors and channels must agree, so both come from here. {@code -Dlocus.transport=nio}
 * forces NIO.
 */
public final class NettyTransports {
    private static final Logger LOG = Logger.getLogger(NettyTransports.class.getName());
    private static final boolean EPOLL = !"nio".equals(System.getProperty("locus.transport")) && epollAvailable();

    private NettyTransports() {
    }

    private static boolean epollAvailable() {
        try {
            if (Epoll.isAvailable()) {
                return true;
            }
            LOG.info("epoll unavailable, using NIO: " + Epoll.unavailabilityCause());
        } catch (Throwable t) {
            LOG.info("epoll unavailable, using NIO: " + t);
        }
        return false;
    }

    public static boolean epoll() {
        return EPOLL;
    }

    public static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public static ServerChannel newServerChannel() {
        return EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
    }

    public static SocketChannel newSocketChannel() {
        return EPOLL ? new EpollSocketChannel() : new NioSocketChannel();
    }

    public static Class<? extends SocketChannel> socketChannelClass() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
