package io.locus.initiator.cli;

import io.locus.initiator.stats.TraceJoin;
import io.locus.initiator.stats.TraceRecording;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "trace", description = {
        "Join a target's and a host's JFR recordings (events io.locus.Request and io.locus.HostCompletion) into one path"
                + " per request, and print per flow every stage including device_done_to_cqe_visible.",
        "Both must run on one machine (they share CLOCK_MONOTONIC); record with"
                + " -XX:StartFlightRecording:filename=F.jfr,+io.locus.Request#enabled=true (target) or"
                + " +io.locus.HostCompletion#enabled=true (host)."})
final class TraceCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RECORDING.jfr", description = "The recordings: the target's and the host's (or one holding both).")
    List<Path> files;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException(f + ": no such readable file");
            }
        }
        TraceRecording recording = TraceRecording.read(files);
        if (recording.target().isEmpty() || recording.host().isEmpty()) {
            throw new IllegalArgumentException("found " + recording.target().size() + " " + TraceRecording.TARGET_EVENT
                    + " and " + recording.host().size() + " " + TraceRecording.HOST_EVENT
                    + " events; both are needed (were they enabled in the recordings?)");
        }
        TraceJoin joined = recording.join();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, joined.json());
        } else {
            joined.printText(out);
        }
        return 0;
    }
}
