package io.locus.nativeio.rdma;

import io.locus.nativeio.Errno;
import io.locus.nativeio.NativeLibrary;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RdmaTest {
    @Test
    void shouldLoadTheRdmaLibraryWhereTheNativeLibraryLoads() {
        // the build needs rdma-core's headers, whose packages pull in its libraries: a missing library here is a bug
        assumeTrue(NativeLibrary.isAvailable(), "locus-native unavailable");
        assertEquals(Optional.empty(), Rdma.libraryCause());
    }

    @Test
    void shouldSayInOneLineWhyRdmaIsUnavailableWhenItIs() {
        assumeTrue(!Rdma.isAvailable(), "this machine has an RDMA device");
        String cause = Rdma.unavailabilityCause().orElseThrow();

        assertFalse(cause.contains("\n"), cause);
        assertTrue(cause.startsWith("no RDMA device") || cause.contains("liblocus-rdma.so") || cause.contains("disabled"),
                cause);
    }

    @Test
    void shouldListDevicesWhenRdmaIsAvailable() {
        assumeTrue(Rdma.isAvailable(), () -> "RDMA unavailable: " + Rdma.unavailabilityCause().orElse("?"));
        assertFalse(Rdma.devices().isEmpty());
        assertTrue(Rdma.devices().getFirst().attributes().maxQpWr() > 0);
    }

    @Test
    void shouldExplainAMissingDeviceWithTheSoftRoceRecipe() {
        assertEquals(Optional.empty(), Rdma.explain(Optional.empty(), 1));
        assertTrue(Rdma.explain(Optional.empty(), 0).orElseThrow().contains("found none"));
        String noCm = Rdma.explain(Optional.empty(), -Errno.ENODEV).orElseThrow();
        assertTrue(noCm.startsWith("no RDMA device (rdma_get_devices: "), noCm);
        assertTrue(noCm.contains("ENODEV (19)") && noCm.contains("rdma link add rxe0 type rxe netdev"), noCm);
        String noLibrary = Rdma.explain(Optional.of("cannot load liblocus-rdma.so: libibverbs.so.1: not found"), 0)
                .orElseThrow();
        assertTrue(noLibrary.contains("libibverbs.so.1") && noLibrary.contains("install rdma-core"), noLibrary);
    }

    @Test
    void shouldNameTheCallAndTheErrnoWhenACallFails() {
        RdmaException e = new RdmaException("rdma_resolve_addr", -Errno.ETIMEDOUT);

        assertEquals("rdma_resolve_addr", e.call());
        assertEquals(Errno.ETIMEDOUT, e.errno());
        assertTrue(e.getMessage().startsWith("rdma_resolve_addr failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("ETIMEDOUT (110)"), e.getMessage());
        if (Rdma.libraryCause().isEmpty()) {
            assertEquals("rdma_resolve_addr failed: Connection timed out (ETIMEDOUT (110))", e.getMessage());
        }
    }
}
