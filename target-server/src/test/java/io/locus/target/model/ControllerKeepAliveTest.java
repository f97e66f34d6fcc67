package io.locus.target.model;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keep-alive expiry of a controller, on a clock the test drives. */
class ControllerKeepAliveTest {
    private static final long MS = 1_000_000L;

    private static Controller controller(long katoMs) {
        Subsystem s = new Subsystem("nqn.2026-11.io.locus:ka", "KA", "KA", true, List.of(), 8, false);
        Port p = new Port(1, 3, new InetSocketAddress("127.0.0.1", 4420), false);
        return new Controller(s, TargetLimits.defaults(), "nqn.2014-08.org.nvmexpress:uuid:ka", new byte[16], p,
                katoMs, host -> null, 0);
    }

    @Test
    void shouldStayAliveWhileKeepAlivesComeWithinKato() {
        Controller c = controller(1000);
        c.keepAlive(900 * MS);
        c.keepAlive(1800 * MS);
        assertFalse(c.keepAliveExpired(2700 * MS));
        assertTrue(c.keepAliveExpired(2801 * MS));
    }

    @Test
    void shouldNotBeRevivedByAKeepAliveReadAfterKatoExpired() {
        // A target resumed after SIGSTOP reads the Keep Alive its host sent before giving up on the controller.
        Controller c = controller(1000);
        c.keepAlive(5000 * MS);
        assertTrue(c.keepAliveExpired(5000 * MS), "expired: the I/O behind that Keep Alive must not run");
    }

    @Test
    void shouldStartCountingWhenKeepAliveIsEnabledLate() {
        Controller c = controller(0);
        assertFalse(c.keepAliveExpired(9000 * MS), "KATO 0: never expires");
        c.setKatoMillis(1000, 9000 * MS);
        assertFalse(c.keepAliveExpired(9500 * MS));
        assertTrue(c.keepAliveExpired(10_001 * MS));
    }
}
