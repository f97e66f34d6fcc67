package io.locus.target.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueFlowsTest {
    @Test
    void shouldCountEachFlowOnceAndMoveOnlyTheFlowsServedSinceTheLastMove() {
        QueueFlows f = new QueueFlows();
        assertTrue(f.note(7));
        assertFalse(f.note(7));
        assertTrue(f.note(0), "flow id 0 is a flow like any other");
        assertFalse(f.note(7));
        assertEquals(2, f.moved(), "both flows move with the queue");
        assertEquals(0, f.moved(), "nothing served since: nothing moves");
        assertFalse(f.note(0), "a flow seen before the move is not new");
        assertEquals(1, f.moved());
        assertEquals(2, f.size());
    }

    @Test
    void shouldStopTrackingNewFlowsAtCapacity() {
        QueueFlows f = new QueueFlows();
        for (int i = 0; i < QueueFlows.CAPACITY; i++) {
            assertTrue(f.note(i * 1_000_003));
        }
        assertFalse(f.note(-1), "beyond capacity a flow is not tracked");
        assertFalse(f.note(5 * 1_000_003), "tracked flows still are");
        assertEquals(QueueFlows.CAPACITY, f.moved());
    }
}
