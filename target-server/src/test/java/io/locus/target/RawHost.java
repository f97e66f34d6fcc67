package io.locus.target;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.IcPdu;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A deliberately simple blocking NVMe/TCP host for protocol tests: it sends exactly the bytes a test asks for, so
 * tests can also send malformed ones. Not the product initiator.
 */
final class RawHost implements AutoCloseable {
    static final String HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555";
    /** The HOSTID every Connect of this host carries unless a test says otherwise (the UUID of {@link #HOSTNQN}). */
    static final byte[] HOSTID = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

    /** A received PDU: its header bytes (without digest) and data. */
    record Pdu(int type, int flags, ByteBuf header, byte[] data) {
        int cqeStatus() {
            return Cqe.status(header, CapsulePdu.CQE_OFFSET);
        }

        int cqeDw0() {
            return Cqe.dw0(header, CapsulePdu.CQE_OFFSET);
        }

        int cqeCid() {
            return Cqe.cid(header, CapsulePdu.CQE_OFFSET);
        }

        /** A C2HData or H2CData PDU's command id (CCCID). */
        int dataCid() {
            return DataPdu.cccid(header, 0);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Crc32cDigest crc = new Crc32cDigest();
    boolean headerDigest;
    boolean dataDigest;
    int cid;
    int maxH2cData;

    RawHost(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** When above 0: every PDU is sent in writes of this many bytes, so the target receives it in pieces. */
    int dribble;

    void send(ByteBuf b) throws IOException {
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), bytes);
        sendRaw(bytes);
    }

    void sendRaw(byte[] bytes) throws IOException {
        for (int at = 0; at < bytes.length; at += dribble > 0 ? dribble : bytes.length) {
            out.write(bytes, at, dribble > 0 ? Math.min(dribble, bytes.length - at) : bytes.length);
            out.flush();
        }
    }

    Pdu icReq(boolean hdgst, boolean ddgst) throws IOException {
        ByteBuf b = Unpooled.buffer();
        IcPdu.write(b, PduType.IC_REQ, 0, (hdgst ? 1 : 0) | (ddgst ? 2 : 0), 0);
        send(b);
        Pdu resp = read();
        headerDigest = hdgst;
        dataDigest = ddgst;
        maxH2cData = (int) IcPdu.dword12(resp.header, 0);
        return resp;
    }

    /** Reads one PDU; digests are checked when negotiated. */
    Pdu read() throws IOException {
        byte[] ch = new byte[8];
        in.readFully(ch);
        ByteBuf h = Unpooled.wrappedBuffer(ch);
        int type = CommonHeader.type(h, 0);
        int flags = CommonHeader.flags(h, 0);
        int hlen = CommonHeader.hlen(h, 0);
        int pdo = CommonHeader.pdo(h, 0);
        int plen = (int) CommonHeader.plen(h, 0);
        byte[] rest = new byte[plen - 8];
        in.readFully(rest);
        ByteBuf all = Unpooled.buffer(plen);
        all.writeBytes(ch).writeBytes(rest);
        boolean hd = (flags & CommonHeader.FLAG_HDGST) != 0;
        if (hd && crc.compute(all, 0, hlen) != all.getIntLE(hlen)) {
            throw new IOException("bad header digest from target");
        }
        byte[] data = new byte[0];
        int headerEnd = hlen + (hd ? 4 : 0);
        if (plen > headerEnd && type != PduType.C2H_TERM_REQ && type != PduType.IC_RESP) {
            boolean dd = (flags & CommonHeader.FLAG_DDGST) != 0;
            int len = plen - pdo - (dd ? 4 : 0);
            data = new byte[len];
            all.getBytes(pdo, data);
            if (dd && crc.compute(all, pdo, len) != all.getIntLE(pdo + len)) {
                throw new IOException("bad data digest from target");
            }
        } else if (type == PduType.C2H_TERM_REQ) {
            data = new byte[plen - hlen];
            all.getBytes(hlen, data);
        }
        return new Pdu(type, flags, all.slice(0, hlen), data);
    }

    /** True when the target closed the connection (EOF) within the socket timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    static ByteBuf sqe(int opcode, int cid, int nsid) {
        ByteBuf s = Unpooled.buffer(64, 64);
        Sqe.write(s, 0, opcode, Sqe.FLAGS_SGL, cid, nsid);
        s.writerIndex(64);
        return s;
    }

    /** Sends a CapsuleCmd with optional in-capsule data (SGL set accordingly unless {@code keepSgl}). */
    void capsule(ByteBuf sqe, byte[] inCapsule, boolean keepSgl) throws IOException {
        int dataLen = inCapsule == null ? 0 : inCapsule.length;
        if (!keepSgl && dataLen > 0) {
            Sgl.write(sqe, Sqe.SGL1_OFFSET, 0, dataLen, Sgl.ID_IN_CAPSULE);
        }
        int hd = headerDigest ? 4 : 0;
        int pdo = dataLen > 0 ? CapsulePdu.CMD_HEADER_LENGTH + hd : 0;
        int plen = CapsulePdu.CMD_HEADER_LENGTH + hd + dataLen + (dataLen > 0 && dataDigest ? 4 : 0);
        ByteBuf b = Unpooled.buffer(plen);
        int flags = (headerDigest ? CommonHeader.FLAG_HDGST : 0) | (dataLen > 0 && dataDigest ? CommonHeader.FLAG_DDGST : 0);
        CommonHeader.write(b, 0, PduType.CAPSULE_CMD, flags, CapsulePdu.CMD_HEADER_LENGTH, pdo, plen);
        b.setBytes(8, sqe, 0, 64);
        b.writerIndex(72);
        if (headerDigest) {
            b.writeIntLE(crc.compute(b, 0, 72));
        }
        if (dataLen > 0) {
            b.writeBytes(inCapsule);
            if (dataDigest) {
                b.writeIntLE(crc.compute(b, pdo, dataLen));
            }
        }
        send(b);
    }

    /** Sends data-less CapsuleCmds back to back in one write (no digests), so the target reads them in one batch. */
    void capsulesInOneWrite(List<ByteBuf> sqes) throws IOException {
        ByteBuf b = Unpooled.buffer(sqes.size() * CapsulePdu.CMD_HEADER_LENGTH);
        for (ByteBuf sqe : sqes) {
            int at = b.writerIndex();
            CommonHeader.write(b, at, PduType.CAPSULE_CMD, 0, CapsulePdu.CMD_HEADER_LENGTH, 0, CapsulePdu.CMD_HEADER_LENGTH);
            b.setBytes(at + 8, sqe, 0, 64);
            b.writerIndex(at + CapsulePdu.CMD_HEADER_LENGTH);
        }
        send(b);
    }

    void h2cData(int cccid, int ttag, int offset, byte[] data, int from, int len, boolean last) throws IOException {
        int hd = headerDigest ? 4 : 0;
        int pdo = DataPdu.HEADER_LENGTH + hd;
        int plen = pdo + len + (dataDigest ? 4 : 0);
        ByteBuf b = Unpooled.buffer(plen);
        int flags = (headerDigest ? CommonHeader.FLAG_HDGST : 0) | (dataDigest ? CommonHeader.FLAG_DDGST : 0) | (last ? CommonHeader.FLAG_LAST_PDU : 0);
        CommonHeader.write(b, 0, PduType.H2C_DATA, flags, DataPdu.HEADER_LENGTH, pdo, plen);
        DataPdu.writeFields(b, 0, cccid, ttag, offset, len);
        b.writerIndex(24);
        if (headerDigest) {
            b.writeIntLE(crc.compute(b, 0, 24));
        }
        b.writeBytes(data, from, len);
        if (dataDigest) {
            b.writeIntLE(crc.compute(b, pdo, len));
        }
        send(b);
    }

    /** Connect; returns the CapsuleResp. */
    Pdu connect(int qid, int sqsize, int cntlid, String subnqn, String hostnqn, int kato, int cattr) throws IOException {
        return connect(qid, sqsize, connectData(cntlid, subnqn, hostnqn), kato, cattr);
    }

    /** Connect with the given Connect data, which may be malformed or of another length; returns the CapsuleResp. */
    Pdu connect(int qid, int sqsize, byte[] connectData, int kato, int cattr) throws IOException {
        ByteBuf s = sqe(AdminOpcode.FABRICS, ++cid, 0);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.CONNECT);
        s.setShortLE(FabricsCommand.CONNECT_QID_OFFSET, qid);
        s.setShortLE(FabricsCommand.CONNECT_SQSIZE_OFFSET, sqsize);
        s.setByte(FabricsCommand.CONNECT_CATTR_OFFSET, cattr);
        s.setIntLE(FabricsCommand.CONNECT_KATO_OFFSET, kato);
        capsule(s, connectData, false);
        return expect(PduType.CAPSULE_RESP);
    }

    /** Well-formed Connect data with this host's HOSTID ({@link #HOSTID}). */
    static byte[] connectData(int cntlid, String subnqn, String hostnqn) {
        ByteBuf d = Unpooled.buffer(1024, 1024);
        d.setZero(0, 1024);
        d.writerIndex(1024);
        d.setBytes(ConnectData.HOSTID_OFFSET, HOSTID);
        d.setShortLE(ConnectData.CNTLID_OFFSET, cntlid);
        ConnectData.writeString(d, ConnectData.SUBNQN_OFFSET, 256, subnqn);
        ConnectData.writeString(d, ConnectData.HOSTNQN_OFFSET, 256, hostnqn);
        byte[] bytes = new byte[1024];
        d.getBytes(0, bytes);
        return bytes;
    }

    /** Admin queue bring-up: ICReq, Connect, CC.EN=1. Returns the CNTLID. */
    int adminUp(String subnqn, int kato) throws IOException {
        icReq(false, false);
        Pdu r = connect(0, 31, 0xFFFF, subnqn, HOSTNQN, kato, 0);
        if (r.cqeStatus() != 0) {
            throw new IOException("connect failed: status 0x" + Integer.toHexString(r.cqeStatus()));
        }
        Pdu set = propertySet(Property.CC, (6 << 16) | (4 << 20) | 1);
        if (set.cqeStatus() != 0) {
            throw new IOException("CC set failed");
        }
        return r.cqeDw0() & 0xFFFF;
    }

    /** ICReq with these digests, then Connect of I/O queue 1 (SQSIZE 127) to controller {@code cntlid}. */
    void ioQueueUp(int cntlid, boolean hdgst, boolean ddgst) throws IOException {
        icReq(hdgst, ddgst);
        Pdu r = connect(1, 127, cntlid, TestTargets.NQN, HOSTNQN, 0, 0);
        if (r.cqeStatus() != 0) {
            throw new IOException("I/O queue connect failed: status 0x" + Integer.toHexString(r.cqeStatus()));
        }
    }

    /** On an admin queue: Set Features 0xC0 (Locus provenance) to enabled, as command {@code cid}; its status. */
    int enableProvenance(int cid) throws IOException {
        ByteBuf set = sqe(io.locus.protocol.nvme.AdminOpcode.SET_FEATURES, cid, 0);
        Sqe.setCdw(set, 0, 10, io.locus.protocol.nvme.Feature.LOCUS_PROVENANCE);
        Sqe.setCdw(set, 0, 11, 1);
        capsule(set, null, false);
        return expect(PduType.CAPSULE_RESP).cqeStatus();
    }

    Pdu propertySet(int offset, long value) throws IOException {
        ByteBuf s = sqe(AdminOpcode.FABRICS, ++cid, 0);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_SET);
        s.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, offset);
        s.setLongLE(FabricsCommand.PROPERTY_VALUE_OFFSET, value);
        capsule(s, null, false);
        return expect(PduType.CAPSULE_RESP);
    }

    Pdu propertyGet(int offset, boolean eightBytes) throws IOException {
        ByteBuf s = sqe(AdminOpcode.FABRICS, ++cid, 0);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_GET);
        s.setByte(FabricsCommand.PROPERTY_ATTRIB_OFFSET, eightBytes ? 1 : 0);
        s.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, offset);
        capsule(s, null, false);
        return expect(PduType.CAPSULE_RESP);
    }

    /** Sends a command that reads {@code length} bytes; returns {data, resp} with data possibly empty. */
    Object[] readCommand(ByteBuf sqe, int length) throws IOException {
        Sgl.write(sqe, Sqe.SGL1_OFFSET, 0, length, Sgl.ID_TRANSPORT);
        capsule(sqe, null, true);
        byte[] data = new byte[0];
        Pdu p = read();
        while (p.type == PduType.C2H_DATA) {
            byte[] joined = new byte[data.length + p.data.length];
            System.arraycopy(data, 0, joined, 0, data.length);
            System.arraycopy(p.data, 0, joined, data.length, p.data.length);
            data = joined;
            if ((p.flags & CommonHeader.FLAG_SUCCESS) != 0) {
                return new Object[] {data, null};
            }
            p = read();
        }
        if (p.type != PduType.CAPSULE_RESP) {
            throw new IOException("expected CapsuleResp, got " + PduType.name(p.type));
        }
        return new Object[] {data, p};
    }

    byte[] identify(int cns, int nsid) throws IOException {
        ByteBuf s = sqe(AdminOpcode.IDENTIFY, ++cid, nsid);
        Sqe.setCdw(s, 0, 10, cns);
        Object[] r = readCommand(s, 4096);
        Pdu resp = (Pdu) r[1];
        if (resp != null && resp.cqeStatus() != 0) {
            throw new IOException("identify failed: 0x" + Integer.toHexString(resp.cqeStatus()));
        }
        return (byte[]) r[0];
    }

    /** Reads blocks; returns {data, resp}. */
    Object[] readBlocks(int nsid, long lba, int blocks, int blockSize) throws IOException {
        ByteBuf s = sqe(NvmOpcode.READ, ++cid, nsid);
        Sqe.setCdw(s, 0, 10, (int) lba);
        Sqe.setCdw(s, 0, 11, (int) (lba >>> 32));
        Sqe.setCdw(s, 0, 12, blocks - 1);
        return readCommand(s, blocks * blockSize);
    }

    /** Writes in-capsule when it fits {@code inCapsuleMax}, else via R2T/H2CData. Returns the CapsuleResp. */
    Pdu writeBlocks(int nsid, long lba, byte[] data, int blockSize, int inCapsuleMax, int cdw12Flags) throws IOException {
        int blocks = data.length / blockSize;
        ByteBuf s = sqe(NvmOpcode.WRITE, ++cid, nsid);
        Sqe.setCdw(s, 0, 10, (int) lba);
        Sqe.setCdw(s, 0, 11, (int) (lba >>> 32));
        Sqe.setCdw(s, 0, 12, (blocks - 1) | cdw12Flags);
        if (data.length <= inCapsuleMax) {
            capsule(s, data, false);
            return expect(PduType.CAPSULE_RESP);
        }
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, data.length, Sgl.ID_TRANSPORT);
        capsule(s, null, true);
        Pdu p = read();
        if (p.type == PduType.CAPSULE_RESP) {
            return p;
        }
        if (p.type != PduType.R2T) {
            throw new IOException("expected R2T, got " + PduType.name(p.type));
        }
        int ttag = DataPdu.ttag(p.header, 0);
        int r2tl = (int) DataPdu.dataLength(p.header, 0);
        int sent = 0;
        while (sent < r2tl) {
            int n = Math.min(r2tl - sent, maxH2cData);
            h2cData(cid, ttag, sent, data, sent, n, sent + n == r2tl);
            sent += n;
        }
        return expect(PduType.CAPSULE_RESP);
    }

    /**
     * Reads the responses to {@code n} reads sent together, each one C2HData and one successful CapsuleResp: the
     * target writes a flush's CapsuleResps after its data PDUs, up to sixteen at a time, so they do not come in
     * pairs, but each must come after its own command's data. Returns each command's data by cid.
     */
    Map<Integer, byte[]> readReadResponses(int n) throws IOException {
        Map<Integer, byte[]> data = new HashMap<>();
        for (int completions = 0; completions < n; ) {
            Pdu p = read();
            if (p.type == PduType.C2H_DATA) {
                data.put(p.dataCid(), p.data);
            } else if (p.type == PduType.CAPSULE_RESP) {
                if (!data.containsKey(p.cqeCid())) {
                    throw new IOException("CapsuleResp of cid " + p.cqeCid() + " before its C2HData");
                }
                if (p.cqeStatus() != 0) {
                    throw new IOException("cid " + p.cqeCid() + " completed with status 0x" + Integer.toHexString(p.cqeStatus()));
                }
                completions++;
            } else {
                throw new IOException("expected C2HData or CapsuleResp, got " + PduType.name(p.type));
            }
        }
        return data;
    }

    Pdu expect(int type) throws IOException {
        Pdu p = read();
        if (p.type != type) {
            throw new IOException("expected " + PduType.name(type) + ", got " + PduType.name(p.type)
                    + (p.type == PduType.C2H_TERM_REQ ? " FES " + p.header.getUnsignedShortLE(8) : ""));
        }
        return p;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static boolean isEof(IOException e) {
        return e instanceof EOFException;
    }
}
