package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * Rules shared by both ends for framing NVMe/TCP PDUs: data offsets, padding, and validation of an
 * incoming common header before anything is buffered. Validation results are a packed long:
 * {@link #OK}, or {@code (FES << 32) | FEI} naming the fatal error the receiver must report.
 */
public final class PduFraming {
    public static final long OK = 0;
    /**
     * The largest PDO a PDU may carry: the header padded to the coarsest alignment a PDA can ask for, 32 dwords
     * (PDA 31). SPDK's target answers a larger CapsuleCmd PDO with a C2HTermReq (lib/nvmf/tcp.c
     * {@code nvmf_tcp_capsule_cmd_payload_handle}, {@code SPDK_NVME_TCP_PDU_PDO_MAX_OFFSET}).
     */
    public static final int MAX_DATA_OFFSET = 128;
    /** PDA counts dwords, so any PDO is a multiple of 4. */
    private static final int DATA_OFFSET_UNIT = 4;

    private PduFraming() {
    }

    public static long error(int fes, long fei) {
        return ((long) fes << 32) | (fei & 0xFFFFFFFFL);
    }

    public static int fes(long result) {
        return (int) (result >>> 32);
    }

    public static long fei(long result) {
        return result & 0xFFFFFFFFL;
    }

    /** Offset of the data in a PDU: header, header digest, then padding to (pda + 1) dwords. */
    public static int dataOffset(int hlen, boolean headerDigest, int pda) {
        int unaligned = hlen + (headerDigest ? CommonHeader.DIGEST_LENGTH : 0);
        int alignment = (pda + 1) * 4;
        return (unaligned + alignment - 1) / alignment * alignment;
    }

    /**
     * Validates the common header of an incoming PDU whose type the caller has already accepted.
     *
     * @param buf          the buffer holding at least the 8-byte common header
     * @param base         absolute index of the PDU
     * @param headerDigest whether header digests were negotiated
     * @param dataDigest   whether data digests were negotiated
     * @param maxDataLength the largest data payload this receiver accepts for this type
     */
    public static long validate(ByteBuf buf, int base, boolean headerDigest, boolean dataDigest, long maxDataLength) {
        int type = CommonHeader.type(buf, base);
        int flags = CommonHeader.flags(buf, base);
        int hlen = CommonHeader.hlen(buf, base);
        int pdo = CommonHeader.pdo(buf, base);
        long plen = CommonHeader.plen(buf, base);
        int expectedHlen = PduType.headerLength(type);
        if (expectedHlen < 0) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.TYPE_OFFSET);
        }
        if (hlen != expectedHlen) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.HLEN_OFFSET);
        }
        boolean termReq = type == PduType.H2C_TERM_REQ || type == PduType.C2H_TERM_REQ;
        boolean initialize = type == PduType.IC_REQ || type == PduType.IC_RESP;
        if (termReq) {
            if (plen < hlen || plen > hlen + TermReqPdu.MAX_ERROR_DATA) {
                return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PLEN_OFFSET);
            }
            return OK;
        }
        if (initialize) {
            if (plen != IcPdu.LENGTH) {
                return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PLEN_OFFSET);
            }
            return OK;
        }
        boolean hdgstFlag = (flags & CommonHeader.FLAG_HDGST) != 0;
        boolean ddgstFlag = (flags & CommonHeader.FLAG_DDGST) != 0;
        if (PduType.mayCarryHeaderDigest(type) && hdgstFlag != headerDigest) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET);
        }
        int headerEnd = hlen + (headerDigest ? CommonHeader.DIGEST_LENGTH : 0);
        if (plen < headerEnd) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PLEN_OFFSET);
        }
        boolean hasData = plen > headerEnd;
        if (!PduType.mayCarryData(type)) {
            if (hasData || pdo != 0 || ddgstFlag) {
                return error(TermReqPdu.FES_INVALID_HEADER_FIELD, hasData ? CommonHeader.PLEN_OFFSET : CommonHeader.PDO_OFFSET);
            }
            return OK;
        }
        if (!hasData) {
            if (ddgstFlag) {
                return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET);
            }
            return OK;
        }
        if (ddgstFlag != dataDigest) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET);
        }
        // PDO: past the header and its digest, within the PDU, at most 128 and dword-aligned (NVMe/TCP 1.0, PDU
        // data alignment). SPDK's target checks the bound and, with CPDA != 0, the alignment (nvmf_tcp_pdu_ch_handle).
        if (pdo < headerEnd || pdo > plen || pdo > MAX_DATA_OFFSET || pdo % DATA_OFFSET_UNIT != 0) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PDO_OFFSET);
        }
        long dataLength = plen - pdo - (dataDigest ? CommonHeader.DIGEST_LENGTH : 0);
        if (dataLength <= 0) {
            return error(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PLEN_OFFSET);
        }
        if (dataLength > maxDataLength) {
            return error(TermReqPdu.FES_DATA_LIMIT_EXCEEDED, CommonHeader.PLEN_OFFSET);
        }
        return OK;
    }

    /** Length of the data carried by a validated PDU (0 when none). */
    public static int dataLength(ByteBuf buf, int base, boolean headerDigest, boolean dataDigest) {
        int hlen = CommonHeader.hlen(buf, base);
        long plen = CommonHeader.plen(buf, base);
        int headerEnd = hlen + (headerDigest && PduType.mayCarryHeaderDigest(CommonHeader.type(buf, base)) ? CommonHeader.DIGEST_LENGTH : 0);
        if (plen <= headerEnd) {
            return 0;
        }
        return (int) (plen - CommonHeader.pdo(buf, base) - (dataDigest ? CommonHeader.DIGEST_LENGTH : 0));
    }
}
