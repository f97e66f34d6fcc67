package io.locus.target;

import io.locus.nativeio.rdma.Rdma;
import io.locus.nativeio.rdma.verbs.SimVerbs;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.runtime.ThreadPinning;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** RDMA ports of a whole target: discovery log entries as Linux nvmet fills them, and a target without RDMA. */
@Timeout(60)
class RdmaPortTest {
    private static TargetConfig config(List<TargetConfig.Listen> ports) {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 1L << 20, null,
                4096, null)), true, List.of(), TargetConfig.Limits.defaults());
        return new TargetConfig(base.reactors(), ports, base.discovery(), base.subsystems(), base.limits());
    }

    @Test
    void shouldDescribeRdmaPortsInTheDiscoveryLogAsLinuxNvmetDoes() throws Exception {
        SimVerbs.Fabric fabric = new SimVerbs.Fabric();
        TargetConfig c = config(List.of(new TargetConfig.Listen("10.0.2.15", 4420, false, TargetConfig.Listen.RDMA),
                new TargetConfig.Listen("127.0.0.1", 0)));
        try (Target t = Target.start(c, ThreadPinning.NONE, fabric)) {
            assertTrue(t.portProblems().isEmpty(), t.portProblems().toString());
            assertNotNull(t.rdma());
            ByteBuf log = t.build(RawHost.HOSTNQN);
            int entries = (int) log.getLongLE(DiscoveryLog.NUMREC_OFFSET);
            int rdmaEntries = 0;
            for (int i = 0; i < entries; i++) {
                int e = DiscoveryLog.HEADER_LENGTH + i * DiscoveryLog.ENTRY_LENGTH;
                if (log.getUnsignedByte(e + DiscoveryLog.TRTYPE_OFFSET) != DiscoveryLog.TRTYPE_RDMA) {
                    assertEquals(0, log.getUnsignedByte(e + DiscoveryLog.TSAS_OFFSET + 2), "no RDMA TSAS on TCP");
                    continue;
                }
                rdmaEntries++;
                assertEquals(DiscoveryLog.ADRFAM_IPV4, log.getUnsignedByte(e + DiscoveryLog.ADRFAM_OFFSET));
                assertEquals(DiscoveryLog.SUBTYPE_NVME, log.getUnsignedByte(e + DiscoveryLog.SUBTYPE_OFFSET));
                assertEquals("10.0.2.15", log.toString(e + DiscoveryLog.TRADDR_OFFSET, 9, StandardCharsets.US_ASCII));
                assertEquals("4420", log.toString(e + DiscoveryLog.TRSVCID_OFFSET, 4, StandardCharsets.US_ASCII));
                int tsas = e + DiscoveryLog.TSAS_OFFSET;
                assertEquals(DiscoveryLog.RDMA_QPTYPE_CONNECTED, log.getUnsignedByte(tsas), "QPTYPE connected");
                assertEquals(DiscoveryLog.RDMA_PRTYPE_NOT_SPECIFIED, log.getUnsignedByte(tsas + 1), "PRTYPE");
                assertEquals(DiscoveryLog.RDMA_CMS_RDMA_CM, log.getUnsignedByte(tsas + 2), "CMS rdma_cm");
            }
            assertEquals(1, rdmaEntries);
        }
    }

    @Test
    void shouldSayInOneLineWhyAnRdmaPortIsNotServedAndServeTheRest() throws Exception {
        assumeTrue(Rdma.unavailabilityCause().isPresent(), "this machine has RDMA; the unavailable path needs none");
        TargetConfig c = config(List.of(new TargetConfig.Listen("127.0.0.1", 0, false, TargetConfig.Listen.RDMA),
                new TargetConfig.Listen("127.0.0.1", 0)));
        try (Target t = Target.start(c)) {
            assertEquals(1, t.portProblems().size());
            String line = t.portProblems().get(0);
            assertTrue(line.startsWith("not listening on rdma:127.0.0.1:0: RDMA is not available: "), line);
            assertTrue(!line.contains("\n"), "one line");
            assertEquals(Rdma.unavailabilityCause().get(), line.substring(line.indexOf("available: ") + 11));
            int tcpPorts = 0;
            for (Port p : t.ports()) {
                tcpPorts += p.trtype() == DiscoveryLog.TRTYPE_TCP && !p.discovery() ? 1 : 0;
            }
            assertEquals(1, tcpPorts, "the TCP port serves");
            assertTrue(t.ports().stream().noneMatch(p -> p.trtype() == DiscoveryLog.TRTYPE_RDMA));
        }
    }
}
