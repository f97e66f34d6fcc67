package io.locus.target.transport.tcp;

import io.locus.runtime.Reactor;
import io.locus.runtime.NettyTransports;
import io.locus.runtime.ReactorGroup;
import io.locus.target.backend.ReactorCompletions;
import io.locus.target.command.AdminCommands;
import io.locus.target.command.FabricsCommands;
import io.locus.target.model.Port;
import io.locus.target.model.TargetContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;

import java.io.IOException;
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
public final class TcpTransport implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TcpTransport.class.getName());

    private final TargetContext target;
    private final ReactorGroup reactors;
    private final Map<Reactor, ReactorCompletions> completions;
    private final FabricsCommands fabrics;
    private final AdminCommands admin = new AdminCommands();
    private final int maxConnectionsPerPort;
    private final long stallTimeoutNanos;
    private final List<Channel> listeners = new ArrayList<>();
    private final Map<TcpQueue, Boolean> queues = new ConcurrentHashMap<>();
    private volatile io.locus.runtime.tls.PskLookup tlsKeys = id -> null;

    public TcpTransport(TargetContext target, ReactorGroup reactors, Map<Reactor, ReactorCompletions> completions,
                        int maxConnectionsPerPort, long stallTimeoutMillis) {
        this.target = target;
        this.reactors = reactors;
        this.completions = completions;
        this.fabrics = new FabricsCommands(target);
        this.maxConnectionsPerPort = maxConnectionsPerPort;
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis);
    }

    TargetContext target() {
        return target;
    }

    FabricsCommands fabrics() {
        return fabrics;
    }

    AdminCommands admin() {
        return admin;
    }

    long stallTimeoutNanos() {
        return stallTimeoutNanos;
    }

    /**
     * The reactor an I/O queue belongs on: qid q on reactor (q - 1) mod n. A host that homes flows on CPU c and sends
     * them on queue index c mod queues (what the Locus initiator does) meets the same reactor index on both sides.
     */
    Reactor homeReactor(int qid) {
        return reactors.get((qid - 1) % reactors.size());
    }

    ReactorCompletions completions(Reactor reactor) {
        return completions.get(reactor);
    }

    /** The reactor at {@code index} (as {@link ReactorCompletions#index()} numbers them). */
    Reactor reactorAt(int index) {
        return reactors.get(index);
    }

    /**
     * Tests only: runs on the old reactor while a moving queue's channel belongs to no event loop, before it joins the
     * new one (a test holds it there to send input mid-move).
     */
    volatile Runnable duringMove;

    /** The TLS PSKs of hosts, for ports that require TLS. */
    public void tlsKeys(io.locus.runtime.tls.PskLookup keys) {
        this.tlsKeys = keys;
    }

    /** Binds a port; throws with the address in the message when it cannot. */
    public void listen(Port port) throws IOException {
        Reactor acceptor = reactors.get(0);
        ServerChannel server = NettyTransports.newServerChannel();
        server.config().setOption(ChannelOption.SO_REUSEADDR, true);
        server.config().setOption(ChannelOption.SO_BACKLOG, 1024);
        server.pipeline().addLast(new Acceptor(port));
        ChannelFuture registered = acceptor.eventLoop().register(server).awaitUninterruptibly();
        if (!registered.isSuccess()) {
            throw new IOException("cannot register listener for " + port.address() + ": " + registered.cause());
        }
        ChannelFuture bound = server.bind(port.address()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            server.close();
            throw new IOException("cannot listen on " + port.host() + ":" + port.address().getPort() + ": " + bound.cause().getMessage());
        }
        synchronized (listeners) {
            listeners.add(server);
        }
    }

    /** The actual bound port of each listener (for tests that bind port 0). */
    public List<Integer> boundPorts() {
        List<Integer> ports = new ArrayList<>();
        synchronized (listeners) {
            for (Channel c : listeners) {
                ports.add(((java.net.InetSocketAddress) c.localAddress()).getPort());
            }
        }
        return ports;
    }

    /** Stops accepting new connections. */
    public void stopListening() {
        synchronized (listeners) {
            for (Channel c : listeners) {
                c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            listeners.clear();
        }
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
                target.rejects().reject(String.valueOf(child.remoteAddress()),
                        "connection limit of " + maxConnectionsPerPort + " reached on port " + port.address().getPort());
                child.unsafe().closeForcibly();
                return;
            }
            open.incrementAndGet();
            Reactor reactor = reactors.next();
            TcpQueue queue = new TcpQueue(TcpTransport.this, reactor, completions.get(reactor), port);
            queues.put(queue, Boolean.TRUE);
            child.config().setOption(ChannelOption.TCP_NODELAY, true);
            child.config().setOption(ChannelOption.SO_KEEPALIVE, true);
            // Responses are bounded by the queue depth, not by writability: a high mark keeps Netty from toggling
            // the channel's writability (and firing events) on every full-queue batch.
            child.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 16 << 20));
            if (port.tlsRequired()) {
                child.pipeline().addLast(io.locus.runtime.tls.TlsRecordHandler.server(tlsKeys, target.rejects()::reject));
            }
            child.pipeline().addLast(queue);
            child.closeFuture().addListener(f -> open.decrementAndGet());
            reactor.eventLoop().register(child).addListener(f -> {
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
