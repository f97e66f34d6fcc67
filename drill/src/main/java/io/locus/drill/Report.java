package io.locus.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.List;
import java.util.Map;

/**
 * The drill's results for people (a table, one row per scenario, then each scenario's notes and first errors) and
 * for programs (JSON: {@code {"keep_alive_timeout_ms": ..., "scenarios": [...]}}, field names as in the table).
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] HEADERS = {"scenario", "result", "longest pause ms (goal)", "failed I/Os",
            "acked writes lost", "verify failures", "fail-back ms", "I/Os"};

    private Report() {
    }

    /** The table and, below it, what each scenario noted, skipped or missed. */
    public static String table(List<ScenarioResult> results) {
        String[][] rows = new String[results.size()][];
        for (int i = 0; i < results.size(); i++) {
            ScenarioResult r = results.get(i);
            rows[i] = r.skippedRun()
                    ? new String[] {r.scenario(), "SKIP", "-", "-", "-", "-", "-", "-"}
                    : new String[] {r.scenario(), r.status().toUpperCase(java.util.Locale.ROOT),
                    r.longestPauseMs() + " (< " + r.pauseGoalMs() + ")", Long.toString(r.failedIos()),
                    Long.toString(r.acknowledgedLost()), Long.toString(r.verifyFailures()),
                    r.failbackMs() < 0 ? "never" : Long.toString(r.failbackMs()), Long.toString(r.completions())};
        }
        int[] width = new int[HEADERS.length];
        for (int c = 0; c < HEADERS.length; c++) {
            width[c] = HEADERS[c].length();
            for (String[] row : rows) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, HEADERS, width);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.append(rule).append('\n');
        for (String[] row : rows) {
            line(out, row, width);
        }
        for (ScenarioResult r : results) {
            if (!r.reason().isEmpty()) {
                out.append(r.scenario()).append(r.skippedRun() ? ": skipped: " : ": ").append(r.reason()).append('\n');
            }
            for (String n : r.notes()) {
                out.append(r.scenario()).append(": ").append(n).append('\n');
            }
            for (String e : r.errors()) {
                out.append(r.scenario()).append(": error: ").append(e).append('\n');
            }
            if (r.svg() != null) {
                out.append(r.scenario()).append(": IOPS per path: ").append(r.svg()).append('\n');
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String[] cells, int[] width) {
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                out.append("  ");
            }
            out.append(c == 0 ? pad(cells[c], width[c]) : padLeft(cells[c], width[c]));
        }
        out.append('\n');
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    private static String padLeft(String s, int w) {
        return " ".repeat(w - s.length()) + s;
    }

    /** The results as JSON. */
    public static String json(int keepAliveTimeoutMs, List<ScenarioResult> results) {
        try {
            return JSON.writeValueAsString(Map.of("keep_alive_timeout_ms", keepAliveTimeoutMs, "scenarios", results));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
