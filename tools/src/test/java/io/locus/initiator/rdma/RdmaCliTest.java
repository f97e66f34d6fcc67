package io.locus.initiator.rdma;

import io.locus.initiator.TransportId;
import io.locus.initiator.cli.LocusCli;
import io.locus.nativeio.rdma.Rdma;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code -t rdma} in the transport id and the CLI; on a machine without RDMA, the one-line reason. */
class RdmaCliTest {
    @Test
    void shouldAcceptRdmaAndRefuseUnknownTransports() {
        assertTrue(TransportId.rdma("10.0.0.1", 4420, "nqn.x").isRdma());
        assertEquals("rdma", new TransportId("RDMA", "10.0.0.1", 4420, "nqn.x").transport());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TransportId("fc", "10.0.0.1", 4420, "nqn.x"));
        assertTrue(e.getMessage().contains("tcp or rdma"), e.getMessage());
    }

    @Test
    void shouldSayClearlyThatRdmaIsUnavailable() {
        assumeFalse(Rdma.isAvailable(), "this machine has an RDMA device");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = LocusCli.run("identify -t rdma -a 127.0.0.1 -n nqn.2026-11.io.locus:none --connect-timeout 2".split(" "),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertNotEquals(0, rc);
        assertTrue(err.toString().contains("RDMA unavailable: " + Rdma.unavailabilityCause().orElseThrow()),
                err.toString());
    }
}
