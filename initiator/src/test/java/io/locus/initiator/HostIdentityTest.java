package io.locus.initiator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostIdentityTest {
    @TempDir
    Path dir;

    @Test
    void shouldGenerateOnceAndReuseStoredIdentity() throws Exception {
        HostIdentity first = HostIdentity.load(null, null, Map.of(), dir);
        HostIdentity second = HostIdentity.load(null, null, Map.of(), dir);
        assertEquals(first, second);
        assertEquals("nqn.2014-08.org.nvmexpress:uuid:" + first.hostId(), first.hostNqn());
        assertEquals(first.hostNqn(), Files.readString(dir.resolve("hostnqn")).strip());
        assertEquals(first.hostId().toString(), Files.readString(dir.resolve("hostid")).strip());
    }

    @Test
    void shouldPreferExplicitValuesThenEnvironmentOverFiles() {
        HostIdentity stored = HostIdentity.load(null, null, Map.of(), dir);
        UUID id = UUID.randomUUID();
        HostIdentity env = HostIdentity.load(null, null, Map.of("LOCUS_HOSTNQN", "nqn.2024-01.io.locus:env", "LOCUS_HOSTID", id.toString()), dir);
        assertEquals("nqn.2024-01.io.locus:env", env.hostNqn());
        assertEquals(id, env.hostId());
        HostIdentity explicit = HostIdentity.load("nqn.2024-01.io.locus:arg", null, Map.of("LOCUS_HOSTNQN", "nqn.2024-01.io.locus:env"), dir);
        assertEquals("nqn.2024-01.io.locus:arg", explicit.hostNqn());
        assertEquals(stored.hostId(), explicit.hostId());
    }

    @Test
    void shouldDeriveHostIdFromUuidNqnWhenNoIdIsStored() throws Exception {
        UUID id = UUID.randomUUID();
        Files.writeString(dir.resolve("hostnqn"), "nqn.2014-08.org.nvmexpress:uuid:" + id + "\n");
        assertEquals(id, HostIdentity.load(null, null, Map.of(), dir).hostId());
    }

    @Test
    void shouldUseXdgConfigHomeForTheStore() {
        assertEquals(Path.of("/x/locus"), HostIdentity.configDirectory(Map.of("XDG_CONFIG_HOME", "/x")));
        assertEquals(Path.of("/y"), HostIdentity.configDirectory(Map.of("LOCUS_CONFIG_DIR", "/y", "XDG_CONFIG_HOME", "/x")));
        assertTrue(HostIdentity.configDirectory(Map.of()).endsWith(Path.of(".config", "locus")));
    }

    @Test
    void shouldRejectMalformedHostId() {
        assertThrows(IllegalArgumentException.class, () -> HostIdentity.load(null, "not-a-uuid", Map.of(), dir));
    }

    @Test
    void shouldRejectAnAllZeroHostIdThatTargetsRefuseInConnect() {
        assertThrows(IllegalArgumentException.class,
                () -> HostIdentity.load(null, "00000000-0000-0000-0000-000000000000", Map.of(), dir));
        assertThrows(IllegalArgumentException.class,
                () -> HostIdentity.load("nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000000", null, Map.of(), dir));
    }
}
