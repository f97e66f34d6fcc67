package io.locus.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioTest {
    @Test
    void shouldParseEveryScenarioByNameAndRefuseOthersNamingThem() {
        for (Scenario s : Scenario.values()) {
            assertEquals(s, Scenario.parse(s.id()));
        }
        assertEquals(Scenario.ANA_SWAP, Scenario.parse(" ANA-Swap "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.parse("reboot"));
        assertEquals("no scenario 'reboot' (scenarios: kill, partition, delay, corrupt, ana-swap, freeze, flap)",
                e.getMessage());
    }

    @Test
    void shouldAllowLessThanOneSecondForAResetAndKatoPlusOneForSilence() {
        assertEquals(1000, Scenario.KILL.pauseGoalMs(3000));
        assertEquals(4000, Scenario.PARTITION.pauseGoalMs(3000));
        assertEquals(6000, Scenario.FREEZE.pauseGoalMs(5000));
        assertTrue(Scenario.FREEZE.defaultDurationMs(3000) > 3000, "frozen for longer than the keep-alive timeout");
    }

    @Test
    void shouldReadDurationsInSecondsOrMilliseconds() {
        assertEquals(5000, DrillMain.parseDuration("5"));
        assertEquals(2500, DrillMain.parseDuration("2.5s"));
        assertEquals(1500, DrillMain.parseDuration("1500ms"));
        assertEquals("--duration soon: not a duration (examples: 5, 5s, 1500ms)",
                assertThrows(IllegalArgumentException.class, () -> DrillMain.parseDuration("soon")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> DrillMain.parseDuration("0"));
    }

    @Test
    void shouldKnowItsOwnLinkNamesOnly() {
        assertEquals(1234L, NetLab.pidOf("ldrill1234n0", "ldrill"));
        assertEquals(1234L, NetLab.pidOf("ld1234h1", "ld"));
        assertEquals(1234L, NetLab.pidOf("ld1234n12", "ld"));
        assertNull(NetLab.pidOf("ldrill1234n0", "ld"), "a namespace name is not a link name");
        assertNull(NetLab.pidOf("ld1234x1", "ld"));
        assertNull(NetLab.pidOf("ld1234h", "ld"));
        assertNull(NetLab.pidOf("eth0", "ld"));
    }
}
