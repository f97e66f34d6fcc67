package io.locus.target.reservation;

import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One controller's Reservation Notification log (NVMe Base 5.16.1.24) and its Reservation Notification Mask feature
 * (5.27.1.20). Each notification not masked for its namespace becomes a 64-byte page with a Log Page Count one above
 * the previous; each read of the log takes the oldest page. When {@value #MAX_PAGES} pages wait, a new one is lost
 * but still counted, so the next page the host reads shows the gap in its count, as the spec asks. Empty: a page of
 * zeroes.
 *
 * <pre>
 * bytes 0..7   Log Page Count (0 only for an empty log)
 * byte  8      type: 1 registration preempted, 2 reservation released, 3 reservation preempted
 * byte  9      Number of Available Log Pages (after this one, at most 255)
 * bytes 12..15 NSID
 * </pre>
 *
 * <p>Thread-safe: notices arrive from the reactor that ran the reservation command; the admin reactor reads.
 */
public final class ReservationNotices {
    /** Pages kept before new ones are lost (Linux nvmet keeps 64 too). */
    public static final int MAX_PAGES = 64;
    /** Mask bits (CDW11 of the feature): b1 registration preempted, b2 reservation released, b3 reservation preempted. */
    public static final int MASK_ALL = 0xE;

    private record Page(long count, int type, int nsid) {
    }

    private final ArrayDeque<Page> pages = new ArrayDeque<>();
    private final Map<Integer, Integer> masks = new HashMap<>();
    private long counter;

    /** The mask for namespace {@code nsid} (0: nothing masked). */
    public synchronized int mask(int nsid) {
        return masks.getOrDefault(nsid, 0);
    }

    public synchronized void mask(int nsid, int mask) {
        masks.put(nsid, mask & MASK_ALL);
    }

    /** Records a notice of {@code type} for {@code nsid}; returns whether a page was queued (not masked, not lost). */
    public synchronized boolean add(int type, int nsid) {
        if ((mask(nsid) & (1 << type)) != 0) {
            return false;
        }
        counter = counter == -1L ? 1 : counter + 1;
        if (pages.size() >= MAX_PAGES) {
            return false;
        }
        pages.addLast(new Page(counter, type, nsid));
        return true;
    }

    /** Takes the oldest page into the zeroed 64 bytes at {@code base} (all zero when the log is empty). */
    public synchronized void take(ByteBuf b, int base) {
        Page p = pages.pollFirst();
        if (p == null) {
            return;
        }
        b.setLongLE(base, p.count());
        b.setByte(base + 8, p.type());
        b.setByte(base + 9, Math.min(255, pages.size()));
        b.setIntLE(base + 12, p.nsid());
    }

    public synchronized int pending() {
        return pages.size();
    }
}
