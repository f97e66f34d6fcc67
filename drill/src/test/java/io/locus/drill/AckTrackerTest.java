package io.locus.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AckTrackerTest {
    @Test
    void shouldAcknowledgeAFuaWriteWhenItCompletes() {
        AckTracker t = new AckTracker(4);
        long g = t.beginWrite(1);
        assertEquals(-1, t.ackedGeneration(1), "submitted is not acknowledged");
        t.writeCompleted(1, g, true);
        assertEquals(g, t.ackedGeneration(1));
        assertEquals(1, t.fuaAcks());
    }

    @Test
    void shouldAcknowledgeAPlainWriteOnlyThroughAFlushSubmittedAfterItCompleted() {
        AckTracker t = new AckTracker(4);
        long early = t.flushSubmitted(); // submitted before the write completed: covers nothing of it
        long g = t.beginWrite(2);
        t.writeCompleted(2, g, false);
        t.flushCompleted(early);
        assertEquals(-1, t.ackedGeneration(2), "a Flush submitted before the write completed does not cover it");
        long later = t.flushSubmitted();
        assertEquals(-1, t.ackedGeneration(2), "not until that Flush completes");
        t.flushCompleted(later);
        assertEquals(g, t.ackedGeneration(2));
    }

    @Test
    void shouldKeepTheOlderAcknowledgementWhenANewerWriteIsNotYetAcknowledged() {
        AckTracker t = new AckTracker(1);
        long g1 = t.beginWrite(0);
        t.writeCompleted(0, g1, false);
        t.flushCompleted(t.flushSubmitted());
        long g2 = t.beginWrite(0);
        t.writeCompleted(0, g2, false);
        assertEquals(g1, t.ackedGeneration(0));
        assertEquals(AckTracker.Check.OK, t.classify(0, g1), "the unacknowledged newer write may be lost");
        assertEquals(AckTracker.Check.OK, t.classify(0, g2));
        t.flushCompleted(t.flushSubmitted());
        assertEquals(g2, t.ackedGeneration(0));
        assertEquals(AckTracker.Check.LOST, t.classify(0, g1), "now g2 was promised");
    }

    @Test
    void shouldAcceptEitherGenerationAfterAFailedWrite() {
        AckTracker t = new AckTracker(1);
        long g1 = t.beginWrite(0);
        t.writeCompleted(0, g1, true);
        long g2 = t.beginWrite(0); // fails: never reported complete
        assertEquals(AckTracker.Check.OK, t.classify(0, g1));
        assertEquals(AckTracker.Check.OK, t.classify(0, g2));
        assertEquals(AckTracker.Check.UNEXPECTED, t.classify(0, g2 + 1), "never submitted");
    }

    @Test
    void shouldCountLostOnlyBelowTheAcknowledgedGeneration() {
        AckTracker t = new AckTracker(3);
        assertFalse(t.written(0));
        assertEquals(AckTracker.Check.NEVER_WRITTEN, t.classify(0, 7));
        long g = t.beginWrite(0);
        t.writeCompleted(0, g, true);
        assertTrue(t.written(0));
        assertEquals(AckTracker.Check.LOST, t.classify(0, g - 1));
        assertEquals(AckTracker.Check.LOST, t.classify(0, 0), "zeroes of a never-written file read as generation 0");
    }
}
