package io.locus.it.vm;

import io.locus.initiator.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@code scripts/locus-target} (or another launcher of the target) started as a user starts it, on the build Maven just made, with a log file. */
public final class TargetProcess implements AutoCloseable {
    private final List<String> command;
    private final Consumer<Map<String, String>> environment;
    private final Path log;
    private final int port;
    private Process process;

    private TargetProcess(List<String> command, Consumer<Map<String, String>> environment, Path log, int port) {
        this.command = command;
        this.environment = environment;
        this.log = log;
        this.port = port;
    }

    /** A free TCP port on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts the launcher with these arguments and waits until {@code port} accepts connections.
     *
     * @param port the I/O port the arguments make it listen on
     */
    public static TargetProcess start(Path log, int port, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(KernelVm.locusRoot().resolve("scripts/locus-target").toString());
        cmd.addAll(List.of(args));
        return start(cmd, env -> { }, log, port);
    }

    /**
     * Starts {@code command} (a launcher and its arguments) in the environment {@code environment} adjusts (after
     * LOCUS_NO_BUILD and a small-heap LOCUS_JAVA_OPTS are set), and waits until {@code port} accepts connections.
     */
    public static TargetProcess start(List<String> command, Consumer<Map<String, String>> environment, Path log, int port)
            throws IOException, InterruptedException {
        TargetProcess t = new TargetProcess(List.copyOf(command), environment, log, port);
        t.launch();
        return t;
    }

    private void launch() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LOCUS_NO_BUILD", "1");
        pb.environment().put("LOCUS_JAVA_OPTS", "-Xms64m -Xmx512m -XX:MaxDirectMemorySize=2g -XX:+UseSerialGC");
        environment.accept(pb.environment());
        process = pb.start();
        // An exited process fails at once (nothing will listen), a slow one after 60 s.
        Await.within(() -> listening(port) || !process.isAlive(), Duration.ofSeconds(60));
        if (!listening(port)) {
            process.destroyForcibly();
            throw new IOException("locus-target did not start listening on " + port + ":\n" + log());
        }
    }

    /** Whether something accepts TCP connections on 127.0.0.1:{@code port} now. */
    public static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Kills the target with SIGKILL, as a crash would, and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the same command again (same port, same files). */
    public void restart() throws IOException, InterruptedException {
        Files.writeString(log, "--- restarted ---\n", StandardOpenOption.APPEND);
        launch();
    }

    /** The process id of the target's JVM (the launcher execs it). */
    public long pid() {
        return process.pid();
    }

    /**
     * Waits until the target has printed {@code text} (it is another process: its log is all there is to watch).
     *
     * @throws IOException when it has not within {@code timeout}, with the log so far
     */
    public void awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
        Await.within(() -> logText().contains(text) || !process.isAlive(), timeout);
        if (!log().contains(text)) {
            throw new IOException("locus-target did not print '" + text + "':\n" + log());
        }
    }

    /** What the target printed so far. */
    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** {@link #log()}, or a line saying why it cannot be read: for conditions and failure messages. */
    public String logText() {
        try {
            return log();
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops the target with SIGTERM (a clean shutdown) and waits for it.
     *
     * @return its exit status (143 after SIGTERM, or 0), or -1 when it had to be killed after {@code timeout}
     */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    /** Stops the target with SIGTERM (a clean shutdown) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop(Duration.ofSeconds(15));
        }
    }
}
