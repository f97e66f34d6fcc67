package io.locus.initiator.rdma;

import io.locus.nativeio.rdma.verbs.SimVerbs;
import io.locus.initiator.HostStatus;
import io.locus.initiator.IoCallback;
import io.locus.initiator.NvmeException;
import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.QueueConfig;
import io.locus.initiator.queue.QueuePair;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RdmaConnection} under a {@link QueuePair} over simulated verbs ({@link SimVerbs}), turn by turn on an
 * invoker reactor: the NVMe/RDMA CM private data, a reject's status, in-capsule and keyed-SGL data, responses and send
 * completions out of order and in batches, flush errors on a disconnect and the reconnect after it, a remote access
 * error, an unknown CID, and RDMA being unavailable.
 */
class RdmaConnectionTest {
    static final InetSocketAddress TARGET = new InetSocketAddress("127.0.0.1", 4420);
    static final int ENTRIES = 8;

    final SimVerbs.Fabric fabric = new SimVerbs.Fabric();
    final List<String> failures = new ArrayList<>();
    final Map<Object, Integer> done = new HashMap<>();
    final IoCallback callback = (context, status, dw0, dw1) -> done.put(context, status);
    Reactor reactor;
    QueuePair pair;

    @BeforeEach
    void setUp() {
        reactor = Reactor.invoker(ReactorConfig.defaults("rdma-test", -1), Reactor.SYSTEM_CLOCK);
        pair = new QueuePair(new QueueConfig(1, ENTRIES, false, false, 2, TimeUnit.SECONDS.toNanos(30)), reactor,
                (q, reason) -> failures.add(reason), null, RdmaConnection.factory(fabric));
    }

    @AfterEach
    void tearDown() {
        pair.close();
        turns(3);
        reactor.close();
    }

    @Test
    void shouldConnectWithTheNvmeRdmaPrivateDataAndPostAReceivePerEntry() throws Exception {
        connect();
        SimVerbs v = fabric.last();
        ByteBuffer pd = ByteBuffer.wrap(v.connectPrivateData).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(32, v.connectPrivateData.length);
        assertEquals(0, pd.getShort(0), "RECFMT");
        assertEquals(1, pd.getShort(2), "QID");
        assertEquals(ENTRIES, pd.getShort(4), "HRQSIZE");
        assertEquals(ENTRIES - 1, pd.getShort(6), "HSQSIZE");
        assertEquals(ENTRIES, v.postedReceives());
        assertEquals(QueuePair.State.CONNECTED, pair.state());
        assertEquals(ENTRIES, rdma().controllerReceiveQueue());
    }

    @Test
    void shouldTurnARejectsStatusIntoAClearConnectError() {
        fabric.rejectSts = 4;
        NvmeException e = connectFails();
        assertTrue(e.getMessage().contains("rejected the RDMA connection of queue 1: invalid HSQSIZE (NVMe/RDMA CM status 4)"),
                e.getMessage());
        assertTrue(fabric.last().closed);
    }

    @Test
    void shouldRefuseAnAcceptWhoseReceiveQueueIsTooSmall() {
        fabric.crqsize = 4;
        NvmeException e = connectFails();
        assertTrue(e.getMessage().contains("CRQSIZE"), e.getMessage());
    }

    @Test
    void shouldSayWhenRdmaIsUnavailable() {
        fabric.unavailable = "no RDMA device (rdma_get_devices found none)";
        NvmeException e = connectFails();
        assertTrue(e.getMessage().contains("RDMA unavailable: no RDMA device"), e.getMessage());
    }

    @Test
    void shouldReportAnAddressError() {
        fabric.addressError = 19;
        assertTrue(connectFails().getMessage().contains("ENODEV"));
    }

    @Test
    void shouldMoveDataInCapsuleAndByKeyedSglWithCompletionsOutOfOrderAndBatched() throws Exception {
        connect();
        live(4096);
        SimVerbs v = fabric.last();
        Random random = new Random(3);
        byte[] small = bytes(random, 4096);
        byte[] large = bytes(random, 65536);
        byte[] stored = bytes(random, 65536);
        ByteBuf readInto = Unpooled.directBuffer(65536).writerIndex(65536);
        submit("small-write", NvmOpcode.WRITE, Unpooled.wrappedBuffer(small));
        submit("large-write", NvmOpcode.WRITE, Unpooled.wrappedBuffer(large));
        submit("read", NvmOpcode.READ, readInto);
        submit("flush", NvmOpcode.FLUSH, null);
        turns(1);
        List<SimVerbs.Capsule> sent = v.take();
        assertEquals(4, sent.size(), "one SEND per command, posted in one batch");

        SimVerbs.Capsule smallWrite = sent.get(0);
        assertEquals(0x01, smallWrite.sglId(), "4 KiB fits the in-capsule size: data block, offset");
        assertArrayEquals(small, bytes(smallWrite.inCapsuleData()));
        SimVerbs.Capsule largeWrite = sent.get(1);
        assertEquals(0x40, largeWrite.sglId(), "keyed SGL data block, address");
        assertNull(largeWrite.inCapsuleData());
        assertArrayEquals(large, v.rdmaRead(largeWrite));
        SimVerbs.Capsule read = sent.get(2);
        assertEquals(0x40, read.sglId());
        assertEquals(65536, read.sglLength());
        v.rdmaWrite(read, stored);
        assertEquals(0, sent.get(3).sglLength(), "no data: a zero keyed SGL");

        // Responses in reverse order; the read's and the flush's arrive before their SENDs complete.
        v.respond(sent.get(3), 0);
        v.respond(read, 0);
        v.sendDone(largeWrite, WorkCompletions.STATUS_SUCCESS);
        v.respond(largeWrite, 0);
        v.respond(smallWrite, Status.LBA_OUT_OF_RANGE | Status.DNR);
        v.sendDone(smallWrite, WorkCompletions.STATUS_SUCCESS);
        turns(1);
        assertEquals(Map.of("large-write", 0, "small-write", Status.LBA_OUT_OF_RANGE | Status.DNR), done);
        assertTrue(v.maxPolled >= 6, "a batch of completions in one poll");
        v.sendDone(read, WorkCompletions.STATUS_SUCCESS);
        v.sendDone(sent.get(3), WorkCompletions.STATUS_SUCCESS);
        turns(1);
        assertEquals(0, done.get("read"));
        assertEquals(0, done.get("flush"));
        byte[] got = new byte[65536];
        readInto.getBytes(0, got);
        assertArrayEquals(stored, got);
        assertEquals(ENTRIES, v.postedReceives(), "every receive buffer went back");
        assertEquals(1, rdma().registrations(), "registered once per connection, not per command");
        assertEquals(1, rdma().inCapsuleWrites());
        assertEquals(2, rdma().keyedTransfers());
        assertTrue(failures.isEmpty(), failures.toString());
        readInto.release();
    }

    @Test
    void shouldLoseTheConnectionOnFlushErrorsAndResendAfterTheReconnect() throws Exception {
        connect();
        live(0);
        SimVerbs first = fabric.last();
        ByteBuf readInto = Unpooled.directBuffer(4096).writerIndex(4096);
        submit("read", NvmOpcode.READ, readInto);
        turns(1);
        assertEquals(1, first.take().size());
        first.peerDisconnect();
        turns(2);
        assertEquals(1, failures.size(), failures.toString());
        assertTrue(failures.get(0).contains("WR_FLUSH_ERR") || failures.get(0).contains("disconnected"), failures.get(0));
        assertEquals(QueuePair.State.DISCONNECTED, pair.state());
        assertTrue(first.closed);
        assertTrue(done.isEmpty(), "the read waits for the reconnect");

        connect();
        live(0);
        SimVerbs second = fabric.last();
        turns(1);
        List<SimVerbs.Capsule> again = second.take();
        assertEquals(1, again.size(), "the read went out again");
        second.rdmaWrite(again.get(0), new byte[4096]);
        second.sendDone(again.get(0), WorkCompletions.STATUS_SUCCESS);
        second.respond(again.get(0), 0);
        turns(1);
        assertEquals(0, done.get("read"));
        assertEquals(2, rdma().registrations());
        readInto.release();
    }

    @Test
    void shouldLoseTheConnectionOnARemoteAccessError() throws Exception {
        connect();
        live(0);
        SimVerbs v = fabric.last();
        submit("write", NvmOpcode.WRITE, Unpooled.wrappedBuffer(new byte[8192]));
        turns(1);
        v.sendDone(v.take().get(0), WorkCompletions.STATUS_REM_ACCESS_ERR);
        turns(1);
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).contains("REM_ACCESS_ERR"), failures.get(0));
        assertTrue(v.disconnected && v.closed, "the host disconnects and tears the queue pair down");
    }

    @Test
    void shouldLoseTheConnectionOnAResponseForAnUnknownCommand() throws Exception {
        connect();
        live(0);
        fabric.last().respond(0x7777, 0);
        turns(1);
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).contains("unknown command id 0x7777"), failures.get(0));
    }

    @Test
    void shouldFailACommandLargerThanItsRegisteredChunkWithoutSendingIt() throws Exception {
        connect();
        live(0);
        int tooBig = rdma().slotDataBytes() + 4096;
        submit("huge", NvmOpcode.WRITE, Unpooled.wrappedBuffer(new byte[tooBig]));
        turns(2);
        assertEquals(Status.DATA_TRANSFER_ERROR | Status.DNR, done.get("huge"));
        assertTrue(fabric.last().take().isEmpty());
        assertFalse(HostStatus.ok(done.get("huge")));
    }

    @Test
    void shouldArmAnIdleCqWhileACommandWaitsAndTakeTheEventItsResponseRaises() throws Exception {
        fabric.completionChannels = true;
        connect();
        live(4096);
        SimVerbs v = fabric.last();
        submit("flush", NvmOpcode.FLUSH, null);
        turns(1);
        SimVerbs.Capsule flush = v.take().get(0);
        v.sendDone(flush, WorkCompletions.STATUS_SUCCESS);
        turnUntil(v::armedNow, "the CQ armed once it has been empty a while");
        int taken = v.eventsTaken();
        v.respond(flush, 0);
        turns(1);
        assertEquals(taken + 1, v.eventsTaken(), "the response's channel event was taken in the reactor's epoll turn");
        assertEquals(0, done.get("flush"));
        assertTrue(failures.isEmpty(), failures.toString());
    }

    // ---------------------------------------------------------------- helpers

    /** Turns the reactor until {@code condition} holds, for at most 5 s (arming waits for real idle time). */
    private void turnUntil(java.util.function.BooleanSupplier condition, String what) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - end < 0, "timed out waiting for " + what);
            reactor.invoke();
        }
    }

    private RdmaConnection rdma() {
        return (RdmaConnection) pair.connection();
    }

    private void connect() throws Exception {
        CompletableFuture<Void> f = pair.connect(TARGET, "127.0.0.1:4420", 5000);
        turns(6);
        assertTrue(f.isDone(), "connected within a few turns");
        f.get();
    }

    private NvmeException connectFails() {
        CompletableFuture<Void> f = pair.connect(TARGET, "127.0.0.1:4420", 5000);
        turns(6);
        assertTrue(f.isDone());
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals(QueuePair.State.DISCONNECTED, pair.state());
        return (NvmeException) e.getCause();
    }

    private void live(int inCapsule) throws Exception {
        CompletableFuture<Void> f = pair.goLive(inCapsule, false);
        turns(1);
        f.get();
    }

    private void submit(Object context, int opcode, ByteBuf data) {
        Command c = pair.acquire().reset();
        c.opcode = opcode;
        c.nsid = 1;
        if (data != null) {
            c.data = data;
            c.dataIndex = 0;
            c.dataLength = data.readableBytes();
        }
        c.callback = callback;
        c.context = context;
        pair.submit(c);
    }

    private void turns(int n) {
        for (int i = 0; i < n; i++) {
            reactor.invoke();
        }
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
