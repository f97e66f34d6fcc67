package io.locus.initiator;

import java.util.Locale;

/** How a {@link MultipathNamespace} picks among its usable paths (Linux's {@code iopolicy}). */
public enum IoPolicy {
    /**
     * Optimized paths first, the one nearest the flow's home NUMA node (provenance picks the path; on one node, the
     * first optimized); a flow keeps its path while it stays usable and optimized (or non-optimized while no
     * optimized one is usable). The default.
     */
    NUMA("numa"),
    /** Each command to the next optimized path after the last one used (non-optimized only when none is). */
    ROUND_ROBIN("round-robin"),
    /** Each command to the optimized path with the fewest commands in flight (non-optimized only when none is). */
    QUEUE_DEPTH("queue-depth");

    private final String label;

    IoPolicy(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** "numa", "round-robin" or "queue-depth" (also with '_'). */
    public static IoPolicy parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (IoPolicy p : values()) {
            if (p.label.equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("I/O policy must be numa, round-robin or queue-depth, not '" + text + "'");
    }
}
