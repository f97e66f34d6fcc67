package io.locus.protocol.tls;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interchange parsing and the derivations. Vectors: libnvme test/psk.c (interchange form and the version 1 identity,
 * whose digest depends on the retained PSK); RFC 5869 appendix A (HKDF); the TLS PSKs themselves have no published
 * vector, so they were computed independently with Python's hmac/hashlib from the spec's formulas (the same script
 * reproduces libnvme's version 1 identities, so its retained-PSK step is libnvme's).
 */
class NvmeTlsKeysTest {
    private static final HexFormat HEX = HexFormat.of();
    static final byte[] K32 = HEX.parseHex("5512dbb6737d0106f65975b773dfb011ffc344bcf442e2dd6d8bc4870b5d5b03");
    static final byte[] K48 = HEX.parseHex("5512dbb6737d0106f65975b773dfb011ffc344bcf442e2dd6d8bc4870b5d5b03"
            + "ffc344bcf442e2dd6d8bc4870b5d5b03");
    static final String KEY01 = "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:";
    static final String KEY00 = "NVMeTLSkey-1:00:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:";
    static final String KEY02 = "NVMeTLSkey-1:02:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwP/w0S89ELi3W2LxIcLXVsDn8kXZQ==:";
    private static final String HOST = "nqn.psk-test-host";
    private static final String SUB = "nqn.psk-test-subsys";

    @Test
    void shouldParseTheInterchangeFormsOfLibnvmesTests() {
        TlsPsk p1 = TlsPsk.parse(KEY01);
        assertEquals(1, p1.transform());
        assertEquals(PskHash.SHA256, p1.hash());
        assertArrayEquals(K32, p1.key());
        TlsPsk p0 = TlsPsk.parse(KEY00);
        assertEquals(0, p0.transform());
        assertEquals(PskHash.SHA256, p0.hash(), "hh 00 takes the hash of the key's length");
        TlsPsk p2 = TlsPsk.parse(" " + KEY02 + "\n");
        assertEquals(PskHash.SHA384, p2.hash());
        assertArrayEquals(K48, p2.key());
        assertEquals(KEY01, TlsPsk.of(1, K32).interchange());
        assertEquals(KEY02, TlsPsk.of(2, K48).interchange());
    }

    @Test
    void shouldRejectBadKeysWithoutRepeatingThem() {
        String badCrc = KEY01.replace("Nf9LrZ", "Nf9LrY");
        assertMessage(badCrc, "CRC-32");
        assertMessage(KEY01.replace(":01:", ":03:"), "hash identifier '03'");
        assertMessage(KEY01.replace(":01:", ":02:"), "has 32 bytes; with hash identifier 02 it must have 48");
        assertMessage(KEY02.replace(":02:", ":01:"), "has 48 bytes; with hash identifier 01 it must have 32");
        assertMessage("NVMeTLSkey-1:01:AAAA:", "has 0 bytes");
        assertMessage("NVMeTLSkey-1:01:%%%%:", "not valid base64");
        assertMessage(KEY01.substring(0, KEY01.length() - 1), "ends with ':'");
        assertMessage("DHHC-1:01:" + KEY01.substring(16), "starts with 'NVMeTLSkey-1:'");
        assertMessage("NVMeTLSkey-1:1:xyz:", "two-digit hash identifier");
        assertThrows(IllegalArgumentException.class, () -> TlsPsk.parse(null));
        assertFalse(TlsPsk.parse(KEY01).toString().contains("VRLb"));
    }

    private static void assertMessage(String key, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsPsk.parse(key));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("VRLbtnN9"), "the message repeats the key: " + e.getMessage());
    }

    @Test
    void shouldDeriveLibnvmesVersion1Identities() {
        assertEquals("NVMe1R01 nqn.psk-test-host nqn.psk-test-subsys iSbjiStwJ/1TrTvDlt2fjFmzvsytOJelidNnA+X5lEU=",
                NvmeTlsKeys.derive(TlsPsk.parse(KEY01), HOST, SUB, 1).identity().text());
        assertEquals("NVMe1R02 nqn.psk-test-host nqn.psk-test-subsys QhW2+Rp6RzHlNtCslyRxMnwJ11tKKhz8JCAQpQ+XUD8f9td1VeH5h53yz2wKJG1a",
                NvmeTlsKeys.derive(TlsPsk.parse(KEY02), HOST, SUB, 1).identity().text());
    }

    @Test
    void shouldDeriveTheTlsPskAsComputedIndependently() {
        NvmeTlsKeys.Derived v0 = NvmeTlsKeys.derive(TlsPsk.parse(KEY01), HOST, SUB, 0);
        assertEquals("NVMe0R01 nqn.psk-test-host nqn.psk-test-subsys", v0.identity().text());
        assertEquals("05c6503551ad136e6ee32e6eeb3f6d500b69701d84ec71e328f65c7f51566f68", HEX.formatHex(v0.key()));
        assertEquals("8fc3c0badfd4c0c66fa3ca33aadd0314f85536cc9bc47338b60f3e6e563786ca",
                HEX.formatHex(NvmeTlsKeys.derive(TlsPsk.parse(KEY01), HOST, SUB, 1).key()));
        assertEquals("ec85300ba827726bd3bc4fc07f3a34aec5fe7c8ccac05fefc2f021c74e0df9ef",
                HEX.formatHex(NvmeTlsKeys.derive(TlsPsk.parse(KEY00), HOST, SUB, 0).key()), "hh 00: configured = retained");
        NvmeTlsKeys.Derived v384 = NvmeTlsKeys.derive(TlsPsk.parse(KEY02), HOST, SUB, 0);
        assertEquals(PskHash.SHA384, v384.hash());
        assertEquals("f42ba63824cdfe421914c582921f85b5b5b7e2d4df084caeedc9be20b212e8bb0fe8a23e9d59a1c8fc6449da4970a78d",
                HEX.formatHex(v384.key()));
        assertEquals("a2b2f943f479fc682555cec89857c80ed004ce92f32a973d5764155bb7e36b17a85368a0666d250afac9282dda2e62ca",
                HEX.formatHex(NvmeTlsKeys.derive(TlsPsk.parse(KEY02), HOST, SUB, 1).key()));
    }

    @Test
    void shouldMatchRfc5869() {
        // A.1: expand from the given PRK; A.3: extract with no salt, expand with no info.
        byte[] prk = HEX.parseHex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(NvmeTlsKeys.expand(PskHash.SHA256, prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
        byte[] ikm = new byte[22];
        java.util.Arrays.fill(ikm, (byte) 0x0b);
        byte[] prk3 = NvmeTlsKeys.extract(PskHash.SHA256, ikm);
        assertEquals("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", HEX.formatHex(prk3));
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                HEX.formatHex(NvmeTlsKeys.expand(PskHash.SHA256, prk3, new byte[0], 42)));
    }

    @Test
    void shouldParseIdentities() {
        PskIdentity v0 = PskIdentity.parse("NVMe0R02 nqn.h nqn.s");
        assertEquals(0, v0.version());
        assertEquals(PskHash.SHA384, v0.hash());
        assertEquals("nqn.h", v0.hostNqn());
        assertEquals("nqn.s", v0.subsystemNqn());
        assertNull(v0.digest());
        assertEquals("NVMe0R02 nqn.h nqn.s", v0.text());
        PskIdentity v1 = PskIdentity.parse("NVMe1R01 nqn.h nqn.s abc=");
        assertEquals("abc=", v1.digest());
        assertEquals("NVMe1R01 nqn.h nqn.s abc=", v1.text());
        for (String bad : new String[] {"NVMe0R01 nqn.h", "NVMe1R01 nqn.h nqn.s", "NVMe0G01 nqn.h nqn.s",
                "NVMe2R01 a b", "NVMe0R03 a b", "nvme0R01 a b", "NVMe0R01 a b c", ""}) {
            assertThrows(IllegalArgumentException.class, () -> PskIdentity.parse(bad), bad);
        }
    }
}
