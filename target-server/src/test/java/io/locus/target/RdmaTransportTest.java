package io.locus.target;

import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.verbs.SimVerbs;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.rdma.KeyedSgl;
import io.locus.protocol.rdma.RdmaCm;
import io.locus.runtime.Reactor;
import io.locus.target.core.ReactorStats;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.locus.target.transport.rdma.RdmaTransport;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NVMe/RDMA target transport over simulated verbs ({@link SimVerbs}), the whole target behind it (dispatcher,
 * controllers, memory namespace, reactors): the test plays the host — connect requests with NVMe/RDMA private data,
 * command capsules sent into the target's receive buffers, host memory exposed under rkeys for the target's RDMA
 * READs and WRITEs — and controls when and in which order the target's completions arrive.
 */
@Timeout(60)
class RdmaTransportTest {
    private static final int BLOCK = 4096;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private Target target;
    private RdmaTransport rdma;
    private Port port;
    private final SimVerbs.Fabric fabric = new SimVerbs.Fabric();
    private final ByteBuffer hostMemory = ByteBuffer.allocateDirect(1 << 20);
    private int rkey;
    private long hostBase;

    @BeforeEach
    void start() throws Exception {
        target = TestTargets.memory(16L << 20);
        rdma = new RdmaTransport(target.pollGroups(), target.dispatcher(), target.limits(), target.rejects(), fabric);
        port = rdma.listen(new Port(9, DiscoveryLog.TRTYPE_RDMA, new InetSocketAddress("127.0.0.1", 4420), false));
        rkey = fabric.exposeHost(hostMemory);
        hostBase = SimVerbs.Fabric.addressOf(hostMemory);
    }

    @AfterEach
    void stop() {
        rdma.close();
        target.close();
    }

    /** The host's end of one queue: sends capsules, collects responses by CID. */
    private final class Host {
        final SimVerbs v;
        final Map<Integer, SimVerbs.Response> responses = new HashMap<>();

        Host(int qid, int entries, int cntlid) {
            v = fabric.connectRequest(port.address().getPort(), RdmaCm.request(qid, entries, entries - 1, cntlid));
            RdmaTransportTest.await(() -> v.acceptPrivateData != null || v.rejectPrivateData != null, "accept or reject");
        }

        void send(ByteBuf sqe, byte[] inCapsule) {
            byte[] capsule = new byte[64 + (inCapsule == null ? 0 : inCapsule.length)];
            sqe.getBytes(0, capsule, 0, 64);
            if (inCapsule != null) {
                System.arraycopy(inCapsule, 0, capsule, 64, inCapsule.length);
            }
            assertTrue(v.sendCapsule(capsule), "the target has a receive posted");
        }

        SimVerbs.Response await(int cid) {
            RdmaTransportTest.this.await(() -> {
                for (SimVerbs.Response r : v.responses()) {
                    responses.put(r.cid(), r);
                }
                return responses.containsKey(cid);
            }, "response to cid " + cid);
            return responses.remove(cid);
        }

        int run(ByteBuf sqe, byte[] inCapsule) {
            send(sqe, inCapsule);
            return await(Sqe.cid(sqe, 0)).status();
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private ByteBuf keyed(int opcode, int cid, int nsid, long hostOffset, int length, boolean invalidate, int key) {
        ByteBuf s = RawHost.sqe(opcode, cid, nsid);
        KeyedSgl.write(s, Sqe.SGL1_OFFSET, hostBase + hostOffset, length, key, invalidate);
        return s;
    }

    private ByteBuf inCapsule(int opcode, int cid, int nsid, int length) {
        ByteBuf s = RawHost.sqe(opcode, cid, nsid);
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, length, Sgl.ID_IN_CAPSULE);
        return s;
    }

    private ByteBuf io(int opcode, int cid, long slba, int blocks, long hostOffset, boolean invalidate, int key) {
        ByteBuf s = keyed(opcode, cid, 1, hostOffset, blocks * BLOCK, invalidate, key);
        Sqe.setCdw(s, 0, 10, (int) slba);
        Sqe.setCdw(s, 0, 12, blocks - 1);
        return s;
    }

    private ByteBuf connect(int qid, int cntlid, int sqsize, boolean inCapsule) {
        ByteBuf s = inCapsule ? inCapsule(AdminOpcode.FABRICS, 1, 0, 1024)
                : keyed(AdminOpcode.FABRICS, 1, 0, 0, 1024, false, rkey);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.CONNECT);
        s.setShortLE(FabricsCommand.CONNECT_QID_OFFSET, qid);
        s.setShortLE(FabricsCommand.CONNECT_SQSIZE_OFFSET, sqsize);
        if (!inCapsule) {
            hostMemory.clear().put(RawHost.connectData(cntlid, TestTargets.NQN, RawHost.HOSTNQN));
        }
        return s;
    }

    /** Admin queue with the Connect data moved by RDMA READ (as the Linux host sends it), then CC.EN=1; the CNTLID. */
    private int bringUp(Host admin) {
        admin.send(connect(0, 0xFFFF, 31, false), null);
        SimVerbs.Response connected = admin.await(1);
        assertEquals(Status.SUCCESS, connected.status(), "admin Connect");
        ByteBuf set = keyed(AdminOpcode.FABRICS, 2, 0, 0, 0, false, 0);
        set.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_SET);
        set.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, Property.CC);
        set.setLongLE(FabricsCommand.PROPERTY_VALUE_OFFSET, (6 << 16) | (4 << 20) | 1);
        assertEquals(Status.SUCCESS, admin.run(set, null), "CC.EN=1");
        return connected.cqe().getUnsignedShortLE(0);
    }

    private Host ioQueue(int qid, int cntlid, int entries) {
        Host io = new Host(qid, entries, cntlid);
        assertNotNull(io.v.acceptPrivateData, "accepted");
        assertEquals(Status.SUCCESS, io.run(connect(qid, cntlid, entries - 1, true),
                RawHost.connectData(cntlid, TestTargets.NQN, RawHost.HOSTNQN)), "I/O Connect with in-capsule data");
        return io;
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void hostPut(long offset, byte[] data) {
        hostMemory.clear().position((int) offset);
        hostMemory.put(data);
    }

    private byte[] hostGet(long offset, int length) {
        byte[] out = new byte[length];
        hostMemory.clear().position((int) offset);
        hostMemory.get(out);
        return out;
    }

    // ---- connect ------------------------------------------------------------------------------------------

    @Test
    void shouldAcceptWithCrqsizeAndRejectBadPrivateDataWithTheSpecStatus() {
        Host ok = new Host(0, 32, 0xFFFF);
        ByteBuffer accept = ByteBuffer.wrap(ok.v.acceptPrivateData).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, accept.getShort(RdmaCm.RECFMT_OFFSET), "RECFMT");
        assertEquals(32, accept.getShort(RdmaCm.CRQSIZE_OFFSET), "CRQSIZE = HSQSIZE + 1");
        assertTrue(ok.v.queuePairCreated);

        assertEquals(RdmaCm.STS_INVALID_RECFMT, rejected(withField(RdmaCm.request(0, 32, 31, 0xFFFF), 0, 1)));
        assertEquals(RdmaCm.STS_INVALID_HSQSIZE, rejected(RdmaCm.request(0, 64, 63, 0xFFFF)), "admin queue > 32");
        assertEquals(RdmaCm.STS_INVALID_HSQSIZE, rejected(RdmaCm.request(1, 2, 0, 1)), "HSQSIZE 0");
        assertEquals(RdmaCm.STS_INVALID_HSQSIZE, rejected(RdmaCm.request(1, 2048, 2047, 1)), "beyond MQES");
        assertEquals(RdmaCm.STS_INVALID_HRQSIZE, rejected(RdmaCm.request(1, 0, 31, 1)), "HRQSIZE 0");
        assertEquals(RdmaCm.STS_INVALID_QID, rejected(RdmaCm.request(4000, 32, 31, 1)));
        byte[] shortData = new byte[16];
        assertEquals(RdmaCm.STS_INVALID_LENGTH, rejected(shortData));
    }

    private int rejected(byte[] privateData) {
        SimVerbs v = fabric.connectRequest(port.address().getPort(), privateData);
        await(() -> v.rejectPrivateData != null || v.acceptPrivateData != null, "reject");
        assertNotNull(v.rejectPrivateData, "rejected");
        assertFalse(v.queuePairCreated, "no queue pair for a rejected request");
        await(() -> v.closed, "the rejected id closed");
        ByteBuffer rej = ByteBuffer.wrap(v.rejectPrivateData).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, rej.getShort(RdmaCm.RECFMT_OFFSET));
        return rej.getShort(RdmaCm.STS_OFFSET);
    }

    private static byte[] withField(byte[] data, int offset, int value) {
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putShort(offset, (short) value);
        return data;
    }

    // ---- adaptive idle ------------------------------------------------------------------------------------

    @Test
    void shouldArmAnIdleCqAndWakeForItsChannelEvent() {
        fabric.completionChannels = true;
        Host admin = new Host(0, 32, 0xFFFF);
        bringUp(admin);
        for (int cid = 10; cid < 13; cid++) {
            int taken = admin.v.eventsTaken();
            await(admin.v::armedNow, "the idle queue arms its CQ");
            ByteBuf get = keyed(AdminOpcode.FABRICS, cid, 0, 0, 0, false, 0);
            get.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_GET);
            get.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, Property.CSTS);
            assertEquals(Status.SUCCESS, admin.run(get, null), "Property Get CSTS");
            await(() -> admin.v.eventsTaken() > taken, "the reactor takes the channel event the capsule raised");
        }
    }

    // ---- data ---------------------------------------------------------------------------------------------

    @Test
    void shouldMoveDataInCapsuleByRdmaReadAndByRdmaWriteThenSend() {
        Host admin = new Host(0, 32, 0xFFFF);
        int cntlid = bringUp(admin);
        ByteBuf identify = keyed(AdminOpcode.IDENTIFY, 3, 0, 8192, 4096, false, rkey);
        Sqe.setCdw(identify, 0, 10, 1);
        assertEquals(Status.SUCCESS, admin.run(identify, null), "Identify Controller by RDMA WRITE");
        int sgls = ByteBuffer.wrap(hostGet(8192, 4096)).order(ByteOrder.LITTLE_ENDIAN).getInt(IdentifyController.SGLS);
        assertEquals(IdentifyController.SGLS_KEYED, sgls & IdentifyController.SGLS_KEYED, "SGLS b2 on an RDMA port");
        assertEquals(IdentifyController.SGLS_OFFSET, sgls & IdentifyController.SGLS_OFFSET, "SGLS b20");

        Host io = ioQueue(1, cntlid, 32);
        byte[] small = pattern(BLOCK, 1);
        ByteBuf write = inCapsule(NvmOpcode.WRITE, 10, 1, BLOCK);
        Sqe.setCdw(write, 0, 10, 0);
        assertEquals(Status.SUCCESS, io.run(write, small), "in-capsule write");

        byte[] large = pattern(16 * BLOCK, 2);
        hostPut(65536, large);
        assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.WRITE, 11, 1, 16, 65536, false, rkey), null), "keyed write");

        assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.READ, 12, 0, 17, 262144, false, rkey), null), "keyed read");
        assertArrayEquals(small, hostGet(262144, BLOCK));
        assertArrayEquals(large, hostGet(262144 + BLOCK, 16 * BLOCK));

        // In-capsule data beyond IOCCSZ, and in-capsule data for a read, fail without touching anything.
        ByteBuf offsetTooFar = inCapsule(NvmOpcode.WRITE, 13, 1, BLOCK);
        Sgl.write(offsetTooFar, Sqe.SGL1_OFFSET, target.limits().ioInCapsuleBytes(), BLOCK, Sgl.ID_IN_CAPSULE);
        assertEquals(Status.INVALID_SGL_OFFSET | Status.DNR, io.run(offsetTooFar, small));
        assertEquals(Status.INVALID_FIELD | Status.DNR, io.run(inCapsule(NvmOpcode.READ, 14, 1, BLOCK), small));
        ByteBuf transport = RawHost.sqe(NvmOpcode.READ, 15, 1);
        Sgl.write(transport, Sqe.SGL1_OFFSET, 0, BLOCK, Sgl.ID_TRANSPORT);
        assertEquals(Status.SGL_TYPE_INVALID | Status.DNR, io.run(transport, null), "a TCP SGL over RDMA");
    }

    @Test
    void shouldReadIntoTheRegisteredDataBufferAndWriteZeroesFromTheSharedZeroesWithoutACopy() throws Exception {
        rdma.close();
        target.close();
        target = Target.start(TestTargets.config(List.of(
                new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, BLOCK, null),
                new TargetConfig.NamespaceConfig(2, "null", 16L << 20, null, BLOCK, null)),
                true, List.of(), TargetConfig.Limits.defaults()));
        rdma = new RdmaTransport(target.pollGroups(), target.dispatcher(), target.limits(), target.rejects(), fabric);
        port = rdma.listen(new Port(9, DiscoveryLog.TRTYPE_RDMA, new InetSocketAddress("127.0.0.1", 4421), false));
        Host admin = new Host(0, 32, 0xFFFF);
        Host io = ioQueue(1, bringUp(admin), 32);

        byte[] data = pattern(32 * BLOCK, 7);
        hostPut(0, data);
        assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.WRITE, 30, 100, 32, 0, false, rkey), null));
        hostPut(262144, new byte[32 * BLOCK]);
        assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.READ, 31, 100, 32, 262144, false, rkey), null));
        assertArrayEquals(data, hostGet(262144, 32 * BLOCK), "the memory namespace's data");

        byte[] ones = new byte[32 * BLOCK];
        Arrays.fill(ones, (byte) 0xFF);
        hostPut(524288, ones);
        ByteBuf zeroes = keyed(NvmOpcode.READ, 32, 2, 524288, 32 * BLOCK, false, rkey);
        Sqe.setCdw(zeroes, 0, 12, 31);
        assertEquals(Status.SUCCESS, io.run(zeroes, null));
        assertArrayEquals(new byte[32 * BLOCK], hostGet(524288, 32 * BLOCK), "the null namespace's zeroes");

        long copied = 0;
        for (Reactor r : target.reactors().reactors()) {
            copied += target.completions(r).stats().rdmaReadCopyBytes();
        }
        assertEquals(0, copied, "bytes of read data copied into the RDMA buffers");
    }

    @Test
    void shouldInvalidateTheHostKeyWithTheResponseWhenAsked() {
        Host admin = new Host(0, 32, 0xFFFF);
        Host io = ioQueue(1, bringUp(admin), 32);
        ByteBuffer other = ByteBuffer.allocateDirect(BLOCK);
        int otherKey = fabric.exposeHost(other);
        ByteBuf read = keyed(NvmOpcode.READ, 20, 1, 0, BLOCK, true, otherKey);
        KeyedSgl.write(read, Sqe.SGL1_OFFSET, SimVerbs.Fabric.addressOf(other), BLOCK, otherKey, true);
        io.send(read, null);
        SimVerbs.Response r = io.await(20);
        assertEquals(Status.SUCCESS, r.status());
        assertEquals(otherKey, r.invalidatedRkey(), "SEND with invalidate of the SGL's key");
        assertFalse(fabric.valid(otherKey));

        assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.READ, 21, 0, 1, 0, false, rkey), null));
        assertTrue(fabric.valid(rkey), "a plain keyed SGL leaves the key alone");
    }

    @Test
    void shouldServeCompletionsOutOfOrderAndInBatches() {
        Host admin = new Host(0, 32, 0xFFFF);
        Host io = ioQueue(1, bringUp(admin), 32);
        int n = 8;
        for (int i = 0; i < n; i++) {
            hostPut((long) i * BLOCK, pattern(BLOCK, 100 + i));
        }
        io.v.holdCompletions(true);
        for (int i = 0; i < n; i++) {
            io.send(io(NvmOpcode.WRITE, 30 + i, i, 1, (long) i * BLOCK, false, rkey), null);
        }
        assertEquals(n, io.v.heldCompletions(), "every capsule's receive completion is held");
        int[] reverse = new int[n];
        for (int i = 0; i < n; i++) {
            reverse[i] = n - 1 - i;
        }
        io.v.release(reverse);
        // The RDMA READs of the writes: held too, released backwards in one batch.
        await(() -> io.v.heldCompletions() == n, "the RDMA READs of every write");
        io.v.release(reverse);
        await(() -> io.v.heldCompletions() == n, "the response SENDs");
        io.v.holdCompletions(false);
        for (int i = 0; i < n; i++) {
            assertEquals(Status.SUCCESS, io.await(30 + i).status());
        }
        assertTrue(io.v.maxPolled >= n, "a batch of completions in one poll, got " + io.v.maxPolled);
        for (int i = 0; i < n; i++) {
            assertEquals(Status.SUCCESS, io.run(io(NvmOpcode.READ, 50 + i, i, 1, 512 * 1024 + (long) i * BLOCK, false,
                    rkey), null));
            assertArrayEquals(pattern(BLOCK, 100 + i), hostGet(512 * 1024 + (long) i * BLOCK, BLOCK), "block " + i);
        }
    }

    // ---- errors -------------------------------------------------------------------------------------------

    @Test
    void shouldFlushAndTearDownOnDisconnectWithoutLeakingOrHurtingOtherQueues() {
        Host admin = new Host(0, 32, 0xFFFF);
        int cntlid = bringUp(admin);
        Host one = ioQueue(1, cntlid, 32);
        Host two = ioQueue(2, cntlid, 32);
        assertEquals(3, rdma.queueCount());

        one.v.holdCompletions(true);
        one.send(io(NvmOpcode.WRITE, 60, 0, 4, 0, false, rkey), null);
        one.v.release(0); // the capsule: the target posts its RDMA READ, whose completion stays held
        await(() -> one.v.heldCompletions() == 1, "the RDMA READ posted");
        one.v.peerDisconnect();
        one.v.holdCompletions(false);
        await(() -> rdma.queueCount() == 2, "the disconnected queue torn down");
        assertTrue(one.v.closed, "its queue pair destroyed");
        assertEquals(Status.SUCCESS, two.run(io(NvmOpcode.READ, 61, 0, 1, 0, false, rkey), null),
                "the other I/O queue still serves");
        ByteBuf identify = keyed(AdminOpcode.IDENTIFY, 62, 0, 8192, 4096, false, rkey);
        Sqe.setCdw(identify, 0, 10, 1);
        assertEquals(Status.SUCCESS, admin.run(identify, null), "and the admin queue");

        admin.v.peerDisconnect();
        await(() -> rdma.queueCount() == 0, "the admin queue takes the controller and its I/O queues with it");
        assertEquals(0, rdma.buffersInUse(), "every receive, response and data buffer went back to the pools");
    }

    @Test
    void shouldTearDownTheQueueOnRemoteAccessErrorAndReceiverNotReady() {
        Host admin = new Host(0, 32, 0xFFFF);
        int cntlid = bringUp(admin);
        Host bad = ioQueue(1, cntlid, 32);
        bad.send(io(NvmOpcode.READ, 70, 0, 1, 0, false, 0x0BAD), null);
        await(() -> rdma.queueCount() == 2, "the queue whose RDMA WRITE hit a bad rkey torn down");
        assertTrue(bad.v.responses().isEmpty(), "no response after a failed RDMA WRITE");

        Host rnr = ioQueue(2, cntlid, 32);
        rnr.v.failNextSend(WorkCompletions.STATUS_RNR_RETRY_EXC_ERR);
        rnr.send(io(NvmOpcode.READ, 71, 0, 1, 0, false, rkey), null);
        await(() -> rdma.queueCount() == 1, "the queue whose response met receiver-not-ready torn down");

        Host good = ioQueue(3, cntlid, 32);
        assertEquals(Status.SUCCESS, good.run(io(NvmOpcode.READ, 72, 0, 1, 0, false, rkey), null));
        admin.v.peerDisconnect();
        await(() -> rdma.queueCount() == 0, "all gone");
        assertEquals(0, rdma.buffersInUse(), "nothing leaked");
    }

    @Test
    void shouldRegisterEachReactorsBuffersOnceAndReuseThem() {
        Host admin = new Host(0, 32, 0xFFFF);
        Host io = ioQueue(1, bringUp(admin), 32);
        for (int i = 0; i < 100; i++) {
            assertEquals(Status.SUCCESS, io.run(io(i % 2 == 0 ? NvmOpcode.WRITE : NvmOpcode.READ, 100 + (i % 50),
                    i, 1, 0, false, rkey), null));
        }
        long hits = 0;
        long misses = 0;
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            hits += s.registrationReuse(true);
            misses += s.registrationReuse(false);
        }
        assertEquals(fabric.registrations, misses, "a miss is a registration");
        assertTrue(misses <= 3 * target.reactors().size(), "one registration per pool slab, got " + misses);
        assertTrue((double) hits / (hits + misses) > 0.95, hits + " hits, " + misses + " misses");
    }

    @Test
    void shouldSayWhyWhenRdmaIsNotAvailable() {
        fabric.unavailable = "no RDMA device (rdma_get_devices found none)";
        Exception e = assertThrows(java.io.IOException.class, () -> rdma.listen(new Port(10, DiscoveryLog.TRTYPE_RDMA,
                new InetSocketAddress("127.0.0.1", 4421), false)));
        assertEquals("RDMA is not available: no RDMA device (rdma_get_devices found none)", e.getMessage());
        assertNotEquals(0, fabric.listening());
    }
}
