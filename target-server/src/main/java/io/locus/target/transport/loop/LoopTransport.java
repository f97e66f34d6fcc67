package io.locus.target.transport.loop;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.PollGroups;
import io.locus.target.core.Transport;
import io.locus.target.core.TransportLimits;
import io.locus.target.model.Port;
import io.locus.target.model.TargetLimits;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The loop transport (Linux's {@code nvmet-loop}): host and target in one process, a queue per
 * {@link #connect}, commands and data handed over in memory. It drives the whole target — dispatcher, command sets,
 * controllers, backends, poll groups — with no sockets, so tests exercise the stack end to end; and it is the proof
 * that a transport is one package which touches no command handler.
 */
public final class LoopTransport implements Transport {
    private final PollGroups groups;
    private final Dispatcher dispatcher;
    private final TransportLimits limits;
    private final Set<Port> ports = ConcurrentHashMap.newKeySet();
    private final Map<LoopQueue, Boolean> queues = new ConcurrentHashMap<>();

    public LoopTransport(PollGroups groups, Dispatcher dispatcher, TargetLimits targetLimits) {
        this.groups = groups;
        this.dispatcher = dispatcher;
        // Data is handed over in memory: any command's data fits "in the capsule", and no data unit is split.
        this.limits = new TransportLimits(targetLimits.maxTransferBytes(), targetLimits.maxTransferBytes(),
                targetLimits.maxTransferBytes(), targetLimits.maxTransferBytes(),
                TransportLimits.SGL_IN_CAPSULE | TransportLimits.SGL_TRANSPORT);
    }

    @Override
    public int trtype() {
        return DiscoveryLog.TRTYPE_LOOP;
    }

    @Override
    public TransportLimits limits() {
        return limits;
    }

    @Override
    public Port listen(Port port) {
        ports.add(port);
        return port;
    }

    @Override
    public void stop(Port port) {
        ports.remove(port);
    }

    /** Opens one queue to {@code port}, placed on a reactor as a connection would be; host side in hand. */
    public LoopConnection connect(Port port) {
        if (!ports.contains(port)) {
            throw new IllegalArgumentException("loop transport does not listen on port " + port.id());
        }
        LoopQueue queue = new LoopQueue(this, groups.next(), port);
        queues.put(queue, Boolean.TRUE);
        return new LoopConnection(queue);
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    void queueClosed(LoopQueue queue) {
        queues.remove(queue);
    }

    @Override
    public int queueCount() {
        return queues.size();
    }

    @Override
    public void close() {
        ports.clear();
        for (LoopQueue q : queues.keySet()) {
            q.close("loop transport closing");
        }
    }
}
