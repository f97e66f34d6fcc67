package io.locus.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The short drills as CI runs them: two {@code scripts/locus-target} nodes in network namespaces on one backing file,
 * the verifying workload through the multipath host, and kill -9, a planned ANA swap, partition, freeze and a short flap (delay and
 * corrupt too where the kernel has netem). Every scenario that runs must meet the goals: no I/O failed to the
 * application, no acknowledged write lost, no verify failure, the longest pause under its bound, fail-back.
 * Skips without root, {@code ip} or network namespaces, or without a packaged target (the nodes run the jars the
 * build made, {@code LOCUS_NO_BUILD=1}).
 */
@Timeout(600)
class DrillScenariosTest {
    private static final int KATO_MS = 3000;
    /** The host library logs every reconnect try; held so the level stays (loggers are kept weakly). */
    private static final java.util.logging.Logger LOCUS_LOG = java.util.logging.Logger.getLogger("io.locus");

    @Test
    void shouldMeetTheGoalsInEveryShortScenario() throws Exception {
        LOCUS_LOG.setLevel(java.util.logging.Level.WARNING);
        String why = NetLab.unavailable();
        assumeTrue(why == null, why);
        Path root = Path.of("").toAbsolutePath().getParent();
        assumeTrue(Files.exists(root.resolve("target-server/target/classpath.txt")),
                "no packaged target (target-server/target/classpath.txt): run 'mvn package' (or verify) first");
        Path out = Path.of("target/drill-ci").toAbsolutePath();
        List<Scenario> scenarios = List.of(Scenario.KILL, Scenario.ANA_SWAP, Scenario.PARTITION, Scenario.FREEZE, Scenario.FLAP,
                Scenario.DELAY, Scenario.CORRUPT);
        List<ScenarioResult> results = DrillMain.runAll(new Drill.Settings(out, root, KATO_MS, null, 16), scenarios,
                line -> System.out.println("drill: " + line));
        String table = Report.table(results);
        System.out.println(table);
        assertEquals(scenarios.size(), results.size());
        for (ScenarioResult r : results) {
            if (r.skippedRun()) {
                assertTrue(r.reason().startsWith("tc netem unavailable"), r.scenario() + " skipped: " + r.reason());
                continue;
            }
            assertEquals(ScenarioResult.PASS, r.status(), table);
            assertEquals(0, r.failedIos(), table);
            assertEquals(0, r.acknowledgedLost(), table);
            assertEquals(0, r.verifyFailures(), table);
            assertTrue(r.blocksVerified() > 1000, r.scenario() + ": only " + r.blocksVerified() + " blocks verified");
            assertTrue(r.fuaAcks() > 0 && r.flushAcks() > 0, r.scenario() + ": nothing was acknowledged");
            assertTrue(r.longestPauseMs() < r.pauseGoalMs(), table);
            assertTrue(r.failbackMs() >= 0, table);
            assertTrue(Files.size(out.resolve(r.scenario() + ".svg")) > 1000, r.scenario() + ".svg");
        }
        assertTrue(Files.exists(out.resolve("report.json")));
        // Everything the drill made is gone: no namespace or veth of this process is left.
        long pid = ProcessHandle.current().pid();
        assertTrue(!Shell.check("ip", "netns", "list").contains("ldrill" + pid + "n"), "namespaces left behind");
        assertTrue(!Shell.check("ip", "-o", "link", "show").contains("ld" + pid + "h"), "veths left behind");
    }
}
