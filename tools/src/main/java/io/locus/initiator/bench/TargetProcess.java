package io.locus.initiator.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code locus-target} child process for the benchmark: null namespace, pinned reactors, optional metrics. */
final class TargetProcess implements AutoCloseable {
    static final String REACTOR_THREAD = "locus-reactor-0";

    private final Process process;
    private final Path log;
    private final int port;
    private final int metricsPort;

    private TargetProcess(Process process, Path log, int port, int metricsPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.metricsPort = metricsPort;
    }

    /**
     * Starts the target and waits until it accepts connections.
     *
     * @param reserve whether its JVM threads other than the reactors run off {@code cores} ({@link #command})
     * @param metrics whether to serve metrics (on a free port)
     */
    static TargetProcess start(Path script, String cores, boolean reserve, String idle, boolean provenance,
                               boolean metrics, Path log, long timeoutMs) throws IOException, InterruptedException {
        int port = freePort();
        int metricsPort = metrics ? freePort() : -1;
        List<String> cmd = command(script, cores, reserve ? onlineCpus() : cores, hasTaskset(), idle, provenance, port,
                metricsPort);
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // LOCUS_JAVA_OPTS is the bench JVM's; the target gets LOCUS_TARGET_JAVA_OPTS, or its launcher's defaults.
        pb.environment().remove("LOCUS_JAVA_OPTS");
        String targetOpts = System.getenv("LOCUS_TARGET_JAVA_OPTS");
        if (targetOpts != null && !targetOpts.isBlank()) {
            pb.environment().put("LOCUS_JAVA_OPTS", targetOpts);
        }
        Process p = pb.start();
        TargetProcess t = new TargetProcess(p, log, port, metricsPort);
        try {
            t.awaitReady(timeoutMs);
        } catch (IOException | InterruptedException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * The target's command line: {@code taskset -c processCpus} (when there is a taskset: the bench JVM that starts
     * the target is itself pinned to the host's cores, and a child inherits that), then the launcher with its reactors
     * on {@code cores}. With {@code reserve} the process may use {@code processCpus}, all of the machine's, and the
     * launcher keeps the rest of its JVM (JIT, GC, control plane) off {@code cores}, as it does when deployed
     * ({@code --reserve on}); without, {@code processCpus} is {@code cores} and those threads preempt the reactor
     * ({@code --reserve off}).
     *
     * @param metricsPort the metrics port, or -1 for none
     */
    static List<String> command(Path script, String cores, String processCpus, boolean taskset, String idle,
                                boolean provenance, int port, int metricsPort) {
        boolean reserve = !processCpus.equals(cores);
        List<String> cmd = new ArrayList<>();
        if (taskset) {
            cmd.addAll(List.of("taskset", "-c", processCpus));
        }
        cmd.add(script.toString());
        cmd.addAll(List.of("--listen", "127.0.0.1:" + port, "--discovery-port", "0", "--null", "64G", "--cores", cores,
                "--reserve", reserve ? "on" : "off", "--idle", idle, "--provenance", provenance ? "on" : "off"));
        if (metricsPort >= 0) {
            cmd.addAll(List.of("--metrics", "127.0.0.1:" + metricsPort));
        }
        return cmd;
    }

    /** The machine's online CPUs as taskset reads them ({@code 0-15}); without sysfs, 0 to this JVM's CPU count - 1. */
    private static String onlineCpus() {
        try {
            String online = Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
            if (!online.isEmpty()) {
                return online;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or no sysfs: no CPU list to widen to
        }
        return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
    }

    int port() {
        return port;
    }

    int metricsPort() {
        return metricsPort;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    private void awaitReady(long timeoutMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - end < 0) {
            if (!process.isAlive()) {
                throw new IOException("locus-target exited with status " + process.exitValue() + ": " + logTail());
            }
            // The banner comes after the listeners are bound. (No probe connection: the target would count it as a
            // rejected host.)
            if (Files.exists(log) && Files.readString(log).contains("listening on")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("locus-target did not become ready within " + timeoutMs + " ms: " + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Percent of one core the target's first reactor thread used over {@code seconds}. */
    double reactorCpuPercent(double seconds) throws IOException, InterruptedException {
        long tid = ThreadCpu.findThread(pid(), REACTOR_THREAD)
                .orElseThrow(() -> new IOException("no thread named " + REACTOR_THREAD + " in locus-target (pid " + pid() + ")"));
        long cpu0 = ThreadCpu.cpuNanos(pid(), tid);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long cpu1 = ThreadCpu.cpuNanos(pid(), tid);
        long t1 = System.nanoTime();
        return ThreadCpu.percentOfCore(cpu1 - cpu0, t1 - t0);
    }

    @Override
    public void close() {
        // taskset and the launcher exec, so the process is the JVM itself; SIGTERM runs its shutdown hook.
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static boolean hasTaskset() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "taskset"))) {
                return true;
            }
        }
        return false;
    }
}
