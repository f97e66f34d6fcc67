package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.target.backend.BackendIo;
import io.locus.target.backend.BackendOp;
import io.locus.target.model.Namespace;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In-capsule write data that arrives whole in one socket read reaches the backend where the receiver read it (a view
 * of the receive buffer), not copied into a buffer of its own: SPDK's target copies it once, from the socket into
 * the request, and so does this one.
 */
@Timeout(30)
class InCapsuleDataTest {
    private static final int BLOCK = 4096;
    private static final int WRITES = 16;

    /** Records, for each write it is given, whether its data is a view of another buffer, and the data. */
    private static final class RecordingBackend extends TestBackend {
        final List<Boolean> views = new ArrayList<>();
        final List<byte[]> data = new ArrayList<>();

        RecordingBackend() {
            super("recording");
        }

        @Override
        public synchronized void submit(BackendIo io) {
            if (io.op == BackendOp.WRITE) {
                // Under a copy is a buffer of the data's own size; under a view, the receive buffer, which also
                // held the capsule's header.
                ByteBuf root = io.data;
                while (root.unwrap() != null) {
                    root = root.unwrap();
                }
                views.add(root.capacity() > io.data.readableBytes());
                byte[] b = new byte[io.data.readableBytes()];
                io.data.getBytes(io.data.readerIndex(), b);
                data.add(b);
            }
            io.complete(Status.SUCCESS);
        }
    }

    @Test
    void shouldHandInCapsuleDataThatArrivedWholeToTheBackendWithoutACopy() throws Exception {
        RecordingBackend backend = new RecordingBackend();
        try (Target t = TestTargets.memory(1 << 20);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            t.addNamespace(TestTargets.NQN, new Namespace(TestTargets.NQN, 2, backend, BLOCK, null, "recording"));
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, false, true);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < WRITES; i++) {
                byte[] block = TcpTargetProtocolTest.pattern(BLOCK, i);
                sent.add(block);
                // One socket write per capsule, header, data and data digest together.
                assertEquals(0, host.writeBlocks(2, i, block, BLOCK, 8192, NvmOpcode.CDW12_FUA).cqeStatus());
            }
            synchronized (backend) {
                assertEquals(WRITES, backend.data.size());
                for (int i = 0; i < WRITES; i++) {
                    assertArrayEquals(sent.get(i), backend.data.get(i), "write " + i);
                }
                // The receive buffer starts small (Netty's adaptive guess) and may split the first capsules; once it
                // has grown, every capsule is read whole.
                assertTrue(backend.views.subList(WRITES / 2, WRITES).stream().allMatch(v -> v),
                        "in-capsule data copied out of the receive buffer: " + backend.views);
            }
        }
    }
}
