package io.locus.initiator.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceJoinTest {
    private static TraceJoin.TargetRecord target(int cntlid, int cid, long doneAt, long responseAt) {
        return new TraceJoin.TargetRecord(cntlid, 1, cid, 7, doneAt, responseAt, 5_000, 2_000);
    }

    private static TraceJoin.HostRecord host(int cntlid, int cid, long visibleAt) {
        return new TraceJoin.HostRecord(cntlid, 1, cid, 7, visibleAt, 300, 0);
    }

    @Test
    void shouldPairEachCompletionWithTheLatestResponseBeforeItWhenCidsAreReused() {
        // CID 4 used twice: responses queued at 100 µs and 300 µs, seen by the host at 150 µs and 340 µs.
        List<TraceJoin.TargetRecord> t = List.of(target(1, 4, 300_000 - 20_000, 300_000), target(1, 4, 100_000 - 10_000, 100_000));
        List<TraceJoin.HostRecord> h = List.of(host(1, 4, 150_000), host(1, 4, 340_000));
        TraceJoin j = TraceJoin.join(t, h);
        TraceJoin.FlowPath p = j.flows().get(7);
        assertEquals(2, p.joined());
        assertEquals(0, j.unmatched());
        // device done -> visible: 150 - 90 = 60 µs and 340 - 280 = 60 µs; response -> visible: 50 and 40 µs.
        assertEquals(60_000, p.deviceDoneToCqeVisible().getValueAtPercentile(50), 60);
        assertEquals(60_000, p.deviceDoneToCqeVisible().getMaxValue(), 60);
        assertEquals(40_000, p.responseToCqeVisible().getMinValue(), 40);
        assertEquals(50_000, p.responseToCqeVisible().getMaxValue(), 50);
    }

    @Test
    void shouldLeaveUnmatchedWhatHasNoTargetRequestOnTheSameControllerBeforeIt() {
        List<TraceJoin.TargetRecord> t = List.of(target(1, 4, 90_000, 100_000));
        List<TraceJoin.HostRecord> h = List.of(
                host(2, 4, 150_000),   // another controller
                host(1, 4, 50_000),    // visible before the only response: another clock or an older request
                host(1, -1, 150_000),  // a split transfer: no single CID
                host(1, 4, 150_000),   // the real one
                host(1, 4, 160_000));  // the same response cannot be seen twice
        TraceJoin j = TraceJoin.join(t, h);
        assertEquals(1, j.flows().get(7).joined());
        assertEquals(4, j.unmatched());
    }

    @Test
    void shouldRenderEveryStageOfEveryFlowAsJson() throws Exception {
        TraceJoin j = TraceJoin.join(List.of(target(1, 4, 0, 100_000)), List.of(host(1, 4, 150_000)));
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(j.json()));
        JsonNode flow = json.get("flows").get(0);
        assertEquals(7, flow.get("flow_id").asInt());
        assertTrue(flow.get("device_done_to_cqe_visible_us").isNull(), "no backend stage: no device-done time");
        assertEquals(50.0, flow.get("response_to_cqe_visible_us").get("p50").asDouble(), 0.1);
        assertEquals(0.3, flow.get("cqe_visible_to_wakeup_us").get("p50").asDouble(), 0.01);
    }
}
