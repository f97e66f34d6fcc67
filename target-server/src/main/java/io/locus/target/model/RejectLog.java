package io.locus.target.model;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs rejected input one line each, at most {@code perSecond} lines a second; the rest are counted and the count
 * is reported with the next line that gets through.
 */
public final class RejectLog {
    private static final Logger LOG = Logger.getLogger("io.locus.target.reject");
    private final int perSecond;
    private long windowStartNanos = System.nanoTime();
    private int inWindow;
    private long suppressed;
    private final AtomicLong total = new AtomicLong();

    public RejectLog(int perSecond) {
        this.perSecond = perSecond;
    }

    public void reject(String peer, String what) {
        total.incrementAndGet();
        String line;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStartNanos > 1_000_000_000L) {
                windowStartNanos = now;
                inWindow = 0;
            }
            if (inWindow >= perSecond) {
                suppressed++;
                return;
            }
            inWindow++;
            line = "rejected " + peer + ": " + what + (suppressed > 0 ? " (" + suppressed + " more suppressed)" : "");
            suppressed = 0;
        }
        LOG.warning(line);
    }

    public long total() {
        return total.get();
    }
}
