package io.locus.initiator.cli;

import io.locus.initiator.Controller;
import io.locus.initiator.Namespace;
import io.locus.initiator.TransportId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "write", description = "Write a file or stdin to a range of logical blocks (the last block is zero-padded).")
final class WriteCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Option(names = "--ns", defaultValue = "1", description = "Namespace ID (default ${DEFAULT-VALUE}).")
    int nsid;

    @Option(names = "--lba", required = true, description = "First logical block.")
    long lba;

    @Option(names = "--blocks", description = "Number of logical blocks (default: as many as the input fills).")
    Long blocks;

    @Option(names = {"-i", "--input"}, defaultValue = "-", description = "File to read the data from ('-' for stdin).")
    String input;

    @Option(names = "--fua", description = "Force Unit Access: data on media before completion.")
    boolean fua;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (lba < 0 || (blocks != null && blocks <= 0)) {
            throw new IllegalArgumentException("--lba must be >= 0 and --blocks > 0");
        }
        TransportId id = conn.transportId(nqn, TransportId.DEFAULT_IO_PORT);
        long start = System.nanoTime();
        long written = 0;
        try (Controller ctrl = Controller.connect(id, conn.host(), conn.controllerOptions());
             InputStream in = input.equals("-") ? System.in : new FileInputStream(input)) {
            Namespace ns = ctrl.namespace(nsid);
            int lbaSize = ns.lbaSize();
            long limitBlocks = blocks != null ? blocks : ns.blocks() - lba;
            if (lba + (blocks != null ? blocks : 1) > ns.blocks()) {
                throw new IllegalArgumentException("LBA " + lba + (blocks != null ? " + " + blocks + " blocks" : "")
                        + " is past the end of namespace " + nsid + " (" + ns.blocks() + " blocks)");
            }
            int perChunk = Math.max(1, ReadCommand.CHUNK_BYTES / lbaSize);
            byte[] chunk = new byte[perChunk * lbaSize];
            long at = lba;
            while (written < limitBlocks) {
                int want = (int) Math.min(perChunk, limitBlocks - written) * lbaSize;
                int got = in.readNBytes(chunk, 0, want);
                if (got == 0) {
                    break;
                }
                int n = (got + lbaSize - 1) / lbaSize;
                java.util.Arrays.fill(chunk, got, n * lbaSize, (byte) 0);
                ByteBuf buf = Unpooled.wrappedBuffer(chunk, 0, n * lbaSize);
                ns.writeBlocking(at, n, buf, fua);
                at += n;
                written += n;
                if (got < want) {
                    break;
                }
            }
            if (blocks != null && written < blocks) {
                throw new IllegalArgumentException("the input ended after " + written + " of " + blocks + " blocks");
            }
            if (blocks == null && in.read() >= 0) {
                throw new IllegalArgumentException("the input is longer than the namespace from LBA " + lba);
            }
            if (conn.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("nsid", nsid);
                m.put("lba", lba);
                m.put("blocks", written);
                m.put("bytes", written * lbaSize);
                m.put("seconds", (System.nanoTime() - start) / 1e9);
                Output.json(spec.commandLine().getOut(), m);
            }
        }
        return 0;
    }
}
