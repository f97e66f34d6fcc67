package io.locus.nativeio.rdma;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * An end-to-end check of the verbs and CM face over a real RDMA device: a server and a client in one JVM and one
 * thread, each with its own event channel, PD, CQ and QP, both on the device that owns ADDRESS. It covers a CM
 * connect with private data and an accept with private data, SEND/RECV, an RDMA READ and an RDMA WRITE against the
 * client's registered buffer (the shape of an NVMe/RDMA write and read), a CQ event through the completion channel,
 * a reject with private data, and a disconnect that flushes the posted receives.
 *
 * <pre>java -cp native/target/classes:native/target/test-classes io.locus.nativeio.rdma.RdmaLoopbackCheck ADDRESS</pre>
 * Prints one line per step and ends with {@value #OK}; exits 1 with the failed step on error, 2 when RDMA is
 * unavailable. Run by the kernel VM test over soft-RoCE (rdma_rxe on the guest's eth0).
 */
public final class RdmaLoopbackCheck {
    static final String OK = "rdma loopback check: ok";
    private static final long TIMEOUT_NS = 20_000_000_000L;
    private static final int SERVER = 1;
    private static final int CLIENT = 2;
    private static final int ACCEPTED = 3;
    private static final int REJECTED_CLIENT = 4;
    private static final int BUFFER = 64 * 1024;
    private static final int RECV_SLOT = 256;
    private static final int RECVS = 4;
    private static final int SEND_AREA = 8 * 1024;
    private static final int READ_SOURCE = 16 * 1024; // client bytes the server RDMA READs
    private static final int WRITE_TARGET = 32 * 1024; // client bytes the server RDMA WRITEs
    private static final int DATA = 4096;

    private RdmaLoopbackCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RdmaLoopbackCheck ADDRESS (an address of an RDMA netdev, e.g. 10.0.2.15)");
            System.exit(2);
        }
        if (!Rdma.isAvailable()) {
            System.err.println("RDMA unavailable: " + Rdma.unavailabilityCause().orElse("?"));
            System.exit(2);
        }
        try {
            run(InetAddress.getByName(args[0]));
            System.out.println(OK);
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /** One side's verbs resources. */
    private static final class Side implements AutoCloseable {
        final ProtectionDomain pd;
        final CompletionChannel channel;
        final CompletionQueue cq;
        final ByteBuffer memory = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        final MemoryRegion mr;
        final long base;
        final WorkRequests sends = WorkRequests.allocate(8, 2);
        final WorkRequests recvs = WorkRequests.allocate(RECVS, 1);
        final WorkCompletions wcs = WorkCompletions.allocate(16);

        Side(RdmaDevice device) throws RdmaException {
            pd = device.allocateProtectionDomain();
            channel = device.createCompletionChannel();
            cq = device.createCompletionQueue(64, channel, 0);
            mr = pd.register(memory, MemoryRegion.ACCESS_LOCAL_WRITE | MemoryRegion.ACCESS_REMOTE_READ
                    | MemoryRegion.ACCESS_REMOTE_WRITE);
            base = mr.address();
            for (int i = 0; i < RECVS; i++) {
                recvs.receive(i, 1000 + i, base + (long) i * RECV_SLOT, RECV_SLOT, mr.lkey());
            }
        }

        QueuePair attach(CmId id) throws RdmaException {
            QueuePair qp = id.createQueuePair(pd, cq, cq, new QueuePairCapabilities(16, RECVS, 2, 1, 0));
            check(qp.postReceive(recvs, 0, RECVS) == RECVS, "post " + RECVS + " receives: " + qp.lastPostError());
            return qp;
        }

        /** Polls until {@code n} completions arrived; they are in {@link #wcs} from index 0. */
        void await(int n, String what) throws RdmaException {
            int have = 0;
            long deadline = System.nanoTime() + TIMEOUT_NS;
            while (have < n) {
                have += cq.poll(wcs, have, n - have);
                check(System.nanoTime() < deadline, "timed out waiting for " + what + " (" + have + " of " + n + ")");
            }
        }

        @Override
        public void close() throws RdmaException {
            mr.close();
            cq.close();
            channel.close();
            pd.close();
        }
    }

    static void run(InetAddress address) throws Exception {
        CmEvent event = CmEvent.allocate();
        try (CmEventChannel serverEvents = CmEventChannel.create();
             CmEventChannel clientEvents = CmEventChannel.create()) {
            CmId listener = serverEvents.createId(SERVER);
            listener.bind(new InetSocketAddress(address, 0));
            listener.listen(4);
            int port = listener.localPort();
            RdmaDevice device = listener.device();
            step("listening on " + address.getHostAddress() + ":" + port + ", device " + device.name() + " "
                    + device.attributes());

            // ---- connect with private data ----
            CmId client = clientEvents.createId(CLIENT);
            client.resolveAddress(null, new InetSocketAddress(address, port), 2000);
            expect(clientEvents, event, CmEvent.ADDR_RESOLVED, CLIENT);
            Side c = new Side(client.device());
            client.resolveRoute(2000);
            expect(clientEvents, event, CmEvent.ROUTE_RESOLVED, CLIENT);
            QueuePair cqp = c.attach(client);
            ConnectionParameters params = ConnectionParameters.forDevice(device.attributes());
            byte[] request = nvmeRequest(1, 16, 15);
            client.connect(params, request);
            step("client resolved, QP " + cqp.number() + " granted " + cqp.capabilities() + ", connecting");

            expect(serverEvents, event, CmEvent.CONNECT_REQUEST, SERVER);
            check(event.listenContext() == SERVER, "request names the listener");
            check(event.privateDataLength() >= request.length, "request private data length " + event.privateDataLength());
            byte[] got = new byte[request.length];
            event.privateData().get(got);
            check(Arrays.equals(got, request), "request private data arrived intact: " + Arrays.toString(got));
            step("CONNECT_REQUEST with " + event.privateDataLength() + " bytes of private data, peer IRD "
                    + event.responderResources() + " ORD " + event.initiatorDepth());
            CmId accepted = CmId.adopt(event).context(ACCEPTED);
            Side s = new Side(accepted.device());
            QueuePair sqp = s.attach(accepted);
            byte[] acceptData = {0, 0, 16, 0}; // RECFMT 0, CRQSIZE 16
            accepted.accept(new ConnectionParameters(Math.min(params.responderResources(), event.initiatorDepth()),
                    Math.min(params.initiatorDepth(), event.responderResources()), 7, 7), acceptData);
            expect(clientEvents, event, CmEvent.ESTABLISHED, CLIENT);
            check(event.privateDataByte(2) == 16 && event.privateDataByte(0) == 0,
                    "the accept's private data reached the client");
            expect(serverEvents, event, CmEvent.ESTABLISHED, ACCEPTED);
            check(sqp.state() == QueuePair.STATE_RTS && cqp.state() == QueuePair.STATE_RTS, "both QPs in RTS");
            step("ESTABLISHED both ways, accept private data delivered, QPs in RTS");

            // ---- SEND/RECV: the client's "command" names its buffer, as a keyed SGL does ----
            ByteBuffer cm = c.memory;
            for (int i = 0; i < DATA; i++) {
                cm.put(READ_SOURCE + i, (byte) (i * 31 + 7));
            }
            cm.putLong(SEND_AREA, c.base + READ_SOURCE);
            cm.putInt(SEND_AREA + 8, c.mr.rkey());
            cm.putLong(SEND_AREA + 12, c.base + WRITE_TARGET);
            cm.putInt(SEND_AREA + 20, DATA);
            c.sends.send(0, 77, WorkRequests.FLAG_SIGNALED, c.base + SEND_AREA, 64, c.mr.lkey());
            check(cqp.postSend(c.sends, 0, 1) == 1, "post SEND: " + cqp.lastPostError());
            s.await(1, "the server's receive");
            check(s.wcs.succeeded(0) && s.wcs.opcode(0) == WorkCompletions.OPCODE_RECV && s.wcs.byteLength(0) == 64
                    && s.wcs.wrId(0) == 1000 && s.wcs.qpNumber(0) == sqp.number(), "server RECV: " + s.wcs.describe(0));
            c.await(1, "the client's send");
            check(c.wcs.succeeded(0) && c.wcs.opcode(0) == WorkCompletions.OPCODE_SEND && c.wcs.wrId(0) == 77,
                    "client SEND: " + c.wcs.describe(0));
            ByteBuffer sm = s.memory;
            long readFrom = sm.getLong(0);
            int rkey = sm.getInt(8);
            long writeTo = sm.getLong(12);
            step("SEND/RECV of 64 bytes: " + s.wcs.describe(0));

            // ---- RDMA READ from the client's buffer (host-to-controller data) ----
            int local = 8 * 1024;
            s.sends.rdmaRead(0, 200, WorkRequests.FLAG_SIGNALED, s.base + local, DATA, s.mr.lkey(), readFrom, rkey);
            check(sqp.postSend(s.sends, 0, 1) == 1, "post RDMA READ: " + sqp.lastPostError());
            s.await(1, "the RDMA READ");
            check(s.wcs.succeeded(0) && s.wcs.opcode(0) == WorkCompletions.OPCODE_RDMA_READ && s.wcs.wrId(0) == 200,
                    "RDMA READ: " + s.wcs.describe(0));
            check(sm.slice(local, DATA).equals(cm.slice(READ_SOURCE, DATA)), "RDMA READ brought the client's bytes");
            step("RDMA READ of " + DATA + " bytes matches the client's buffer");

            // ---- RDMA WRITE to the client's buffer, then the response SEND: one post of two requests ----
            for (int i = 0; i < DATA; i++) {
                sm.put(local + i, (byte) (i * 13 + 1));
            }
            sm.putInt(SEND_AREA, 0xC0FFEE);
            c.cq.requestNotify(false);
            s.sends.rdmaWrite(0, 201, 0, s.base + local, DATA, s.mr.lkey(), writeTo, rkey)
                    .send(1, 202, WorkRequests.FLAG_SIGNALED, s.base + SEND_AREA, 16, s.mr.lkey());
            check(sqp.postSend(s.sends, 0, 2) == 2, "post RDMA WRITE + SEND: " + sqp.lastPostError());
            s.await(1, "the response SEND (the unsignaled WRITE completes with it)");
            check(s.wcs.succeeded(0) && s.wcs.wrId(0) == 202, "response SEND: " + s.wcs.describe(0));
            long cqWithEvent = awaitCqEvent(c.channel);
            check(cqWithEvent == c.cq.handle(), "the completion channel named the client's CQ");
            c.cq.acknowledge(1);
            c.await(1, "the client's receive of the response");
            check(c.wcs.succeeded(0) && c.wcs.opcode(0) == WorkCompletions.OPCODE_RECV && c.wcs.byteLength(0) == 16
                    && c.wcs.wrId(0) == 1000, "client RECV: " + c.wcs.describe(0));
            check(cm.getInt(0) == 0xC0FFEE, "response payload");
            check(cm.slice(WRITE_TARGET, DATA).equals(sm.slice(local, DATA)), "RDMA WRITE reached the client's buffer");
            step("RDMA WRITE of " + DATA + " bytes and response SEND in one post; CQ event on fd " + c.channel.fd()
                    + " woke the client");

            // ---- reject with private data ----
            CmId refused = clientEvents.createId(REJECTED_CLIENT);
            refused.resolveAddress(null, new InetSocketAddress(address, port), 2000);
            expect(clientEvents, event, CmEvent.ADDR_RESOLVED, REJECTED_CLIENT);
            refused.resolveRoute(2000);
            expect(clientEvents, event, CmEvent.ROUTE_RESOLVED, REJECTED_CLIENT);
            QueuePair refusedQp = refused.createQueuePair(c.pd, c.cq, c.cq, new QueuePairCapabilities(1, 1, 1, 1, 0));
            refused.connect(params, nvmeRequest(2, 4096, 4095));
            expect(serverEvents, event, CmEvent.CONNECT_REQUEST, SERVER);
            CmId toRefuse = CmId.adopt(event);
            toRefuse.reject(new byte[] {0, 0, 6, 0}); // RECFMT 0, STS 6: no resources
            toRefuse.close();
            expect(clientEvents, event, CmEvent.REJECTED, REJECTED_CLIENT);
            check(event.status() == CmEvent.REJECT_CONSUMER_DEFINED, "reject reason " + event.status());
            check(event.privateDataLength() >= 4 && event.privateDataByte(2) == 6, "reject private data: STS "
                    + (event.privateDataLength() >= 4 ? event.privateDataByte(2) : -1));
            refusedQp.moveToError();
            check(refusedQp.state() == QueuePair.STATE_ERR, "a rejected QP moved to ERR");
            refused.close();
            step("REJECTED with reason " + event.status() + " and the reject's private data (STS 6)");

            // ---- disconnect: both sides see DISCONNECTED, posted receives flush ----
            // The peer's DISCONNECTED arrives with its DREQ; it answers (DREP) by disconnecting too, as nvmet-rdma
            // does, and only then does the initiator see DISCONNECTED.
            client.disconnect();
            expect(serverEvents, event, CmEvent.DISCONNECTED, ACCEPTED);
            accepted.disconnect();
            expect(clientEvents, event, CmEvent.DISCONNECTED, CLIENT);
            check(sqp.state() == QueuePair.STATE_ERR && cqp.state() == QueuePair.STATE_ERR, "both QPs in ERR");
            s.await(RECVS - 1, "the server's flushed receives");
            c.await(RECVS - 1, "the client's flushed receives");
            for (int i = 0; i < RECVS - 1; i++) {
                check(s.wcs.status(i) == WorkCompletions.STATUS_WR_FLUSH_ERR && s.wcs.wrId(i) == 1001 + i,
                        "server flush " + i + ": " + s.wcs.describe(i));
                check(c.wcs.status(i) == WorkCompletions.STATUS_WR_FLUSH_ERR && c.wcs.wrId(i) == 1001 + i,
                        "client flush " + i + ": " + c.wcs.describe(i));
            }
            step("DISCONNECTED both ways; " + (RECVS - 1) + " posted receives flushed on each side ("
                    + WorkCompletions.statusName(s.wcs.status(0)) + ")");

            accepted.close();
            client.close();
            listener.close();
            s.close();
            c.close();
            step("everything closed");
        }
    }

    /** An NVMe/RDMA CM request: RECFMT 0, QID, HRQSIZE, HSQSIZE, CNTLID 0xFFFF, 32 bytes. */
    static byte[] nvmeRequest(int qid, int hrqsize, int hsqsize) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 0).putShort(2, (short) qid).putShort(4, (short) hrqsize).putShort(6, (short) hsqsize)
                .putShort(8, (short) 0xFFFF);
        return b.array();
    }

    private static void expect(CmEventChannel channel, CmEvent event, int type, long context) throws RdmaException {
        long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!channel.poll(event)) {
            check(System.nanoTime() < deadline, "timed out waiting for " + CmEvent.typeName(type));
            LockSupport.parkNanos(100_000);
        }
        check(event.type() == type && event.context() == context, "expected " + CmEvent.typeName(type) + " for context "
                + context + ", got " + event);
    }

    private static long awaitCqEvent(CompletionChannel channel) throws RdmaException {
        long deadline = System.nanoTime() + TIMEOUT_NS;
        long cq;
        while ((cq = channel.nextEvent()) == 0) {
            check(System.nanoTime() < deadline, "timed out waiting for a CQ event");
            LockSupport.parkNanos(100_000);
        }
        return cq;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    private static void step(String what) {
        System.out.println("ok: " + what);
    }
}
