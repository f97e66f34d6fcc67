package io.locus.initiator;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Polls a condition that another thread makes true (the host and the fake target run on their own threads), failing
 * with {@code what} once the deadline passes. Public for the tools' and the end-to-end tests (the initiator's
 * test-jar).
 */
public final class Await {
    private static final Duration DEFAULT = Duration.ofSeconds(3);

    private Await() {
    }

    public static void until(BooleanSupplier condition, Supplier<String> what) {
        until(condition, DEFAULT, what);
    }

    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        if (!within(condition, timeout)) {
            fail("timed out after " + timeout.toMillis() + " ms waiting: " + what.get());
        }
    }

    /** Polls {@code condition} until it holds (true) or {@code timeout} passes (false), for callers that report
     * the time-out themselves (with a log, as an IOException). */
    public static boolean within(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        return true;
    }
}
