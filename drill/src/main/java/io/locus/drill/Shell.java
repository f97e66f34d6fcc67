package io.locus.drill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the short system commands a drill needs ({@code ip}, {@code tc}, {@code kill}) and says clearly when one fails. */
final class Shell {
    /** What a command printed and how it ended. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Shell() {
    }

    /** Runs {@code command}, stdout and stderr together, for at most 30 s. */
    static Result run(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", command) + ": still running after 30 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(-1, String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, String.join(" ", command) + ": interrupted");
        }
    }

    /** Runs {@code command}; @throws IllegalStateException naming the command and its output when it fails */
    static String check(String... command) {
        Result r = run(List.of(command));
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    /** Runs {@code command}, ignoring how it ends (clean-up). */
    static void quietly(String... command) {
        run(List.of(command));
    }
}
