package io.locus.target.core;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stage histograms: each stage and class apart, every value counted once however reads interleave with writes. */
@Timeout(60)
class StageHistogramsTest {
    @Test
    void shouldKeepStagesAndClassesApartAndCountEveryValueOnceAcrossReads() {
        StageHistograms h = new StageHistograms(2, 1_000_000);
        h.record(0, 10, true, 3, 7);
        h.record(1, 500, false, 0, 0);
        assertEquals(1, h.total(0, StageHistograms.REQUEST).getTotalCount());
        assertEquals(10, h.total(0, StageHistograms.REQUEST).getMaxValue());
        assertEquals(3, h.total(0, StageHistograms.BACKEND).getMaxValue());
        assertEquals(7, h.total(0, StageHistograms.DONE_TO_RESPONSE).getMaxValue());
        assertEquals(500, h.total(1, StageHistograms.REQUEST).getMaxValue(), 500 * 0.01);
        assertEquals(0, h.total(1, StageHistograms.BACKEND).getTotalCount(), "no backend stage without a backend");

        h.record(0, 20, true, 4, 8);
        Histogram request = h.total(0, StageHistograms.REQUEST);
        assertEquals(2, request.getTotalCount(), "totals accumulate over reads, each value once");
        assertEquals(20, request.getMaxValue());
        assertEquals(2, h.total(0, StageHistograms.REQUEST).getTotalCount(), "a read alone adds nothing");
    }

    @Test
    void shouldLoseNoValueWhileAnotherThreadReads() throws Exception {
        StageHistograms h = new StageHistograms(2, 1_000_000);
        int n = 200_000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                h.record(i & 1, i % 1000, true, 1, 2);
            }
        });
        writer.start();
        while (writer.isAlive()) {
            h.total(0, StageHistograms.BACKEND);
        }
        writer.join();
        assertEquals(n / 2, h.total(0, StageHistograms.REQUEST).getTotalCount());
        assertEquals(n / 2, h.total(1, StageHistograms.DONE_TO_RESPONSE).getTotalCount());
    }
}
