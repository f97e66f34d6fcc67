package io.locus.initiator;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.Feature;
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

    /**
     * Keep-alives the target has seen once everything the host sent before now has arrived: a Get Features goes out
     * on the admin queue after any Keep Alive already submitted and is answered after it (one connection, in order).
     */
    private int keepAlivesSeen(Controller ctrl) {
        ctrl.getFeature(Feature.NUMBER_OF_QUEUES);
        return target.keepAlives.size();
    }

    @Test
    void shouldSendKeepAliveEveryHalfKato() throws Exception {
        try (ManualTime time = new ManualTime();
             Controller ctrl = Controller.connect(target.transportId(), HOST,
                     quick().keepAliveTimeoutMs(400).reactors(time.group))) {
            assertEquals(400, target.connectKato);
            for (int n = 1; n <= 5; n++) {
                time.advanceMs(199);
                assertEquals(n - 1, keepAlivesSeen(ctrl), "none before KATO/2 (200 ms) since the last");
                time.advanceMs(1);
                assertEquals(n, keepAlivesSeen(ctrl), "one at KATO/2");
            }
        }
    }

    @Test
    void shouldSendNoKeepAliveWhenKatoIsZero() throws Exception {
        try (ManualTime time = new ManualTime();
             Controller ctrl = Controller.connect(target.transportId(), HOST,
                     quick().keepAliveTimeoutMs(0).reactors(time.group))) {
            assertEquals(0, target.connectKato);
            for (int i = 0; i < 50; i++) {
                time.advanceMs(100);
            }
            assertEquals(0, keepAlivesSeen(ctrl), "no Keep Alive in 5 s with KATO 0");
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
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() >= 3,
                    () -> "re-armed after the second event");
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
            Await.until(() -> target.adminConnects.get() >= 2 && ctrl.state() == ControllerState.LIVE,
                    () -> "reconnected: " + target.adminConnects.get() + " admin connects, " + ctrl.state());
            Await.until(() -> target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size() == 2, () -> "re-armed after reconnect: " + target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).size()
                    + " AERs, " + target.adminConnects.get() + " admin connects");
        }
    }
}
