package io.locus.protocol.auth;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DhchapTest {
    static final String HOSTNQN = DhchapSecretTest.HOSTNQN;
    static final String SUBNQN = "nqn.2026-11.io.locus:auth";
    static final HexFormat HEX = HexFormat.of();

    static byte[] c1() {
        byte[] c = new byte[32];
        for (int i = 0; i < 32; i++) {
            c[i] = (byte) i;
        }
        return c;
    }

    /** Expected values computed independently (Python hmac/hashlib) from Linux's description of R1, R2 and Ca. */
    @Test
    void shouldComputeResponsesAndTheAugmentedChallengeAsLinuxDoes() {
        DhchapSecret s = DhchapSecret.parse("DHHC-1:01:" + DhchapSecretTest.SPEC_BODY + ":");
        byte[] r1 = Dhchap.hostResponse(DhchapHash.SHA256, s.transform(HOSTNQN), c1(), 0x01020304, 0x0506, HOSTNQN, SUBNQN);
        assertEquals("5f1d46075acd6f7a9f5ea72c920f7626acc84eeebb2c7c033ddc901ac3ec4094", HEX.formatHex(r1));
        byte[] r2 = Dhchap.controllerResponse(DhchapHash.SHA256, s.transform(SUBNQN), c1(), 0x0a0b0c0d, 0x0506, HOSTNQN, SUBNQN);
        assertEquals("cea4c33467fff018f8c8a8f2c5137049f848418602aee1c83ca5463010fa156a", HEX.formatHex(r2));
        byte[] sessionKey = new byte[256];
        java.util.Arrays.fill(sessionKey, (byte) 7);
        assertEquals("7b91c7fc34ded22b171a903766b4957e8160f8f5c837754625b1063960c4da2e",
                HEX.formatHex(Dhchap.augmentedChallenge(DhchapHash.SHA256, sessionKey, c1())));
    }

    /** RFC 7919 appendix A: the published low-order 64 bits after the constant tail, and safe primes. */
    @Test
    void shouldBuildTheRfc7919Primes() {
        String[] tails = {"61285C97", "66C62E37", "5E655F6A", "D0E40E65", "C5C6424C"};
        DhGroup[] groups = {DhGroup.FFDHE2048, DhGroup.FFDHE3072, DhGroup.FFDHE4096, DhGroup.FFDHE6144, DhGroup.FFDHE8192};
        for (int i = 0; i < groups.length; i++) {
            BigInteger p = groups[i].prime();
            String h = p.toString(16).toUpperCase();
            assertEquals(groups[i].valueLength() * 8, p.bitLength());
            assertTrue(h.startsWith("FFFFFFFFFFFFFFFFADF85458A2BB4A9A"), groups[i] + " " + h.substring(0, 32));
            assertTrue(h.endsWith(tails[i] + "FFFFFFFFFFFFFFFF"), groups[i] + " ends " + h.substring(h.length() - 24));
        }
        BigInteger p = DhGroup.FFDHE2048.prime();
        assertTrue(p.isProbablePrime(20));
        assertTrue(p.shiftRight(1).isProbablePrime(20));
    }

    @Test
    void shouldAgreeOnASharedSecret() throws Exception {
        for (DhGroup g : List.of(DhGroup.FFDHE2048, DhGroup.FFDHE3072)) {
            KeyPair a = g.generateKeyPair();
            KeyPair b = g.generateKeyPair();
            byte[] pa = g.publicValue(a);
            byte[] pb = g.publicValue(b);
            assertEquals(g.valueLength(), pa.length);
            byte[] sa = g.sharedSecret(a, pb);
            byte[] sb = g.sharedSecret(b, pa);
            assertEquals(g.valueLength(), sa.length);
            assertArrayEquals(sa, sb);
        }
        KeyPair a = DhGroup.FFDHE2048.generateKeyPair();
        byte[] one = new byte[256];
        one[255] = 1;
        assertThrows(java.security.GeneralSecurityException.class, () -> DhGroup.FFDHE2048.sharedSecret(a, one));
        assertThrows(java.security.GeneralSecurityException.class, () -> DhGroup.FFDHE2048.sharedSecret(a, new byte[10]));
    }

    @Test
    void shouldRoundTripEveryMessage() throws Exception {
        var n = new DhchapMessage.Negotiate(0x1234, 0, List.of(1, 2, 3), List.of(0, 1, 2, 3, 4, 5));
        byte[] nb = n.encode();
        assertEquals(72, nb.length);
        assertEquals(0x00, nb[0]);
        assertEquals(0x00, nb[1]);
        assertEquals(0x34, nb[4]);
        assertEquals(0x12, nb[5]);
        assertEquals(1, nb[7]);
        assertEquals(1, nb[8]);
        assertEquals(3, nb[10]);
        assertEquals(6, nb[11]);
        assertEquals(2, nb[13]);
        assertEquals(5, nb[8 + 4 + 30 + 5]);
        assertEquals(n, DhchapMessage.decode(nb));

        byte[] dh = new byte[256];
        dh[0] = 9;
        var c = new DhchapMessage.Challenge(7, 2, 1, 0xCAFEBABE, new byte[48], dh);
        byte[] cb = c.encode();
        assertEquals(16 + 48 + 256, cb.length);
        assertEquals(48, cb[6]);
        assertEquals(2, cb[8]);
        assertEquals(1, cb[9]);
        assertEquals(0, cb[10]);
        assertEquals(1, cb[11]);
        assertEquals((byte) 0xBE, cb[12]);
        var c2 = assertInstanceOf(DhchapMessage.Challenge.class, DhchapMessage.decode(padded(cb, 4096), 4096));
        assertEquals(0xCAFEBABE, c2.seqnum());
        assertArrayEquals(dh, c2.dhValue());
        assertEquals(48, c2.challenge().length);

        byte[] r = new byte[32];
        r[0] = 1;
        byte[] ch = new byte[32];
        ch[31] = 2;
        var reply = new DhchapMessage.Reply(7, true, 42, r, ch, new byte[0]);
        byte[] rb = reply.encode();
        assertEquals(16 + 64, rb.length);
        assertEquals(1, rb[8]);
        var reply2 = assertInstanceOf(DhchapMessage.Reply.class, DhchapMessage.decode(rb));
        assertTrue(reply2.challengeValid());
        assertEquals(42, reply2.seqnum());
        assertArrayEquals(r, reply2.response());
        assertArrayEquals(ch, reply2.challenge());

        var s1 = new DhchapMessage.Success1(7, 32, true, r);
        byte[] s1b = s1.encode();
        assertEquals(48, s1b.length);
        var s1d = assertInstanceOf(DhchapMessage.Success1.class, DhchapMessage.decode(s1b));
        assertArrayEquals(r, s1d.response());
        assertEquals(16, new DhchapMessage.Success1(7, 32, false, null).encode().length - 32);

        assertEquals(new DhchapMessage.Success2(7), DhchapMessage.decode(new DhchapMessage.Success2(7).encode()));
        var f1 = new DhchapMessage.Failure(7, true, Dhchap.REASON_FAILED, Dhchap.FAILED);
        byte[] fb = f1.encode();
        assertEquals(8, fb.length);
        assertEquals((byte) 0xF1, fb[1]);
        assertEquals(f1, DhchapMessage.decode(fb));
        assertEquals(new DhchapMessage.Failure(7, false, 1, Dhchap.HASH_UNUSABLE),
                DhchapMessage.decode(new DhchapMessage.Failure(7, false, 1, Dhchap.HASH_UNUSABLE).encode()));
    }

    @Test
    void shouldRefuseTruncatedAndUnknownMessages() {
        byte[] cb = new DhchapMessage.Challenge(7, 1, 1, 1, new byte[32], new byte[256]).encode();
        DhchapFormatException e = assertThrows(DhchapFormatException.class, () -> DhchapMessage.decode(cb, 100));
        assertEquals(Dhchap.INCORRECT_PAYLOAD, e.explanation());
        byte[] unknown = new byte[16];
        unknown[0] = 1;
        unknown[1] = 0x09;
        assertEquals(Dhchap.INCORRECT_MESSAGE, assertThrows(DhchapFormatException.class, () -> DhchapMessage.decode(unknown)).explanation());
        assertThrows(DhchapFormatException.class, () -> DhchapMessage.decode(new byte[4]));
    }

    private static byte[] padded(byte[] b, int n) {
        return java.util.Arrays.copyOf(b, n);
    }
}
