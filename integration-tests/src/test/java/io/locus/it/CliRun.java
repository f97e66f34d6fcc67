package io.locus.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.initiator.cli.LocusCli;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The {@code locus} CLI run in-process, as the end-to-end tests use it. */
public final class CliRun {
    private CliRun() {
    }

    /** Runs the CLI with space-separated arguments: {exit code, stdout, stderr}. */
    public static String[] cli(String args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = LocusCli.run(args.split(" "), new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    /** The JSON a run printed, failing with its stderr unless it exited 0. */
    public static JsonNode json(String[] result) throws Exception {
        assertEquals("0", result[0], result[2]);
        return new ObjectMapper().readTree(result[1]);
    }
}
