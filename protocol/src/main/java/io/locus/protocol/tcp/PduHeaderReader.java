package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Collects one incoming PDU's header, for both ends, from however the socket splits it: first the 8-byte common
 * header, which the receiver checks ({@link PduFraming#validate}) before anything else of the PDU is buffered, then
 * the rest of the header with its digest ({@link #wholeHeader}), or the whole of a TermReq with its error data.
 *
 * <pre>
 *   read() ─► COMMON_HEADER ─(receiver checks it)─► expectWholeHeader() ─► read() ─► WHOLE_HEADER ─► next()
 * </pre>
 * The header stays at index 0 of {@link #header()} until {@link #next()}. One per connection; nothing is allocated
 * after construction.
 */
public final class PduHeaderReader {
    /** {@link #read}: more bytes are needed. */
    public static final int NEED_MORE = 0;
    /** {@link #read}: the common header is in; check it, then {@link #expectWholeHeader}. */
    public static final int COMMON_HEADER = 1;
    /** {@link #read}: the whole header (and its digest) is in. */
    public static final int WHOLE_HEADER = 2;
    /** The largest header collected: a TermReq with its 128 bytes of error data (an ICReq/ICResp is 128 bytes). */
    public static final int CAPACITY = TermReqPdu.HEADER_LENGTH + TermReqPdu.MAX_ERROR_DATA;

    private final ByteBuf header = Unpooled.buffer(CAPACITY, CAPACITY);
    /** Header bytes this PDU needs: the common header's 8 until it is checked, then the whole header. */
    private int needed = CommonHeader.LENGTH;

    /** The header collected so far, from index 0. */
    public ByteBuf header() {
        return header;
    }

    /** Whether part of a header is in. */
    public boolean isPartial() {
        return header.isReadable();
    }

    /** Moves what is missing of the header out of {@code in}; says what is complete. */
    public int read(ByteBuf in) {
        int take = Math.min(needed - header.writerIndex(), in.readableBytes());
        header.writeBytes(in, take);
        if (header.writerIndex() < needed) {
            return NEED_MORE;
        }
        // Every whole header is longer than the common header, so the two cannot be confused.
        return needed == CommonHeader.LENGTH ? COMMON_HEADER : WHOLE_HEADER;
    }

    /**
     * After the common header was checked: collect the whole header, its digest when negotiated and the PDU type
     * carries one, or for a TermReq the whole PDU (its error data is part of what it reports).
     */
    public void expectWholeHeader(boolean headerDigest) {
        needed = wholeHeader(headerDigest);
    }

    /** Header plus header digest (a TermReq: its PLEN) of the PDU whose common header is in. */
    public int wholeHeader(boolean headerDigest) {
        int type = CommonHeader.type(header, 0);
        if (type == PduType.H2C_TERM_REQ || type == PduType.C2H_TERM_REQ) {
            return (int) CommonHeader.plen(header, 0);
        }
        return CommonHeader.hlen(header, 0)
                + (headerDigest && PduType.mayCarryHeaderDigest(type) ? CommonHeader.DIGEST_LENGTH : 0);
    }

    /** Gets ready for the next PDU's header. */
    public void next() {
        header.clear();
        needed = CommonHeader.LENGTH;
    }

    public void release() {
        header.release();
    }
}
