package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * Writes the framing of outgoing NVMe/TCP PDUs for one connection, the same for both ends once ICReq/ICResp settled
 * the digests and the data alignment: the common header with its digest flags, the header digest, the padding up to
 * PDO and the data digest. The PDU-specific fields (SQE, CQE, DATAO/DATAL...) are the caller's, written between
 * {@link #beginHeader} and {@link #sealHeader} because the header digest covers them.
 *
 * <pre>
 *   base                     base + hlen     + HDGST         base + pdo            + DATAL   + DDGST
 *   | CH (8) | PDU fields     | header digest | zero padding  | data                 | data digest |
 *   |&lt;-- beginHeader / caller --&gt;|&lt;----------- sealHeader --------&gt;|  caller / sealData             |
 * </pre>
 * One instance per connection, owned by its thread; nothing is allocated.
 */
public final class PduWriter {
    private final Crc32cDigest crc = new Crc32cDigest();
    private boolean headerDigest;
    private boolean dataDigest;
    private int pda;

    /** The digests and the peer's data alignment (PDA, 0's based dwords) that ICReq/ICResp agreed. */
    public void negotiated(boolean headerDigest, boolean dataDigest, int pda) {
        this.headerDigest = headerDigest;
        this.dataDigest = dataDigest;
        this.pda = pda;
    }

    public boolean headerDigest() {
        return headerDigest;
    }

    public boolean dataDigest() {
        return dataDigest;
    }

    /** Header plus header digest: the length of a PDU that carries no data. */
    public int headerLength(int hlen) {
        return hlen + (headerDigest ? CommonHeader.DIGEST_LENGTH : 0);
    }

    /** PDO of a PDU with data: header, header digest, padding to the peer's alignment. */
    public int dataOffset(int hlen) {
        return PduFraming.dataOffset(hlen, headerDigest, pda);
    }

    /** PLEN of a PDU with {@code hlen} header and {@code dataLength} data bytes (0: a header-only PDU). */
    public int pduLength(int hlen, int dataLength) {
        if (dataLength == 0) {
            return headerLength(hlen);
        }
        return dataOffset(hlen) + dataLength + (dataDigest ? CommonHeader.DIGEST_LENGTH : 0);
    }

    /**
     * Writes the common header of a PDU at {@code base}: HDGSTF when header digests are on, DDGSTF when they are and
     * the PDU carries data, PDO when it does. Returns PLEN.
     *
     * @param flags the PDU's own flags (LAST_PDU, SUCCESS)
     */
    public int beginHeader(ByteBuf out, int base, int type, int flags, int hlen, int dataLength) {
        int plen = pduLength(hlen, dataLength);
        int pdo = dataLength == 0 ? 0 : dataOffset(hlen);
        int all = flags | (headerDigest ? CommonHeader.FLAG_HDGST : 0)
                | (dataDigest && dataLength > 0 ? CommonHeader.FLAG_DDGST : 0);
        CommonHeader.write(out, base, type, all, hlen, pdo, plen);
        return plen;
    }

    /**
     * Completes a header the caller filled in: its digest, and zero padding up to PDO when the PDU carries data.
     * Returns the index where the data goes (or the PDU ends).
     */
    public int sealHeader(ByteBuf out, int base) {
        int hlen = CommonHeader.hlen(out, base);
        int end = base + hlen;
        if (headerDigest) {
            out.setIntLE(end, crc.compute(out, base, hlen));
            end += CommonHeader.DIGEST_LENGTH;
        }
        int pdo = CommonHeader.pdo(out, base);
        if (pdo > 0 && base + pdo > end) {
            out.setZero(end, base + pdo - end);
            end = base + pdo;
        }
        return end;
    }

    /** The data digest of {@code length} bytes at {@code index} of {@code data} (only when data digests are on). */
    public int dataDigest(ByteBuf data, int index, int length) {
        return crc.compute(data, index, length);
    }

    /** Writes the data digest of the {@code length} bytes at {@code index} right after them; no-op without digests. */
    public void sealData(ByteBuf out, int index, int length) {
        if (dataDigest) {
            out.setIntLE(index + length, crc.compute(out, index, length));
        }
    }
}
