package io.locus.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.target.rpc.RpcClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One drill node: {@code scripts/locus-target --config FILE} as a process inside its network namespace
 * ({@code ip netns exec}, which execs, as the script execs java, so the process is the target's JVM and signals
 * reach it). Started, killed with SIGKILL, frozen with SIGSTOP and resumed with SIGCONT by the drill; its output goes
 * to {@code node<i>.log}.
 */
public final class TargetNode implements AutoCloseable {
    /** Printed by {@code locus-target} once its ports listen. */
    static final String READY = "Locus target ready";
    private static final long START_TIMEOUT_MS = 120_000;

    private final int index;
    private final String netns;
    private final Path config;
    private final Path log;
    private final Path locusRoot;
    private final Path rpcSocket;
    private Process process;
    private boolean stopped;

    /**
     * @param netns     the namespace to run in, or null for the caller's own
     * @param rpcSocket the node's JSON-RPC socket ({@code --rpc-socket}; a path, so reachable from any network
     *                  namespace), one per node: two targets cannot share the default one
     */
    public TargetNode(int index, String netns, Path config, Path log, Path locusRoot, Path rpcSocket) {
        this.index = index;
        this.rpcSocket = rpcSocket;
        this.netns = netns;
        this.config = config;
        this.log = log;
        this.locusRoot = locusRoot;
    }

    public int index() {
        return index;
    }

    public Path log() {
        return log;
    }

    /**
     * The node's command line: {@code locus-target --config} in its namespace, with no JSON-RPC socket, so a node
     * never takes the default {@code /var/tmp/locus.sock} from a target the user runs (nor answers the user's rpc.py).
     */
    List<String> command() {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.addAll(List.of(locusRoot.resolve("scripts/locus-target").toString(), "--config", config.toString(),
                "--rpc-socket", rpcSocket.toString()));
        return cmd;
    }

    /**
     * Starts the node and waits until it says it is ready.
     *
     * @throws IllegalStateException when it exits first or is not ready within 120 s (with the end of its log)
     */
    public synchronized void start() {
        if (alive()) {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LOCUS_NO_BUILD", "1");
        pb.environment().putIfAbsent("LOCUS_JAVA_OPTS",
                "-Xms64m -Xmx512m -XX:MaxDirectMemorySize=1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        long from;
        try {
            from = Files.exists(log) ? Files.size(log) : 0;
            process = pb.start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("node " + index + ": cannot start " + String.join(" ", pb.command()), e);
        }
        stopped = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (logSince(from).contains(READY)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + index + " exited with status " + process.exitValue()
                        + " before it was ready: " + tail(logSince(from)));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("node " + index + " was not ready within " + START_TIMEOUT_MS / 1000 + " s: "
                + tail(logSince(from)));
    }

    private String logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(log);
            return offset >= all.length ? "" : new String(all, (int) offset, all.length - (int) offset,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        String t = text.strip();
        return t.length() <= 1500 ? t : "..." + t.substring(t.length() - 1500);
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits for the process to be gone. */
    public synchronized void kill9() {
        if (process == null) {
            return;
        }
        process.destroyForcibly(); // SIGKILL on Linux; a stopped process dies too
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = false;
    }

    /**
     * Sets the ANA state of every group through the node's listener at {@code address:port}, over its JSON-RPC
     * socket with SPDK's {@code nvmf_subsystem_listener_set_ana_state}.
     *
     * @throws IllegalStateException with the node's error when the call fails
     */
    public void setAnaState(String nqn, String address, int port, String state) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode params = json.createObjectNode();
        params.put("nqn", nqn);
        ObjectNode listen = params.putObject("listen_address");
        listen.put("trtype", "tcp");
        listen.put("adrfam", "ipv4");
        listen.put("traddr", address);
        listen.put("trsvcid", Integer.toString(port));
        params.put("ana_state", state);
        try (RpcClient rpc = RpcClient.unix(rpcSocket)) {
            JsonNode response = rpc.request("nvmf_subsystem_listener_set_ana_state", params);
            if (response.has("error")) {
                throw new IllegalStateException("node " + index + ": set ANA state " + state + ": " + response.get("error"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("node " + index + ": JSON-RPC on " + rpcSocket, e);
        }
    }

    /** SIGSTOP: the process stops; its sockets stay open and the kernel keeps acknowledging TCP. */
    public synchronized void freeze() {
        signal("STOP");
        stopped = true;
    }

    /** SIGCONT after {@link #freeze}. */
    public synchronized void thaw() {
        signal("CONT");
        stopped = false;
    }

    /** SIGCONT if {@link #freeze} left it stopped. */
    public synchronized void thawIfFrozen() {
        if (stopped) {
            thaw();
        }
    }

    private void signal(String name) {
        if (!alive()) {
            throw new IllegalStateException("node " + index + " is not running");
        }
        Shell.check("kill", "-" + name, Long.toString(process.pid()));
    }

    /** Kills the node if it runs (resuming it first if frozen, so nothing is left stopped). */
    @Override
    public synchronized void close() {
        if (alive()) {
            if (stopped) {
                Shell.quietly("kill", "-CONT", Long.toString(process.pid()));
            }
            kill9();
        }
    }
}
