package io.locus.initiator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.initiator.cli.LocusCli;
import io.locus.nativeio.NativeLibrary;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.provenance.ProvenanceWire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class CliTest {
    private FakeTarget target;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private int locus(String... args) {
        String[] common = {"-a", "127.0.0.1", "-s", String.valueOf(target.port()), "--hostnqn",
                "nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", "--hostid",
                "0f8fad5b-d9cb-469f-a165-70867728950e", "--reconnect-delay", "0.1", "--ctrl-loss-tmo", "1"};
        String[] all = new String[args.length + common.length];
        all[0] = args[0];
        System.arraycopy(common, 0, all, 1, common.length);
        System.arraycopy(args, 1, all, 1 + common.length, args.length - 1);
        return LocusCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void shouldPrintPerfSummaryAsJsonWithRequiredFields() throws Exception {
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "4", "--io-size", "4k", "--workload", "randread",
                "--time", "0.5", "--warmup", "0.2", "--json");
        assertEquals(0, rc, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        for (String field : List.of("iops", "mib_per_s", "errors", "verify_failures")) {
            assertTrue(json.has(field), field);
        }
        for (String field : List.of("avg", "p50", "p99", "p999", "max")) {
            assertTrue(json.get("latency_us").has(field), field);
        }
        assertTrue(json.get("iops").asDouble() > 0);
    }

    @Test
    void shouldFailPerfWithLbaWhenVerifyFindsCorruption() {
        target.hook = (conn, cmd) -> {
            if (cmd.qid > 0 && cmd.opcode == 0x02 && cmd.slba() == 16) {
                synchronized (target.media) {
                    target.media[16 * 512] ^= 0x40;
                }
            }
            return false;
        };
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "2", "--workload", "read", "--time", "0.3",
                "--verify", "--size", "64k");
        assertEquals(1, rc);
        assertTrue(err.toString().contains("failed verification; first at LBA 16"), err.toString());
        assertTrue(out.toString().contains("LBA 16:"), out.toString());
    }

    @Test
    void shouldWriteThenReadBackAFile() throws Exception {
        byte[] data = new byte[3000];
        new Random(31).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        assertEquals(0, locus("write", "-n", FakeTarget.SUBNQN, "--lba", "40", "--input", in.toString(), "--json"), err.toString());
        assertTrue(out.toString().contains("\"blocks\" : 6"), out.toString());
        Path back = dir.resolve("out.bin");
        assertEquals(0, locus("read", "-n", FakeTarget.SUBNQN, "--lba", "40", "--blocks", "6", "--output", back.toString()), err.toString());
        byte[] read = Files.readAllBytes(back);
        assertEquals(3072, read.length);
        byte[] padded = new byte[3072];
        System.arraycopy(data, 0, padded, 0, data.length);
        assertArrayEquals(padded, read);
    }

    @Test
    void shouldSummariseControllerAndNamespaces() {
        assertEquals(0, locus("identify", "-n", FakeTarget.SUBNQN), err.toString());
        String text = out.toString();
        assertTrue(text.contains("model:            Locus fake target"), text);
        assertTrue(text.contains("nsid 1: 4096 blocks x 512 B = 2.0 MiB"), text);
    }

    @Test
    void shouldListDiscoveryRecordsAsJson() throws Exception {
        target.discovery = true;
        target.subnqn = DiscoveryLog.DISCOVERY_NQN;
        target.discoveryEntries = List.of(
                FakeTarget.discoveryEntry(DiscoveryLog.SUBTYPE_NVME, "10.1.1.1", "4420", "nqn.2024-01.io.locus:a"),
                FakeTarget.discoveryEntry(DiscoveryLog.SUBTYPE_REFERRAL, "10.1.1.2", "8009", DiscoveryLog.DISCOVERY_NQN));
        assertEquals(0, locus("discover", "-t", "tcp", "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals(2, json.get("numrec").asInt());
        assertEquals("referral", json.get("records").get(1).get("subtype").asText());
        assertEquals("4420", json.get("records").get(0).get("trsvcid").asText());
    }

    @Test
    void shouldPrintOneLineErrorAndFailWhenSubsystemIsUnknown() {
        int rc = locus("identify", "-n", "nqn.2024-01.io.locus:missing");
        assertEquals(1, rc);
        String message = err.toString().strip();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.startsWith("locus identify: the target at 127.0.0.1:" + target.port()
                + " does not know subsystem 'nqn.2024-01.io.locus:missing'"), message);
    }

    @Test
    void shouldPrintEachSubcommandsHelpOnStdoutForDashDashHelpAndDashH() {
        for (String command : List.of("discover", "identify", "read", "write", "perf", "stats", "trace")) {
            for (String flag : List.of("--help", "-h")) {
                out.getBuffer().setLength(0);
                err.getBuffer().setLength(0);
                int rc = LocusCli.run(new String[] {command, flag}, new PrintWriter(out, true), new PrintWriter(err, true));
                String what = "locus " + command + " " + flag + ": " + err;
                assertEquals(0, rc, what);
                assertTrue(out.toString().startsWith("Usage: locus " + command), what + out);
                assertTrue(out.toString().contains("-h, --help"), what + out);
                assertEquals("", err.toString(), what);
            }
        }
    }

    @Test
    void shouldPrintSubcommandHelpEvenWhenOtherOptionsAreGiven() {
        assertEquals(0, locus("perf", "--help"), err.toString());
        assertTrue(out.toString().startsWith("Usage: locus perf"), out.toString());
        assertTrue(out.toString().contains("--queue-depth"), out.toString());
    }

    @Test
    void shouldRejectUnknownWorkloadAsUsageError() {
        assertEquals(2, locus("perf", "-n", FakeTarget.SUBNQN, "--workload", "sideways"));
        assertTrue(err.toString().contains("workload must be one of"), err.toString());
    }

    @Test
    void shouldRunPerfOnReactorsPinnedOnePerCpuWhenCoresGiven() throws Exception {
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "2", "--time", "0.3", "--warmup", "0.1",
                "--cores", "0-1", "--idle", "adaptive", "--json");
        assertEquals(0, rc, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals(2, json.get("queues").asInt(), "one queue per CPU of --cores");
        JsonNode reactors = json.get("host_reactors");
        assertEquals(2, reactors.size());
        assertEquals(0, reactors.get(0).get("cpu").asInt());
        assertEquals(1, reactors.get(1).get("cpu").asInt());
        if (NativeLibrary.isAvailable()) {
            assertTrue(reactors.get(0).get("pinned").asBoolean(), reactors.toString());
        } else {
            assertTrue(err.toString().contains("cannot pin the reactors"), err.toString());
        }
        JsonNode flow = json.get("host_flow");
        assertEquals(1, flow.get("flow_id").asInt());
        assertTrue(flow.get("completions").asLong() > 0, flow.toString());
        assertEquals(flow.get("completions").asLong(), flow.get("inline").asLong());
        assertEquals(flow.get("completions").asLong(), flow.get("cqe_visible_to_wakeup_us").get("count").asLong());
    }

    @Test
    void shouldHandPerfCompletionsToHomeReactorWhenAntiMigrate() throws Exception {
        // One queue, on the reactor of CPU 0; the flow lives on CPU 1.
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "2", "--time", "0.3", "--warmup", "0.1",
                "--cores", "0,1", "--queues", "1", "--home-cpu", "1", "--anti-migrate", "--class", "latency", "--json");
        assertEquals(0, rc, err.toString());
        JsonNode flow = new ObjectMapper().readTree(out.toString()).get("host_flow");
        assertTrue(flow.get("completions").asLong() > 0, flow.toString());
        assertEquals(flow.get("completions").asLong(), flow.get("handed_off").asLong(), flow.toString());
        assertEquals(flow.get("completions").asLong(), flow.get("wakeup_to_oncpu_us").get("count").asLong());
    }

    @Test
    void shouldCarryBoundedBatchInTheFlowsProvenanceWhenAsked() {
        target.provenance = true;
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "2", "--time", "0.2", "--warmup", "0",
                "--workload", "randread", "--bounded-batch");
        assertEquals(0, rc, err.toString());
        List<FakeTarget.Cmd> reads = target.ioCommands(NvmOpcode.READ);
        assertFalse(reads.isEmpty());
        for (FakeTarget.Cmd c : reads) {
            int flags = (int) (c.mptr >>> 8) & 0xFF;
            assertEquals(ProvenanceWire.FLAG_BOUNDED_BATCH, flags & ProvenanceWire.FLAG_BOUNDED_BATCH, "MPTR " + Long.toHexString(c.mptr));
            assertEquals(ProvenanceWire.CLASS_THROUGHPUT, (int) (c.mptr & 0xFF));
        }
    }

    @Test
    void shouldPrintHostFlowStagesInPerfTable() {
        int rc = locus("perf", "-n", FakeTarget.SUBNQN, "--queue-depth", "2", "--time", "0.3", "--warmup", "0.1",
                "--home-cpu", "0");
        assertEquals(0, rc, err.toString());
        String text = out.toString();
        assertTrue(text.contains("host flow 1:"), text);
        assertTrue(text.contains("cqe_visible_to_wakeup"), text);
        assertTrue(text.contains("wakeup_to_oncpu"), text);
        assertTrue(text.contains("migrations_per_flow"), text);
    }

    @Test
    void shouldRejectBadCoresAndAntiMigrateWithoutHomeCpuAsUsageErrors() {
        assertEquals(2, locus("perf", "-n", FakeTarget.SUBNQN, "--cores", "3-1"));
        assertTrue(err.toString().contains("--cores"), err.toString());
        assertEquals(2, locus("perf", "-n", FakeTarget.SUBNQN, "--anti-migrate"));
        assertTrue(err.toString().contains("--anti-migrate needs --home-cpu"), err.toString());
        assertEquals(2, locus("perf", "-n", FakeTarget.SUBNQN, "--class", "urgent"));
    }
}
