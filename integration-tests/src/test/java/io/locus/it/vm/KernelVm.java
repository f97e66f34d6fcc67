package io.locus.it.vm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Linux guest booted by {@code scripts/kernel-vm} that runs shell commands for a test, one at a time.
 *
 * <p>The guest runs {@code vm/agent.sh}: it executes each {@code N.cmd} the test drops into the shared folder (mounted
 * at {@code /run/locus-share} in the guest) and answers with {@code N.out} and {@code N.rc}. One boot (about 10 s
 * under TCG) serves a whole test class. The guest reaches this machine's 127.0.0.1 as {@value #HOST_ADDRESS}.
 */
public final class KernelVm implements AutoCloseable {
    /** The address at which the guest reaches this machine's loopback (QEMU user networking). */
    public static final String HOST_ADDRESS = "10.0.2.2";

    private final Process process;
    private final Path share;
    private final Path console;
    private int next;

    /** What one command printed (stdout and stderr together) and its exit status. */
    public record Result(int status, String output) {
        /** Returns the output, failing with the command's status and output unless the status is 0. */
        public String ok() {
            if (status != 0) {
                throw new AssertionError("guest command exited " + status + ":\n" + output);
            }
            return output;
        }
    }

    private KernelVm(Process process, Path share, Path console) {
        this.process = process;
        this.share = share;
        this.console = console;
    }

    /** The checkout's root (the tests run in {@code integration-tests/}). */
    public static Path locusRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("scripts/kernel-vm")) ? here : here.getParent();
    }

    /**
     * Why no VM can run here, or {@code null} when one can: asks {@code scripts/kernel-vm --check}, which also fetches
     * and unpacks the kernel on first use.
     */
    public static String unavailableReason() throws IOException, InterruptedException {
        return unavailableReason(STABLE);
    }

    /** Debian's own kernel of this release (6.1 on Debian 12). */
    public static final String STABLE = "stable";
    /** The newest kernel of this release's backports suite (6.12 on Debian 12: NVMe authentication and TLS). */
    public static final String BACKPORTS = "backports";

    /** Why no VM with this kernel ({@link #STABLE} or {@link #BACKPORTS}) can run here, or {@code null}. */
    public static String unavailableReason(String kernel) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(locusRoot().resolve("scripts/kernel-vm").toString(), "--kernel", kernel, "--check")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "kernel-vm --check did not finish in 300 s";
        }
        if (p.exitValue() == 0) {
            return null;
        }
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /**
     * Boots a guest and waits until its agent runs.
     *
     * @param work     a folder of the test's for the shared folder and the console log
     * @param hostfwds {@code "HOSTPORT:GUESTPORT"} forwards from this machine's 127.0.0.1 into the guest
     * @param lifetime the guest's whole life, after which kernel-vm kills it
     */
    public static KernelVm boot(Path work, List<String> hostfwds, Duration lifetime) throws IOException, InterruptedException {
        return boot(work, hostfwds, lifetime, STABLE);
    }

    /** Boots a guest with this kernel ({@link #STABLE} or {@link #BACKPORTS}); see {@link #boot(Path, List, Duration)}. */
    public static KernelVm boot(Path work, List<String> hostfwds, Duration lifetime, String kernel)
            throws IOException, InterruptedException {
        Path share = Files.createDirectories(work.resolve("share"));
        Path agent = work.resolve("agent.sh");
        try (InputStream in = KernelVm.class.getResourceAsStream("/vm/agent.sh")) {
            Files.copy(in, agent, StandardCopyOption.REPLACE_EXISTING);
        }
        try (InputStream in = KernelVm.class.getResourceAsStream("/vm/lib.sh")) {
            Files.copy(in, share.resolve("lib.sh"), StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(locusRoot().resolve("scripts/kernel-vm").toString(),
                "--kernel", kernel, "--timeout", Long.toString(lifetime.toSeconds()), "--share", share.toString()));
        for (String f : hostfwds) {
            cmd.addAll(List.of("--hostfwd", f));
        }
        cmd.add(agent.toString());
        Path console = work.resolve("console.log");
        // A guest that dies while booting is booted once more (its console kept as console-1.log): under TCG the
        // backports kernel has oopsed in early boot (int3 while patching its own text) once in several boots, a
        // fault of the emulation, not of what the test checks. A guest that boots but stays silent is not retried.
        for (int attempt = 1; ; attempt++) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
            KernelVm vm = new KernelVm(p, share, console);
            try {
                vm.awaitFile(share.resolve("ready"), Duration.ofSeconds(180), "the guest's agent to start");
                return vm;
            } catch (IOException | RuntimeException | Error e) {
                boolean died = !p.isAlive();
                vm.close();
                if (!died || attempt == 2) {
                    throw e;
                }
                Files.move(console, work.resolve("console-" + attempt + ".log"), StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(share.resolve("stop"));
            }
        }
    }

    /**
     * Runs a bash script in the guest as root, with {@code set -eo pipefail} and the functions of {@code vm/lib.sh},
     * and returns what it printed and its status.
     */
    public Result run(String script, Duration timeout) throws IOException, InterruptedException {
        int n = next++;
        Path tmp = share.resolve(n + ".tmp");
        Files.writeString(tmp, "set -eo pipefail\n. /run/locus-share/lib.sh\n" + script);
        Files.move(tmp, share.resolve(n + ".cmd"), StandardCopyOption.ATOMIC_MOVE);
        Path rc = share.resolve(n + ".rc");
        awaitFile(rc, timeout, "guest command " + n + ":\n" + script);
        int status = Integer.parseInt(Files.readString(rc).strip());
        return new Result(status, Files.readString(share.resolve(n + ".out")));
    }

    /** Runs a script that must succeed and returns its output. */
    public String ok(String script, Duration timeout) throws IOException, InterruptedException {
        return run(script, timeout).ok();
    }

    /** What the guest's console showed so far (kernel errors and the agent's own lines). */
    public String console() throws IOException {
        return Files.exists(console) ? Files.readString(console) : "";
    }

    private void awaitFile(Path file, Duration timeout, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // The guest is another machine: its answers arrive as files, so this polls for the file with a deadline.
        while (!Files.exists(file)) {
            if (!process.isAlive()) {
                throw new IOException("the VM stopped (kernel-vm exit " + process.exitValue() + ") while waiting for " + what
                        + "\nconsole:\n" + console());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "\nconsole:\n" + console());
            }
            Thread.sleep(20);
        }
    }

    /** Stops the agent, lets the guest power off, and kills QEMU if it does not. */
    @Override
    public void close() throws IOException, InterruptedException {
        Files.writeString(share.resolve("stop"), "");
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
