package io.locus.initiator;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.nvme.LogPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class DiscoveryTest {
    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        target.discovery = true;
        target.subnqn = DiscoveryLog.DISCOVERY_NQN;
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            entries.add(FakeTarget.discoveryEntry(DiscoveryLog.SUBTYPE_NVME, "10.0.0." + i, "4420", "nqn.2024-01.io.locus:sub" + i));
        }
        entries.add(FakeTarget.discoveryEntry(DiscoveryLog.SUBTYPE_REFERRAL, "10.0.1.1", "8009", DiscoveryLog.DISCOVERY_NQN));
        target.discoveryEntries = entries;
    }

    @AfterEach
    void stop() {
        target.close();
    }

    @Test
    void shouldReadLogInChunksAndListSubsystemsAndReferrals() {
        DiscoveryLogPage log = Discovery.discover("127.0.0.1", target.port(), HOST, quick());
        assertEquals(5, log.records());
        assertEquals(4, log.subsystems().size());
        assertEquals(1, log.referrals().size());
        DiscoveryEntry first = log.entries().getFirst();
        assertEquals("10.0.0.0", first.traddr());
        assertEquals("4420", first.trsvcid(), "space padding stripped");
        assertEquals("nqn.2024-01.io.locus:sub0", first.subnqn());
        assertEquals("tcp", first.trtypeName());
        assertEquals("referral", log.referrals().getFirst().subtypeName());
        assertEquals(TransportId.tcp("10.0.0.2", 4420, "nqn.2024-01.io.locus:sub2"), log.entries().get(2).transportId());
        // Header, then 6144 bytes as 4096 + 2048 with LPO, then the header again.
        List<int[]> reads = target.logPageReads.stream().filter(r -> r[0] == LogPage.DISCOVERY).toList();
        assertEquals(List.of("0/1024", "0/4096", "4096/2048", "0/1024"), reads.stream().map(r -> r[1] + "/" + r[2]).toList());
        assertEquals(0, target.connectKato, "no keep-alive for a one-shot discovery connection");
    }

    @Test
    void shouldReReadWhenGenerationChangesDuringRead() {
        target.discoveryGenerationBumps.set(1);
        DiscoveryLogPage log = Discovery.discover("127.0.0.1", target.port(), HOST, quick());
        assertEquals(2, log.generation());
        long headerReads = target.logPageReads.stream().filter(r -> r[0] == LogPage.DISCOVERY && r[1] == 0 && r[2] == 1024).count();
        assertTrue(headerReads >= 3, "re-read after GENCTR moved: " + headerReads);
    }
}
