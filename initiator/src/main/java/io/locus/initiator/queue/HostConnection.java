package io.locus.initiator.queue;

import java.net.InetSocketAddress;

/**
 * The transport under one {@link QueuePair}: NVMe/TCP now ({@code io.locus.initiator.tcp.TcpQueue}), RDMA next. A
 * connection moves commands and their data; the pair owns the slots, their life, retries, time-outs and delivery.
 * <p>
 * Every method runs on the pair's reactor. The connection reports back to its pair, also on the reactor, through
 * {@link QueuePair#onConnected()}, {@link QueuePair#onConnectFailed}, {@link QueuePair#onConnectionLost},
 * {@link QueuePair#lookup(int)} and {@link QueuePair#onResponse}. After {@link #close()} it reports nothing more.
 */
public interface HostConnection {
    /** Makes the connection of one pair; called once, when the pair is made. */
    @FunctionalInterface
    interface Factory {
        HostConnection create(QueuePair pair);
    }

    /**
     * Starts connecting to {@code address} and the transport's own setup (TCP: ICReq/ICResp), then reports
     * {@link QueuePair#onConnected()} or {@link QueuePair#onConnectFailed}. A previous connection is already closed.
     *
     * @param endpoint  {@code address} as people write it, for messages
     * @param timeoutMs how long the transport connect may take
     */
    void open(InetSocketAddress address, String endpoint, long timeoutMs);

    /**
     * Encodes {@code command} (its CID is fresh; {@link Command#index()} names its slot) for this turn's
     * transmission and resets the transport's state for the slot. Sent by the next {@link #flush()}.
     */
    void send(Command command);

    /**
     * Writes out everything this turn encoded (once per reactor turn).
     *
     * @return false when there was nothing to write
     */
    boolean flush();

    /** Tears the connection down without reporting to the pair; idempotent. */
    void close();

    /** The transport's name as the discovery log spells TRTYPE ("tcp", "rdma"), for messages. */
    String transportName();
}
