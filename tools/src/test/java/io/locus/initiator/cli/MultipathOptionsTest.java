package io.locus.initiator.cli;

import io.locus.initiator.IoPolicy;
import io.locus.initiator.TransportId;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code --path ADDR:PORT} and {@code --iopolicy} as the CLI reads them. */
class MultipathOptionsTest {
    @Test
    void shouldReadHostPortIpv6AndTheDefaultPort() {
        assertEquals(new TransportId("tcp", "10.0.0.2", 4421, "nqn"), MultipathOptions.parse("tcp", "10.0.0.2:4421", "nqn"));
        assertEquals(new TransportId("tcp", "fe80::1", 4420, "nqn"), MultipathOptions.parse("tcp", "[fe80::1]:4420", "nqn"));
        assertEquals(4420, MultipathOptions.parse("tcp", "node-b", "nqn").serviceId());
        assertThrows(IllegalArgumentException.class, () -> MultipathOptions.parse("tcp", "a:b", "nqn"));
        assertThrows(IllegalArgumentException.class, () -> MultipathOptions.parse("tcp", ":4420", "nqn"));
    }

    @Test
    void shouldNameThePoliciesAsLinuxDoes() {
        assertEquals(IoPolicy.ROUND_ROBIN, IoPolicy.parse("round-robin"));
        assertEquals(IoPolicy.QUEUE_DEPTH, IoPolicy.parse("queue_depth"));
        assertEquals(IoPolicy.NUMA, IoPolicy.parse("NUMA"));
        assertThrows(IllegalArgumentException.class, () -> IoPolicy.parse("random"));
    }
}
