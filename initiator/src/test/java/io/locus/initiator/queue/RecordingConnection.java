package io.locus.initiator.queue;

import io.locus.runtime.Reactor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A host connection for queue-pair tests: connects at once, records what it is given to send, flushes nothing. */
final class RecordingConnection implements HostConnection {
    private final QueuePair pair;
    final List<Command> sent = new ArrayList<>();

    RecordingConnection(QueuePair pair) {
        this.pair = pair;
    }

    /**
     * A live I/O queue pair (qid 1, 8 entries, no retries, {@code timeoutNanos} per command) over a recording
     * connection, on {@code reactor}, an invoker the caller drives; returns the connection, whose {@link #pair} it is.
     */
    static RecordingConnection livePair(Reactor reactor, long timeoutNanos) {
        List<RecordingConnection> connections = new ArrayList<>();
        QueuePair pair = new QueuePair(new QueueConfig(1, 8, false, false, 0, timeoutNanos), reactor, (q, reason) -> { },
                null, p -> {
                    RecordingConnection c = new RecordingConnection(p);
                    connections.add(c);
                    return c;
                });
        pair.connect(new InetSocketAddress("127.0.0.1", 4420), "recording", 1_000);
        reactor.invoke();
        pair.goLive(4096, true);
        reactor.invoke();
        return connections.getFirst();
    }

    QueuePair pair() {
        return pair;
    }

    @Override
    public void open(InetSocketAddress address, String endpoint, long timeoutMs) {
        pair.onConnected();
    }

    @Override
    public void send(Command command) {
        sent.add(command);
    }

    @Override
    public boolean flush() {
        return false;
    }

    @Override
    public void close() {
    }

    @Override
    public String transportName() {
        return "recording";
    }
}
