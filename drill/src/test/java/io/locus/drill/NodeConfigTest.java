package io.locus.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID ID = UUID.fromString("6a1e0f5b-0000-4000-8000-000000000001");

    @Test
    void shouldServeTheSameNamespaceFromEveryNodeAndPassTheTargetsLoader() throws Exception {
        Path shared = Path.of("/var/tmp/shared.img");
        String a = NodeConfig.json(0, "10.241.0.2", 4420, "nqn.2026-11.io.locus:drill", ID, shared, 64L << 20, null);
        String b = NodeConfig.json(1, "10.241.0.6", 4420, "nqn.2026-11.io.locus:drill", ID, shared, 64L << 20, null);
        NodeConfig.validate("a.json", a); // throws with the loader's message if the target would refuse it
        NodeConfig.validate("b.json", b);
        JsonNode na = JSON.readTree(a);
        JsonNode nb = JSON.readTree(b);
        assertEquals("10.241.0.2", na.at("/ports/0/address").asText());
        assertEquals("10.241.0.6", nb.at("/ports/0/address").asText());
        assertTrue(na.get("discovery").isNull());
        for (String field : new String[] {"/subsystems/0/nqn", "/subsystems/0/namespaces/0/nsid",
                "/subsystems/0/namespaces/0/uuid", "/subsystems/0/namespaces/0/path"}) {
            assertEquals(na.at(field), nb.at(field), field);
        }
        assertEquals(ID.toString(), na.at("/subsystems/0/namespaces/0/uuid").asText());
        assertFalse(na.at("/subsystems/0").has("min_cntlid"), "no ANA fields for a target without ANA");
    }

    @Test
    void shouldGiveEachNodeItsAnaStateAndADisjointControllerIdRange() throws Exception {
        JsonNode n1 = JSON.readTree(NodeConfig.json(1, "10.241.0.6", 4420, "nqn.2026-11.io.locus:drill", ID,
                Path.of("/x"), 1 << 20, "non_optimized"));
        assertEquals("non_optimized", n1.at("/ports/0/ana_states/1").asText());
        assertEquals(1001, n1.at("/subsystems/0/min_cntlid").asInt());
        assertEquals(2000, n1.at("/subsystems/0/max_cntlid").asInt());
        assertEquals(1, n1.at("/subsystems/0/namespaces/0/ana_group").asInt());
    }
}
