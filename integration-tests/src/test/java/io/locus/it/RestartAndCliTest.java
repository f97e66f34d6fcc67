package io.locus.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.locus.initiator.Await;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.ControllerState;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.TransportId;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.locus.it.CliRun.cli;
import static io.locus.it.CliRun.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A target killed and restarted under the initiator, and the CLI against a real target. */
class RestartAndCliTest {
    static final String NQN = "nqn.2026-11.io.locus:restart";
    static final HostIdentity HOST = new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + UUID.nameUUIDFromBytes(new byte[] {2}),
            UUID.nameUUIDFromBytes(new byte[] {2}));

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static TargetConfig fileTarget(int port, Path file) {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSRST", "Locus restart", true, List.of(), 8,
                List.of(new TargetConfig.NamespaceConfig(1, "file", 32L << 20, file.toString(), 4096, null)));
        TargetConfig.Limits d = TargetConfig.Limits.defaults();
        return new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"), List.of(new TargetConfig.Listen("127.0.0.1", port)),
                null, List.of(s), d);
    }

    @Test
    void shouldReconnectAndKeepDataWhenTheTargetRestartsMidIo(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path file = dir.resolve("ns1.img");
        Target target = Target.start(fileTarget(port, file));
        ControllerOptions options = ControllerOptions.defaults().reconnectDelayMs(200).ctrlLossTimeoutMs(20_000).keepAliveTimeoutMs(2000);
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", port, NQN), HOST, options)) {
            byte[] block = new byte[4096];
            new java.util.Random(1).nextBytes(block);
            c.namespace(1).writeBlocking(42, 1, Unpooled.wrappedBuffer(block), true);
            AtomicLong completed = new AtomicLong();
            CompletableFuture<PerfResult> load = CompletableFuture.supplyAsync(() ->
                    Perf.run(c, PerfConfig.of(Workload.RANDREAD, 8, 4096, 3.0).withWorkingSet(8L << 20),
                            (second, iops, mibPerSec, ios) -> completed.set(ios)));
            // Mid-I/O: the load has reads on the wire when the target goes away.
            Await.until(() -> completed.get() > 0 || load.isDone(), Duration.ofSeconds(20),
                    () -> "the load's first second");
            assertFalse(load.isDone(), "the load ran past the restart point");
            target.close();
            Await.until(() -> c.state() != ControllerState.LIVE, Duration.ofSeconds(20),
                    () -> "the host saw the target go: " + c.state());
            target = Target.start(fileTarget(port, file));
            PerfResult r = load.get(30, TimeUnit.SECONDS);
            Await.until(() -> c.state() == ControllerState.LIVE, Duration.ofSeconds(10),
                    () -> "reconnected: " + c.state() + ", " + c.lastError());
            assertEquals(0, r.errors(), "reads in flight across the restart are retried: " + r.firstError());
            ByteBuf back = Unpooled.buffer(4096);
            c.namespace(1).readBlocking(42, 1, back);
            byte[] got = new byte[4096];
            back.getBytes(0, got);
            assertArrayEquals(block, got, "the FUA write survived the restart");
        } finally {
            target.close();
        }
    }

    @Test
    void shouldDriveEveryCliCommandAgainstARealTarget(@TempDir Path dir) throws Exception {
        int port = freePort();
        Target target = Target.start(fileTarget(port, dir.resolve("cli.img")));
        try {
            String addr = "-t tcp -a 127.0.0.1 -s " + port;
            JsonNode id = json(cli("identify " + addr + " -n " + NQN + " --json"));
            assertTrue(id.toString().contains(NQN), id.toString());
            // The target advertises reservations (ONCS b5) and the plain output says so.
            assertTrue(cli("identify " + addr + " -n " + NQN)[1].contains("optional I/O:     write zeroes, deallocate, reservations"));
            Path in = dir.resolve("in.bin");
            byte[] data = new byte[8192];
            new java.util.Random(3).nextBytes(data);
            Files.write(in, data);
            assertEquals(0, code("write " + addr + " -n " + NQN + " --ns 1 --lba 10 --blocks 2 --input " + in));
            Path out = dir.resolve("out.bin");
            assertEquals(0, code("read " + addr + " -n " + NQN + " --ns 1 --lba 10 --blocks 2 --output " + out));
            assertArrayEquals(data, Files.readAllBytes(out));
            JsonNode perf = json(cli("perf " + addr + " -n " + NQN + " --queue-depth 8 --io-size 4096 --workload randrw --time 1 --verify --json"));
            assertTrue(perf.get("iops").asDouble() > 0);
            assertEquals(0, perf.get("verify_failures").asLong());
            assertEquals(0, perf.get("errors").asLong());
            assertTrue(perf.get("latency_us").has("p999"));
            String[] refused = cli("identify -t tcp -a 127.0.0.1 -s " + port + " -n nqn.2026-11.io.locus:nothing-here");
            assertEquals("1", refused[0]);
            assertEquals(1, refused[2].strip().lines().count(), "one line: " + refused[2]);
        } finally {
            target.close();
        }
    }

    private static int code(String args) {
        return Integer.parseInt(cli(args)[0]);
    }

}
