package io.locus.target;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reservation commands over NVMe/TCP, as two hosts with different HOSTIDs send them: the malformed ones each get a
 * status and the queue keeps serving, reads and writes meet the reservation, notifications come as AENs and log
 * pages, the features work, Identify advertises it all, and PTPL survives a target restart on a file namespace.
 */
class ReservationCommandsTest {
    private static final byte[] HOSTID_B = {0x77, 0x77, 0x77, 0x77, 0x66, 0x66, 0x55, 0x55, 0x44, 0x44, 0x33, 0x33, 0x22, 0x22, 0x11, 0x11};
    private static final String HOSTNQN_B = "nqn.2014-08.org.nvmexpress:uuid:77777777-6666-5555-4444-333322221111";
    private static final int OK = Status.SUCCESS;
    private static final int CONFLICT = Status.RESERVATION_CONFLICT | Status.DNR;
    private static final int INVALID_FIELD = Status.INVALID_FIELD | Status.DNR;
    private static final int SGL_LENGTH = Status.DATA_SGL_LENGTH_INVALID | Status.DNR;
    private static final int RESV_AEN = AsyncEvent.encode(AsyncEvent.TYPE_COMMAND_SET, AsyncEvent.COMMAND_SET_RESERVATION_LOG_AVAILABLE,
            LogPage.RESERVATION_NOTIFICATION);

    static Target target;
    static int port;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        target = TestTargets.memory(16L << 20);
        port = TestTargets.ioPort(target);
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    /** One host's admin and I/O queue on controller {@code cntlid}. */
    record Host(RawHost admin, RawHost io, int cntlid) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            io.close();
            admin.close();
        }
    }

    static Host host(int port, byte[] hostId, String hostNqn) throws IOException {
        RawHost admin = new RawHost(port);
        RawHost io = new RawHost(port);
        admin.icReq(false, false);
        RawHost.Pdu r = admin.connect(0, 31, connectData(0xFFFF, hostId, hostNqn), 0, 0);
        assertEquals(OK, r.cqeStatus(), "admin Connect");
        int cntlid = r.cqeDw0() & 0xFFFF;
        assertEquals(OK, admin.propertySet(Property.CC, (6 << 16) | (4 << 20) | 1).cqeStatus());
        io.icReq(false, false);
        assertEquals(OK, io.connect(1, 31, connectData(cntlid, hostId, hostNqn), 0, 0).cqeStatus(), "I/O Connect");
        return new Host(admin, io, cntlid);
    }

    static Host hostA(int port) throws IOException {
        return host(port, RawHost.HOSTID, RawHost.HOSTNQN);
    }

    static Host hostB(int port) throws IOException {
        return host(port, HOSTID_B, HOSTNQN_B);
    }

    private static byte[] connectData(int cntlid, byte[] hostId, String hostNqn) {
        byte[] d = RawHost.connectData(cntlid, TestTargets.NQN, hostNqn);
        System.arraycopy(hostId, 0, d, ConnectData.HOSTID_OFFSET, hostId.length);
        return d;
    }

    private static byte[] keys(long first, long second) {
        return Unpooled.buffer(16).writeLongLE(first).writeLongLE(second).array();
    }

    /** A reservation command with {@code data} in-capsule (none: a zero-length transport SGL). */
    static int send(RawHost io, int opcode, int cdw10, byte[] data) throws IOException {
        ByteBuf s = RawHost.sqe(opcode, ++io.cid, 1);
        Sqe.setCdw(s, 0, 10, cdw10);
        if (data == null || data.length == 0) {
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, 0, Sgl.ID_TRANSPORT);
            io.capsule(s, null, true);
        } else {
            io.capsule(s, data, false);
        }
        RawHost.Pdu p = io.read();
        assertEquals(PduType.CAPSULE_RESP, p.type(), "a status, no R2T");
        return p.cqeStatus();
    }

    static int register(RawHost io, int action, long crkey, long nrkey, int cptpl) throws IOException {
        return send(io, NvmOpcode.RESERVATION_REGISTER, action | (cptpl << 30), keys(crkey, nrkey));
    }

    static int acquire(RawHost io, int action, int type, long crkey, long prkey) throws IOException {
        return send(io, NvmOpcode.RESERVATION_ACQUIRE, action | (type << 8), keys(crkey, prkey));
    }

    static int release(RawHost io, int action, int type, long crkey) throws IOException {
        return send(io, NvmOpcode.RESERVATION_RELEASE, action | (type << 8), keys(crkey, 0));
    }

    /** Reservation Report of {@code bytes}; returns {data, status}. */
    static Object[] report(RawHost io, int bytes, boolean extended) throws IOException {
        ByteBuf s = RawHost.sqe(NvmOpcode.RESERVATION_REPORT, ++io.cid, 1);
        Sqe.setCdw(s, 0, 10, bytes / 4 - 1);
        Sqe.setCdw(s, 0, 11, extended ? 1 : 0);
        Object[] r = io.readCommand(s, bytes);
        RawHost.Pdu resp = (RawHost.Pdu) r[1];
        return new Object[] {r[0], resp == null ? OK : resp.cqeStatus()};
    }

    static RawHost.Pdu adminCommand(RawHost admin, int opcode, int nsid, int cdw10, int cdw11) throws IOException {
        ByteBuf s = RawHost.sqe(opcode, ++admin.cid, nsid);
        Sqe.setCdw(s, 0, 10, cdw10);
        Sqe.setCdw(s, 0, 11, cdw11);
        admin.capsule(s, null, false);
        return admin.expect(PduType.CAPSULE_RESP);
    }

    /** Reads the 64-byte Reservation Notification log page (RAE clear). */
    static ByteBuf notificationLog(RawHost admin) throws IOException {
        ByteBuf s = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, ++admin.cid, 0xFFFFFFFF);
        Sqe.setCdw(s, 0, 10, LogPage.RESERVATION_NOTIFICATION | ((64 / 4 - 1) << 16));
        Object[] r = admin.readCommand(s, 64);
        assertTrue(r[1] == null || ((RawHost.Pdu) r[1]).cqeStatus() == OK, "Get Log Page succeeded");
        return Unpooled.wrappedBuffer((byte[]) r[0]);
    }

    /** Leaves the namespace with nobody registered, whatever a test did. */
    static void clearAll(Host h) throws IOException {
        register(h.io(), 0, 0, 0x5EED, 0);
        send(h.io(), NvmOpcode.RESERVATION_REGISTER, 2 | 8, keys(0, 0x5EED));
        assertEquals(OK, release(h.io(), 1, 0, 0x5EED), "Clear");
    }

    @Test
    void shouldAnswerEveryMalformedReservationCommandWithAStatusAndKeepServing() throws IOException {
        try (Host a = hostA(port)) {
            clearAll(a);
            byte[] block = TcpTargetProtocolTest.pattern(4096, 3);
            assertEquals(OK, a.io().writeBlocks(1, 0, block, 4096, 8192, 0).cqeStatus());
            assertEquals(OK, register(a.io(), 0, 0, 1, 0));
            Object[][] table = {
                // {what, opcode, cdw10, data, expected}
                {"Register, no data", NvmOpcode.RESERVATION_REGISTER, 0, null, SGL_LENGTH},
                {"Register, 8 bytes", NvmOpcode.RESERVATION_REGISTER, 0, new byte[8], SGL_LENGTH},
                {"Register, RREGA 3", NvmOpcode.RESERVATION_REGISTER, 3, keys(0, 1), INVALID_FIELD},
                {"Register, RREGA 7", NvmOpcode.RESERVATION_REGISTER, 7, keys(0, 1), INVALID_FIELD},
                {"Register, CPTPL 01b", NvmOpcode.RESERVATION_REGISTER, 1 << 30, keys(0, 1), INVALID_FIELD},
                {"Register, CPTPL 11b on memory", NvmOpcode.RESERVATION_REGISTER, 3 << 30, keys(0, 1), INVALID_FIELD},
                {"Register, NRKEY 0", NvmOpcode.RESERVATION_REGISTER, 0, keys(0, 0), INVALID_FIELD},
                {"Acquire, no data", NvmOpcode.RESERVATION_ACQUIRE, 1 << 8, null, SGL_LENGTH},
                {"Preempt and Abort, no data (crashed SPDK)", NvmOpcode.RESERVATION_ACQUIRE, 2 | (1 << 8), null, SGL_LENGTH},
                {"Acquire, 15 bytes", NvmOpcode.RESERVATION_ACQUIRE, 1 << 8, new byte[15], SGL_LENGTH},
                {"Acquire, RACQA 3", NvmOpcode.RESERVATION_ACQUIRE, 3 | (1 << 8), keys(1, 0), INVALID_FIELD},
                {"Acquire, RTYPE 0", NvmOpcode.RESERVATION_ACQUIRE, 0, keys(1, 0), INVALID_FIELD},
                {"Acquire, RTYPE 7", NvmOpcode.RESERVATION_ACQUIRE, 7 << 8, keys(1, 0), INVALID_FIELD},
                {"Acquire, IEKEY", NvmOpcode.RESERVATION_ACQUIRE, 8 | (1 << 8), keys(1, 0), INVALID_FIELD},
                {"Release, no data", NvmOpcode.RESERVATION_RELEASE, 1 << 8, null, SGL_LENGTH},
                {"Release, 4 bytes", NvmOpcode.RESERVATION_RELEASE, 1 << 8, new byte[4], SGL_LENGTH},
                {"Release, RRELA 2", NvmOpcode.RESERVATION_RELEASE, 2 | (1 << 8), keys(1, 0), INVALID_FIELD},
                {"Release, IEKEY", NvmOpcode.RESERVATION_RELEASE, 8 | (1 << 8), keys(1, 0), INVALID_FIELD},
            };
            for (Object[] row : table) {
                assertEquals((int) row[4], send(a.io(), (int) row[1], (int) row[2], (byte[]) row[3]), (String) row[0]);
            }
            // A Register whose SGL claims more than MDTS: the transport refuses it before any R2T.
            ByteBuf huge = RawHost.sqe(NvmOpcode.RESERVATION_REGISTER, ++a.io().cid, 1);
            Sgl.write(huge, Sqe.SGL1_OFFSET, 0, 64 << 20, Sgl.ID_TRANSPORT);
            a.io().capsule(huge, null, true);
            assertEquals(INVALID_FIELD, a.io().expect(PduType.CAPSULE_RESP).cqeStatus(), "Register, 64 MiB SGL");
            // Report: SGL other than (NUMD + 1) dwords, or shorter than the header.
            ByteBuf rep = RawHost.sqe(NvmOpcode.RESERVATION_REPORT, ++a.io().cid, 1);
            Sqe.setCdw(rep, 0, 10, 4096 / 4 - 1);
            Sqe.setCdw(rep, 0, 11, 1);
            assertEquals(SGL_LENGTH, ((RawHost.Pdu) a.io().readCommand(rep, 512)[1]).cqeStatus(), "Report, SGL != NUMD");
            assertEquals(INVALID_FIELD, (int) report(a.io(), 32, true)[1], "extended Report, 32 bytes");
            assertEquals(INVALID_FIELD, (int) report(a.io(), 16, false)[1], "plain Report, 16 bytes");
            assertEquals(Status.HOST_ID_INCONSISTENT_FORMAT | Status.DNR, (int) report(a.io(), 4096, false)[1],
                    "plain Report with a 128-bit host registered");
            // Nothing above changed the state: A is registered with key 1 and nothing is held.
            Object[] r = report(a.io(), 4096, true);
            assertEquals(OK, (int) r[1]);
            ByteBuf d = Unpooled.wrappedBuffer((byte[]) r[0]);
            assertEquals(1, d.getUnsignedShortLE(5));
            assertEquals(0, d.getUnsignedByte(4));
            assertEquals(1L, d.getLongLE(64 + 8));
            byte[] hostId = new byte[16];
            d.getBytes(64 + 16, hostId);
            assertArrayEquals(RawHost.HOSTID, hostId);
            Object[] read = a.io().readBlocks(1, 0, 1, 4096);
            assertArrayEquals(block, (byte[]) read[0], "the queue still serves");
            clearAll(a);
        }
    }

    @Test
    void shouldLetTheHolderWriteAndTheOtherHostOnlyReadUnderWriteExclusiveUntilPreempted() throws IOException {
        try (Host a = hostA(port); Host b = hostB(port)) {
            clearAll(a);
            byte[] block = TcpTargetProtocolTest.pattern(4096, 9);
            assertEquals(OK, register(a.io(), 0, 0, 0xAAAA, 0));
            assertEquals(OK, register(b.io(), 0, 0, 0xBBBB, 0));
            assertEquals(OK, acquire(a.io(), 0, 1, 0xAAAA, 0), "A acquires Write Exclusive");
            assertEquals(CONFLICT, acquire(b.io(), 0, 1, 0xBBBB, 0), "B cannot acquire it too");
            assertEquals(OK, a.io().writeBlocks(1, 1, block, 4096, 8192, 0).cqeStatus(), "the holder writes");
            assertEquals(CONFLICT, b.io().writeBlocks(1, 1, new byte[4096], 4096, 8192, 0).cqeStatus(), "B's write conflicts");
            assertEquals(CONFLICT, b.io().writeBlocks(1, 1, new byte[16384], 4096, 8192, 0).cqeStatus(),
                    "and an R2T-sized one is refused before its data moves");
            Object[] read = b.io().readBlocks(1, 1, 1, 4096);
            assertArrayEquals(block, (byte[]) read[0], "B reads");
            assertEquals(OK, acquire(b.io(), 1, 2, 0xBBBB, 0xAAAA), "B preempts A, Exclusive Access");
            assertEquals(CONFLICT, ((RawHost.Pdu) a.io().readBlocks(1, 1, 1, 4096)[1]).cqeStatus(), "A no longer reads");
            assertEquals(CONFLICT, register(a.io(), 1, 0xAAAA, 0, 0), "A's registration is gone");
            assertEquals(OK, b.io().writeBlocks(1, 1, new byte[4096], 4096, 8192, 0).cqeStatus());
            assertEquals(OK, release(b.io(), 0, 2, 0xBBBB));
            assertEquals(OK, a.io().writeBlocks(1, 1, block, 4096, 8192, 0).cqeStatus(), "released: anyone writes");
            clearAll(b);
        }
    }

    /** Preempt and Abort: a write validated before the preemption, whose data arrives after it, does not run. */
    @Test
    void shouldRefuseAPreemptedHostsWriteWhoseDataArrivesAfterThePreemption() throws IOException {
        try (Host a = hostA(port); Host b = hostB(port)) {
            clearAll(a);
            byte[] before = TcpTargetProtocolTest.pattern(16384, 4);
            assertEquals(OK, a.io().writeBlocks(1, 8, before, 4096, 8192, 0).cqeStatus());
            assertEquals(OK, register(a.io(), 0, 0, 0xA5, 0));
            assertEquals(OK, register(b.io(), 0, 0, 0xB5, 0));
            assertEquals(OK, acquire(b.io(), 0, 1, 0xB5, 0), "B holds Write Exclusive");
            ByteBuf w = RawHost.sqe(NvmOpcode.WRITE, ++b.io().cid, 1);
            Sqe.setCdw(w, 0, 10, 8);
            Sqe.setCdw(w, 0, 12, 3);
            Sgl.write(w, Sqe.SGL1_OFFSET, 0, 16384, Sgl.ID_TRANSPORT);
            b.io().capsule(w, null, true);
            RawHost.Pdu r2t = b.io().expect(PduType.R2T);
            assertEquals(OK, acquire(a.io(), 2, 1, 0xA5, 0xB5), "A preempts and aborts B");
            int ttag = DataPdu.ttag(r2t.header(), 0);
            int length = (int) DataPdu.dataLength(r2t.header(), 0);
            byte[] data = new byte[16384];
            for (int sent = 0; sent < length; ) {
                int n = Math.min(length - sent, b.io().maxH2cData);
                b.io().h2cData(b.io().cid, ttag, sent, data, sent, n, sent + n == length);
                sent += n;
            }
            assertEquals(CONFLICT, b.io().expect(PduType.CAPSULE_RESP).cqeStatus(), "checked again when it executes");
            assertArrayEquals(before, (byte[]) a.io().readBlocks(1, 8, 4, 4096)[0], "the blocks kept what they held");
            clearAll(a);
        }
    }

    @Test
    void shouldNotifyAPreemptedHostByAenAndLogPageUnlessMasked() throws IOException {
        try (Host a = hostA(port); Host b = hostB(port)) {
            clearAll(a);
            assertEquals(OK, register(a.io(), 0, 0, 0xA1, 0));
            assertEquals(OK, register(b.io(), 0, 0, 0xB1, 0));
            assertEquals(OK, acquire(a.io(), 0, 3, 0xA1, 0), "A: Write Exclusive, Registrants Only");
            a.admin().capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 0x99, 0), null, false);
            assertEquals(OK, acquire(b.io(), 1, 3, 0xB1, 0xA1), "B preempts A");
            RawHost.Pdu aen = a.admin().expect(PduType.CAPSULE_RESP);
            assertEquals(0x99, aen.cqeCid());
            assertEquals(RESV_AEN, aen.cqeDw0(), "I/O command specific AEN: reservation log page available");
            ByteBuf page = notificationLog(a.admin());
            long count = page.getLongLE(0);
            assertTrue(count > 0);
            assertEquals(1, page.getUnsignedByte(8), "registration preempted");
            assertEquals(0, page.getUnsignedByte(9), "no more pages");
            assertEquals(1, page.getIntLE(12), "NSID");
            assertEquals(0L, notificationLog(a.admin()).getLongLE(0), "read once: the log is empty");

            // A masks registration-preempted notices for NSID 1; it is preempted again and hears nothing.
            assertEquals(OK, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_NOTIFICATION_MASK, 0x2).cqeStatus());
            assertEquals(0x2, adminCommand(a.admin(), AdminOpcode.GET_FEATURES, 1, Feature.RESERVATION_NOTIFICATION_MASK, 0).cqeDw0());
            assertEquals(INVALID_FIELD, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_NOTIFICATION_MASK, 0x1).cqeStatus(),
                    "bit 0 is reserved");
            assertEquals(OK, register(a.io(), 0, 0, 0xA2, 0));
            assertEquals(OK, acquire(b.io(), 1, 3, 0xB1, 0xA2), "B preempts A's registration by key");
            assertEquals(0L, notificationLog(a.admin()).getLongLE(0), "masked: nothing logged");

            // B releases a Registrants Only reservation: A, registered again and unmasked, hears of it.
            assertEquals(OK, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 0xFFFFFFFF, Feature.RESERVATION_NOTIFICATION_MASK, 0).cqeStatus());
            assertEquals(OK, register(a.io(), 0, 0, 0xA3, 0));
            a.admin().capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 0x9A, 0), null, false);
            assertEquals(OK, release(b.io(), 0, 3, 0xB1));
            RawHost.Pdu second = a.admin().expect(PduType.CAPSULE_RESP);
            assertEquals(RESV_AEN, second.cqeDw0());
            ByteBuf released = notificationLog(a.admin());
            assertEquals(2, released.getUnsignedByte(8), "reservation released");
            assertTrue(Long.compareUnsigned(released.getLongLE(0), count) > 0, "the count goes up");
            clearAll(b);
        }
    }

    @Test
    void shouldAdvertiseReservationsAndRefusePtplOnAMemoryNamespace() throws IOException {
        try (Host a = hostA(port)) {
            clearAll(a);
            ByteBuf ctrl = Unpooled.wrappedBuffer(a.admin().identify(IdentifyNamespace.CNS_CONTROLLER, 0));
            assertEquals(IdentifyController.ONCS_RESERVATIONS, ctrl.getUnsignedShortLE(IdentifyController.ONCS) & IdentifyController.ONCS_RESERVATIONS);
            assertEquals(0xFE, a.admin().identify(IdentifyNamespace.CNS_NAMESPACE, 1)[IdentifyNamespace.RESCAP] & 0xFF,
                    "six types and IEKEY; no PTPL on memory");
            assertEquals(INVALID_FIELD, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 1).cqeStatus());
            assertEquals(OK, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 0).cqeStatus());
            assertEquals(0, adminCommand(a.admin(), AdminOpcode.GET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 0).cqeDw0());
            assertEquals(Status.INVALID_NAMESPACE | Status.DNR,
                    adminCommand(a.admin(), AdminOpcode.GET_FEATURES, 9, Feature.RESERVATION_PERSISTENCE, 0).cqeStatus());
        }
    }

    @Test
    void shouldKeepReservationsThroughARestartOfAFileNamespaceWithPtpl() throws IOException {
        Path file = dir.resolve("ns.img");
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.position((4L << 20) - 1).write(ByteBuffer.allocate(1));
        }
        TargetConfig config = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "file", 0, file.toString(), 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        Path state = dir.resolve("ns.img.reservations.json");
        int generation;
        try (Target t = Target.start(config); Host a = hostA(TestTargets.ioPort(t))) {
            assertEquals(0xFF, a.admin().identify(IdentifyNamespace.CNS_NAMESPACE, 1)[IdentifyNamespace.RESCAP] & 0xFF, "PTPL capable");
            assertEquals(OK, register(a.io(), 0, 0, 0xFEED, 0));
            assertFalse(Files.exists(state), "PTPL off: nothing kept");
            assertEquals(OK, register(a.io(), 2, 0xFEED, 0xBEEF, 3), "Replace, CPTPL 11b: persist from now on");
            assertTrue(Files.exists(state));
            assertEquals(OK, acquire(a.io(), 0, 2, 0xBEEF, 0), "Exclusive Access");
            assertEquals(1, adminCommand(a.admin(), AdminOpcode.GET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 0).cqeDw0());
            ByteBuf d = Unpooled.wrappedBuffer((byte[]) report(a.io(), 4096, true)[0]);
            generation = d.getIntLE(0);
            assertEquals(1, d.getUnsignedByte(9), "PTPLS");
        }
        try (Target t = Target.start(config); Host a = hostA(TestTargets.ioPort(t)); Host b = hostB(TestTargets.ioPort(t))) {
            Object[] r = report(b.io(), 4096, true);
            ByteBuf d = Unpooled.wrappedBuffer((byte[]) r[0]);
            assertEquals(generation, d.getIntLE(0), "PRGEN survived");
            assertEquals(2, d.getUnsignedByte(4), "the reservation survived");
            assertEquals(1, d.getUnsignedByte(9));
            assertEquals(0xBEEFL, d.getLongLE(64 + 8));
            assertEquals(CONFLICT, ((RawHost.Pdu) b.io().readBlocks(1, 0, 1, 4096)[1]).cqeStatus(), "and is enforced");
            assertEquals(OK, a.io().writeBlocks(1, 0, new byte[4096], 4096, 8192, 0).cqeStatus(), "for its holder too");
            assertEquals(OK, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 0).cqeStatus());
            assertFalse(Files.exists(state), "PTPL off: the file is gone");
        }
        try (Target t = Target.start(config); Host b = hostB(TestTargets.ioPort(t))) {
            assertEquals(0, Unpooled.wrappedBuffer((byte[]) report(b.io(), 4096, true)[0]).getUnsignedShortLE(5), "nothing restored");
        }
        Files.writeString(state, "{not json");
        IOException e = assertThrows(IOException.class, () -> Target.start(config).close());
        assertTrue(e.getMessage().contains(state.toString()), e.getMessage());
    }

    /** PTPL set with the feature on an io_uring namespace (or the file backend it falls back to) survives a restart. */
    @Test
    void shouldKeepReservationsThroughARestartOfAUringNamespaceWithPtplSetByFeature() throws IOException {
        Path file = dir.resolve("uring.img");
        TargetConfig config = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "uring", 4L << 20, file.toString(), 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        try (Target t = Target.start(config); Host a = hostA(TestTargets.ioPort(t))) {
            assertEquals(OK, adminCommand(a.admin(), AdminOpcode.SET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 1).cqeStatus());
            assertEquals(OK, register(a.io(), 0, 0, 0x0123, 0));
            assertEquals(OK, acquire(a.io(), 0, 6, 0x0123, 0), "Exclusive Access, All Registrants");
        }
        assertTrue(Files.exists(dir.resolve("uring.img.reservations.json")));
        try (Target t = Target.start(config); Host b = hostB(TestTargets.ioPort(t))) {
            ByteBuf d = Unpooled.wrappedBuffer((byte[]) report(b.io(), 4096, true)[0]);
            assertEquals(6, d.getUnsignedByte(4));
            assertEquals(1, d.getUnsignedByte(9), "PTPLS");
            assertEquals(0x0123L, d.getLongLE(64 + 8));
            assertEquals(1, adminCommand(b.admin(), AdminOpcode.GET_FEATURES, 1, Feature.RESERVATION_PERSISTENCE, 0).cqeDw0());
            assertEquals(CONFLICT, b.io().writeBlocks(1, 0, new byte[4096], 4096, 8192, 0).cqeStatus(), "B is no registrant");
        }
    }
}
