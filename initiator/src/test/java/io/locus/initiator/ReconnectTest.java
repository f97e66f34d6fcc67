package io.locus.initiator;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ReconnectTest {
    private FakeTarget target;
    private final List<ControllerState> states = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        new Random(21).nextBytes(target.media);
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private ControllerOptions options() {
        return quick().ioQueues(2).listener(new ControllerListener() {
            @Override
            public void onStateChange(Controller controller, ControllerState state, String reason) {
                states.add(state);
            }
        });
    }

    @Test
    void shouldRetryEveryInFlightCommandAfterReconnectWhenTargetDropsConnections() throws Exception {
        // The target swallows the first 20 reads, then drops every connection: all 20 are in flight at the loss.
        AtomicInteger swallowed = new AtomicInteger();
        target.hook = (conn, cmd) -> {
            if (cmd.qid > 0 && cmd.opcode == NvmOpcode.READ && swallowed.get() < 20) {
                if (swallowed.incrementAndGet() == 20) {
                    target.dropConnections();
                }
                return true;
            }
            return false;
        };
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            Namespace ns = ctrl.namespace(1);
            CountDownLatch done = new CountDownLatch(20);
            AtomicInteger failures = new AtomicInteger();
            ByteBuf[] bufs = new ByteBuf[20];
            for (int i = 0; i < 20; i++) {
                bufs[i] = Unpooled.buffer(512);
                ns.onQueue(i % 2).read(i, 1, bufs[i], 0, null, (ctx, status, dw0, dw1) -> {
                    if (status != 0) {
                        failures.incrementAndGet();
                    }
                    done.countDown();
                }, null);
            }
            assertTrue(done.await(5, TimeUnit.SECONDS), "retried commands completed");
            assertEquals(0, failures.get());
            for (int i = 0; i < 20; i++) {
                byte[] expected = new byte[512];
                System.arraycopy(target.media, i * 512, expected, 0, 512);
                assertArrayEquals(expected, bufs[i].array());
            }
            assertEquals(2, target.adminConnects.get());
            assertEquals(40, target.ioCommands(NvmOpcode.READ).size());
            assertTrue(states.containsAll(List.of(ControllerState.RESETTING, ControllerState.RECONNECTING)), states.toString());
            // Like Linux (nvme_tcp_setup_ctrl), the queues replay held commands before the controller reports LIVE,
            // so a retried command may complete a moment before the state changes.
            Await.until(() -> ctrl.state() == ControllerState.LIVE, () -> "still " + ctrl.state());
        }
    }

    @Test
    void shouldHoldNewCommandsWhileReconnectingAndSendThemAfterwards() throws Exception {
        try (ManualTime time = new ManualTime();
             Controller ctrl = Controller.connect(target.transportId(), HOST,
                     options().reconnectDelayMs(300).reactors(time.group))) {
            Namespace ns = ctrl.namespace(1);
            target.dropConnections();
            Await.until(() -> ctrl.state() == ControllerState.RESETTING, () -> "reset after the drop: " + states);
            ByteBuf into = Unpooled.buffer(512);
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> ns.readBlocking(5, 1, into));
            time.advanceMs(299);
            assertEquals(1, target.adminConnects.get(), "no reconnect before the 300 ms delay");
            assertFalse(read.isDone(), "the read is held while the controller is down");
            time.advanceMs(1);
            read.get(5, TimeUnit.SECONDS);
            assertEquals(2, target.adminConnects.get());
            byte[] expected = new byte[512];
            System.arraycopy(target.media, 5 * 512, expected, 0, 512);
            assertArrayEquals(expected, into.array());
        }
    }

    @Test
    void shouldGiveUpAndFailWaitingCommandsWhenCtrlLossTmoPasses() throws Exception {
        // Reconnect every 100 ms; ctrl-loss-tmo 500 ms: a try that fails with less than the delay left gives up.
        try (ManualTime time = new ManualTime();
             Controller ctrl = Controller.connect(target.transportId(), HOST,
                     options().reconnectDelayMs(100).ctrlLossTimeoutMs(500).reactors(time.group))) {
            Namespace ns = ctrl.namespace(1);
            target.close(); // listener gone too: every reconnect is refused
            Await.until(() -> ctrl.state() == ControllerState.RESETTING, () -> "reset after the loss: " + states);
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> ns.readBlocking(0, 1, Unpooled.buffer(512)));
            for (int attempt = 1; attempt <= 4; attempt++) {
                time.advanceMs(100);
                int tries = attempt;
                Await.until(() -> reconnectTries() == tries && ctrl.state() == ControllerState.RESETTING,
                        () -> "reconnect " + tries + " refused: " + states);
                assertFalse(read.isDone(), "still waiting " + attempt * 100 + " ms after the loss");
            }
            time.advanceMs(100); // the fifth try fails 500 ms after the loss: no room for another before 500 ms
            ExecutionException failed = assertThrows(ExecutionException.class, () -> read.get(5, TimeUnit.SECONDS));
            NvmeException e = (NvmeException) failed.getCause();
            assertTrue(Status.dnr(e.status()), "DNR once the controller is gone");
            assertTrue(e.getMessage().contains("ctrl-loss-tmo"), e.getMessage());
            assertEquals(5, reconnectTries());
            assertEquals(ControllerState.FAILED, ctrl.state());
            assertThrows(NvmeException.class, () -> ns.readBlocking(0, 1, Unpooled.buffer(512)));
        }
    }

    private long reconnectTries() {
        return states.stream().filter(s -> s == ControllerState.RECONNECTING).count();
    }

    @Test
    void shouldStopReconnectingWhenConnectFailsWithDnr() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options().ctrlLossTimeoutMs(60_000))) {
            target.allowedHosts = List.of("nqn.2014-08.org.nvmexpress:uuid:someone-else");
            target.dropConnections();
            Await.until(() -> ctrl.state() == ControllerState.FAILED, () -> "still " + ctrl.state());
            assertTrue(ctrl.lastError().contains("refused host"), ctrl.lastError());
        }
    }
}
