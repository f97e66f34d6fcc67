package io.locus.initiator.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The progress line reads as the printf pattern it replaces, without java.util.Formatter on the timed run's path. */
class PerfProgressLineTest {
    @Test
    void shouldPrintTheProgressLineAsThePrintfPatternDid() {
        double[][] cases = {{1, 0, 0}, {7, 463_210.4, 1809.4}, {42, 1_234_567.6, 4822.53}, {1234, 12.5, 0.04}};
        for (double[] c : cases) {
            String expected = String.format("[%4ds] %12.0f IOPS %10.1f MiB/s", (int) c[0], c[1], c[2]);
            assertEquals(expected, PerfCommand.progressLine((int) c[0], c[1], c[2]));
        }
    }
}
