package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PduFramingTest {
    private static ByteBuf header(int type, int flags, int hlen, int pdo, long plen) {
        ByteBuf b = Unpooled.buffer(8);
        CommonHeader.write(b, 0, type, flags, hlen, pdo, (int) plen);
        b.writerIndex(8);
        return b;
    }

    @Test
    void shouldComputeDataOffsetWithDigestAndAlignment() {
        assertEquals(72, PduFraming.dataOffset(72, false, 0));
        assertEquals(76, PduFraming.dataOffset(72, true, 0));
        assertEquals(128, PduFraming.dataOffset(72, true, 31));
        assertEquals(32, PduFraming.dataOffset(24, true, 7));
    }

    @Test
    void shouldAcceptWellFormedCapsules() {
        assertEquals(PduFraming.OK, PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 0, 72), 0, false, false, 8192));
        assertEquals(PduFraming.OK, PduFraming.validate(header(PduType.CAPSULE_CMD, 3, 72, 76, 76 + 4096 + 4), 0, true, true, 8192));
    }

    @Test
    void shouldNameTheFieldOfEachHeaderError() {
        long r = PduFraming.validate(header(0x42, 0, 72, 0, 72), 0, false, false, 0);
        assertEquals(TermReqPdu.FES_INVALID_HEADER_FIELD, PduFraming.fes(r));
        assertEquals(CommonHeader.TYPE_OFFSET, PduFraming.fei(r));
        r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 70, 0, 72), 0, false, false, 8192);
        assertEquals(CommonHeader.HLEN_OFFSET, PduFraming.fei(r));
        r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 0, 72), 0, true, false, 8192);
        assertEquals(CommonHeader.FLAGS_OFFSET, PduFraming.fei(r), "missing HDGSTF once negotiated");
        r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 10, 72 + 4096), 0, false, false, 8192);
        assertEquals(CommonHeader.PDO_OFFSET, PduFraming.fei(r));
        r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 72, 0xFFFFFFF0L), 0, false, false, 8192);
        assertEquals(TermReqPdu.FES_DATA_LIMIT_EXCEEDED, PduFraming.fes(r));
        r = PduFraming.validate(header(PduType.IC_REQ, 0, 128, 0, 130), 0, false, false, 0);
        assertEquals(CommonHeader.PLEN_OFFSET, PduFraming.fei(r));
    }

    @Test
    void shouldRejectADataOffsetPast128OrOffTheDwordGridButAcceptTheLargestPadding() {
        long r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 250, 72 + 4096), 0, false, false, 8192);
        assertEquals(TermReqPdu.FES_INVALID_HEADER_FIELD, PduFraming.fes(r));
        assertEquals(CommonHeader.PDO_OFFSET, PduFraming.fei(r));
        r = PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 74, 74 + 4096), 0, false, false, 8192);
        assertEquals(CommonHeader.PDO_OFFSET, PduFraming.fei(r), "PDO not a multiple of 4");
        r = PduFraming.validate(header(PduType.H2C_DATA, 0, 24, 132, 132 + 4096), 0, false, false, 8192);
        assertEquals(CommonHeader.PDO_OFFSET, PduFraming.fei(r));
        assertEquals(PduFraming.OK, PduFraming.validate(header(PduType.CAPSULE_CMD, 0, 72, 128, 128 + 4096), 0, false, false, 8192),
                "PDA 31 pads to 128");
    }

    @Test
    void shouldMatchTheCrc32cCheckValue() {
        // The standard CRC-32C check value for "123456789".
        ByteBuf b = Unpooled.wrappedBuffer("123456789".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0xE3069283, new Crc32cDigest().compute(b, 0, 9));
        ByteBuf direct = Unpooled.directBuffer(9).writeBytes("123456789".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0xE3069283, new Crc32cDigest().compute(direct, 0, 9));
    }
}
