package io.locus.initiator.stats;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RemoteCompletionsTest {
    @Test
    void shouldCountCompletionsOffTheHomeThreadAsRemoteWhenCallbacksRunOnTwoThreads() throws Exception {
        Thread home = new Thread(() -> { });
        Thread other = new Thread(() -> { });
        RemoteCompletions rc = new RemoteCompletions(List.of(home, other), home);
        Thread[] ran = new Thread[2];
        ran[0] = new Thread(() -> {
            for (int i = 0; i < 30; i++) {
                rc.record(rc.slotOf(home));
            }
        });
        ran[1] = new Thread(() -> {
            for (int i = 0; i < 10; i++) {
                rc.record(rc.slotOf(other));
            }
        });
        for (Thread t : ran) {
            t.start();
        }
        for (Thread t : ran) {
            t.join();
        }
        assertEquals(40, rc.completions());
        assertEquals(10, rc.remote());
        assertEquals(0.25, rc.ratio());
    }

    @Test
    void shouldReportZeroWhenEveryCallbackRunsAtHome() {
        RemoteCompletions rc = new RemoteCompletions(List.of(Thread.currentThread()), Thread.currentThread());
        for (int i = 0; i < 5; i++) {
            rc.recordCurrent();
        }
        assertEquals(5, rc.completions());
        assertEquals(0, rc.remote());
        assertEquals(0.0, rc.ratio());
    }

    @Test
    void shouldCountAnUnknownThreadAsRemoteWhenItRunsACallback() {
        Thread home = new Thread(() -> { });
        RemoteCompletions rc = new RemoteCompletions(List.of(home), home);
        assertEquals(1, rc.slotOf(Thread.currentThread()));
        rc.recordCurrent();
        assertEquals(1, rc.remote());
        assertEquals(1.0, rc.ratio());
        rc.reset();
        assertEquals(0, rc.completions());
        assertEquals(0.0, rc.ratio());
    }

    @Test
    void shouldRefuseAHomeThatIsNotACallbackThread() {
        assertThrows(IllegalArgumentException.class,
                () -> new RemoteCompletions(List.of(new Thread(() -> { })), Thread.currentThread()));
    }
}
