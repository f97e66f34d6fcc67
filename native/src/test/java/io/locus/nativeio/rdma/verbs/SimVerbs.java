package io.locus.nativeio.rdma.verbs;

import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sqe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated verbs provider, deterministic: nothing happens until the test says so. One class plays either end of
 * an NVMe/RDMA connection, the test playing the other:
 * <ul>
 *   <li>Host connections ({@link Fabric#open}, tested by the initiator): the test plays the target. It takes the
 *       command capsules the host sent ({@link #take}), moves data as an RDMA READ or WRITE of the host's registered
 *       memory would ({@link #rdmaRead}, {@link #rdmaWrite}, checking the rkey and range), answers into the next
 *       posted receive buffer ({@link #respond}), and completes the host's SENDs ({@link #sendDone}), in any order
 *       and in batches.</li>
 *   <li>Target connections ({@link Fabric#listen}, tested by the target): the test plays the host. It asks to
 *       connect ({@link Fabric#connectRequest}), exposes host memory under an rkey ({@link Fabric#exposeHost}),
 *       sends capsules into the target's posted receives ({@link #sendCapsule}; none posted = receiver not ready),
 *       and collects the responses ({@link #responses}). The target's RDMA READ/WRITE move bytes to and from the
 *       exposed memory, or fail with REM_ACCESS_ERR for a bad key or range; SEND with invalidate invalidates the
 *       key. Completions queue as the requests are posted, or are held ({@link #holdCompletions}) and released in
 *       any order ({@link #release}).</li>
 * </ul>
 * Disconnect, from either end, moves the queue pair to the error state: every posted receive and every request
 * posted after flushes with WR_FLUSH_ERR. Thread-safe (the target's reactors call it while the test thread drives
 * the host): every method synchronizes on the fabric.
 */
public final class SimVerbs implements Verbs {
    public static final int LKEY = 0x1111;
    public static final int RKEY = 0x2222;

    /** One command capsule the host sent. */
    public record Capsule(long wrId, ByteBuf sqe, ByteBuf inCapsuleData) {
        public int cid() {
            return sqe.getUnsignedShortLE(2);
        }

        public int opcode() {
            return sqe.getUnsignedByte(0);
        }

        public int sglId() {
            return sqe.getUnsignedByte(Sqe.SGL1_OFFSET + 15);
        }

        public long sglAddress() {
            return sqe.getLongLE(Sqe.SGL1_OFFSET);
        }

        public int sglLength() {
            return sqe.getUnsignedMediumLE(Sqe.SGL1_OFFSET + 8);
        }

        public int sglKey() {
            return sqe.getIntLE(Sqe.SGL1_OFFSET + 11);
        }
    }

    /** A SEND the target posted: its bytes and the rkey it invalidated (0: a plain SEND). */
    public record Response(byte[] bytes, int invalidatedRkey) {
        public ByteBuf cqe() {
            return Unpooled.wrappedBuffer(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        public int cid() {
            return Cqe.cid(cqe(), 0);
        }

        public int status() {
            return Cqe.status(cqe(), 0);
        }
    }

    /** Memory registered or exposed on the simulated fabric. */
    private record Region(ByteBuffer memory, long address, int lkey, int rkey) {
        boolean contains(long at, long length) {
            return at >= address && length >= 0 && at + length <= address + memory.capacity();
        }

        ByteBuffer slice(long at, int length) {
            return memory.duplicate().clear().position((int) (at - address)).limit((int) (at - address) + length)
                    .slice();
        }
    }

    /**
     * The simulated fabric: what the next host connection attempts meet, the listeners, and every registration. Its
     * monitor guards every {@link SimVerbs} it made.
     */
    public static final class Fabric implements Provider {
        public final List<SimVerbs> opened = new ArrayList<>();
        public String unavailable;
        /** Accept with this CRQSIZE (-1: the HSQSIZE + 1 asked), or reject with {@link #rejectSts} when that is > 0. */
        public int crqsize = -1;
        public int rejectSts;
        /** Whether the ADDR_RESOLVED step fails with this errno instead (0: it succeeds). */
        public int addressError;
        /** Target-side registrations made so far (each {@link #register} call counts). */
        public int registrations;
        /** Each connection has a completion channel (an eventfd) that an armed CQ makes readable; off: fd -1. */
        public boolean completionChannels;
        private final List<Region> regions = new ArrayList<>();
        private final Map<Integer, Region> exposed = new HashMap<>();
        private final List<SimListener> listeners = new ArrayList<>();
        private int nextKey = 0x10000;

        @Override
        public String unavailabilityCause() {
            return unavailable;
        }

        @Override
        public synchronized Verbs open() {
            SimVerbs v = new SimVerbs(this, false);
            opened.add(v);
            return v;
        }

        @Override
        public synchronized Listener listen(InetSocketAddress address, int backlog) {
            SimListener l = new SimListener(this, address.getPort() == 0 ? 4420 + listeners.size() : address.getPort());
            listeners.add(l);
            return l;
        }

        public synchronized SimVerbs last() {
            return opened.get(opened.size() - 1);
        }

        /**
         * A host asks the listener on {@code port} to connect with {@code privateData}; returns the target's end
         * (the test then plays the host through it).
         */
        public synchronized SimVerbs connectRequest(int port, byte[] privateData) {
            for (SimListener l : listeners) {
                if (l.port == port && !l.closed) {
                    SimVerbs v = new SimVerbs(this, true);
                    v.listener = l;
                    opened.add(v);
                    l.pending.add(new Object[] {v, privateData.clone()});
                    return v;
                }
            }
            throw new AssertionError("nobody listens on port " + port);
        }

        /** Host memory the target may read and write under the returned rkey (its address is the buffer's). */
        public synchronized int exposeHost(ByteBuffer memory) {
            int rkey = nextKey++;
            exposed.put(rkey, new Region(memory, MemorySegment.ofBuffer(memory).address(), 0, rkey));
            return rkey;
        }

        /** The address of exposed host memory, for the keyed SGL. */
        public static long addressOf(ByteBuffer memory) {
            return MemorySegment.ofBuffer(memory).address();
        }

        /** Whether the host key is still valid (a SEND with invalidate revokes it). */
        public synchronized boolean valid(int rkey) {
            return exposed.containsKey(rkey);
        }

        /** Open listeners. */
        public synchronized int listening() {
            int n = 0;
            for (SimListener l : listeners) {
                n += l.closed ? 0 : 1;
            }
            return n;
        }

        private Region local(long address, int length, int lkey) {
            for (Region r : regions) {
                if (r.lkey == lkey && r.contains(address, length)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** A listener on the simulated fabric. */
    private static final class SimListener implements Listener {
        private final Fabric fabric;
        private final int port;
        /** {SimVerbs, private data} of connection requests not yet polled. */
        private final ArrayDeque<Object[]> pending = new ArrayDeque<>();
        /** {SimVerbs, type} of connection events not yet polled. */
        private final ArrayDeque<Object[]> events = new ArrayDeque<>();
        private boolean closed;

        SimListener(Fabric fabric, int port) {
            this.fabric = fabric;
            this.port = port;
        }

        @Override
        public int localPort() {
            return port;
        }

        @Override
        public int pollEvents(ListenerHandler handler) {
            int n = 0;
            while (true) {
                Object[] request;
                Object[] event;
                synchronized (fabric) {
                    if (closed) {
                        return n;
                    }
                    request = pending.poll();
                    event = request == null ? events.poll() : null;
                }
                if (request != null) {
                    handler.onConnectRequest((SimVerbs) request[0],
                            ByteBuffer.wrap((byte[]) request[1]).order(ByteOrder.LITTLE_ENDIAN));
                } else if (event != null) {
                    handler.onConnectionEvent((SimVerbs) event[0], (Integer) event[1], 0);
                } else {
                    return n;
                }
                n++;
            }
        }

        @Override
        public void close() {
            synchronized (fabric) {
                closed = true;
            }
        }
    }

    private record Event(int type, int status, byte[] privateData) {
    }

    private record Completion(long wrId, int status, int opcode, int bytes, int flags) {
    }

    private final Fabric fabric;
    /** The target's end of a connection (the test plays the host). */
    private final boolean passive;
    private SimListener listener;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    /** Every completion enters here, so that an armed CQ raises its channel's event ({@link #completionAdded}). */
    private final ArrayDeque<Completion> cq = new ArrayDeque<>() {
        @Override
        public boolean add(Completion c) {
            super.add(c);
            completionAdded();
            return true;
        }

        @Override
        public boolean addAll(java.util.Collection<? extends Completion> c) {
            boolean changed = super.addAll(c);
            if (changed) {
                completionAdded();
            }
            return changed;
        }
    };
    /** The completion channel: an eventfd, made on first use when the fabric has {@link Fabric#completionChannels}. */
    private FileDescriptor channel;
    /** Armed: the next completion raises one event on the channel (ibv_req_notify_cq semantics). */
    private boolean notifyArmed;
    private int pendingEvents;
    /** Channel events the owner took ({@link #takeCompletionEvents}). */
    private int eventsTaken;
    private final List<Completion> held = new ArrayList<>();
    private final ArrayDeque<long[]> receives = new ArrayDeque<>(); // {wrId, address, length, lkey}
    public final ArrayDeque<Capsule> capsules = new ArrayDeque<>();
    private final List<Response> responses = new ArrayList<>();
    private ByteBuffer pool;
    private long base;
    private ByteBuf memory;
    public byte[] connectPrivateData;
    public byte[] acceptPrivateData;
    public byte[] rejectPrivateData;
    public boolean disconnected;
    /** DISCONNECTED was reported (target connections). */
    private boolean cmDisconnected;
    public boolean closed;
    public boolean queuePairCreated;
    public int sendSge = 2;
    /** Largest batch handed out by one poll. */
    public int maxPolled;
    /** Completions wait in {@link #held} until {@link #release} (target connections). */
    private boolean holdCompletions;
    /** The next target SEND fails with this status instead (0: none), as a host without a receive posted makes RNR. */
    private int failNextSend;

    private SimVerbs(Fabric fabric, boolean passive) {
        this.fabric = fabric;
        this.passive = passive;
    }

    // ---------------------------------------------------------------- Verbs: host side

    @Override
    public void resolveAddress(InetSocketAddress destination, int timeoutMs) {
        synchronized (fabric) {
            events.add(fabric.addressError != 0 ? new Event(CmEvent.ADDR_ERROR, -fabric.addressError, null)
                    : new Event(CmEvent.ADDR_RESOLVED, 0, null));
        }
    }

    @Override
    public Registration createResources(int sendWr, int recvWr, int sendSge, ByteBuffer pool) {
        synchronized (fabric) {
            this.pool = pool;
            this.base = MemorySegment.ofBuffer(pool).address();
            this.memory = Unpooled.wrappedBuffer(pool.duplicate().clear());
            return new Registration(base, LKEY, RKEY);
        }
    }

    @Override
    public int maxSendSge() {
        return sendSge;
    }

    @Override
    public void resolveRoute(int timeoutMs) {
        synchronized (fabric) {
            events.add(new Event(CmEvent.ROUTE_RESOLVED, 0, null));
        }
    }

    @Override
    public void connect(byte[] privateData) {
        synchronized (fabric) {
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
    }

    @Override
    public int pollEvents(EventHandler handler) {
        int n = 0;
        while (true) {
            Event e;
            synchronized (fabric) {
                e = closed ? null : events.poll();
            }
            if (e == null) {
                return n;
            }
            n++;
            ByteBuffer pd = e.privateData == null ? ByteBuffer.allocate(0)
                    : ByteBuffer.wrap(e.privateData).order(ByteOrder.LITTLE_ENDIAN);
            handler.onCmEvent(e.type, e.status, pd);
        }
    }

    // ---------------------------------------------------------------- Verbs: target side

    @Override
    public Object device() {
        return fabric;
    }

    @Override
    public void createQueuePair(int sendWr, int recvWr, int sendSge, int recvSge) {
        synchronized (fabric) {
            queuePairCreated = true;
        }
    }

    @Override
    public Registration register(ByteBuffer memory) {
        synchronized (fabric) {
            int key = fabric.nextKey++;
            Region r = new Region(memory, MemorySegment.ofBuffer(memory).address(), key, key);
            fabric.regions.add(r);
            fabric.registrations++;
            return new Registration(r.address, key, key);
        }
    }

    @Override
    public void accept(byte[] privateData) {
        synchronized (fabric) {
            acceptPrivateData = privateData.clone();
            listener.events.add(new Object[] {this, CmEvent.ESTABLISHED});
        }
    }

    @Override
    public void reject(byte[] privateData) {
        synchronized (fabric) {
            rejectPrivateData = privateData.clone();
        }
    }

    // ---------------------------------------------------------------- Verbs: both

    @Override
    public int postSend(WorkRequests requests, int first, int count) {
        synchronized (fabric) {
            for (int i = first; i < first + count; i++) {
                if (passive) {
                    targetSend(requests, i);
                } else {
                    hostSend(requests, i);
                }
            }
            return count;
        }
    }

    private void hostSend(WorkRequests requests, int i) {
        if (requests.opcode(i) != WorkRequests.OP_SEND || requests.sgeLength(i, 0) != Sqe.LENGTH) {
            throw new AssertionError("a command capsule is a SEND that starts with a 64-byte SQE");
        }
        ByteBuf sqe = Unpooled.copiedBuffer(local(requests.sgeAddress(i, 0), Sqe.LENGTH));
        ByteBuf data = requests.sgeCount(i) > 1
                ? Unpooled.copiedBuffer(local(requests.sgeAddress(i, 1), requests.sgeLength(i, 1))) : null;
        if (disconnected) {
            cq.add(new Completion(requests.wrId(i), WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0));
        } else {
            capsules.add(new Capsule(requests.wrId(i), sqe, data));
        }
    }

    /** The target's SEND, SEND with invalidate, RDMA READ or WRITE, done at once against the host's memory. */
    private void targetSend(WorkRequests requests, int i) {
        long wrId = requests.wrId(i);
        boolean signaled = (requests.flags(i) & WorkRequests.FLAG_SIGNALED) != 0;
        if (disconnected) {
            complete(new Completion(wrId, WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0));
            return;
        }
        int opcode = requests.opcode(i);
        int length = 0;
        for (int k = 0; k < requests.sgeCount(i); k++) {
            length += requests.sgeLength(i, k);
        }
        int status = WorkCompletions.STATUS_SUCCESS;
        int wcOpcode;
        if (opcode == WorkRequests.OP_RDMA_READ || opcode == WorkRequests.OP_RDMA_WRITE) {
            wcOpcode = opcode == WorkRequests.OP_RDMA_READ ? WorkCompletions.OPCODE_RDMA_READ
                    : WorkCompletions.OPCODE_RDMA_WRITE;
            Region host = fabric.exposed.get(requests.rkey(i));
            long remote = requests.remoteAddress(i);
            if (host == null || !host.contains(remote, length)) {
                status = WorkCompletions.STATUS_REM_ACCESS_ERR;
            } else {
                long at = remote;
                for (int k = 0; k < requests.sgeCount(i); k++) {
                    int len = requests.sgeLength(i, k);
                    ByteBuffer mine = targetLocal(requests.sgeAddress(i, k), len, requests.sgeLkey(i, k));
                    ByteBuffer theirs = host.slice(at, len);
                    if (opcode == WorkRequests.OP_RDMA_READ) {
                        mine.put(theirs);
                    } else {
                        theirs.put(mine);
                    }
                    at += len;
                }
            }
        } else {
            wcOpcode = WorkCompletions.OPCODE_SEND;
            if (failNextSend != 0) {
                status = failNextSend;
                failNextSend = 0;
            } else {
                byte[] bytes = new byte[length];
                int at = 0;
                for (int k = 0; k < requests.sgeCount(i); k++) {
                    int len = requests.sgeLength(i, k);
                    targetLocal(requests.sgeAddress(i, k), len, requests.sgeLkey(i, k)).get(bytes, at, len);
                    at += len;
                }
                int invalidated = 0;
                if (opcode == WorkRequests.OP_SEND_WITH_INV) {
                    invalidated = requests.invalidateRkey(i);
                    if (fabric.exposed.remove(invalidated) == null) {
                        status = WorkCompletions.STATUS_REM_INV_REQ_ERR;
                    }
                }
                if (status == WorkCompletions.STATUS_SUCCESS) {
                    responses.add(new Response(bytes, invalidated));
                }
            }
        }
        if (status != WorkCompletions.STATUS_SUCCESS) {
            // An error completes whatever its signaling and takes the queue pair to the error state.
            complete(new Completion(wrId, status, wcOpcode, 0, 0));
            errorState();
            return;
        }
        if (signaled) {
            complete(new Completion(wrId, status, wcOpcode, length, 0));
        }
    }

    @Override
    public int postReceive(WorkRequests requests, int first, int count) {
        synchronized (fabric) {
            for (int i = first; i < first + count; i++) {
                if (disconnected && passive) {
                    complete(new Completion(requests.wrId(i), WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0));
                    continue;
                }
                receives.add(new long[] {requests.wrId(i), requests.sgeAddress(i, 0), requests.sgeLength(i, 0),
                    requests.sgeLkey(i, 0)});
            }
            return count;
        }
    }

    @Override
    public int lastPostError() {
        return 0;
    }

    @Override
    public int pollCompletions(WorkCompletions completions, int max) {
        synchronized (fabric) {
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
                b.putInt(at + WorkCompletions.FLAGS_OFFSET, c.flags);
                n++;
            }
            maxPolled = Math.max(maxPolled, n);
            return n;
        }
    }

    @Override
    public int completionFd() {
        synchronized (fabric) {
            if (!fabric.completionChannels || closed) {
                return -1;
            }
            if (channel == null) {
                channel = Native.newEventFd();
            }
            return channel.intValue();
        }
    }

    /** Times the CQ was armed. */
    public int armed;

    /** Whether the CQ is armed now: its next completion raises a channel event. */
    public boolean armedNow() {
        synchronized (fabric) {
            return notifyArmed;
        }
    }

    /** {@link #eventsTaken}, read under the fabric's monitor. */
    public int eventsTaken() {
        synchronized (fabric) {
            return eventsTaken;
        }
    }

    @Override
    public void armCompletions() {
        synchronized (fabric) {
            armed++;
            notifyArmed = true;
        }
    }

    /** Under the fabric's monitor: an armed CQ with a channel raises one event, as the provider's interrupt does. */
    private void completionAdded() {
        if (notifyArmed && channel != null) {
            notifyArmed = false;
            pendingEvents++;
            Native.eventFdWrite(channel.intValue(), 1);
        }
    }

    @Override
    public int takeCompletionEvents() {
        synchronized (fabric) {
            if (pendingEvents == 0) {
                return 0;
            }
            Native.eventFdRead(channel.intValue());
            int n = pendingEvents;
            pendingEvents = 0;
            eventsTaken += n;
            return n;
        }
    }

    @Override
    public void disconnect() {
        synchronized (fabric) {
            if (passive && !cmDisconnected) {
                cmDisconnected = true;
                errorState();
                listener.events.add(new Object[] {this, CmEvent.DISCONNECTED});
            }
            disconnected = true;
        }
    }

    @Override
    public void close() {
        synchronized (fabric) {
            closed = true;
            if (channel != null) {
                try {
                    channel.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                channel = null;
            }
        }
    }

    // ---------------------------------------------------------------- the target's side, played by the test

    /** The capsules sent since the last call, in order. */
    public List<Capsule> take() {
        synchronized (fabric) {
            List<Capsule> out = new ArrayList<>(capsules);
            capsules.clear();
            return out;
        }
    }

    /** RDMA READ of the host memory a keyed SGL describes (a write's data), checking the key and the range. */
    public byte[] rdmaRead(Capsule c) {
        synchronized (fabric) {
            byte[] out = new byte[c.sglLength()];
            keyed(c).getBytes(0, out);
            return out;
        }
    }

    /** RDMA WRITE of {@code data} into the host memory a keyed SGL describes (a read's data). */
    public void rdmaWrite(Capsule c, byte[] data) {
        synchronized (fabric) {
            keyed(c).setBytes(0, data);
        }
    }

    private ByteBuf keyed(Capsule c) {
        if (c.sglId() != 0x40 || c.sglKey() != RKEY) {
            throw new AssertionError(String.format("SGL id 0x%02x key 0x%x is not a keyed SGL under the pool's rkey",
                    c.sglId(), c.sglKey()));
        }
        return local(c.sglAddress(), c.sglLength());
    }

    /** The response capsule for {@code c}, received into the host's next posted buffer. */
    public void respond(Capsule c, int status) {
        respond(c.cid(), status);
    }

    public void respond(int cid, int status) {
        synchronized (fabric) {
            long[] recv = receives.poll();
            if (recv == null) {
                throw new AssertionError("receiver not ready: the host has no receive posted");
            }
            Cqe.write(local(recv[1], Cqe.LENGTH), 0, 0, 0, 0, 0, cid, status);
            cq.add(new Completion(recv[0], WorkCompletions.STATUS_SUCCESS, WorkCompletions.OPCODE_RECV, Cqe.LENGTH,
                    0));
        }
    }

    /** The host's SEND of {@code c} completes with {@code status}. */
    public void sendDone(Capsule c, int status) {
        synchronized (fabric) {
            cq.add(new Completion(c.wrId(), status, WorkCompletions.OPCODE_SEND, 0, 0));
        }
    }

    /** The peer disconnects: DISCONNECTED, and every posted receive flushes. */
    public void peerDisconnect() {
        synchronized (fabric) {
            disconnected = true;
            if (passive) {
                errorState();
                if (!cmDisconnected) {
                    cmDisconnected = true;
                    listener.events.add(new Object[] {this, CmEvent.DISCONNECTED});
                }
                return;
            }
            long[] recv;
            while ((recv = receives.poll()) != null) {
                cq.add(new Completion(recv[0], WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0));
            }
            events.add(new Event(CmEvent.DISCONNECTED, 0, null));
        }
    }

    public int postedReceives() {
        synchronized (fabric) {
            return receives.size();
        }
    }

    private ByteBuf local(long address, int length) {
        long offset = address - base;
        if (offset < 0 || offset + length > pool.capacity()) {
            throw new AssertionError("address " + address + " +" + length + " is outside the registered pool");
        }
        return memory.slice((int) offset, length);
    }

    // ---------------------------------------------------------------- the host's side, played by the test

    /**
     * The host SENDs a command capsule (64-byte SQE, then in-capsule data) into the target's next posted receive;
     * false when none is posted (the host would see receiver-not-ready; the target sees nothing).
     */
    public boolean sendCapsule(byte[] capsule) {
        synchronized (fabric) {
            if (disconnected) {
                return false;
            }
            long[] recv = receives.poll();
            if (recv == null) {
                return false;
            }
            if (capsule.length > recv[2]) {
                complete(new Completion(recv[0], WorkCompletions.STATUS_LOC_LEN_ERR, 0, 0, 0));
                errorState();
                return true;
            }
            targetLocal(recv[1], capsule.length, (int) recv[3]).put(capsule);
            complete(new Completion(recv[0], WorkCompletions.STATUS_SUCCESS, WorkCompletions.OPCODE_RECV,
                    capsule.length, 0));
            return true;
        }
    }

    /** The responses (SENDs) the target posted so far, in order; the list is emptied. */
    public List<Response> responses() {
        synchronized (fabric) {
            List<Response> out = new ArrayList<>(responses);
            responses.clear();
            return out;
        }
    }

    /** From now on completions wait until {@link #release}d (or all of them are, when this is turned off). */
    public void holdCompletions(boolean hold) {
        synchronized (fabric) {
            holdCompletions = hold;
            if (!hold) {
                cq.addAll(held);
                held.clear();
            }
        }
    }

    /** Completions held so far. */
    public int heldCompletions() {
        synchronized (fabric) {
            return held.size();
        }
    }

    /** Hands the held completions to the CQ in the order given (indexes into what is held), at once. */
    public void release(int... order) {
        synchronized (fabric) {
            List<Completion> now = new ArrayList<>();
            for (int index : order) {
                now.add(held.get(index));
            }
            held.removeAll(now);
            cq.addAll(now);
        }
    }

    /** The target's next SEND fails with {@code status} (RNR_RETRY_EXC_ERR: the host had no receive posted). */
    public void failNextSend(int status) {
        synchronized (fabric) {
            failNextSend = status;
        }
    }

    /** Receives the target has posted and the host has not used. */
    public int targetReceivesPosted() {
        return postedReceives();
    }

    private void complete(Completion c) {
        if (holdCompletions) {
            held.add(c);
        } else {
            cq.add(c);
        }
    }

    /** The queue pair goes to the error state: every posted receive flushes, and so does everything posted after. */
    private void errorState() {
        disconnected = true;
        long[] recv;
        while ((recv = receives.poll()) != null) {
            complete(new Completion(recv[0], WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0));
        }
    }

    private ByteBuffer targetLocal(long address, int length, int lkey) {
        Region r = fabric.local(address, length, lkey);
        if (r == null) {
            throw new AssertionError("address " + address + " +" + length + " lkey 0x" + Integer.toHexString(lkey)
                    + " is in no registration");
        }
        return r.slice(address, length);
    }
}
