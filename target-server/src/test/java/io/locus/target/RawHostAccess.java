package io.locus.target;

import io.locus.target.config.TargetConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Lets tests in other packages drive a target through the raw host. */
public final class RawHostAccess {
    private RawHostAccess() {
    }

    public static Target memoryTarget() throws IOException {
        return TestTargets.memory(16L << 20);
    }

    /** A target with one reactor serving one io_uring namespace on {@code file} (8 MiB). */
    public static Target uringTarget(Path file) throws IOException {
        return Target.start(TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "uring", 8L << 20, file.toString(), 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults()));
    }

    /** Connects admin and one I/O queue, writes then reads back {@code blocks} single blocks. */
    public static void writeAndReadBlocks(Target t, int blocks) throws IOException {
        try (RawHost admin = new RawHost(TestTargets.ioPort(t)); RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            io.icReq(false, false);
            io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            for (int i = 0; i < blocks; i++) {
                if (io.writeBlocks(1, i, new byte[4096], 4096, 8192, 0).cqeStatus() != 0) {
                    throw new IOException("write failed");
                }
            }
            for (int i = 0; i < blocks; i++) {
                io.readBlocks(1, i, 1, 4096);
            }
        }
    }
}
