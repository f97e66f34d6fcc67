package io.locus.nativeio.rdma.verbs;

import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.CmEventChannel;
import io.locus.nativeio.rdma.CmId;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A listening CM id on an event channel of its own ({@code rdma_bind_addr} + {@code rdma_listen}). The ids of the
 * connection requests it adopts keep reporting to its channel, so one poll of it serves the listener and every
 * connection made from it; events are matched to their connection by the id's handle.
 */
final class NativeListener implements Verbs.Listener {
    private final CmEventChannel events;
    private final CmId id;
    private final CmEvent event = CmEvent.allocate();
    /** Connections handed out, by {@code rdma_cm_id} pointer; removed once DISCONNECTED or closed. */
    private final Map<Long, NativeVerbs> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    NativeListener(InetSocketAddress address, int backlog) throws IOException {
        events = CmEventChannel.create();
        try {
            id = events.createId(0);
            try {
                id.bind(address);
                id.listen(backlog);
            } catch (IOException | RuntimeException e) {
                NativeVerbs.quietly(id::close);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            events.close();
            throw e;
        }
    }

    @Override
    public int localPort() {
        return id.localPort();
    }

    @Override
    public int pollEvents(Verbs.ListenerHandler handler) throws IOException {
        int n = 0;
        while (!closed && events.poll(event)) {
            n++;
            int type = event.type();
            if (type == CmEvent.CONNECT_REQUEST) {
                NativeVerbs connection = new NativeVerbs(CmId.adopt(event));
                connections.put(event.idHandle(), connection);
                handler.onConnectRequest(connection, event.privateData());
                continue;
            }
            NativeVerbs connection = connections.get(event.idHandle());
            if (connection == null) {
                continue; // an id already closed, or the listener's own (DEVICE_REMOVAL on it is not handled)
            }
            if (type == CmEvent.DISCONNECTED || type == CmEvent.TIMEWAIT_EXIT || type == CmEvent.REJECTED
                    || type == CmEvent.CONNECT_ERROR || type == CmEvent.UNREACHABLE || type == CmEvent.DEVICE_REMOVAL) {
                connections.remove(event.idHandle());
            }
            handler.onConnectionEvent(connection, type, event.status());
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        NativeVerbs.quietly(id::close);
        // The channel stays while connections made from it may still report to it; it goes with the process.
    }
}
