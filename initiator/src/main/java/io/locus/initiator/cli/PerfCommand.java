package io.locus.initiator.cli;

import io.locus.initiator.ControllerOptions;
import io.locus.initiator.TransportId;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
import io.locus.runtime.IdleMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "perf", description = "Measure IOPS, throughput and latency (like spdk_nvme_perf); --verify checks every block.")
final class PerfCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Option(names = "--ns", defaultValue = "1", description = "Namespace ID (default ${DEFAULT-VALUE}).")
    int nsid;

    @Option(names = "--queue-depth", defaultValue = "32", description = "Commands in flight per queue (default ${DEFAULT-VALUE}).")
    int queueDepth;

    @Option(names = "--io-size", defaultValue = "4096", converter = ByteSize.class, description = "Bytes per command, e.g. 4096 or 128k (default ${DEFAULT-VALUE}).")
    long ioSize;

    @Option(names = "--workload", defaultValue = "randread", description = "read, write, randread, randwrite, rw or randrw (default ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--mix", description = "Percent of reads for rw/randrw (default 50).")
    Integer mix;

    @Option(names = "--time", defaultValue = "10", description = "Seconds to run (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "Seconds to run before measuring, so the JIT has compiled the hot path (default ${DEFAULT-VALUE}; 0 for none).")
    double warmup;

    @Option(names = "--queues", defaultValue = "1", description = "I/O queues, each driven by its own reactor thread (default ${DEFAULT-VALUE}).")
    int queues;

    @Option(names = "--verify", description = "Write self-checking blocks (LBA, generation, checksum) and check every read; the working set is written first.")
    boolean verify;

    @Option(names = "--size", converter = ByteSize.class, description = "Working set from LBA 0 (default: the whole namespace).")
    Long workingSet;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--idle", defaultValue = "adaptive", description = "Reactor idle mode: busy (spin) or adaptive (default ${DEFAULT-VALUE}).")
    String idle;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Workload w = Workload.parse(workload);
        if (mix != null && !w.mixed()) {
            throw new IllegalArgumentException("--mix applies to rw and randrw only");
        }
        if (ioSize > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--io-size is too large");
        }
        PerfConfig config = new PerfConfig(nsid, queueDepth, (int) ioSize, w, mix != null ? mix : w.defaultReadPercent(),
                seconds, queues, verify, workingSet != null ? workingSet : 0, seed, null, warmup);
        ControllerOptions options = conn.controllerOptions().ioQueues(queues).idleMode(IdleMode.parse(idle));
        if (conn.queueSize == null) {
            options.queueSize(Math.max(ControllerOptions.DEFAULT_QUEUE_SIZE, queueDepth + 1));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progressOut = conn.json ? spec.commandLine().getErr() : out;
        if (verify) {
            progressOut.println("verify: writing the working set first");
            progressOut.flush();
        }
        PerfResult r = Perf.run(conn.transportId(nqn, TransportId.DEFAULT_IO_PORT), conn.host(), options, config,
                (second, iops, mibPerSec, ios) -> {
                    progressOut.printf("[%4ds] %12.0f IOPS %10.1f MiB/s%n", second, iops, mibPerSec);
                    progressOut.flush();
                });
        if (conn.json) {
            Output.json(out, json(r));
        } else {
            text(out, r);
        }
        if (!r.passed()) {
            PrintWriter err = spec.commandLine().getErr();
            if (r.verifyFailures() > 0) {
                err.printf("locus perf: %d block(s) failed verification; first at LBA %d (%s)%n", r.verifyFailures(),
                        r.failures().getFirst().lba(), r.failures().getFirst().reason());
            }
            if (r.errors() > 0) {
                err.printf("locus perf: %d command(s) failed; first: %s%n", r.errors(), r.firstError());
            }
            err.flush();
            return LocusCli.EXIT_FAILURE;
        }
        return 0;
    }

    private static void text(PrintWriter out, PerfResult r) {
        out.printf("%s, %d B I/O, queue depth %d x %d queue(s), %.1f s%n", r.workload(), r.ioSize(), r.queueDepth(),
                r.queues(), r.seconds());
        out.printf("IOPS:          %.0f%n", r.iops());
        out.printf("MiB/s:         %.1f%n", r.mibPerSec());
        PerfResult.Latency l = r.latencyUs();
        out.printf("latency (us):  avg %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n", l.avg(), l.p50(), l.p99(), l.p999(), l.max());
        out.printf("I/Os:          %d (%d reads, %d writes)%n", r.ios(), r.reads(), r.writes());
        out.printf("errors:        %d%n", r.errors());
        out.printf("verify failures: %d%n", r.verifyFailures());
        for (PerfResult.VerifyFailure f : r.failures()) {
            out.printf("  LBA %d: %s%n", f.lba(), f.reason());
        }
        out.flush();
    }

    static Map<String, Object> json(PerfResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", r.workload());
        m.put("io_size", r.ioSize());
        m.put("queue_depth", r.queueDepth());
        m.put("queues", r.queues());
        m.put("seconds", r.seconds());
        m.put("ios", r.ios());
        m.put("reads", r.reads());
        m.put("writes", r.writes());
        m.put("iops", r.iops());
        m.put("mib_per_s", r.mibPerSec());
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("avg", r.latencyUs().avg());
        lat.put("p50", r.latencyUs().p50());
        lat.put("p99", r.latencyUs().p99());
        lat.put("p999", r.latencyUs().p999());
        lat.put("max", r.latencyUs().max());
        m.put("latency_us", lat);
        m.put("errors", r.errors());
        m.put("verify_failures", r.verifyFailures());
        List<Map<String, Object>> failures = new ArrayList<>();
        for (PerfResult.VerifyFailure f : r.failures()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("lba", f.lba());
            one.put("reason", f.reason());
            failures.add(one);
        }
        m.put("verify_errors", failures);
        m.put("first_error", r.firstError());
        return m;
    }
}
