package io.locus.target.config;

import io.locus.target.model.AnaState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ANA and multi-node fields of the JSON config: ana_group, nguid, ana_states, min_cntlid / max_cntlid. */
class AnaConfigTest {
    private static String error(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.json", json)).getMessage();
    }

    private static String subsystem(String fields) {
        return "{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\"" + fields + "}]}";
    }

    private static String namespace(String fields) {
        return subsystem(",\"namespaces\":[{\"backend\":\"null\",\"size\":\"1M\"" + fields + "}]");
    }

    @Test
    void shouldReadGroupsStatesIdentityAndControllerIdRange() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", """
                {"ports": [{"port": 4420, "ana_states": {"1": "inaccessible", "2": "non-optimized", "7": "persistent_loss"}},
                           {"port": 4421}],
                 "subsystems": [{"nqn": "nqn.2026-11.io.locus:a", "min_cntlid": 1, "max_cntlid": 999,
                   "namespaces": [{"backend": "null", "size": "1M", "uuid": "6a1f0b8e-4d2c-4f4e-9a57-3c2d1e0f9a01",
                                   "nguid": "00112233-4455-6677-8899-aabbccddeeff", "ana_group": 2},
                                  {"backend": "null", "size": "1M"}]}]}
                """);
        assertEquals(Map.of(1, AnaState.INACCESSIBLE, 2, AnaState.NON_OPTIMIZED, 7, AnaState.PERSISTENT_LOSS),
                c.ports().get(0).anaStates());
        assertEquals(Map.of(), c.ports().get(1).anaStates());
        TargetConfig.SubsystemConfig s = c.subsystems().get(0);
        assertEquals(1, s.minCntlid());
        assertEquals(999, s.maxCntlid());
        TargetConfig.NamespaceConfig ns = s.namespaces().get(0);
        assertEquals(2, ns.anaGroup());
        assertEquals(UUID.fromString("6a1f0b8e-4d2c-4f4e-9a57-3c2d1e0f9a01"), ns.uuid());
        assertArrayEquals(java.util.HexFormat.of().parseHex("00112233445566778899aabbccddeeff"), ns.nguid());
        assertEquals(1, s.namespaces().get(1).anaGroup(), "default group");
        assertNull(s.namespaces().get(1).nguid());

        TargetConfig d = ConfigLoader.parse("t.json", subsystem(""));
        assertEquals(1, d.subsystems().get(0).minCntlid());
        assertEquals(0xFFEF, d.subsystems().get(0).maxCntlid());
    }

    @Test
    void shouldReadTheTwoNodeExamplePairAsOneSubsystemWithDisjointControllerIds() throws Exception {
        TargetConfig a = ConfigLoader.load(Path.of("..", "config", "two-node-a.json"));
        TargetConfig b = ConfigLoader.load(Path.of("..", "config", "two-node-b.json"));
        TargetConfig.SubsystemConfig sa = a.subsystems().get(0);
        TargetConfig.SubsystemConfig sb = b.subsystems().get(0);
        assertEquals(sa.nqn(), sb.nqn());
        assertEquals(sa.namespaces().get(0).uuid(), sb.namespaces().get(0).uuid());
        assertEquals(sa.namespaces().get(0).path(), sb.namespaces().get(0).path());
        assertTrue(sa.maxCntlid() < sb.minCntlid(), "disjoint controller ID ranges");
        assertEquals(Map.of(1, AnaState.OPTIMIZED), a.ports().get(0).anaStates());
        assertEquals(Map.of(1, AnaState.NON_OPTIMIZED), b.ports().get(0).anaStates());
    }

    @Test
    void shouldNameTheFieldOfEveryBadAnaOrCntlidSetting() {
        assertEquals("t.json: subsystems[0].namespaces[0].ana_group: 0 is out of range 1..64", error(namespace(",\"ana_group\":0")));
        assertEquals("t.json: subsystems[0].namespaces[0].ana_group: 65 is out of range 1..64", error(namespace(",\"ana_group\":65")));
        assertEquals("t.json: subsystems[0].namespaces[0].nguid: 'abc' is not an NGUID (32 hex digits)",
                error(namespace(",\"nguid\":\"abc\"")));
        assertEquals("t.json: subsystems[0].min_cntlid: 0 is out of range 1..65519", error(subsystem(",\"min_cntlid\":0")));
        assertEquals("t.json: subsystems[0].max_cntlid: 65520 is out of range 1..65519", error(subsystem(",\"max_cntlid\":65520")));
        assertEquals("t.json: subsystems[0].max_cntlid: 9 is below min_cntlid 10: no controller ID left to hand out",
                error(subsystem(",\"min_cntlid\":10,\"max_cntlid\":9")));
        String ports = "{\"subsystems\":[],\"ports\":[{\"port\":4420,\"ana_states\":";
        assertEquals("t.json: ports[0].ana_states.2: 'fast' is not an ANA state (optimized, non_optimized, inaccessible, "
                + "persistent_loss, change)", error(ports + "{\"2\":\"fast\"}}]}"));
        assertEquals("t.json: ports[0].ana_states.x: 'x' is not an ANA group number (1..64)", error(ports + "{\"x\":\"optimized\"}}]}"));
        assertEquals("t.json: ports[0].ana_states.0: ANA group 0 is out of range 1..64", error(ports + "{\"0\":\"optimized\"}}]}"));
        assertEquals("t.json: ports[0].ana_states: must be an object", error(ports + "[]}]}"));
        assertEquals("t.json: ports[0].ana_states.1: must be a string", error(ports + "{\"1\":3}}]}"));
        assertEquals("t.json: discovery.ana_states: unknown field (known: address, port, tls)",
                error("{\"subsystems\":[],\"discovery\":{\"port\":8009,\"ana_states\":{}}}"));
    }
}
