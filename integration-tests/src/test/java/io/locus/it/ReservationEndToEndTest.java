package io.locus.it;

import io.locus.initiator.Completion;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerEvent;
import io.locus.initiator.ControllerListener;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reservations between two hosts with different host identifiers, each through the Locus initiator over NVMe/TCP
 * to one Locus target: register, acquire Write Exclusive, the other host's write conflicts while its read succeeds,
 * preempt (with the preempted host's AEN read), release.
 */
@Timeout(120)
class ReservationEndToEndTest {
    private static final String NQN = "nqn.2026-11.io.locus:resv";
    private static final int BLOCK = 4096;
    private static final HostIdentity HOST_A = host(0xA);
    private static final HostIdentity HOST_B = host(0xB);
    private static final int CONFLICT = Status.RESERVATION_CONFLICT | Status.DNR;
    private static Target target;
    private static int ioPort;

    static HostIdentity host(int n) {
        UUID id = UUID.nameUUIDFromBytes(new byte[] {'r', (byte) n});
        return new HostIdentity(HostIdentity.UUID_NQN_PREFIX + id, id);
    }

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSRESV", "Locus reservations", true,
                List.of(), 32, List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, BLOCK, null)));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), new TargetConfig.Listen("127.0.0.1", 0), List.of(s),
                TargetConfig.Limits.defaults()));
        for (Port p : target.ports()) {
            if (!p.discovery()) {
                ioPort = p.address().getPort();
            }
        }
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static Controller connect(HostIdentity host) {
        return Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, NQN), host, ControllerOptions.defaults().ioQueues(1));
    }

    private static ByteBuf keys(long first, long second) {
        return Unpooled.buffer(16).writeLongLE(first).writeLongLE(second);
    }

    private static int register(Namespace ns, long nrkey) {
        return ns.commandBlocking(NvmOpcode.RESERVATION_REGISTER, 0, 0, 0, keys(0, nrkey), 16).status();
    }

    private static int acquire(Namespace ns, int action, int type, long crkey, long prkey) {
        return ns.commandBlocking(NvmOpcode.RESERVATION_ACQUIRE, action | (type << 8), 0, 0, keys(crkey, prkey), 16).status();
    }

    private static int release(Namespace ns, int action, int type, long crkey) {
        return ns.commandBlocking(NvmOpcode.RESERVATION_RELEASE, action | (type << 8), 0, 0, keys(crkey, 0), 8).status();
    }

    /** Extended Reservation Report into 4096 bytes. */
    private static ByteBuf report(Namespace ns) {
        ByteBuf into = Unpooled.buffer(4096);
        Completion done = ns.commandBlocking(NvmOpcode.RESERVATION_REPORT, 4096 / 4 - 1, 1, 0, into, 4096);
        assertEquals(Status.SUCCESS, done.status(), done.describe());
        assertEquals(4096, into.readableBytes());
        return into;
    }

    private static ByteBuf block(int seed) {
        ByteBuf b = Unpooled.buffer(BLOCK);
        for (int i = 0; i < BLOCK; i++) {
            b.writeByte(seed + i * 7);
        }
        return b;
    }

    @Test
    void shouldConflictTheOtherHostsWritesUntilItPreemptsAndThenRelease() throws Exception {
        List<ControllerEvent> eventsOfA = new CopyOnWriteArrayList<>();
        try (Controller a = connect(HOST_A); Controller b = connect(HOST_B)) {
            a.addListener(new ControllerListener() {
                @Override
                public void onEvent(Controller controller, ControllerEvent event) {
                    eventsOfA.add(event);
                }
            });
            Namespace nsA = a.namespace(1);
            Namespace nsB = b.namespace(1);
            assertEquals(Status.SUCCESS, register(nsA, 0xA0A0));
            assertEquals(Status.SUCCESS, register(nsB, 0xB0B0));
            assertEquals(Status.SUCCESS, acquire(nsA, 0, 1, 0xA0A0, 0), "A acquires Write Exclusive");

            ByteBuf fromA = block(1);
            nsA.writeBlocking(0, 1, fromA, true);
            NvmeException e = assertThrows(NvmeException.class, () -> nsB.writeBlocking(0, 1, block(2), true));
            assertEquals(CONFLICT, e.status() & 0x7FFF, e.getMessage());
            ByteBuf read = Unpooled.buffer(BLOCK);
            nsB.readBlocking(0, 1, read);
            assertArrayEquals(fromA.array(), read.array(), "B reads what A wrote");

            ByteBuf r = report(nsB);
            assertEquals(1, r.getUnsignedByte(4), "Write Exclusive");
            assertEquals(2, r.getUnsignedShortLE(5), "two registrants");
            UUID holder = null;
            for (int i = 0; i < 2; i++) {
                int at = 64 + 64 * i;
                if (r.getUnsignedByte(at + 2) == 1) {
                    holder = new UUID(r.getLong(at + 16), r.getLong(at + 24));
                }
            }
            assertEquals(HOST_A.hostId(), holder, "the report names A's host identifier as the holder");

            assertEquals(Status.SUCCESS, acquire(nsB, 1, 1, 0xB0B0, 0xA0A0), "B preempts A");
            e = assertThrows(NvmeException.class, () -> nsA.writeBlocking(0, 1, block(3), true));
            assertEquals(CONFLICT, e.status() & 0x7FFF, "A is preempted");
            nsB.writeBlocking(0, 1, block(4), true);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (eventsOfA.stream().noneMatch(ev -> ev.logPage() == LogPage.RESERVATION_NOTIFICATION) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(eventsOfA.stream().anyMatch(ev -> ev.logPage() == LogPage.RESERVATION_NOTIFICATION),
                    "A got the reservation AEN: " + eventsOfA);

            assertEquals(Status.SUCCESS, release(nsB, 0, 1, 0xB0B0));
            nsA.writeBlocking(0, 1, block(5), true);
            assertEquals(Status.SUCCESS, release(nsB, 1, 0, 0xB0B0), "Clear");
            assertEquals(0, report(nsA).getUnsignedShortLE(5), "nobody registered");
        }
    }
}
