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

    @Test
    void shouldAddTheSlicesHistogramsToReadTheirPercentilesAndAverageTheirRates() throws Exception {
        // Two spdk_nvme_perf -LL outputs; the summary percentiles of each are deliberately not the pooled ones.
        Path a = write("a", """
                Total                                                                 :  100000.00     390.00      10.00       5.00      50.00
                Summary latency data for TCP (addr:127.0.0.1 subnqn:x) from core 1:
                 50.00000% :    10.000us
                 99.90000% :    50.000us
                Latency histogram for TCP (addr:127.0.0.1 subnqn:x) from core 1:
                       Range in us     Cumulative    IO count
                    5.000 -    10.000:   50.0000%  (      100)
                   10.000 -    20.000:   99.0000%  (       98)
                   20.000 -    50.000:  100.0000%  (        2)
                """);
        Path b = write("b", """
                Total                                                                 :   50000.00     196.00      20.00      10.00    1000.00
                Latency histogram for TCP (addr:127.0.0.1 subnqn:x) from core 1:
                       Range in us     Cumulative    IO count
                   10.000 -    20.000:   50.0000%  (      100)
                   20.000 -    50.000:   97.5000%  (       95)
                   50.000 -   400.000:   99.5000%  (        4)
                  400.000 -  1000.000:  100.0000%  (        1)
                """);
        // 400 I/Os in all: up to 10 us 100, 20 us 298 (74.5%), 50 us 395 (98.75%), 400 us 399 (99.75%), 1000 us 400.
        // IOPS and MiB/s are the slices' means; avg weighs each slice by its I/Os: (100000*10 + 50000*20) / 150000.
        assertEquals("75000.00 293.00 13.33 20 400 1000 1000.00", pool(true, a, b));
    }

    @Test
    void shouldTakeTheMedianOfTheSlicesPercentilesWhenTheClientGivesNoHistogram() throws Exception {
        Path a = write("a", json(30000, 117, 30, 25, 60, 100, 500));
        Path b = write("b", json(40000, 156, 20, 20, 50, 300, 900));
        Path c = write("c", json(50000, 195, 16, 15, 40, 200, 700));
        // avg: (30000*30 + 40000*20 + 50000*16) / 120000 = 20.83
        assertEquals("40000.00 156.00 20.83 20 50 200 900.00", pool(false, a, b, c));
    }

    private static String json(int iops, int mibs, int avg, int p50, int p99, int p999, int max) {
        return "{\"iops\":" + iops + ",\"mib_per_s\":" + mibs + ",\"latency_us\":{\"avg\":" + avg + ",\"p50\":" + p50
                + ",\"p99\":" + p99 + ",\"p999\":" + p999 + ",\"max\":" + max + "}}";
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String pool(boolean spdkClient, Path... slices) throws Exception {
        Path script = KernelVm.locusRoot().resolve("scripts/bench-target");
        StringBuilder files = new StringBuilder();
        for (Path s : slices) {
            files.append(" '").append(s).append('\'');
        }
        String cmd = "set -eu; eval \"$(sed -n '/^pool_slices() {/,/^}/p' '" + script + "')\"; have_spdk_perf="
                + (spdkClient ? 1 : 0) + "; pool_slices" + files;
        Process p = new ProcessBuilder(List.of("bash", "-c", cmd)).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "pool_slices did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }
}
