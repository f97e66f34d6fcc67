package io.locus.drill;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * What one scenario measured and whether it met the goals: no I/O failed to the application, no acknowledged write
 * lost, no verify failure, the longest I/O pause under {@code pauseGoalMs}, and the faulted path carrying I/O again
 * after the repair (fail-back). Times are ms; {@code faults} are the windows the fault was in place, in ms since the
 * scenario's start (as are the samples').
 *
 * @param status         {@code pass}, {@code fail} or {@code skip}
 * @param reason         why it was skipped, or what missed a goal (empty when it passed)
 * @param failbackMs     ms from the repair until the faulted path completed I/O again (the longest when repaired
 *                       more than once); -1 when it did not within the drill's deadline
 * @param blocksVerified blocks read back and checked after the run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScenarioResult(
        String scenario,
        String status,
        String reason,
        String policy,
        @JsonProperty("longest_pause_ms") long longestPauseMs,
        @JsonProperty("longest_pause_at_ms") long longestPauseAtMs,
        @JsonProperty("pause_goal_ms") long pauseGoalMs,
        @JsonProperty("failed_ios") long failedIos,
        @JsonProperty("acknowledged_writes_lost") long acknowledgedLost,
        @JsonProperty("verify_failures") long verifyFailures,
        @JsonProperty("failback_ms") long failbackMs,
        @JsonProperty("completions") long completions,
        @JsonProperty("fua_writes_acknowledged") long fuaAcks,
        @JsonProperty("flushes_acknowledged") long flushAcks,
        @JsonProperty("blocks_verified") long blocksVerified,
        List<Window> faults,
        List<String> notes,
        List<String> errors,
        @JsonProperty("svg") String svg,
        @JsonIgnore List<PathSampler.Sample> samples,
        @JsonIgnore List<String> pathNames) {

    /** A fault in place from {@code fromMs} to {@code toMs} (ms since the scenario's start), and what it was. */
    public record Window(@JsonProperty("from_ms") long fromMs, @JsonProperty("to_ms") long toMs, String what) {
    }

    public static final String PASS = "pass";
    public static final String FAIL = "fail";
    public static final String SKIP = "skip";

    /** A scenario that did not run, with the one-line reason. */
    public static ScenarioResult skipped(String scenario, String reason) {
        return new ScenarioResult(scenario, SKIP, reason, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(),
                List.of(), null, List.of(), List.of());
    }

    /** The goals missed, one phrase each; empty when every goal was met. */
    public static List<String> missedGoals(long pauseMs, long pauseGoalMs, long failed, long lost, long verify,
                                           long failbackMs) {
        List<String> missed = new ArrayList<>();
        if (failed > 0) {
            missed.add(failed + " I/O(s) failed to the application");
        }
        if (lost > 0) {
            missed.add(lost + " acknowledged write(s) lost");
        }
        if (verify > 0) {
            missed.add(verify + " verify failure(s)");
        }
        if (pauseMs >= pauseGoalMs) {
            missed.add("longest pause " + pauseMs + " ms, goal < " + pauseGoalMs + " ms");
        }
        if (failbackMs < 0) {
            missed.add("the faulted path carried no I/O again after the repair");
        }
        return missed;
    }

    /** The same result with the SVG's file name recorded. */
    public ScenarioResult withSvg(String file) {
        return new ScenarioResult(scenario, status, reason, policy, longestPauseMs, longestPauseAtMs, pauseGoalMs,
                failedIos, acknowledgedLost, verifyFailures, failbackMs, completions, fuaAcks, flushAcks,
                blocksVerified, faults, notes, errors, file, samples, pathNames);
    }

    @JsonIgnore
    public boolean passed() {
        return PASS.equals(status);
    }

    @JsonIgnore
    public boolean skippedRun() {
        return SKIP.equals(status);
    }
}
