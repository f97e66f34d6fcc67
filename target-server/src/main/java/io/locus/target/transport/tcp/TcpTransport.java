package io.locus.target.transport.tcp;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.runtime.NettyTransports;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.PollGroup;
import io.locus.target.core.PollGroups;
import io.locus.target.core.Transport;
import io.locus.target.core.TransportLimits;
import io.locus.target.model.Port;
import io.locus.target.model.RejectLog;
import io.locus.target.model.TargetLimits;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The NVMe/TCP transport: listens on ports, and hands each accepted connection (one queue) to a reactor, which
 * then does all its work. The listening sockets live on the first reactor's event loop.
 */
public final class TcpTransport implements Transport {
    private static final Logger LOG = Logger.getLogger(TcpTransport.class.getName());

    private final PollGroups groups;
    private final Dispatcher dispatcher;
    private final TargetLimits targetLimits;
    private final TransportLimits limits;
    private final RejectLog rejects;
    private final int maxConnectionsPerPort;
    private final long stallTimeoutNanos;
    private final Map<Port, Channel> listeners = new ConcurrentHashMap<>();
    private final Map<TcpQueue, Boolean> queues = new ConcurrentHashMap<>();
    private volatile io.locus.runtime.tls.PskLookup tlsKeys = id -> null;

    public TcpTransport(PollGroups groups, Dispatcher dispatcher, TargetLimits targetLimits, RejectLog rejects,
                        int maxConnectionsPerPort, long stallTimeoutMillis) {
        this.groups = groups;
        this.dispatcher = dispatcher;
        this.targetLimits = targetLimits;
        this.limits = new TransportLimits(targetLimits.ioInCapsuleBytes(), targetLimits.adminInCapsuleBytes(),
                targetLimits.maxH2cData(), targetLimits.maxTransferBytes(),
                TransportLimits.SGL_IN_CAPSULE | TransportLimits.SGL_TRANSPORT);
        this.rejects = rejects;
        this.maxConnectionsPerPort = maxConnectionsPerPort;
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis);
    }

    @Override
    public int trtype() {
        return DiscoveryLog.TRTYPE_TCP;
    }

    @Override
    public TransportLimits limits() {
        return limits;
    }

    TargetLimits targetLimits() {
        return targetLimits;
    }

    /** The TLS PSKs of hosts, for ports that require TLS. */
    public void tlsKeys(io.locus.runtime.tls.PskLookup keys) {
        this.tlsKeys = keys;
    }

    RejectLog rejects() {
        return rejects;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    PollGroups groups() {
        return groups;
    }

    long stallTimeoutNanos() {
        return stallTimeoutNanos;
    }

    /**
     * Tests only: runs on the old reactor while a moving queue's channel belongs to no event loop, before it joins the
     * new one (a test holds it there to send input mid-move).
     */
    volatile Runnable duringMove;

    @Override
    public Port listen(Port port) throws IOException {
        if (port.address().isUnresolved()) {
            throw new IOException("cannot listen on " + port.host() + ":" + port.address().getPort() + ": cannot resolve '"
                    + port.host() + "' to an address of this machine");
        }
        ServerChannel server = NettyTransports.newServerChannel();
        server.config().setOption(ChannelOption.SO_REUSEADDR, true);
        server.config().setOption(ChannelOption.SO_BACKLOG, 1024);
        server.pipeline().addLast(new Acceptor(port));
        ChannelFuture registered = groups.at(0).reactor().eventLoop().register(server).awaitUninterruptibly();
        if (!registered.isSuccess()) {
            throw new IOException("cannot register listener for " + port.address() + ": " + registered.cause());
        }
        ChannelFuture bound = server.bind(port.address()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            server.close();
            throw new IOException("cannot listen on " + port.host() + ":" + port.address().getPort() + ": " + describe(bound.cause()));
        }
        int actual = ((InetSocketAddress) server.localAddress()).getPort();
        Port boundPort = port.at(new InetSocketAddress(port.address().getAddress(), actual));
        listeners.put(boundPort, server);
        return boundPort;
    }

    /** A bind failure's reason: its message, or its kind where it has none (Netty's UnresolvedAddressException). */
    private static String describe(Throwable cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    @Override
    public void stop(Port port) {
        Channel c = listeners.remove(port);
        if (c != null) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** Stops accepting new connections. */
    public void stopListening() {
        for (Port p : List.copyOf(listeners.keySet())) {
            stop(p);
        }
    }

    /** The actual bound port of each listener (for tests that bind port 0). */
    public List<Integer> boundPorts() {
        List<Integer> ports = new ArrayList<>();
        for (Port p : listeners.keySet()) {
            ports.add(p.address().getPort());
        }
        return ports;
    }

    @Override
    public int queueCount() {
        return queues.size();
    }

    public int connectionCount() {
        return queues.size();
    }

    void queueClosed(TcpQueue queue) {
        queues.remove(queue);
    }

    @Override
    public void close() {
        stopListening();
        for (TcpQueue q : queues.keySet()) {
            q.close("target shutting down");
        }
    }

    /** Accepts connections on one port and places each on a reactor. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        private final Port port;
        private final AtomicInteger open = new AtomicInteger();

        Acceptor(Port port) {
            this.port = port;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (open.get() >= maxConnectionsPerPort) {
                rejects.reject(String.valueOf(child.remoteAddress()),
                        "connection limit of " + maxConnectionsPerPort + " reached on port " + port.address().getPort());
                child.unsafe().closeForcibly();
                return;
            }
            open.incrementAndGet();
            PollGroup group = groups.next();
            Port bound = port.at((InetSocketAddress) ctx.channel().localAddress());
            TcpQueue queue = new TcpQueue(TcpTransport.this, group, bound);
            queues.put(queue, Boolean.TRUE);
            child.config().setOption(ChannelOption.TCP_NODELAY, true);
            child.config().setOption(ChannelOption.SO_KEEPALIVE, true);
            // Receive buffers from the pooled allocator, as requests' data and send batches are: in-capsule data
            // stays in them as a retained slice, which the pooled allocator recycles and Netty 4.2's default
            // (adaptive) allocator makes anew per slice.
            child.config().setAllocator(PooledByteBufAllocator.DEFAULT);
            // Responses are bounded by the queue depth, not by writability: a high mark keeps Netty from toggling
            // the channel's writability (and firing events) on every full-queue batch.
            child.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 16 << 20));
            if (port.tlsRequired()) {
                child.pipeline().addLast(io.locus.runtime.tls.TlsRecordHandler.server(tlsKeys, rejects::reject));
            }
            child.pipeline().addLast(queue.receiver());
            child.closeFuture().addListener(f -> open.decrementAndGet());
            group.reactor().eventLoop().register(child).addListener(f -> {
                if (!f.isSuccess()) {
                    LOG.warning("cannot register connection from " + child.remoteAddress() + ": " + f.cause());
                    child.unsafe().closeForcibly();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warning("accept on " + port.address() + " failed: " + cause);
        }
    }
}
