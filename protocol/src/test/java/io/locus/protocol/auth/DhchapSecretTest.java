package io.locus.protocol.auth;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DhchapSecretTest {
    /** The example secret of the NVMe base specification (32-byte key, valid CRC). */
    static final String SPEC_BODY = "ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n";
    static final String HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:12345678-1234-1234-1234-123456789abc";

    @Test
    void shouldParseTheSpecificationsExampleWithEveryHashIdentifier() {
        for (int hh = 0; hh <= 3; hh++) {
            DhchapSecret s = DhchapSecret.parse("DHHC-1:0" + hh + ":" + SPEC_BODY + ":");
            assertEquals(hh, s.hashId());
            assertEquals(32, s.length());
            assertEquals("DHHC-1:0" + hh + ":" + SPEC_BODY + ":", s.encode());
        }
    }

    @Test
    void shouldRoundTripGeneratedSecretsOfEveryLength() {
        for (int len : new int[] {32, 48, 64}) {
            DhchapSecret s = DhchapSecret.generate(2, len);
            DhchapSecret back = DhchapSecret.parse(s.encode());
            assertTrue(s.sameAs(back));
            assertEquals(len, back.length());
        }
    }

    @Test
    void shouldRefuseABadCrcWithoutPrintingTheSecret() {
        byte[] raw = Base64.getDecoder().decode(SPEC_BODY);
        raw[0] ^= 1;
        String bad = "DHHC-1:01:" + Base64.getEncoder().encodeToString(raw) + ":";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse(bad));
        assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
        assertFalse(e.getMessage().contains(Base64.getEncoder().encodeToString(raw).substring(0, 10)));
    }

    @Test
    void shouldRefuseABadLength() {
        byte[] key = new byte[40];
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key);
        byte[] raw = java.util.Arrays.copyOf(key, 44);
        long c = crc.getValue();
        for (int i = 0; i < 4; i++) {
            raw[40 + i] = (byte) (c >>> (8 * i));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DhchapSecret.parse("DHHC-1:00:" + Base64.getEncoder().encodeToString(raw) + ":"));
        assertTrue(e.getMessage().contains("40 bytes"), e.getMessage());
    }

    @Test
    void shouldRefuseABadHashIdentifierAndBadForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DhchapSecret.parse("DHHC-1:04:" + SPEC_BODY + ":"));
        assertTrue(e.getMessage().contains("hash identifier"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse("DHHC-2:01:" + SPEC_BODY + ":"));
        assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse("DHHC-1:1:" + SPEC_BODY + ":"));
        assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse("DHHC-1:01:not*base64:"));
        assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse(null));
    }

    @Test
    void toStringNeverShowsTheKey() {
        DhchapSecret s = DhchapSecret.parse("DHHC-1:01:" + SPEC_BODY + ":");
        assertFalse(s.toString().contains(SPEC_BODY.substring(0, 8)));
        assertTrue(s.toString().contains("32 bytes"));
    }

    /**
     * Linux nvme_auth_transform_key: HMAC-hh(key, NQN || "NVMe-over-Fabrics"); hh 00 is the key itself. Expected values
     * computed independently (Python hmac/hashlib) from that description.
     */
    @Test
    void shouldTransformAsLinuxDoes() {
        HexFormat hex = HexFormat.of();
        assertEquals("a915f8fc874ffdbf7cff7ac96aad8d8477cf055bd16bdd7b783bb1bfe960bf88",
                hex.formatHex(DhchapSecret.parse("DHHC-1:01:" + SPEC_BODY + ":").transform(HOSTNQN)));
        assertEquals("1d1c5004f3cf7ce1899cd018f34b3606c7aee9d518c68a1c85ea718a19d38fd4cddb55fb257584e462c2e46a3d90baf1",
                hex.formatHex(DhchapSecret.parse("DHHC-1:02:" + SPEC_BODY + ":").transform(HOSTNQN)));
        assertEquals("514947ae4fb87a01f99ce704597a73476091d20c4d274dd5e0dff0f5c5f9db8413d2b1f681ca0e910391d6827d25a0f512e1e68e11a51835c4e613155f2de743",
                hex.formatHex(DhchapSecret.parse("DHHC-1:03:" + SPEC_BODY + ":").transform(HOSTNQN)));
        byte[] raw = Base64.getDecoder().decode(SPEC_BODY);
        assertEquals(hex.formatHex(raw, 0, 32), hex.formatHex(DhchapSecret.parse("DHHC-1:00:" + SPEC_BODY + ":").transform(HOSTNQN)));
    }
}
