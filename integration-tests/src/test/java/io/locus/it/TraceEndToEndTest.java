package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.Flow;
import io.locus.initiator.LatencyClass;
import io.locus.initiator.TransportId;
import io.locus.initiator.cli.LocusCli;
import io.locus.initiator.stats.TraceJoin;
import io.locus.initiator.stats.TraceRecording;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One request path joined across target and host: the JFR events of both sides meet in {@code locus trace}. */
@Timeout(60)
class TraceEndToEndTest {
    @Test
    void shouldJoinEveryRequestOfAFlowAcrossTargetAndHost(@TempDir Path dir) throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(EndToEndTest.NQN, "LOCUSTRACE", "Locus trace", true,
                List.of(), 32, List.of(new TargetConfig.NamespaceConfig(1, "memory", 64L << 20, null, 4096, null)));
        TargetConfig config = new TargetConfig(new TargetConfig.Reactors(List.of(-1), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(s), TargetConfig.Limits.defaults());
        Path file = dir.resolve("both.jfr");
        int requests = 40;
        try (Recording recording = new Recording()) {
            recording.enable(TraceRecording.TARGET_EVENT);
            recording.enable(TraceRecording.HOST_EVENT);
            recording.start();
            try (Target target = Target.start(config)) {
                int port = target.ports().stream().filter(p -> !p.discovery()).mapToInt(p -> p.address().getPort()).findFirst().orElseThrow();
                TransportId tid = new TransportId("tcp", "127.0.0.1", port, EndToEndTest.NQN);
                Flow flow = new Flow(42, LatencyClass.LATENCY, -1, 0, 0, 100);
                try (Controller c = Controller.connect(tid, EndToEndTest.HOST, ControllerOptions.defaults().ioQueues(1).provenance(true))) {
                    ByteBuf buf = Unpooled.directBuffer(4096);
                    for (int i = 0; i < requests; i++) {
                        buf.clear();
                        c.namespace(1).readBlocking(i, 1, buf, flow);
                    }
                    buf.release();
                }
            }
            recording.stop();
            recording.dump(file);
        }
        TraceJoin joined = TraceRecording.read(List.of(file)).join();
        TraceJoin.FlowPath path = joined.flows().get(42);
        assertEquals(requests, path.joined(), "every read of the flow joined: " + joined.json());
        assertEquals(requests, path.deviceDoneToCqeVisible().getTotalCount());
        assertTrue(path.deviceDoneToCqeVisible().getMinValue() >= path.responseToCqeVisible().getMinValue(),
                "backend done comes before the response is queued");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = LocusCli.run(new String[] {"trace", file.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        assertTrue(out.toString().contains("flow 42: " + requests + " requests"), out.toString());
        assertTrue(out.toString().contains("device_done_to_cqe_visible"), out.toString());
    }
}
