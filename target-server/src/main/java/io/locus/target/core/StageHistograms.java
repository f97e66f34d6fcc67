package io.locus.target.core;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * One reactor's latency histograms per stage and latency class (microseconds, 2 significant digits): the reactor
 * thread records a request's stages together in one {@link WriterReaderPhaser} critical section (two atomic
 * increments per request, where a {@code SingleWriterRecorder} per stage took two each), and any thread reads the
 * cumulative totals. A read swaps the histograms being written for idle ones, flips the phase (waits until the
 * writer has left the old ones) and adds them into the totals: HdrHistogram's {@code Recorder} pattern, once for all
 * stages.
 */
final class StageHistograms {
    static final int REQUEST = 0;
    static final int BACKEND = 1;
    static final int DONE_TO_RESPONSE = 2;
    private static final int STAGES = 3;

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** The histograms being written, index {@code latencyClass * STAGES + stage}; swapped by the reader. */
    private volatile Histogram[] active;
    private Histogram[] idle;
    private final Histogram[] totals;

    StageHistograms(int classes, long maxMicros) {
        active = histograms(classes, maxMicros);
        idle = histograms(classes, maxMicros);
        totals = histograms(classes, maxMicros);
    }

    private static Histogram[] histograms(int classes, long maxMicros) {
        Histogram[] h = new Histogram[classes * STAGES];
        for (int i = 0; i < h.length; i++) {
            h[i] = new Histogram(maxMicros, 2);
        }
        return h;
    }

    /**
     * Records one request's stages (writer: the reactor thread only); values within {@code [0, maxMicros]}.
     *
     * @param backend whether it went to a backend (else only the request stage is recorded)
     */
    void record(int latencyClass, long requestMicros, boolean backend, long backendMicros, long doneToResponseMicros) {
        long phase = phaser.writerCriticalSectionEnter();
        try {
            Histogram[] h = active;
            int at = latencyClass * STAGES;
            h[at + REQUEST].recordValue(requestMicros);
            if (backend) {
                h[at + BACKEND].recordValue(backendMicros);
                h[at + DONE_TO_RESPONSE].recordValue(doneToResponseMicros);
            }
        } finally {
            phaser.writerCriticalSectionExit(phase);
        }
    }

    /** A copy of everything recorded for {@code stage} of {@code latencyClass} so far (any thread). */
    synchronized Histogram total(int latencyClass, int stage) {
        phaser.readerLock();
        try {
            Histogram[] old = active;
            active = idle;
            phaser.flipPhase();
            for (int i = 0; i < old.length; i++) {
                totals[i].add(old[i]);
                old[i].reset();
            }
            idle = old;
        } finally {
            phaser.readerUnlock();
        }
        return totals[latencyClass * STAGES + stage].copy();
    }
}
