package io.locus.initiator;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * A scripted NVMe/TCP target for host tests: plain blocking sockets, one thread per connection, just enough of the
 * protocol (ICResp, Connect, Property Get/Set, Identify, features, log pages, AER, Keep Alive, Read/Write/Flush/
 * Write Zeroes/DSM), and hooks through which a test makes it misbehave.
 */
final class FakeTarget implements AutoCloseable {
    static final String SUBNQN = "nqn.2024-01.io.locus:test";

    /** A test's say over one command: return true when it handled (or swallowed) the command itself. */
    @FunctionalInterface
    interface Hook {
        boolean onCommand(Conn conn, Cmd cmd) throws IOException;
    }

    /** One received command. */
    static final class Cmd {
        int qid;
        int opcode;
        int flags;
        int cid;
        int nsid;
        int cdw2;
        int cdw3;
        long mptr;
        long sglAddress;
        int sglLength;
        int sglId;
        int[] cdw = new int[16];
        byte[] inCapsule;
        int pdo;

        long slba() {
            return (cdw[10] & 0xFFFFFFFFL) | ((long) cdw[11] << 32);
        }

        int nlb() {
            return (cdw[12] & 0xFFFF) + 1;
        }

        int fctype() {
            return nsid & 0xFF;
        }
    }

    /** A PDU header the target received (for assertions on the wire format). */
    record Pdu(int type, int flags, int hlen, int pdo, int plen) {
    }

    // ---- configuration (set before the host connects)
    volatile int cpda;
    volatile boolean echoDigests = true;
    volatile int answeredDigests = -1;
    volatile int maxH2CData = 128 * 1024;
    volatile int mdts = 5;
    volatile int inCapsuleBytes = 8192;
    volatile int aerl = 3;
    volatile int oaes = IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE;
    volatile int maxQueues = 8;
    volatile int mqes = 127;
    volatile boolean provenance;
    volatile boolean discovery;
    volatile int lbaShift = 9;
    volatile long nsBlocks = 4096;
    volatile String subnqn = SUBNQN;
    volatile List<String> allowedHosts;
    volatile boolean c2hSuccess;
    volatile int c2hChunk = 64 * 1024;
    volatile int corruptDataDigests;
    volatile int corruptHeaderDigests;
    volatile Hook hook;
    volatile List<byte[]> discoveryEntries = new ArrayList<>();
    volatile long discoveryGeneration = 1;
    /** Bumped once after each discovery header read, while > 0 (to test GENCTR re-reads). */
    final AtomicInteger discoveryGenerationBumps = new AtomicInteger();

    // ---- state and observations
    final byte[] media;
    final List<Conn> connections = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Cmd> commands = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Pdu> pdus = new ConcurrentLinkedQueue<>();
    final CopyOnWriteArrayList<Long> keepAlives = new CopyOnWriteArrayList<>();
    final AtomicInteger adminConnects = new AtomicInteger();
    final AtomicInteger setFeatureProvenance = new AtomicInteger();
    final ConcurrentLinkedQueue<int[]> logPageReads = new ConcurrentLinkedQueue<>();
    volatile int connectKato = -1;
    volatile int connectSqsize = -1;
    volatile int connectCattr = -1;
    volatile int ioConnectCattr = -1;
    volatile int ioConnectSqsize = -1;
    volatile int ioConnectKato = -1;
    volatile String connectHostNqn;
    volatile byte[] connectHostId;
    volatile int cc;

    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger nextCntlid = new AtomicInteger(1);
    private volatile boolean running = true;

    FakeTarget() throws IOException {
        this(1 << 21);
    }

    FakeTarget(int mediaBytes) throws IOException {
        this.media = new byte[mediaBytes];
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("fake-target-accept").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    TransportId transportId() {
        return TransportId.tcp("127.0.0.1", port(), subnqn);
    }

    List<Cmd> ioCommands(int opcode) {
        return commands.stream().filter(c -> c.qid > 0 && c.opcode == opcode).toList();
    }

    List<Cmd> adminCommands(int opcode) {
        return commands.stream().filter(c -> c.qid == 0 && c.opcode == opcode).toList();
    }

    Conn adminConnection() {
        for (int i = connections.size() - 1; i >= 0; i--) {
            Conn c = connections.get(i);
            if (c.qid == 0 && c.alive) {
                return c;
            }
        }
        return null;
    }

    /** Completes one outstanding AER with {@code dw0}; false when none is outstanding. */
    boolean fireAer(int dw0) throws IOException {
        Conn admin = adminConnection();
        if (admin == null) {
            return false;
        }
        Integer cid = admin.aers.poll();
        if (cid == null) {
            return false;
        }
        admin.respond(cid, 0, dw0, 0);
        return true;
    }

    /** Closes every connection (as a crashed target would), leaving the listener up. */
    void dropConnections() {
        for (Conn c : connections) {
            c.close();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        dropConnections();
    }

    private void acceptLoop() {
        while (running) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Conn conn = new Conn(s);
                connections.add(conn);
                Thread.ofPlatform().daemon().name("fake-target-conn").start(conn::serve);
            } catch (IOException e) {
                return;
            }
        }
    }

    static byte[] discoveryEntry(int subtype, String traddr, String trsvcid, String subnqn) {
        ByteBuffer b = ByteBuffer.allocate(DiscoveryLog.ENTRY_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(DiscoveryLog.TRTYPE_OFFSET, (byte) DiscoveryLog.TRTYPE_TCP);
        b.put(DiscoveryLog.ADRFAM_OFFSET, (byte) DiscoveryLog.ADRFAM_IPV4);
        b.put(DiscoveryLog.SUBTYPE_OFFSET, (byte) subtype);
        b.put(DiscoveryLog.TREQ_OFFSET, (byte) DiscoveryLog.TREQ_NOT_REQUIRED);
        b.putShort(DiscoveryLog.PORTID_OFFSET, (short) 1);
        b.putShort(DiscoveryLog.CNTLID_OFFSET, (short) 0xFFFF);
        b.putShort(DiscoveryLog.ASQSZ_OFFSET, (short) 32);
        // SPDK space-pads TRSVCID/TRADDR; test that the host strips it.
        byte[] svc = (trsvcid + " ".repeat(32 - trsvcid.length())).getBytes(StandardCharsets.US_ASCII);
        b.put(DiscoveryLog.TRSVCID_OFFSET, svc, 0, 32);
        b.put(DiscoveryLog.SUBNQN_OFFSET, subnqn.getBytes(StandardCharsets.US_ASCII));
        b.put(DiscoveryLog.TRADDR_OFFSET, traddr.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** One host connection (one queue). */
    final class Conn {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final ConcurrentLinkedQueue<Integer> aers = new ConcurrentLinkedQueue<>();
        volatile int qid = -1;
        volatile boolean alive = true;
        boolean hdgst;
        boolean ddgst;
        int cntlid;
        private final CRC32C crc = new CRC32C();
        private final CRC32C txCrc = new CRC32C();
        /** Writes awaiting H2CData: cid → [buffer, received]. */
        private final java.util.Map<Integer, Object[]> r2ts = new java.util.HashMap<>();

        Conn(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void close() {
            alive = false;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        private void serve() {
            try {
                byte[] ic = new byte[128];
                in.readFully(ic);
                ByteBuffer req = ByteBuffer.wrap(ic).order(ByteOrder.LITTLE_ENDIAN);
                pdus.add(new Pdu(ic[0] & 0xFF, ic[1] & 0xFF, ic[2] & 0xFF, ic[3] & 0xFF, req.getInt(4)));
                if (ic[0] != PduType.IC_REQ) {
                    close();
                    return;
                }
                int wanted = ic[11] & 3;
                int answer = answeredDigests >= 0 ? answeredDigests : (echoDigests ? wanted : 0);
                hdgst = (answer & 1) != 0;
                ddgst = (answer & 2) != 0;
                ByteBuffer resp = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
                resp.put(0, (byte) PduType.IC_RESP).put(2, (byte) 128).putInt(4, 128);
                resp.put(10, (byte) cpda).put(11, (byte) answer).putInt(12, maxH2CData);
                send(resp.array());
                while (alive) {
                    readPdu();
                }
            } catch (EOFException | SocketException e) {
                // host closed
            } catch (IOException e) {
                // broken
            } finally {
                close();
            }
        }

        private void readPdu() throws IOException {
            byte[] ch = new byte[8];
            in.readFully(ch);
            ByteBuffer h = ByteBuffer.wrap(ch).order(ByteOrder.LITTLE_ENDIAN);
            int type = ch[0] & 0xFF;
            int flags = ch[1] & 0xFF;
            int hlen = ch[2] & 0xFF;
            int pdo = ch[3] & 0xFF;
            int plen = h.getInt(4);
            pdus.add(new Pdu(type, flags, hlen, pdo, plen));
            byte[] rest = new byte[plen - 8];
            in.readFully(rest);
            byte[] pdu = new byte[plen];
            System.arraycopy(ch, 0, pdu, 0, 8);
            System.arraycopy(rest, 0, pdu, 8, rest.length);
            ByteBuffer p = ByteBuffer.wrap(pdu).order(ByteOrder.LITTLE_ENDIAN);
            if (type == PduType.H2C_TERM_REQ) {
                close();
                return;
            }
            if (hdgst) {
                crc.reset();
                crc.update(pdu, 0, hlen);
                if ((int) crc.getValue() != p.getInt(hlen)) {
                    throw new IOException("header digest mismatch in fake target");
                }
            }
            int dataStart = pdo;
            int dataLen = pdo == 0 ? 0 : plen - pdo - (ddgst ? 4 : 0);
            if (dataLen > 0 && ddgst) {
                crc.reset();
                crc.update(pdu, dataStart, dataLen);
                if ((int) crc.getValue() != p.getInt(dataStart + dataLen)) {
                    throw new IOException("data digest mismatch in fake target");
                }
            }
            if (type == PduType.CAPSULE_CMD) {
                Cmd cmd = new Cmd();
                cmd.qid = qid;
                cmd.opcode = pdu[8] & 0xFF;
                cmd.flags = pdu[9] & 0xFF;
                cmd.cid = p.getShort(10) & 0xFFFF;
                cmd.nsid = p.getInt(12);
                cmd.cdw2 = p.getInt(16);
                cmd.cdw3 = p.getInt(20);
                cmd.mptr = p.getLong(24);
                cmd.sglAddress = p.getLong(32);
                cmd.sglLength = p.getInt(40);
                cmd.sglId = pdu[47] & 0xFF;
                for (int i = 10; i < 16; i++) {
                    cmd.cdw[i] = p.getInt(8 + 40 + (i - 10) * 4);
                }
                cmd.pdo = pdo;
                if (dataLen > 0) {
                    cmd.inCapsule = Arrays.copyOfRange(pdu, dataStart, dataStart + dataLen);
                }
                if (cmd.opcode == AdminOpcode.FABRICS && cmd.fctype() == FabricsCommand.CONNECT) {
                    qid = p.getShort(8 + 42) & 0xFFFF;
                    cmd.qid = qid;
                }
                commands.add(cmd);
                Hook hk = hook;
                if (hk != null && hk.onCommand(this, cmd)) {
                    return;
                }
                execute(cmd);
            } else if (type == PduType.H2C_DATA) {
                int cccid = p.getShort(8) & 0xFFFF;
                int datao = p.getInt(12);
                int datal = p.getInt(16);
                Object[] st = r2ts.get(cccid);
                if (st == null) {
                    throw new IOException("H2CData for unknown cid");
                }
                byte[] buf = (byte[]) st[0];
                int got = (int) st[1];
                if (datao != got || datal != dataLen) {
                    throw new IOException("H2CData offset/length wrong: " + datao + "/" + datal + " expected " + got);
                }
                System.arraycopy(pdu, dataStart, buf, datao, datal);
                st[1] = got + datal;
                if ((flags & CommonHeader.FLAG_LAST_PDU) != 0) {
                    if (got + datal != buf.length) {
                        throw new IOException("LAST_PDU before the end");
                    }
                    r2ts.remove(cccid);
                    Cmd cmd = (Cmd) st[2];
                    completeWrite(cmd, buf);
                }
            } else {
                throw new IOException("fake target cannot handle PDU type " + type);
            }
        }

        void execute(Cmd cmd) throws IOException {
            if (cmd.opcode == AdminOpcode.FABRICS) {
                fabrics(cmd);
            } else if (qid == 0) {
                admin(cmd);
            } else {
                io(cmd);
            }
        }

        private void fabrics(Cmd cmd) throws IOException {
            switch (cmd.fctype()) {
                case FabricsCommand.CONNECT -> {
                    ByteBuf d = Unpooled.wrappedBuffer(cmd.inCapsule);
                    String sub = ConnectData.subnqn(d, 0);
                    String hostNqn = ConnectData.hostnqn(d, 0);
                    int cnt = ConnectData.cntlid(d, 0);
                    connectHostNqn = hostNqn;
                    connectHostId = Arrays.copyOfRange(cmd.inCapsule, 0, 16);
                    if (qid == 0) {
                        connectKato = cmd.cdw[12];
                        connectSqsize = cmd.cdw[11] & 0xFFFF;
                        connectCattr = (cmd.cdw[11] >>> 16) & 0xFF;
                    } else {
                        ioConnectKato = cmd.cdw[12];
                        ioConnectSqsize = cmd.cdw[11] & 0xFFFF;
                        ioConnectCattr = (cmd.cdw[11] >>> 16) & 0xFF;
                    }
                    if (!sub.equals(subnqn)) {
                        respond(cmd.cid, Status.CONNECT_INVALID_PARAMETERS | Status.DNR, ConnectData.SUBNQN_OFFSET | (1 << 16), 0);
                        return;
                    }
                    List<String> allowed = allowedHosts;
                    if (allowed != null && !allowed.contains(hostNqn)) {
                        respond(cmd.cid, Status.CONNECT_INVALID_HOST | Status.DNR, ConnectData.HOSTNQN_OFFSET | (1 << 16), 0);
                        return;
                    }
                    if (qid == 0) {
                        if (cnt != 0xFFFF) {
                            respond(cmd.cid, Status.CONNECT_INVALID_PARAMETERS, ConnectData.CNTLID_OFFSET | (1 << 16), 0);
                            return;
                        }
                        cntlid = nextCntlid.getAndIncrement();
                        adminConnects.incrementAndGet();
                        cc = 0;
                    } else {
                        cntlid = cnt;
                    }
                    respond(cmd.cid, 0, cntlid, 0);
                }
                case FabricsCommand.PROPERTY_GET -> {
                    int ofst = cmd.cdw[11];
                    long value = switch (ofst) {
                        case Property.CAP -> (mqes & 0xFFFFL) | (1L << 16) | (2L << 24) | (1L << 37);
                        case Property.VS -> Property.VS_1_3;
                        case Property.CC -> cc & 0xFFFFFFFFL;
                        case Property.CSTS -> ((cc & 1) != 0 ? 1 : 0)
                                | (((cc >>> 14) & 3) != 0 ? Property.CSTS_SHST_COMPLETE : 0);
                        default -> 0;
                    };
                    respond(cmd.cid, 0, (int) value, (int) (value >>> 32));
                }
                case FabricsCommand.PROPERTY_SET -> {
                    if (cmd.cdw[11] == Property.CC) {
                        cc = cmd.cdw[12];
                    }
                    respond(cmd.cid, 0, 0, 0);
                }
                default -> respond(cmd.cid, Status.INVALID_OPCODE | Status.DNR, 0, 0);
            }
        }

        private void admin(Cmd cmd) throws IOException {
            switch (cmd.opcode) {
                case AdminOpcode.IDENTIFY -> {
                    int cns = cmd.cdw[10] & 0xFF;
                    byte[] data = new byte[4096];
                    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                    if (cns == IdentifyNamespace.CNS_CONTROLLER) {
                        identifyController(b);
                    } else if (cns == IdentifyNamespace.CNS_NAMESPACE) {
                        if (cmd.nsid == 1) {
                            b.putLong(IdentifyNamespace.NSZE, nsBlocks).putLong(IdentifyNamespace.NCAP, nsBlocks);
                            b.put(IdentifyNamespace.NLBAF, (byte) 0).put(IdentifyNamespace.FLBAS, (byte) 0);
                            b.putInt(IdentifyNamespace.LBAF0, lbaShift << 16);
                        }
                    } else if (cns == IdentifyNamespace.CNS_ACTIVE_NSID_LIST) {
                        if (cmd.nsid < 1) {
                            b.putInt(0, 1);
                        }
                    }
                    sendData(cmd.cid, data, false);
                }
                case AdminOpcode.GET_LOG_PAGE -> {
                    int lid = cmd.cdw[10] & 0xFF;
                    int numd = ((cmd.cdw[10] >>> 16) | (cmd.cdw[11] << 16)) + 1;
                    int len = numd * 4;
                    long off = (cmd.cdw[12] & 0xFFFFFFFFL) | ((long) cmd.cdw[13] << 32);
                    logPageReads.add(new int[] {lid, (int) off, len, (cmd.cdw[10] >>> 15) & 1});
                    if (cmd.sglLength != len) {
                        respond(cmd.cid, Status.DATA_SGL_LENGTH_INVALID | Status.DNR, 0, 0);
                        return;
                    }
                    byte[] log = new byte[Math.max(0, (int) off) + len];
                    if (lid == LogPage.DISCOVERY) {
                        List<byte[]> entries = discoveryEntries;
                        byte[] full = new byte[1024 + 1024 * entries.size()];
                        ByteBuffer fb = ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN);
                        fb.putLong(0, discoveryGeneration).putLong(8, entries.size());
                        for (int i = 0; i < entries.size(); i++) {
                            System.arraycopy(entries.get(i), 0, full, 1024 + 1024 * i, 1024);
                        }
                        System.arraycopy(full, 0, log, 0, Math.min(full.length, log.length));
                        if (off == 0 && discoveryGenerationBumps.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
                            discoveryGeneration++;
                        }
                    } else if (lid == LogPage.CHANGED_NAMESPACES) {
                        ByteBuffer.wrap(log).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1);
                    }
                    sendData(cmd.cid, Arrays.copyOfRange(log, (int) off, (int) off + len), false);
                }
                case AdminOpcode.SET_FEATURES -> {
                    int fid = cmd.cdw[10] & 0xFF;
                    switch (fid) {
                        case Feature.NUMBER_OF_QUEUES -> {
                            int n = Math.min((cmd.cdw[11] & 0xFFFF) + 1, maxQueues) - 1;
                            respond(cmd.cid, 0, n | (n << 16), 0);
                        }
                        case Feature.LOCUS_PROVENANCE -> {
                            if (provenance) {
                                setFeatureProvenance.incrementAndGet();
                                respond(cmd.cid, 0, 0, 0);
                            } else {
                                respond(cmd.cid, Status.INVALID_FIELD | Status.DNR, 0, 0);
                            }
                        }
                        default -> respond(cmd.cid, 0, 0, 0);
                    }
                }
                case AdminOpcode.GET_FEATURES -> respond(cmd.cid, 0, 0, 0);
                case AdminOpcode.ASYNC_EVENT_REQUEST -> {
                    if (aers.size() > aerl) {
                        respond(cmd.cid, Status.AER_LIMIT_EXCEEDED | Status.DNR, 0, 0);
                    } else {
                        aers.add(cmd.cid);
                    }
                }
                case AdminOpcode.KEEP_ALIVE -> {
                    keepAlives.add(System.nanoTime());
                    respond(cmd.cid, 0, 0, 0);
                }
                default -> respond(cmd.cid, Status.INVALID_OPCODE | Status.DNR, 0, 0);
            }
        }

        private void identifyController(ByteBuffer b) {
            b.putShort(IdentifyController.VID, (short) 0x1d1d);
            byte[] sn = "FAKE0001            ".getBytes(StandardCharsets.US_ASCII);
            b.put(IdentifyController.SN, sn, 0, 20);
            byte[] mn = String.format("%-40s", "Locus fake target").getBytes(StandardCharsets.US_ASCII);
            b.put(IdentifyController.MN, mn, 0, 40);
            b.put(IdentifyController.FR, "0.1     ".getBytes(StandardCharsets.US_ASCII), 0, 8);
            b.put(IdentifyController.MDTS, (byte) mdts);
            b.putShort(IdentifyController.CNTLID, (short) cntlid);
            b.putInt(IdentifyController.VER, Property.VS_1_3);
            b.putInt(IdentifyController.OAES, discovery ? IdentifyController.OAES_DISCOVERY_LOG_CHANGE : oaes);
            b.put(IdentifyController.CNTRLTYPE, (byte) (discovery ? 2 : 1));
            b.put(IdentifyController.AERL, (byte) aerl);
            b.put(IdentifyController.LPA, (byte) 0x07);
            b.putShort(IdentifyController.KAS, (short) 10);
            b.put(IdentifyController.SQES, (byte) 0x66).put(IdentifyController.CQES, (byte) 0x44);
            b.putShort(IdentifyController.MAXCMD, (short) 128);
            b.putInt(IdentifyController.NN, discovery ? 0 : 1);
            b.putShort(IdentifyController.ONCS, (short) (IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES));
            b.put(IdentifyController.VWC, (byte) 1);
            b.putInt(IdentifyController.SGLS, IdentifyController.SGLS_SUPPORTED | IdentifyController.SGLS_OFFSET);
            b.put(IdentifyController.SUBNQN, subnqn.getBytes(StandardCharsets.US_ASCII));
            b.putInt(IdentifyController.IOCCSZ, (64 + inCapsuleBytes) / 16);
            b.putInt(IdentifyController.IORCSZ, 1);
            if (provenance) {
                b.putInt(ProvenanceWire.SIGNATURE_OFFSET, ProvenanceWire.SIGNATURE);
                b.put(ProvenanceWire.VERSION_OFFSET, (byte) 1);
            }
        }

        private void io(Cmd cmd) throws IOException {
            int lbaSize = 1 << lbaShift;
            switch (cmd.opcode) {
                case NvmOpcode.READ -> {
                    int len = cmd.nlb() * lbaSize;
                    if (cmd.sglLength != len) {
                        respond(cmd.cid, Status.DATA_SGL_LENGTH_INVALID | Status.DNR, 0, 0);
                        return;
                    }
                    if (cmd.slba() + cmd.nlb() > nsBlocks) {
                        respond(cmd.cid, Status.LBA_OUT_OF_RANGE | Status.DNR, 0, 0);
                        return;
                    }
                    byte[] data = new byte[len];
                    synchronized (media) {
                        System.arraycopy(media, (int) (cmd.slba() * lbaSize), data, 0, len);
                    }
                    sendData(cmd.cid, data, c2hSuccess);
                }
                case NvmOpcode.WRITE -> {
                    int len = cmd.nlb() * lbaSize;
                    if (cmd.sglLength != len) {
                        respond(cmd.cid, Status.DATA_SGL_LENGTH_INVALID | Status.DNR, 0, 0);
                        return;
                    }
                    if (cmd.inCapsule != null) {
                        completeWrite(cmd, cmd.inCapsule);
                    } else {
                        r2ts.put(cmd.cid, new Object[] {new byte[len], 0, cmd});
                        sendR2T(cmd.cid, 7, 0, len);
                    }
                }
                case NvmOpcode.FLUSH -> respond(cmd.cid, 0, 0, 0);
                case NvmOpcode.WRITE_ZEROES -> {
                    synchronized (media) {
                        Arrays.fill(media, (int) (cmd.slba() * lbaSize), (int) ((cmd.slba() + cmd.nlb()) * lbaSize), (byte) 0);
                    }
                    respond(cmd.cid, 0, 0, 0);
                }
                case NvmOpcode.DATASET_MANAGEMENT -> {
                    ByteBuffer r = ByteBuffer.wrap(cmd.inCapsule).order(ByteOrder.LITTLE_ENDIAN);
                    int ranges = (cmd.cdw[10] & 0xFF) + 1;
                    for (int i = 0; i < ranges; i++) {
                        long nlb = r.getInt(i * 16 + 4) & 0xFFFFFFFFL;
                        long slba = r.getLong(i * 16 + 8);
                        synchronized (media) {
                            Arrays.fill(media, (int) (slba * lbaSize), (int) ((slba + nlb) * lbaSize), (byte) 0);
                        }
                    }
                    respond(cmd.cid, 0, 0, 0);
                }
                default -> respond(cmd.cid, Status.INVALID_OPCODE | Status.DNR, 0, 0);
            }
        }

        void completeWrite(Cmd cmd, byte[] data) throws IOException {
            int lbaSize = 1 << lbaShift;
            synchronized (media) {
                System.arraycopy(data, 0, media, (int) (cmd.slba() * lbaSize), data.length);
            }
            respond(cmd.cid, 0, 0, 0);
        }

        // ---- senders

        void respond(int cid, int status, int dw0, int dw1) throws IOException {
            int plen = 24 + (hdgst ? 4 : 0);
            ByteBuffer b = ByteBuffer.allocate(plen).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, (byte) PduType.CAPSULE_RESP).put(1, (byte) (hdgst ? 1 : 0)).put(2, (byte) 24).put(3, (byte) 0).putInt(4, plen);
            b.putInt(8, dw0).putInt(12, dw1).putShort(16, (short) 0).putShort(18, (short) qid).putShort(20, (short) cid)
                    .putShort(22, (short) (status << 1));
            digestHeader(b.array(), 24);
            send(b.array());
        }

        void sendData(int cid, byte[] data, boolean success) throws IOException {
            int chunk = Math.max(4, c2hChunk);
            for (int off = 0; off < data.length; off += chunk) {
                int n = Math.min(chunk, data.length - off);
                boolean last = off + n == data.length;
                sendC2HData(cid, data, off, n, last, last && success);
            }
            if (!success) {
                respond(cid, 0, 0, 0);
            }
        }

        void sendC2HData(int cid, byte[] data, int off, int n, boolean last, boolean success) throws IOException {
            int hd = hdgst ? 4 : 0;
            int dd = ddgst ? 4 : 0;
            int pdo = 24 + hd;
            int plen = pdo + n + dd;
            byte[] pdu = new byte[plen];
            ByteBuffer b = ByteBuffer.wrap(pdu).order(ByteOrder.LITTLE_ENDIAN);
            int flags = (hdgst ? 1 : 0) | (ddgst ? 2 : 0) | (last ? 4 : 0) | (success ? 8 : 0);
            b.put(0, (byte) PduType.C2H_DATA).put(1, (byte) flags).put(2, (byte) 24).put(3, (byte) pdo).putInt(4, plen);
            b.putShort(8, (short) cid).putInt(12, off).putInt(16, n);
            digestHeader(pdu, 24);
            System.arraycopy(data, off, pdu, pdo, n);
            if (ddgst) {
                txCrc.reset();
                txCrc.update(pdu, pdo, n);
                int value = (int) txCrc.getValue();
                if (corruptDataDigests > 0) {
                    corruptDataDigests--;
                    value ^= 0x5A5A;
                }
                b.putInt(pdo + n, value);
            }
            send(pdu);
        }

        void sendR2T(int cid, int ttag, int offset, int length) throws IOException {
            int plen = 24 + (hdgst ? 4 : 0);
            ByteBuffer b = ByteBuffer.allocate(plen).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, (byte) PduType.R2T).put(1, (byte) (hdgst ? 1 : 0)).put(2, (byte) 24).putInt(4, plen);
            b.putShort(8, (short) cid).putShort(10, (short) ttag).putInt(12, offset).putInt(16, length);
            digestHeader(b.array(), 24);
            send(b.array());
        }

        void sendTermReq(int fes, int fei) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, (byte) PduType.C2H_TERM_REQ).put(2, (byte) 24).putInt(4, 24);
            b.putShort(8, (short) fes).putInt(10, fei);
            send(b.array());
        }

        private void digestHeader(byte[] pdu, int hlen) {
            if (hdgst) {
                txCrc.reset();
                txCrc.update(pdu, 0, hlen);
                int value = (int) txCrc.getValue();
                if (qid > 0 && corruptHeaderDigests > 0) {
                    corruptHeaderDigests--;
                    value = ~value;
                }
                ByteBuffer.wrap(pdu).order(ByteOrder.LITTLE_ENDIAN).putInt(hlen, value);
            }
        }

        synchronized void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }
    }
}
