package io.locus.initiator.cli;

import io.locus.initiator.NvmeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code locus}: the NVMe-oF host command line. Errors come out as one line and a non-zero exit status.
 * The command's scope is INHERIT so that every subcommand gets {@code -h/--help} and {@code -V/--version} too: a
 * help option makes picocli print that subcommand's usage (exit 0) instead of failing on its required options.
 */
@Command(name = "locus", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "locus 0.1.0",
        description = "Locus NVMe-over-Fabrics host: discover, identify, read, write, perf, list-subsys.",
        subcommands = {DiscoverCommand.class, IdentifyCommand.class, ReadCommand.class, WriteCommand.class,
                PerfCommand.class, ListSubsysCommand.class, StatsCommand.class, TraceCommand.class, CommandLine.HelpCommand.class})
public final class LocusCli {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; returns the exit status (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        quietLogging();
        CommandLine cli = new CommandLine(new LocusCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("locus " + commandLine.getCommandName() + ": " + message(e));
            return e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_FAILURE;
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("locus " + c.getCommandName() + ": " + e.getMessage());
            c.getErr().println("Try 'locus " + (c.getCommandName().equals("locus") ? "" : c.getCommandName() + " ") + "--help'.");
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    static String message(Throwable e) {
        if (e instanceof NvmeException || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof java.io.IOException) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return e.toString();
    }

    /** Library warnings (reconnects, protocol errors) go to stderr only when LOCUS_LOG is set. */
    private static void quietLogging() {
        String level = System.getenv("LOCUS_LOG");
        Logger root = Logger.getLogger("");
        root.setLevel(level == null ? Level.SEVERE : Level.parse(level.toUpperCase(java.util.Locale.ROOT)));
        for (var h : root.getHandlers()) {
            h.setLevel(root.getLevel());
        }
    }
}
