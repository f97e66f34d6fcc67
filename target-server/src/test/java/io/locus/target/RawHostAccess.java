package io.locus.target;

import java.io.IOException;

/** Lets tests in other packages drive a target through the raw host. */
public final class RawHostAccess {
    private RawHostAccess() {
    }

    public static Target memoryTarget() throws IOException {
        return TestTargets.memory(16L << 20);
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
