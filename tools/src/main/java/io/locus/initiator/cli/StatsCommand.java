package io.locus.initiator.cli;

import io.locus.initiator.stats.TargetStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "stats", description = "Read a Locus target's metrics (locus-target --metrics ADDR:PORT) and print a per-reactor summary.")
final class StatsCommand implements Callable<Integer> {
    @Option(names = "--metrics", required = true, paramLabel = "ADDR:PORT", description = "The target's metrics endpoint, e.g. 127.0.0.1:9520 (or an http:// URL).")
    String metrics;

    @Option(names = "--timeout", defaultValue = "5", description = "Seconds to wait for the target (default ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        URI uri = TargetStats.metricsUri(metrics);
        if (timeoutSeconds <= 0) {
            throw new IllegalArgumentException("--timeout must be positive");
        }
        TargetStats stats = TargetStats.fetch(uri, Duration.ofMillis((long) (timeoutSeconds * 1000)));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, stats.json(uri.toString()));
        } else {
            stats.printText(out, uri.toString());
        }
        return 0;
    }
}
