package io.locus.it;

import io.locus.it.vm.KernelVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/bench-target --slices}: a point measured in interleaved slices is pooled by the script's own
 * {@code pool_slices} function, run here on client outputs written as the clients write them (no target, no client).
 */
@Timeout(60)
class BenchTargetSlicesTest {
    @TempDir
    Path dir;
    /** What the last {@link #pool} printed on stderr. */
    private String lastErr;

    @Test
    void shouldAddTheSlicesHistogramsToReadTheirPercentilesAndAverageTheirRates() throws Exception {
        // Two spdk_nvme_perf -LL outputs.
        Path a = write("a", perfOutput("100000.00     390.00      10.00       5.00      50.00",
                "    5.000 -    10.000:   50.0000%  (      100)",
                "   10.000 -    20.000:   99.0000%  (       98)",
                "   20.000 -    50.000:  100.0000%  (        2)"));
        Path b = write("b", perfOutput(" 50000.00     196.00      20.00      10.00    1000.00",
                "   10.000 -    20.000:   50.0000%  (      100)",
                "   20.000 -    50.000:   97.5000%  (       95)",
                "   50.000 -   400.000:   99.5000%  (        4)",
                "  400.000 -  1000.000:  100.0000%  (        1)"));
        // 400 I/Os in all: up to 10 us 100, 20 us 298 (74.5%), 50 us 395 (98.75%), 400 us 399 (99.75%), 1000 us 400.
        // IOPS and MiB/s are the slices' means; avg weighs each slice by its I/Os: (100000*10 + 50000*20) / 150000.
        assertEquals("75000.00 293.00 13.33 20.000 400.000 1000.000 1000.00", pool(true, a, b));
    }

    @Test
    void shouldLeaveOutASliceThatGaveNoResultInsteadOfAveragingInZeroes() throws Exception {
        Path good = write("good", perfOutput("290000.00    1132.81     110.00      40.00    2000.00",
                "   40.000 -   100.000:   60.0000%  (      600)",
                "  100.000 -   150.000:   99.8000%  (      398)",
                " 1000.000 -  1234.567:  100.0000%  (        2)"));
        Path failed = write("failed", "No valid NVMe controllers or AIO or URING devices found\n");
        // The failed slice is not a slice of zero IOPS: the point is the good slice alone, and stderr says one was
        // left out; p99.9 (998 of 1000 I/Os by 150 us) keeps its 0.001 us, which awk's 6 digits would round away.
        assertEquals("290000.00 1132.81 110.00 100.000 150.000 1234.567 2000.00", pool(true, good, failed));
        assertEquals("bench-target: 1 of 2 slices gave no result and are left out of the point", lastErr);
        Path empty = write("empty", "");
        assertEquals("0 0 0 0 0 0 0", pool(true, failed, empty));
    }

    @Test
    void shouldTakeTheMedianOfTheSlicesPercentilesWhenTheClientGivesNoHistogram() throws Exception {
        Path a = write("a", json(30000, 117, 30, 25, 60, 100, 500));
        Path b = write("b", json(40000, 156, 20, 20, 50, 300, 900));
        Path c = write("c", json(50000, 195, 16, 15, 40, 200, 700));
        // avg: (30000*30 + 40000*20 + 50000*16) / 120000 = 20.83
        assertEquals("40000.00 156.00 20.83 20.000 50.000 200.000 900.00", pool(false, a, b, c));
    }

    /**
     * What spdk_nvme_perf -LL prints that pool_slices reads: the Total row (IOPS, MiB/s, average, min and max us after
     * the colon) and the histogram's buckets ("from - to: cumulative% (count)"), with a summary block between that
     * pool_slices must not mistake for buckets.
     */
    private static String perfOutput(String total, String... buckets) {
        return "Total                                                                 :  " + total + "\n"
                + "Summary latency data for TCP (addr:127.0.0.1 subnqn:x) from core 1:\n"
                + " 50.00000% :    99.000us\n"
                + "Latency histogram for TCP (addr:127.0.0.1 subnqn:x) from core 1:\n"
                + "       Range in us     Cumulative    IO count\n"
                + String.join("\n", buckets) + "\n";
    }

    private static String json(int iops, int mibs, int avg, int p50, int p99, int p999, int max) {
        return "{\"iops\":" + iops + ",\"mib_per_s\":" + mibs + ",\"latency_us\":{\"avg\":" + avg + ",\"p50\":" + p50
                + ",\"p99\":" + p99 + ",\"p999\":" + p999 + ",\"max\":" + max + "}}";
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private String pool(boolean spdkClient, Path... slices) throws Exception {
        Path script = KernelVm.locusRoot().resolve("scripts/bench-target");
        StringBuilder files = new StringBuilder();
        for (Path s : slices) {
            files.append(" '").append(s).append('\'');
        }
        String cmd = "set -eu; eval \"$(sed -n '/^spdk_perf_row() {/,/^}/p; /^locus_perf_row() {/,/^}/p; /^pool_slices() {/,/^}/p' '" + script
                + "')\"; have_spdk_perf="
                + (spdkClient ? 1 : 0) + "; pool_slices" + files;
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(List.of("bash", "-c", cmd)).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "pool_slices did not finish");
        lastErr = Files.readString(err).strip();
        assertEquals(0, p.exitValue(), out + lastErr);
        return out.strip();
    }
}
