package io.locus.drill;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code scripts/drill}: chaos and failover drills against two Locus target nodes through the multipath host. */
@Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts two target nodes on shared storage, each behind its own veth pair and network namespace, "
                + "runs a verifying workload through the multipath host, injects each scenario's fault into node 0 "
                + "and reports the longest I/O pause, I/Os failed to the application, acknowledged writes lost, "
                + "verify failures and time to fail back. Needs root.",
                "Scenarios: kill, partition, delay, corrupt, ana-swap, freeze, flap (default: all)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every scenario run met its goals (or was skipped)", "1:a scenario missed a goal",
                "2:drills cannot run here (not root, no ip), or bad arguments"})
public final class DrillMain implements Callable<Integer> {
    /** Held so that the level set on it stays (the logging framework keeps loggers weakly). */
    private static final java.util.logging.Logger LOCUS_LOG = java.util.logging.Logger.getLogger("io.locus");

    @Parameters(paramLabel = "SCENARIO", description = "Scenarios to run, in order (default: all).")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "TIME", description = "How long each fault lasts: 5, 5s or 1500ms "
            + "(default: each scenario's short default; flap's is its whole run).")
    String duration;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "drill-out",
            description = "Where the pictures (SCENARIO.svg), report.json, node configs and logs go (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the report as JSON instead of the table.")
    boolean json;

    @Option(names = "--kato", paramLabel = "MS", defaultValue = "3000",
            description = "The host's keep-alive timeout in ms (default ${DEFAULT-VALUE}).")
    int katoMs;

    @Option(names = "--depth", paramLabel = "N", defaultValue = "16",
            description = "Commands the workload keeps in flight (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = {"-v", "--verbose"}, description = "Show the host library's log (reconnects, path changes).")
    boolean verbose;

    @Option(names = "--locus-root", paramLabel = "DIR", hidden = true,
            description = "The checkout whose scripts/locus-target runs the nodes.")
    Path locusRoot;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DrillMain()).setExitCodeExceptionMapper(e -> 2).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        List<Scenario> chosen = new ArrayList<>();
        Long durationMs;
        try {
            if (scenarios.isEmpty()) {
                chosen.addAll(List.of(Scenario.values()));
            } else {
                for (String s : scenarios) {
                    chosen.add(Scenario.parse(s));
                }
            }
            durationMs = duration == null ? null : parseDuration(duration);
            if (katoMs < 500) {
                throw new IllegalArgumentException("--kato " + katoMs + ": at least 500 ms");
            }
            if (depth < 1 || depth > 256) {
                throw new IllegalArgumentException("--depth " + depth + ": 1 to 256");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("drill: " + e.getMessage());
            return 2;
        }
        String why = NetLab.unavailable();
        if (why != null) {
            System.err.println("drill: " + why);
            return 2;
        }
        if (!verbose) {
            // The host library logs every reconnect try; the drill's own lines and the report say what happened.
            LOCUS_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        Path root = locusRoot != null ? locusRoot : findRoot();
        Drill.Settings settings = new Drill.Settings(out.toAbsolutePath(), root, katoMs, durationMs, depth);
        List<ScenarioResult> results = runAll(settings, chosen, line -> System.err.println("drill: " + line));
        System.out.print(json ? Report.json(katoMs, results) + "\n" : Report.table(results));
        boolean failed = results.stream().anyMatch(r -> ScenarioResult.FAIL.equals(r.status()));
        return failed ? 1 : 0;
    }

    /**
     * Starts the nodes, runs {@code scenarios} one after another, writes each one's SVG and {@code report.json} to
     * the out folder, and tears everything down (also on Ctrl-C, from a shutdown hook).
     */
    public static List<ScenarioResult> runAll(Drill.Settings settings, List<Scenario> scenarios,
                                              java.util.function.Consumer<String> progress) throws IOException {
        AtomicReference<Drill> live = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            Drill d = live.getAndSet(null);
            if (d != null) {
                d.close();
            }
        }, "locus-drill-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        List<ScenarioResult> results = new ArrayList<>();
        try {
            progress.accept("starting two target nodes (logs in " + settings.out() + ")");
            live.set(Drill.start(settings));
            Drill drill = live.get();
            progress.accept(drill.ana() ? "target reports ANA: node 0 optimized, node 1 non-optimized, policy numa"
                    : "target without ANA: both paths optimized, policy round-robin");
            for (Scenario s : scenarios) {
                progress.accept("scenario " + s.id() + ": " + s.description());
                ScenarioResult r = drill.run(s);
                if (!r.samples().isEmpty()) {
                    String file = s.id() + ".svg";
                    Files.writeString(settings.out().resolve(file), IopsSvg.render(r));
                    r = r.withSvg(settings.out().resolve(file).toString());
                }
                progress.accept("scenario " + s.id() + ": " + r.status().toUpperCase(Locale.ROOT)
                        + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")"));
                results.add(r);
            }
        } finally {
            Drill d = live.getAndSet(null);
            if (d != null) {
                d.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
        Files.writeString(settings.out().resolve("report.json"), Report.json(settings.katoMs(), results) + "\n");
        return results;
    }

    /** 5, 5s or 1500ms, in ms. */
    static long parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            long ms;
            if (t.endsWith("ms")) {
                ms = Long.parseLong(t.substring(0, t.length() - 2));
            } else if (t.endsWith("s")) {
                ms = Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
            } else {
                ms = Math.round(Double.parseDouble(t) * 1000);
            }
            if (ms <= 0) {
                throw new IllegalArgumentException("--duration " + text + ": must be positive");
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--duration " + text + ": not a duration (examples: 5, 5s, 1500ms)");
        }
    }

    /** The checkout: the folder above the working directory that has scripts/locus-target. */
    static Path findRoot() {
        String prop = System.getProperty("locus.root");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("scripts/locus-target"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Locus checkout (scripts/locus-target) above "
                + Path.of("").toAbsolutePath() + "; pass --locus-root");
    }
}
