package io.locus.it.vm;

import io.locus.initiator.cli.LocusCli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs several {@code locus} commands in one JVM in the kernel VM, where each JVM start costs tens of seconds under
 * TCG: the arguments are commands separated by {@code --next}; after each, a line {@code === rc N} with its exit code.
 */
public final class GuestCli {
    private GuestCli() {
    }

    public static void main(String[] args) {
        List<String> command = new ArrayList<>();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int worst = 0;
        for (String a : concat(args)) {
            if (!a.equals("--next")) {
                command.add(a);
                continue;
            }
            long start = System.nanoTime();
            int rc = LocusCli.run(command.toArray(String[]::new), out, err);
            err.flush();
            out.printf("%n=== rc %d (%.1f s)%n", rc, (System.nanoTime() - start) / 1e9);
            worst = Math.max(worst, rc);
            command.clear();
        }
        System.exit(worst);
    }

    private static List<String> concat(String[] args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--next");
        return all;
    }
}
