package io.locus.initiator.queue;

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
