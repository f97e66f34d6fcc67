package io.locus.target;

import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.target.config.TargetConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Namespace identity as hosts read it (Identify Namespace NGUID, CNS 0x03 UUID descriptor): two targets started from
 * one configuration present different memory and null namespaces, because the Linux host's multipath would
 * otherwise join them as paths to one namespace, and the same file namespace and configured UUID.
 */
class NamespaceIdentityTest {
    private static final UUID CONFIGURED = UUID.fromString("6f1c7a52-3b8e-4d7a-9a51-2f6f0c1d9e11");

    @TempDir
    Path dir;

    /** A namespace's IDs as Identify reports them. */
    private record Ids(String nguid, UUID uuid) {
    }

    /** NSID -> IDs, from a target started from {@code config} and closed again. */
    private static Map<Integer, Ids> identities(TargetConfig config) throws IOException {
        Map<Integer, Ids> ids = new LinkedHashMap<>();
        try (Target t = Target.start(config); RawHost h = new RawHost(TestTargets.ioPort(t))) {
            h.adminUp(TestTargets.NQN, 0);
            for (int nsid = 1; nsid <= 4; nsid++) {
                byte[] ns = h.identify(0, nsid);
                String nguid = HexFormat.of().formatHex(Arrays.copyOfRange(ns, IdentifyNamespace.NGUID, IdentifyNamespace.NGUID + 16));
                ids.put(nsid, new Ids(nguid, descriptorUuid(h.identify(3, nsid))));
            }
        }
        return ids;
    }

    private static UUID descriptorUuid(byte[] list) {
        ByteBuf b = Unpooled.wrappedBuffer(list);
        for (int off = 0; off < list.length && b.getUnsignedByte(off) != 0; off += 4 + b.getUnsignedByte(off + 1)) {
            if (b.getUnsignedByte(off) == IdentifyNamespace.NIDT_UUID) {
                return new UUID(b.getLong(off + 4), b.getLong(off + 12));
            }
        }
        throw new AssertionError("no UUID descriptor");
    }

    @Test
    void shouldGiveMemoryAndNullNamespacesAnIdentityPerTargetButKeepFileAndConfiguredOnes() throws IOException {
        Path file = dir.resolve("ns.img");
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.position((4L << 20) - 1).write(ByteBuffer.allocate(1));
        }
        TargetConfig config = TestTargets.config(List.of(
                new TargetConfig.NamespaceConfig(1, "memory", 4L << 20, null, 4096, null),
                new TargetConfig.NamespaceConfig(2, "null", 4L << 20, null, 4096, null),
                new TargetConfig.NamespaceConfig(3, "file", 0, file.toString(), 4096, null),
                new TargetConfig.NamespaceConfig(4, "memory", 4L << 20, null, 4096, CONFIGURED)),
                true, List.of(), TargetConfig.Limits.defaults());
        Map<Integer, Ids> first = identities(config);
        Map<Integer, Ids> second = identities(config);
        for (int nsid : new int[] {1, 2}) {
            assertNotEquals(first.get(nsid).nguid(), second.get(nsid).nguid(), "NGUID of " + config.subsystems().get(0).namespaces().get(nsid - 1).backend());
            assertNotEquals(first.get(nsid).uuid(), second.get(nsid).uuid(), "UUID of " + config.subsystems().get(0).namespaces().get(nsid - 1).backend());
        }
        assertNotEquals(first.get(1).uuid(), first.get(2).uuid(), "and each namespace its own");
        assertEquals(first.get(3), second.get(3), "file: the same namespace after a restart");
        assertEquals(first.get(4), second.get(4), "a configured uuid wins");
        assertEquals(CONFIGURED, first.get(4).uuid());
    }
}
