package io.locus.target.reservation;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Reservation Notification log of one controller: order, masks, and lost pages showing in the count. */
class ReservationNoticesTest {
    private static ByteBuf take(ReservationNotices n) {
        ByteBuf page = Unpooled.buffer(64);
        page.setZero(0, 64);
        n.take(page, 0);
        return page;
    }

    @Test
    void shouldHandOutPagesOldestFirstWithTheCountOfThoseLeft() {
        ReservationNotices n = new ReservationNotices();
        assertTrue(n.add(ReservationState.REGISTRATION_PREEMPTED, 1));
        assertTrue(n.add(ReservationState.RESERVATION_RELEASED, 2));
        ByteBuf first = take(n);
        assertEquals(1, first.getLongLE(0));
        assertEquals(ReservationState.REGISTRATION_PREEMPTED, first.getUnsignedByte(8));
        assertEquals(1, first.getUnsignedByte(9), "one more page waits");
        assertEquals(1, first.getIntLE(12));
        ByteBuf second = take(n);
        assertEquals(2, second.getLongLE(0));
        assertEquals(ReservationState.RESERVATION_RELEASED, second.getUnsignedByte(8));
        assertEquals(0, second.getUnsignedByte(9));
        assertEquals(2, second.getIntLE(12));
        assertEquals(0, take(n).getLongLE(0), "empty: a page of zeroes");
    }

    @Test
    void shouldDropMaskedNoticesPerNamespace() {
        ReservationNotices n = new ReservationNotices();
        n.mask(1, 1 << ReservationState.RESERVATION_PREEMPTED);
        assertFalse(n.add(ReservationState.RESERVATION_PREEMPTED, 1));
        assertTrue(n.add(ReservationState.RESERVATION_PREEMPTED, 2), "another namespace is not masked");
        assertTrue(n.add(ReservationState.REGISTRATION_PREEMPTED, 1), "another type is not masked");
        assertEquals(2, n.pending());
        assertEquals(1 << ReservationState.RESERVATION_PREEMPTED, n.mask(1));
    }

    @Test
    void shouldCountPagesLostToAFullLogSoTheHostSeesTheGap() {
        ReservationNotices n = new ReservationNotices();
        for (int i = 0; i < ReservationNotices.MAX_PAGES; i++) {
            assertTrue(n.add(ReservationState.REGISTRATION_PREEMPTED, 1));
        }
        assertFalse(n.add(ReservationState.REGISTRATION_PREEMPTED, 1), "full: lost");
        assertFalse(n.add(ReservationState.REGISTRATION_PREEMPTED, 1), "full: lost");
        for (int i = 1; i <= ReservationNotices.MAX_PAGES; i++) {
            assertEquals(i, take(n).getLongLE(0));
        }
        assertTrue(n.add(ReservationState.RESERVATION_RELEASED, 1));
        assertEquals(ReservationNotices.MAX_PAGES + 3, take(n).getLongLE(0), "two pages lost before this one");
    }
}
