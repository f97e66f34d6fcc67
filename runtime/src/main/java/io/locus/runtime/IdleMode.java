package io.locus.runtime;

import java.util.Locale;

/** What a reactor does when a turn found no work. */
public enum IdleMode {
    /** Always spin: deterministic latency, one full core per reactor. */
    BUSY,
    /** Spin while a latency window is open, then back off to a blocking wait on the transport. */
    ADAPTIVE;

    public static IdleMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("idle mode must be 'busy' or 'adaptive', not '" + text + "'");
        }
    }
}
