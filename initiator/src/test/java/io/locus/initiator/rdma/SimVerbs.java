package io.locus.initiator.rdma;

import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sqe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated verbs provider and the controller side of one connection, deterministic: nothing happens until the
 * test says so. CM events and work completions queue up and are handed out when the connection polls; the test plays
 * the target: it takes the command capsules the host sent, moves data as an RDMA READ or WRITE of the host's
 * registered memory would (checking the rkey and range), answers into the next posted receive buffer, and completes
 * the host's SENDs, in any order and in batches. Disconnect flushes every posted receive.
 */
final class SimVerbs implements Verbs {
    static final int LKEY = 0x1111;
    static final int RKEY = 0x2222;

    /** One command capsule the host sent. */
    record Capsule(long wrId, ByteBuf sqe, ByteBuf inCapsuleData) {
        int cid() {
            return sqe.getUnsignedShortLE(2);
        }

        int opcode() {
            return sqe.getUnsignedByte(0);
        }

        int sglId() {
            return sqe.getUnsignedByte(Sqe.SGL1_OFFSET + 15);
        }

        long sglAddress() {
            return sqe.getLongLE(Sqe.SGL1_OFFSET);
        }

        int sglLength() {
            return sqe.getUnsignedMediumLE(Sqe.SGL1_OFFSET + 8);
        }

        int sglKey() {
            return sqe.getIntLE(Sqe.SGL1_OFFSET + 11);
        }
    }

    /** What the simulated fabric does with the next connection attempts; shared by every {@link SimVerbs} it opens. */
    static final class Fabric implements Provider {
        final List<SimVerbs> opened = new ArrayList<>();
        String unavailable;
        /** Accept with this CRQSIZE (-1: the HSQSIZE + 1 asked), or reject with {@link #rejectSts} when that is > 0. */
        int crqsize = -1;
        int rejectSts;
        /** Whether the ADDR_RESOLVED step fails with this errno instead (0: it succeeds). */
        int addressError;

        @Override
        public String unavailabilityCause() {
            return unavailable;
        }

        @Override
        public Verbs open() {
            SimVerbs v = new SimVerbs(this);
            opened.add(v);
            return v;
        }

        SimVerbs last() {
            return opened.get(opened.size() - 1);
        }
    }

    private record Event(int type, int status, byte[] privateData) {
    }

    private record Completion(long wrId, int status, int opcode, int bytes) {
    }

    private final Fabric fabric;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private final ArrayDeque<Completion> cq = new ArrayDeque<>();
    private final ArrayDeque<long[]> receives = new ArrayDeque<>(); // {wrId, address, length}
    final ArrayDeque<Capsule> capsules = new ArrayDeque<>();
    private ByteBuffer pool;
    private long base;
    private ByteBuf memory;
    byte[] connectPrivateData;
    boolean disconnected;
    boolean closed;
    int sendSge = 2;
    /** Largest batch handed out by one poll. */
    int maxPolled;

    private SimVerbs(Fabric fabric) {
        this.fabric = fabric;
    }

    // ---------------------------------------------------------------- Verbs

    @Override
    public void resolveAddress(InetSocketAddress destination, int timeoutMs) {
        events.add(fabric.addressError != 0 ? new Event(CmEvent.ADDR_ERROR, -fabric.addressError, null)
                : new Event(CmEvent.ADDR_RESOLVED, 0, null));
    }

    @Override
    public Registration createResources(int sendWr, int recvWr, int sendSge, ByteBuffer pool) {
        this.pool = pool;
        this.base = MemorySegment.ofBuffer(pool).address();
        this.memory = Unpooled.wrappedBuffer(pool.duplicate().clear());
        return new Registration(base, LKEY, RKEY);
    }

    @Override
    public int maxSendSge() {
        return sendSge;
    }

    @Override
    public void resolveRoute(int timeoutMs) {
        events.add(new Event(CmEvent.ROUTE_RESOLVED, 0, null));
    }

    @Override
    public void connect(byte[] privateData) {
        connectPrivateData = privateData.clone();
        if (fabric.rejectSts > 0) {
            ByteBuffer rej = ByteBuffer.allocate(148).order(ByteOrder.LITTLE_ENDIAN);
            rej.putShort(2, (short) fabric.rejectSts);
            events.add(new Event(CmEvent.REJECTED, CmEvent.REJECT_CONSUMER_DEFINED, rej.array()));
            return;
        }
        int hsqsize = ByteBuffer.wrap(privateData).order(ByteOrder.LITTLE_ENDIAN).getShort(6);
        ByteBuffer acc = ByteBuffer.allocate(196).order(ByteOrder.LITTLE_ENDIAN);
        acc.putShort(2, (short) (fabric.crqsize >= 0 ? fabric.crqsize : hsqsize + 1));
        events.add(new Event(CmEvent.ESTABLISHED, 0, acc.array()));
    }

    @Override
    public int pollEvents(EventHandler handler) {
        int n = 0;
        Event e;
        while (!closed && (e = events.poll()) != null) {
            n++;
            ByteBuffer pd = e.privateData == null ? ByteBuffer.allocate(0)
                    : ByteBuffer.wrap(e.privateData).order(ByteOrder.LITTLE_ENDIAN);
            handler.onCmEvent(e.type, e.status, pd);
        }
        return n;
    }

    @Override
    public int postSend(WorkRequests requests, int first, int count) {
        for (int i = first; i < first + count; i++) {
            if (requests.opcode(i) != WorkRequests.OP_SEND || requests.sgeLength(i, 0) != Sqe.LENGTH) {
                throw new AssertionError("a command capsule is a SEND that starts with a 64-byte SQE");
            }
            ByteBuf sqe = Unpooled.copiedBuffer(local(requests.sgeAddress(i, 0), Sqe.LENGTH));
            ByteBuf data = requests.sgeCount(i) > 1
                    ? Unpooled.copiedBuffer(local(requests.sgeAddress(i, 1), requests.sgeLength(i, 1))) : null;
            if (disconnected) {
                cq.add(new Completion(requests.wrId(i), WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0));
            } else {
                capsules.add(new Capsule(requests.wrId(i), sqe, data));
            }
        }
        return count;
    }

    @Override
    public int postReceive(WorkRequests requests, int first, int count) {
        for (int i = first; i < first + count; i++) {
            receives.add(new long[] {requests.wrId(i), requests.sgeAddress(i, 0), requests.sgeLength(i, 0)});
        }
        return count;
    }

    @Override
    public int lastPostError() {
        return 0;
    }

    @Override
    public int pollCompletions(WorkCompletions completions, int max) {
        int n = 0;
        ByteBuffer b = completions.buffer();
        while (n < max && !cq.isEmpty()) {
            Completion c = cq.poll();
            int at = n * WorkCompletions.LENGTH;
            for (int k = 0; k < WorkCompletions.LENGTH; k++) {
                b.put(at + k, (byte) 0);
            }
            b.putLong(at + WorkCompletions.WR_ID_OFFSET, c.wrId);
            b.putInt(at + WorkCompletions.STATUS_OFFSET, c.status);
            b.putInt(at + WorkCompletions.OPCODE_OFFSET, c.opcode);
            b.putInt(at + WorkCompletions.BYTE_LENGTH_OFFSET, c.bytes);
            n++;
        }
        maxPolled = Math.max(maxPolled, n);
        return n;
    }

    @Override
    public int completionFd() {
        return -1;
    }

    @Override
    public void disconnect() {
        disconnected = true;
    }

    @Override
    public void close() {
        closed = true;
    }

    // ---------------------------------------------------------------- the target's side

    /** The capsules sent since the last call, in order. */
    List<Capsule> take() {
        List<Capsule> out = new ArrayList<>(capsules);
        capsules.clear();
        return out;
    }

    /** RDMA READ of the host memory a keyed SGL describes (a write's data), checking the key and the range. */
    byte[] rdmaRead(Capsule c) {
        byte[] out = new byte[c.sglLength()];
        keyed(c).getBytes(0, out);
        return out;
    }

    /** RDMA WRITE of {@code data} into the host memory a keyed SGL describes (a read's data). */
    void rdmaWrite(Capsule c, byte[] data) {
        keyed(c).setBytes(0, data);
    }

    private ByteBuf keyed(Capsule c) {
        if (c.sglId() != 0x40 || c.sglKey() != RKEY) {
            throw new AssertionError(String.format("SGL id 0x%02x key 0x%x is not a keyed SGL under the pool's rkey",
                    c.sglId(), c.sglKey()));
        }
        return local(c.sglAddress(), c.sglLength());
    }

    /** The response capsule for {@code c}, received into the host's next posted buffer. */
    void respond(Capsule c, int status) {
        respond(c.cid(), status);
    }

    void respond(int cid, int status) {
        long[] recv = receives.poll();
        if (recv == null) {
            throw new AssertionError("receiver not ready: the host has no receive posted");
        }
        Cqe.write(local(recv[1], Cqe.LENGTH), 0, 0, 0, 0, 0, cid, status);
        cq.add(new Completion(recv[0], WorkCompletions.STATUS_SUCCESS, WorkCompletions.OPCODE_RECV, Cqe.LENGTH));
    }

    /** The host's SEND of {@code c} completes with {@code status}. */
    void sendDone(Capsule c, int status) {
        cq.add(new Completion(c.wrId(), status, WorkCompletions.OPCODE_SEND, 0));
    }

    /** The target disconnects: DISCONNECTED, and every posted receive flushes. */
    void peerDisconnect() {
        disconnected = true;
        long[] recv;
        while ((recv = receives.poll()) != null) {
            cq.add(new Completion(recv[0], WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0));
        }
        events.add(new Event(CmEvent.DISCONNECTED, 0, null));
    }

    int postedReceives() {
        return receives.size();
    }

    private ByteBuf local(long address, int length) {
        long offset = address - base;
        if (offset < 0 || offset + length > pool.capacity()) {
            throw new AssertionError("address " + address + " +" + length + " is outside the registered pool");
        }
        return memory.slice((int) offset, length);
    }
}
