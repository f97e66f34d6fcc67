package io.locus.initiator;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class FlowRecordersTest {
    @Test
    void shouldKeepOneLanePerFlowWhenWriterSeesManyFlows() {
        FlowRecorders recorders = new FlowRecorders();
        FlowRecorders.Writer w = recorders.newWriter();
        for (int round = 0; round < 3; round++) {
            for (int flow = -50; flow < 150; flow++) {
                w.lane(flow * 7919).record(FlowRecorders.INLINE, flow + 100, 0);
            }
        }
        assertSame(w.lane(7919), w.lane(7919));
        assertEquals(200, recorders.snapshots().size());
        HostFlowStats s = recorders.snapshot(3 * 7919);
        assertEquals(3, s.completions());
        assertEquals(3, s.inline());
        assertEquals(3, s.cqeVisibleToWakeupNanos().getTotalCount());
    }

    @Test
    void shouldMergeLanesOfSeveralWritersAndCountMigrationsAcrossThem() {
        FlowRecorders recorders = new FlowRecorders();
        FlowRecorders.Lane a = recorders.newWriter().lane(5);
        FlowRecorders.Lane b = recorders.newWriter().lane(5);
        a.record(FlowRecorders.INLINE, 100, 0);
        a.sampleCpu(0, 0);
        b.record(FlowRecorders.HANDED_OFF, 200, 3000);
        b.sampleCpu(1, 0);
        b.record(FlowRecorders.HANDED_OFF, 200, 3000);
        b.sampleCpu(1, 0);
        a.record(FlowRecorders.NO_HOME_REACTOR, -1, 0);
        a.sampleCpu(0, 0);
        HostFlowStats s = recorders.snapshot(5);
        assertEquals(4, s.completions());
        assertEquals(1, s.inline());
        assertEquals(2, s.handedOff());
        assertEquals(1, s.noHomeReactor());
        assertEquals(4, s.cpuSamples());
        assertEquals(2, s.offHomeCpu());
        assertEquals(2, s.migrations(), "CPU 0 → 1 → 1 → 0");
        assertEquals(3, s.cqeVisibleToWakeupNanos().getTotalCount(), "no stage times for a completion without a CQE");
        HostFlowStats later = recorders.snapshot(5);
        assertEquals(4, later.completions(), "snapshots are cumulative");
        a.record(FlowRecorders.INLINE, 100, 0);
        HostFlowStats delta = recorders.snapshot(5).minus(s);
        assertEquals(1, delta.completions());
        assertEquals(1, delta.cqeVisibleToWakeupNanos().getTotalCount());
    }
}
