package io.locus.initiator;

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
 * One completion of a flow's command reaching its consumer on the host, as a JFR event: the host's end of the joined
 * path whose target end is {@code io.locus.Request}. Off by default; enable with
 * {@code -XX:StartFlightRecording:...,+io.locus.HostCompletion#enabled=true} or a JFC setting. When disabled it costs
 * one field read per completion; nothing is allocated.
 */
@Name("io.locus.HostCompletion")
@Label("NVMe Host Completion")
@Category({"Locus", "Host"})
@Description("A flow's completion reaching its consumer on the host, with the CQE-visible-to-wakeup and wakeup-to-on-CPU stages.")
@Enabled(false)
@StackTrace(false)
public final class HostCompletionEvent extends Event {
    /** Checked before building an event, so a disabled event costs one field read. */
    public static final EventType TYPE = EventType.getEventType(HostCompletionEvent.class);

    public static final String INLINE = "inline";
    public static final String HANDED_OFF = "handed off";
    public static final String NO_HOME_REACTOR = "no home reactor";
    public static final String BLOCKING = "blocking";

    @Label("Controller ID")
    public int cntlid;
    @Label("Queue ID")
    public int qid;
    @Label("Command ID")
    public int cid;
    @Label("Status")
    public int status;
    @Label("Flow ID")
    public int flowId;
    @Label("Latency class")
    public int latencyClass;
    @Label("Home CPU")
    public int homeCpu;
    @Label("Consumer CPU")
    @Description("The CPU the consumer ran on, or -1 when not known (no native library)")
    public int cpu;
    @Label("Delivery")
    @Description("inline, handed off, no home reactor, or blocking")
    public String delivery;
    @Label("CQE visible to wakeup")
    @Timespan(Timespan.NANOSECONDS)
    public long visibleToWakeupNanos;
    @Label("Wakeup to on CPU")
    @Timespan(Timespan.NANOSECONDS)
    public long wakeupToOnCpuNanos;
    /**
     * {@link System#nanoTime()} when the CQE was parsed (0 when unknown): CLOCK_MONOTONIC on Linux, the clock a target
     * on this machine stamps its requests with, so {@code locus trace} can join the two recordings.
     */
    @Label("CQE visible at (monotonic ns)")
    public long visibleAt;
}
