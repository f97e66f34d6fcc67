package io.locus.initiator;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.LogPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class EventsAndKeepAliveTest {
    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    @Test
    void shouldSendKeepAliveEveryHalfKato() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().keepAliveTimeoutMs(400))) {
            assertEquals(400, target.connectKato);
            Thread.sleep(1100);
            List<Long> times = List.copyOf(target.keepAlives);
            assertTrue(times.size() >= 4 && times.size() <= 6, "keep-alives in 1.1 s at 200 ms: " + times.size());
            for (int i = 1; i < times.size(); i++) {
                long gapMs = (times.get(i) - times.get(i - 1)) / 1_000_000;
                assertTrue(gapMs > 100 && gapMs < 320, "gap " + gapMs + " ms");
            }
        }
    }

    @Test
    void shouldSendNoKeepAliveWhenKatoIsZero() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().keepAliveTimeoutMs(0))) {
            Thread.sleep(300);
            assertEquals(0, target.connectKato);
            assertTrue(target.keepAlives.isEmpty());
        }
    }

    @Test
    void shouldReadLogReportEventAndRearmWhenAerCompletes() throws Exception {
        LinkedBlockingQueue<ControllerEvent> events = new LinkedBlockingQueue<>();
        ControllerOptions options = quick().listener(new ControllerListener() {
            @Override
            public void onEvent(Controller controller, ControllerEvent event) {
                events.add(event);
            }
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options)) {
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 1, () -> "first AER");
            assertTrue(target.fireAer(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_NS_ATTRIBUTE_CHANGED,
                    LogPage.CHANGED_NAMESPACES)));
            ControllerEvent event = events.poll(3, TimeUnit.SECONDS);
            assertNotNull(event);
            assertEquals(ControllerEvent.Kind.NAMESPACE_CHANGED, event.kind());
            assertEquals(List.of(1), event.changedNsids());
            int[] read = target.logPageReads.stream().filter(r -> r[0] == LogPage.CHANGED_NAMESPACES).findFirst().orElseThrow();
            assertEquals(4096, read[2]);
            assertEquals(0, read[3], "RAE = 0 so the event type is unmasked");
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 2, () -> "re-armed");

            assertTrue(target.fireAer(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_ANA_CHANGE, LogPage.ANA)));
            event = events.poll(3, TimeUnit.SECONDS);
            assertNotNull(event);
            assertEquals(ControllerEvent.Kind.ANA_CHANGED, event.kind());
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() < 3) {
                assertTrue(System.nanoTime() < deadline, "re-armed after the second event");
                Thread.sleep(5);
            }
        }
    }

    @Test
    void shouldKeepAtMostAerlPlusOneRequestsOutstanding() {
        target.aerl = 1;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().asyncEventRequests(8))) {
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 2, () -> "two AERs");
            ctrl.namespace(1); // a later admin command: the AERs went out before it
            assertEquals(2, target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size());
        }
    }

    @Test
    void shouldArmAersAgainAfterReconnect() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 1, () -> "first AER");
            target.dropConnections();
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (target.adminConnects.get() < 2 || ctrl.state() != ControllerState.LIVE) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(5);
            }
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 2, () -> "re-armed after reconnect: " + target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size()
                    + " AERs, " + target.adminConnects.get() + " admin connects");
        }
    }
}
