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

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "read", description = "Read a range of logical blocks to a file or stdout.")
final class ReadCommand implements Callable<Integer> {
    static final int CHUNK_BYTES = 1 << 20;

    @Mixin
    ConnectOptions conn;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Option(names = "--ns", defaultValue = "1", description = "Namespace ID (default ${DEFAULT-VALUE}).")
    int nsid;

    @Option(names = "--lba", required = true, description = "First logical block.")
    long lba;

    @Option(names = "--blocks", required = true, description = "Number of logical blocks.")
    long blocks;

    @Option(names = {"-o", "--output"}, defaultValue = "-", description = "File to write the data to ('-' for stdout).")
    String output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (blocks <= 0 || lba < 0) {
            throw new IllegalArgumentException("--lba must be >= 0 and --blocks > 0");
        }
        TransportId id = conn.transportId(nqn, TransportId.DEFAULT_IO_PORT);
        long start = System.nanoTime();
        try (Controller ctrl = Controller.connect(id, conn.host(), conn.controllerOptions());
             OutputStream out = output.equals("-") ? new NonClosing(System.out) : new FileOutputStream(output)) {
            Namespace ns = ctrl.namespace(nsid);
            if (lba + blocks > ns.blocks()) {
                throw new IllegalArgumentException("LBAs " + lba + ".." + (lba + blocks - 1) + " are past the end of namespace "
                        + nsid + " (" + ns.blocks() + " blocks)");
            }
            int perChunk = Math.max(1, CHUNK_BYTES / ns.lbaSize());
            ByteBuf buf = Unpooled.buffer(perChunk * ns.lbaSize());
            for (long at = lba; at < lba + blocks; at += perChunk) {
                int n = (int) Math.min(perChunk, lba + blocks - at);
                buf.clear();
                ns.readBlocking(at, n, buf);
                out.write(buf.array(), buf.arrayOffset(), buf.readableBytes());
            }
            out.flush();
            if (conn.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("nsid", nsid);
                m.put("lba", lba);
                m.put("blocks", blocks);
                m.put("bytes", blocks * ns.lbaSize());
                m.put("seconds", (System.nanoTime() - start) / 1e9);
                // Data goes to stdout unless --output: then the JSON goes to stderr.
                PrintWriter where = output.equals("-") ? spec.commandLine().getErr() : spec.commandLine().getOut();
                Output.json(where, m);
            }
        }
        return 0;
    }

    /** stdout must stay open after the command. */
    static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
