package io.locus.initiator.stats;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the Locus request events out of JFR recordings, for {@link TraceJoin}. */
public final class TraceRecording {
    public static final String TARGET_EVENT = "io.locus.Request";
    public static final String HOST_EVENT = "io.locus.HostCompletion";

    private final List<TraceJoin.TargetRecord> target = new ArrayList<>();
    private final List<TraceJoin.HostRecord> host = new ArrayList<>();

    /** Reads every given recording (a target's, a host's, or one that holds both); throws naming an unreadable file. */
    public static TraceRecording read(List<Path> files) throws IOException {
        TraceRecording r = new TraceRecording();
        for (Path f : files) {
            try (RecordingFile in = new RecordingFile(f)) {
                while (in.hasMoreEvents()) {
                    r.add(in.readEvent());
                }
            } catch (IOException e) {
                throw new IOException(f + ": not a readable JFR recording (" + e.getMessage() + ")", e);
            }
        }
        return r;
    }

    private void add(RecordedEvent e) {
        String name = e.getEventType().getName();
        if (name.equals(TARGET_EVENT) && e.hasField("responseAt")) {
            target.add(new TraceJoin.TargetRecord(e.getInt("cntlid"), e.getInt("qid"), e.getInt("cid"), e.getInt("flowId"),
                    e.getLong("backendDoneAt"), e.getLong("responseAt"), e.getLong("targetNanos"), e.getLong("backendNanos")));
        } else if (name.equals(HOST_EVENT) && e.hasField("visibleAt")) {
            host.add(new TraceJoin.HostRecord(e.getInt("cntlid"), e.getInt("qid"), e.getInt("cid"), e.getInt("flowId"),
                    e.getLong("visibleAt"), e.getLong("visibleToWakeupNanos"), e.getLong("wakeupToOnCpuNanos")));
        }
    }

    public List<TraceJoin.TargetRecord> target() {
        return target;
    }

    public List<TraceJoin.HostRecord> host() {
        return host;
    }

    public TraceJoin join() {
        return TraceJoin.join(target, host);
    }
}
