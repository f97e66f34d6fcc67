package io.locus.it;

import io.locus.initiator.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.it.vm.KernelVm;
import io.locus.it.vm.TargetProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution archive ({@code scripts/dist}) as a user gets it: built from the jars this build made (no second
 * Maven run), unpacked into a temporary folder, and run from there with no checkout on PATH and no LOCUS_ variables:
 * {@code bin/locus-target} serves the shipped example configuration on free ports, {@code bin/locus} discovers and
 * identifies it, and SIGTERM stops it cleanly. Where the target has {@code --persist} and {@code --rpc-socket} (the
 * systemd unit's flags), a subsystem created over the socket survives a restart. The unit passes
 * {@code systemd-analyze verify} where that exists.
 */
class DistArchiveTest {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration COMMAND = Duration.ofSeconds(120);
    private static final String DEFAULT_NQN = "nqn.2026-11.io.locus:default";

    @TempDir
    static Path work;

    /** The unpacked archive's top folder, {@code locus-VERSION}. */
    private static Path home;

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        Path root = KernelVm.locusRoot();
        Path out = Files.createDirectories(work.resolve("out"));
        Result dist = run(List.of(root.resolve("scripts/dist").toString(), "--output", out.toString()),
                Map.of("LOCUS_NO_BUILD", "1"), root, COMMAND);
        assertEquals(0, dist.rc, "scripts/dist failed:\n" + dist.output);
        List<Path> archives;
        try (Stream<Path> s = Files.list(out)) {
            archives = s.filter(p -> p.getFileName().toString().matches("locus-.+\\.tar\\.gz")).toList();
        }
        assertEquals(1, archives.size(), "one locus-VERSION.tar.gz in " + out + ": " + archives);
        Path unpacked = Files.createDirectories(work.resolve("opt"));
        Result tar = run(List.of("tar", "-xzf", archives.get(0).toString(), "-C", unpacked.toString()), Map.of(), work, COMMAND);
        assertEquals(0, tar.rc, tar.output);
        String name = archives.get(0).getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
        home = unpacked.resolve(name);
        assertTrue(Files.isDirectory(home), "the archive unpacks into " + name + "/");
    }

    @Test
    void archiveHoldsLaunchersJarsNativeLibrariesConfigsUnitAndContainerfile() throws IOException {
        for (String launcher : List.of("bin/locus-target", "bin/locus")) {
            assertTrue(Files.isExecutable(home.resolve(launcher)), launcher);
        }
        for (String file : List.of("lib/locus-java.sh", "config/target.example.json", "config/service.example.json", "systemd/locus-target.service",
                "systemd/locus-target.default", "Containerfile", "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        List<String> jars;
        try (Stream<Path> s = Files.list(home.resolve("lib"))) {
            jars = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
        for (String module : List.of("locus-target-server-", "locus-tools-", "locus-initiator-", "locus-native-",
                "locus-protocol-", "locus-runtime-", "netty-transport-", "picocli-", "jackson-databind-")) {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(module)), module + "*.jar in lib/: " + jars);
        }
        String nativeJar = jars.stream().filter(j -> j.startsWith("locus-native-")).findFirst().orElseThrow();
        try (ZipFile zip = new ZipFile(home.resolve("lib").resolve(nativeJar).toFile())) {
            for (String lib : List.of("liblocus-native.so", "liblocus-rdma.so")) {
                assertTrue(zip.stream().anyMatch(e -> e.getName().endsWith("/" + lib)), lib + " in " + nativeJar);
            }
        }
        // Nothing shipped points back into the checkout.
        String checkout = KernelVm.locusRoot().toString();
        try (Stream<Path> s = Files.walk(home)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".jar")).toList()) {
                assertFalse(Files.readString(p).contains(checkout), p + " names the checkout " + checkout);
            }
        }
        String unit = Files.readString(home.resolve("systemd/locus-target.service"));
        for (String setting : List.of("--config /etc/locus/target.json", "--persist /var/lib/locus/target.json",
                "--rpc-socket /run/locus/locus.sock", "Restart=on-failure", "LimitMEMLOCK=infinity",
                "StateDirectory=locus", "RuntimeDirectory=locus", "CPUAffinity=")) {
            assertTrue(unit.contains(setting), "locus-target.service has " + setting);
        }
    }

    @Test
    void targetFromTheArchiveServesTheExampleConfigAndStopsCleanly() throws Exception {
        Path dir = Files.createDirectories(work.resolve("serve"));
        int ioPort = TargetProcess.freePort();
        int discoveryPort = TargetProcess.freePort();
        Path config = exampleConfigOn("target.example.json", dir, ioPort, discoveryPort);
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/locus-target").toString(), "--config", config.toString()));
        if (launch("bin/locus-target", "--help").output.contains("--rpc-socket")) {
            command.addAll(List.of("--rpc-socket", dir.resolve("locus.sock").toString())); // not the shared default
        }
        try (TargetProcess target = TargetProcess.start(command, DistArchiveTest::withoutCheckout, dir.resolve("target.log"), ioPort)) {
            target.awaitLog("Press Ctrl-C to stop.", START);
            awaitPort(discoveryPort, target);
            Result discover = launch("bin/locus", "discover", "-a", "127.0.0.1", "-s", Integer.toString(discoveryPort), "--json");
            assertEquals(0, discover.rc, discover.output);
            assertTrue(discover.output.contains(DEFAULT_NQN), discover.output);
            Result identify = launch("bin/locus", "identify", "-a", "127.0.0.1", "-s", Integer.toString(ioPort), "-n", DEFAULT_NQN, "--json");
            assertEquals(0, identify.rc, identify.output);
            assertTrue(identify.output.contains("Locus NVMe-oF target"), "the example config's model number:\n" + identify.output);
            assertFalse(target.log().contains("locus-native unavailable"), "JNI library loads from lib/:\n" + target.log());

            int status = target.stop(Duration.ofSeconds(60));
            assertTrue(status == 0 || status == 143, "exit status after SIGTERM: " + status + "\n" + target.log());
            assertTrue(target.log().contains("shutting down"), target.log());
        }
    }

    @Test
    void withTheUnitsFlagsAnRpcChangeSurvivesARestart() throws Exception {
        String help = launch("bin/locus-target", "--help").output;
        assumeTrue(help.contains("--persist") && help.contains("--rpc-socket"),
                "locus-target has no --persist/--rpc-socket yet (the JSON-RPC work); the unit's flags are not exercised");
        Path dir = Files.createDirectories(work.resolve("service"));
        int ioPort = TargetProcess.freePort();
        // The configuration the unit is documented with (--persist keeps SPDK's format, which has no place for the
        // DH-HMAC-CHAP secrets of target.example.json).
        Path config = exampleConfigOn("service.example.json", dir, ioPort, TargetProcess.freePort());
        Path socket = dir.resolve("locus.sock");
        Path state = Files.createDirectories(dir.resolve("state")).resolve("target.json");
        List<String> command = List.of(home.resolve("bin/locus-target").toString(), "--config", config.toString(),
                "--persist", state.toString(), "--rpc-socket", socket.toString());
        String created = "nqn.2026-11.io.locus:dist-persisted";
        try (TargetProcess target = TargetProcess.start(command, DistArchiveTest::withoutCheckout, dir.resolve("target.log"), ioPort)) {
            target.awaitLog("Press Ctrl-C to stop.", START);
            JsonNode made = rpc(socket, "nvmf_create_subsystem", "{\"nqn\": \"" + created + "\", \"allow_any_host\": true}");
            assertTrue(made.has("result"), made.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)), "RPC socket is owner-only");
            awaitFileContains(state, created, target);
            int status = target.stop(Duration.ofSeconds(60));
            assertTrue(status == 0 || status == 143, "exit status after SIGTERM: " + status + "\n" + target.log());

            target.restart();
            JsonNode subsystems = rpc(socket, "nvmf_get_subsystems", null);
            assertTrue(subsystems.toString().contains(created), "restart comes back from --persist: " + subsystems + "\n" + target.log());
            // The archive's RPC client, as an operator would use it
            Result client = launch("bin/locus-rpc", "-s", socket.toString(), "nvmf_get_subsystems");
            assertEquals(0, client.rc, client.output);
            assertTrue(client.output.contains(created), client.output);
        }
    }

    @Test
    void launchersFindJava25OrSayWhyNot() throws Exception {
        Path jdks = Files.createDirectories(work.resolve("jdks"));
        Path java25 = fakeJava(jdks.resolve("jdk-25"), "25.0.1");
        Path java17 = fakeJava(jdks.resolve("jdk-17"), "17.0.9");
        String finder = "source \"$1\"; locus_find_java && echo \"JAVA_HOME=$JAVA_HOME\"";
        String lib = home.resolve("lib/locus-java.sh").toString();

        // An older $JAVA_HOME is passed over for the java on PATH.
        Result onPath = run(List.of("bash", "-c", finder, "_", lib), Map.of("JAVA_HOME", java17.toString(),
                "PATH", java25.resolve("bin") + ":/usr/bin:/bin"), work, COMMAND);
        assertEquals(0, onPath.rc, onPath.output);
        assertTrue(onPath.output.contains("JAVA_HOME=" + java25), onPath.output);

        // A 25+ $JAVA_HOME comes before PATH.
        Result javaHome = run(List.of("bash", "-c", finder, "_", lib), Map.of("JAVA_HOME", java25.toString(),
                "PATH", "/usr/bin:/bin"), work, COMMAND);
        assertTrue(javaHome.output.contains("JAVA_HOME=" + java25), javaHome.output);

        // An explicit LOCUS_JAVA_HOME that is not 25+ is one clear line, and the launcher stops there.
        Result wrong = run(List.of(home.resolve("bin/locus").toString(), "--help"),
                Map.of("LOCUS_JAVA_HOME", java17.toString(), "PATH", "/usr/bin:/bin"), work, COMMAND);
        assertNotEquals(0, wrong.rc, wrong.output);
        assertTrue(wrong.output.contains("LOCUS_JAVA_HOME=" + java17 + " is not a Java 25 or newer"), wrong.output);
    }

    @Test
    void systemdUnitVerifies() throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(analyze != null, "systemd-analyze is not installed; the unit is not verified");
        // As installed, with /opt/locus being this unpacked archive (verify checks that ExecStart is executable).
        Path units = Files.createDirectories(work.resolve("units"));
        Path unit = units.resolve("locus-target.service");
        Files.writeString(unit, Files.readString(home.resolve("systemd/locus-target.service")).replace("/opt/locus/", home + "/"));
        Result verify = run(List.of(analyze.toString(), "verify", "--man=no", unit.toString()), Map.of(), units, COMMAND);
        String ours = verify.output.lines().filter(l -> l.contains("locus-target")).collect(Collectors.joining("\n"));
        assertEquals(0, verify.rc, verify.output);
        assertEquals("", ours, "systemd-analyze verify warns about the unit");

        // Every flag the unit passes is one the target takes; --persist and --rpc-socket once the JSON-RPC work is in.
        String help = launch("bin/locus-target", "--help").output;
        boolean service = help.contains("--persist") && help.contains("--rpc-socket");
        Matcher flag = Pattern.compile("(--[a-z-]+)").matcher(execStart(unit));
        List<String> missing = new ArrayList<>();
        while (flag.find()) {
            boolean pending = !service && (flag.group(1).equals("--persist") || flag.group(1).equals("--rpc-socket"));
            if (!pending && !help.contains(flag.group(1))) {
                missing.add(flag.group(1));
            }
        }
        assertEquals(List.of(), missing, "flags in ExecStart that locus-target --help does not list");
    }

    private static String execStart(Path unit) throws IOException {
        return Files.readAllLines(unit).stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
    }

    /** A shipped example configuration with its ports moved to free ones and its files into {@code dir}. */
    private static Path exampleConfigOn(String example, Path dir, int ioPort, int discoveryPort) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(home.resolve("config").resolve(example).toFile());
        JsonNode ports = config.path("ports");
        for (int i = 0; i < ports.size(); i++) {
            ((ObjectNode) ports.get(i)).put("port", i == 0 ? ioPort : TargetProcess.freePort());
        }
        ((ObjectNode) config.get("discovery")).put("port", discoveryPort);
        if (Runtime.getRuntime().availableProcessors() < 2) { // service.example.json reserves CPU 1
            ((ObjectNode) config.get("reactors")).putArray("cores").add(0);
        }
        for (JsonNode subsystem : config.path("subsystems")) {
            for (JsonNode ns : subsystem.path("namespaces")) {
                if (ns.has("path")) {
                    ((ObjectNode) ns).put("path", dir.resolve(Path.of(ns.get("path").asText()).getFileName()).toString());
                }
            }
        }
        Path file = dir.resolve(example);
        json.writeValue(file.toFile(), config);
        return file;
    }

    /** No LOCUS_ variables, and nothing of the checkout on PATH: the archive must stand on its own. */
    private static void withoutCheckout(Map<String, String> env) {
        String checkout = KernelVm.locusRoot().toString();
        String javaOpts = env.get("LOCUS_JAVA_OPTS");
        env.keySet().removeIf(k -> k.startsWith("LOCUS_") || k.equals("MAVEN_OPTS"));
        env.put("LOCUS_JAVA_OPTS", javaOpts); // the small test heap TargetProcess sets
        env.put("PATH", Arrays.stream(env.getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .filter(p -> !p.startsWith(checkout)).collect(Collectors.joining(File.pathSeparator)));
        env.put("JAVA_HOME", System.getProperty("java.home"));
    }

    /** Runs a launcher of the unpacked archive the way {@link #withoutCheckout} describes. */
    private static Result launch(String launcher, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve(launcher).toString()));
        cmd.addAll(List.of(args));
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("LOCUS_JAVA_OPTS", "-Xmx256m");
        withoutCheckout(env);
        return runIn(cmd, env, work, COMMAND);
    }

    private record Result(int rc, String output) {
    }

    /**
     * Runs {@code cmd} in {@code dir} with {@code env} added to this JVM's environment (less a LOCUS_JAVA_HOME, which
     * would decide every Java look-up); stdout and stderr together.
     */
    private static Result run(List<String> cmd, Map<String, String> env, Path dir, Duration timeout) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(System.getenv());
        all.remove("LOCUS_JAVA_HOME");
        all.putAll(env);
        return runIn(cmd, all, dir, timeout);
    }

    private static Result runIn(List<String> cmd, Map<String, String> env, Path dir, Duration timeout) throws Exception {
        Path output = Files.createTempFile(work, "out-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish in " + timeout + ":\n" + Files.readString(output));
        }
        return new Result(p.exitValue(), Files.readString(output));
    }

    /** A stand-in Java home whose bin/java reports {@code version} (the finder only asks for the version). */
    private static Path fakeJava(Path dir, String version) throws IOException {
        Path java = Files.createDirectories(dir.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-10-21' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static void awaitPort(int port, TargetProcess target) {
        Await.until(() -> TargetProcess.listening(port), START, () -> "nothing listens on " + port + ":\n" + target.logText());
    }

    private static void awaitFileContains(Path file, String text, TargetProcess target) {
        Await.until(() -> {
            try {
                return Files.exists(file) && Files.readString(file).contains(text);
            } catch (IOException notYet) {
                return false;
            }
        }, START, () -> file + " never held " + text + ":\n" + target.logText());
    }

    /** One JSON-RPC 2.0 call over the Unix socket (SPDK's framing: one JSON object each way); the whole response. */
    private static JsonNode rpc(Path socket, String method, String params) throws Exception {
        String request = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"" + method + "\""
                + (params == null ? "" : ", \"params\": " + params) + "}";
        try (SocketChannel ch = connect(socket)) {
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            CompletableFuture<JsonNode> response = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = Channels.newInputStream(ch);
                     var parser = new ObjectMapper().createParser(in)) {
                    return parser.readValueAs(JsonNode.class);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                return response.get(COMMAND.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IOException("no answer to " + method + " on " + socket + " in " + COMMAND);
            }
        }
    }

    /** Connects to the RPC socket, which starts serving a little after the I/O port (and may be a stale file until). */
    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel[] connected = new SocketChannel[1];
        Await.until(() -> {
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    connected[0] = ch;
                    return true;
                } catch (IOException notYet) {
                    ch.close();
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }, START, () -> "nothing serves RPC at " + socket);
        return connected[0];
    }
}
