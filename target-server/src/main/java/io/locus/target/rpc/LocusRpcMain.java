package io.locus.target.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code locus-rpc}: sends one JSON-RPC method to a running target and prints the result as JSON, as SPDK's
 * {@code rpc.py} does, for machines without SPDK's Python package. Parameters are one JSON object, or
 * {@code name=value} pairs where a value that parses as JSON is taken as such ({@code num_blocks=2048},
 * {@code allow_any_host=true}, {@code listen_address={"trtype":"TCP",...}}) and anything else as a string.
 */
@Command(name = "locus-rpc", mixinStandardHelpOptions = true, version = "locus-rpc 0.1.0",
        description = "Calls a JSON-RPC method of a running locus-target and prints the result.")
public final class LocusRpcMain implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "-s", paramLabel = "SOCKET", description = "Unix socket of the target (default /var/tmp/locus.sock).")
    Path socket = JsonRpcServer.DEFAULT_SOCKET;

    @Option(names = "-r", paramLabel = "ADDR:PORT", description = "Talk to a target's --rpc-listen TCP address instead.")
    String tcp;

    @Parameters(index = "0", paramLabel = "METHOD", description = "Method name, e.g. nvmf_get_subsystems; rpc_get_methods lists them.")
    String method;

    @Parameters(index = "1..*", paramLabel = "PARAMS", description = "One JSON object, or name=value pairs.")
    List<String> params = new ArrayList<>();

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new LocusRpcMain());
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("locus-rpc: " + ex.getMessage());
            return 2;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() {
        JsonNode p;
        try {
            p = params(params);
        } catch (IllegalArgumentException e) {
            System.err.println("locus-rpc: " + e.getMessage());
            return 2;
        }
        try (RpcClient c = tcp != null ? RpcClient.tcp(address(tcp)) : RpcClient.unix(socket)) {
            JsonNode result = c.call(method, p);
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            return 0;
        } catch (RpcException e) {
            System.err.println("locus-rpc: " + method + ": error " + e.code() + ": " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("locus-rpc: " + e.getMessage());
            return 1;
        }
    }

    /** The params object from the command line: null for none. */
    static JsonNode params(List<String> args) {
        if (args.isEmpty()) {
            return null;
        }
        if (args.size() == 1 && args.get(0).trim().startsWith("{")) {
            try {
                return JSON.readTree(args.get(0));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("PARAMS is not a JSON object: " + e.getOriginalMessage());
            }
        }
        ObjectNode out = JSON.createObjectNode();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + a + "' is not name=value (or give one JSON object)");
            }
            String value = a.substring(eq + 1);
            JsonNode v;
            try {
                v = JSON.readTree(value);
            } catch (JsonProcessingException e) {
                v = null;
            }
            out.set(a.substring(0, eq), v == null || v.isMissingNode() ? JSON.getNodeFactory().textNode(value) : v);
        }
        return out;
    }

    private static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("-r: '" + text + "' is not ADDR:PORT");
        }
        try {
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-r: '" + text + "' has no numeric port");
        }
    }
}
