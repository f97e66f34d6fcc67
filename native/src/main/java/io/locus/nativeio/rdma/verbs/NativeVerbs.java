package io.locus.nativeio.rdma.verbs;

import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.CmEventChannel;
import io.locus.nativeio.rdma.CmId;
import io.locus.nativeio.rdma.CompletionChannel;
import io.locus.nativeio.rdma.CompletionQueue;
import io.locus.nativeio.rdma.ConnectionParameters;
import io.locus.nativeio.rdma.MemoryRegion;
import io.locus.nativeio.rdma.ProtectionDomain;
import io.locus.nativeio.rdma.QueuePair;
import io.locus.nativeio.rdma.QueuePairCapabilities;
import io.locus.nativeio.rdma.Rdma;
import io.locus.nativeio.rdma.RdmaDevice;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@link Verbs} over rdma-core through {@code io.locus.nativeio.rdma} (JNI). A host connection has an event channel
 * and an id of its own, and a protection domain and registration of its own. A target connection is an id a
 * {@link NativeListener} adopted from a CONNECT_REQUEST (its events arrive on the listener's channel); its queue pair
 * lives in the one protection domain kept per device ({@link #sharedPd}), where the target's buffer pools are
 * registered once, as Linux's nvmet-rdma keeps one {@code ib_pd} per {@code nvmet_rdma_device}.
 */
public final class NativeVerbs implements Verbs {
    private static final Logger LOG = Logger.getLogger(NativeVerbs.class.getName());

    /** The provider of real connections. */
    public static final Provider PROVIDER = new Provider() {
        @Override
        public String unavailabilityCause() {
            return Rdma.unavailabilityCause().orElse(null);
        }

        @Override
        public Verbs open() throws IOException {
            return new NativeVerbs();
        }

        @Override
        public Listener listen(InetSocketAddress address, int backlog) throws IOException {
            return new NativeListener(address, backlog);
        }
    };

    /** The protection domain of each device target connections share (process lifetime, as the registrations in it). */
    private static final Map<RdmaDevice, ProtectionDomain> SHARED_PDS = new ConcurrentHashMap<>();

    /** The host's own channel; null for a target connection (its events go to the listener's). */
    private final CmEventChannel events;
    private final CmId id;
    /** A target connection: the PD is the device's shared one, not closed with the connection. */
    private final boolean passive;
    private final CmEvent event = CmEvent.allocate();
    private RdmaDevice device;
    private ProtectionDomain pd;
    private CompletionChannel channel;
    private CompletionQueue cq;
    private QueuePair qp;
    private MemoryRegion mr;
    private boolean closed;

    private NativeVerbs() throws IOException {
        events = CmEventChannel.create();
        passive = false;
        try {
            id = events.createId(0);
        } catch (IOException e) {
            events.close();
            throw e;
        }
    }

    /** A target connection: the id of a CONNECT_REQUEST. */
    NativeVerbs(CmId adopted) {
        events = null;
        passive = true;
        id = adopted;
    }

    CmId id() {
        return id;
    }

    private static ProtectionDomain sharedPd(RdmaDevice device) throws IOException {
        ProtectionDomain pd = SHARED_PDS.get(device);
        if (pd == null) {
            synchronized (SHARED_PDS) {
                pd = SHARED_PDS.get(device);
                if (pd == null) {
                    pd = device.allocateProtectionDomain();
                    SHARED_PDS.put(device, pd);
                }
            }
        }
        return pd;
    }

    @Override
    public Object device() {
        try {
            return device != null ? device : (device = id.device());
        } catch (IOException | IllegalStateException e) {
            return null;
        }
    }

    @Override
    public void createQueuePair(int sendWr, int recvWr, int sendSge, int recvSge) throws IOException {
        device = id.device();
        pd = sharedPd(device);
        channel = device.createCompletionChannel();
        cq = device.createCompletionQueue(sendWr + recvWr, channel, 0);
        qp = id.createQueuePair(pd, cq, cq, new QueuePairCapabilities(sendWr, recvWr, sendSge, recvSge, 0));
    }

    @Override
    public Registration register(ByteBuffer memory) throws IOException {
        if (device == null) {
            device = id.device();
        }
        MemoryRegion region = sharedPd(device).register(memory.duplicate().clear(), MemoryRegion.ACCESS_LOCAL_WRITE
                | MemoryRegion.ACCESS_REMOTE_READ | MemoryRegion.ACCESS_REMOTE_WRITE);
        return new Registration(region.address(), region.lkey(), region.rkey());
    }

    @Override
    public void accept(byte[] privateData) throws IOException {
        // 255 = RDMA_MAX_RESP_RES / RDMA_MAX_INIT_DEPTH: librdmacm takes the smaller of the request's and the
        // device's (nvmet-rdma caps its initiator depth the same way); RNR retries forever, as the hosts ask.
        id.accept(new ConnectionParameters(255, 255, 7, 7), privateData);
    }

    @Override
    public void reject(byte[] privateData) throws IOException {
        id.reject(privateData);
    }

    @Override
    public void resolveAddress(InetSocketAddress destination, int timeoutMs) throws IOException {
        id.resolveAddress(null, destination, timeoutMs);
    }

    @Override
    public Registration createResources(int sendWr, int recvWr, int sendSge, ByteBuffer pool) throws IOException {
        device = id.device();
        pd = device.allocateProtectionDomain();
        channel = device.createCompletionChannel();
        cq = device.createCompletionQueue(sendWr + recvWr, channel, 0);
        qp = id.createQueuePair(pd, cq, cq, new QueuePairCapabilities(sendWr, recvWr, sendSge, 1, 0));
        mr = pd.register(pool.duplicate().clear(), MemoryRegion.ACCESS_LOCAL_WRITE | MemoryRegion.ACCESS_REMOTE_READ
                | MemoryRegion.ACCESS_REMOTE_WRITE);
        return new Registration(mr.address(), mr.lkey(), mr.rkey());
    }

    @Override
    public int maxSendSge() {
        return qp == null ? 0 : qp.capabilities().maxSendSge();
    }

    @Override
    public void resolveRoute(int timeoutMs) throws IOException {
        id.resolveRoute(timeoutMs);
    }

    @Override
    public void connect(byte[] privateData) throws IOException {
        id.connect(ConnectionParameters.forDevice(device.attributes()), privateData);
    }

    @Override
    public int pollEvents(EventHandler handler) throws IOException {
        int n = 0;
        while (!closed && events != null && events.poll(event)) {
            n++;
            handler.onCmEvent(event.type(), event.status(), event.privateData());
        }
        return n;
    }

    @Override
    public int postSend(WorkRequests requests, int first, int count) {
        return qp.postSend(requests, first, count);
    }

    @Override
    public int postReceive(WorkRequests requests, int first, int count) {
        return qp.postReceive(requests, first, count);
    }

    @Override
    public int lastPostError() {
        return qp == null ? 0 : qp.lastPostError();
    }

    @Override
    public int pollCompletions(WorkCompletions completions, int max) throws IOException {
        return cq == null ? 0 : cq.poll(completions, max);
    }

    @Override
    public int completionFd() {
        return channel == null ? -1 : channel.fd();
    }

    @Override
    public void armCompletions() throws IOException {
        if (cq != null) {
            cq.requestNotify(false);
        }
    }

    @Override
    public int takeCompletionEvents() throws IOException {
        // One CQ per channel, armed again only after its event was taken: at most one event waits, so one read and
        // not a second that could only say EAGAIN (a system call per wake-up); should more wait, the reactor's
        // level-triggered epoll calls again.
        if (channel == null || channel.nextEvent() == 0) {
            return 0;
        }
        cq.acknowledge(1);
        return 1;
    }

    @Override
    public void disconnect() {
        try {
            id.disconnect();
        } catch (IOException e) {
            LOG.log(Level.FINE, "rdma_disconnect", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The kernel's order: the QP (with the id), then the CQ and its channel, the registration, the PD.
        quietly(id::close);
        quietly(() -> {
            if (cq != null) {
                cq.close();
            }
        });
        quietly(() -> {
            if (channel != null) {
                channel.close();
            }
        });
        if (passive) {
            return; // the PD and the registrations in it are the device's, shared
        }
        quietly(() -> {
            if (mr != null) {
                mr.close();
            }
        });
        quietly(() -> {
            if (pd != null) {
                pd.close();
            }
        });
        events.close();
    }

    interface Step {
        void run() throws IOException;
    }

    static void quietly(Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "RDMA teardown", e);
        }
    }
}
