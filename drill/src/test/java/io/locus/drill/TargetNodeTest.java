package io.locus.drill;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TargetNodeTest {
    @Test
    void aNodeRunsInItsNamespaceOnItsOwnRpcSocketNotTheDefault() {
        TargetNode node = new TargetNode(0, "ldrill1n0", Path.of("/d/node0.json"), Path.of("/d/node0.log"), Path.of("/locus"),
                Path.of("/d/node0.sock"));
        assertEquals(List.of("ip", "netns", "exec", "ldrill1n0", "/locus/scripts/locus-target", "--config", "/d/node0.json",
                "--rpc-socket", "/d/node0.sock"), node.command());
    }
}
