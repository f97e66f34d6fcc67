package io.locus.target.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One finished NVMe command as a JFR event, with its stage times, so a recording joins the target's part of every
 * request's latency with the rest of the JVM's picture. Off by default; enable with
 * {@code -XX:StartFlightRecording:...,+io.locus.Request#enabled=true} or a JFC setting.
 */
@Name("io.locus.Request")
@Label("NVMe Request")
@Category({"Locus", "Target"})
@Description("A command completed by the target, with its receive-to-response stages.")
@Enabled(false)
@StackTrace(false)
public final class RequestEvent extends Event {
    /** Checked before building an event, so a disabled event costs one field read. */
    public static final EventType TYPE = EventType.getEventType(RequestEvent.class);

    @Label("Controller ID")
    public int cntlid;
    @Label("Queue ID")
    public int qid;
    @Label("Command ID")
    public int cid;
    @Label("Opcode")
    public int opcode;
    @Label("Status")
    public int status;
    @Label("Flow ID")
    public int flowId;
    @Label("Latency class")
    public int latencyClass;
    @Label("Bytes")
    public long bytes;
    @Label("Received to response")
    @Timespan(Timespan.NANOSECONDS)
    public long targetNanos;
    @Label("Backend")
    @Timespan(Timespan.NANOSECONDS)
    public long backendNanos;
    @Label("Backend done to response")
    @Timespan(Timespan.NANOSECONDS)
    public long doneToResponseNanos;
    /**
     * {@link System#nanoTime()} when the backend finished (0 without a backend stage): CLOCK_MONOTONIC on Linux, the
     * same clock a host on this machine stamps its completions with, so {@code locus trace} can join the two.
     */
    @Label("Backend done at (monotonic ns)")
    public long backendDoneAt;
    @Label("Response queued at (monotonic ns)")
    public long responseAt;
}
