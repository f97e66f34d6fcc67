package io.locus.initiator.perf;

import java.util.Locale;

/** The access pattern of a perf run, named as fio and spdk_nvme_perf name them. */
public enum Workload {
    READ(false, 100),
    WRITE(false, 0),
    RANDREAD(true, 100),
    RANDWRITE(true, 0),
    RW(false, 50),
    RANDRW(true, 50);

    private final boolean random;
    private final int defaultReadPercent;

    Workload(boolean random, int defaultReadPercent) {
        this.random = random;
        this.defaultReadPercent = defaultReadPercent;
    }

    public boolean random() {
        return random;
    }

    /** True for the mixed workloads, whose read share {@code --mix} sets. */
    public boolean mixed() {
        return this == RW || this == RANDRW;
    }

    public int defaultReadPercent() {
        return defaultReadPercent;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Workload parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("workload must be one of read, write, randread, randwrite, rw, randrw; not '" + text + "'");
        }
    }
}
