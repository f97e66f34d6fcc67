package io.locus.initiator.cli;

import io.locus.initiator.IoPolicy;
import io.locus.initiator.TransportId;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The options that open one namespace over several paths: {@code --path ADDR:PORT} (repeated) and the policy. */
final class MultipathOptions {
    @Option(names = "--path", paramLabel = "ADDR:PORT", description = "A path to the subsystem (repeat for each; "
            + "with -a/-s, that address is the first path). Host names, IPv4, or [IPv6]:PORT.")
    List<String> paths;

    @Option(names = "--iopolicy", defaultValue = "numa", description = "Multipath I/O policy: numa, round-robin or "
            + "queue-depth (default ${DEFAULT-VALUE}).")
    String ioPolicy;

    boolean multipath() {
        return paths != null && !paths.isEmpty();
    }

    IoPolicy policy() {
        return IoPolicy.parse(ioPolicy);
    }

    /** The paths: -a/-s first when given, then each --path. */
    List<TransportId> targets(ConnectOptions conn, String nqn) {
        List<TransportId> out = new ArrayList<>();
        if (conn.address != null) {
            out.add(conn.transportId(nqn, TransportId.DEFAULT_IO_PORT));
        }
        if (paths != null) {
            for (String p : paths) {
                out.add(parse(conn.transport, p, nqn));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("give the subsystem's address with -a/-s or one or more --path ADDR:PORT");
        }
        return out;
    }

    static TransportId parse(String transport, String text, String nqn) {
        String t = text.strip();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("--path " + text + ": no closing ']'");
            }
            host = t.substring(1, close);
            port = t.length() > close + 1 && t.charAt(close + 1) == ':' ? t.substring(close + 2) : "";
        } else {
            int colon = t.lastIndexOf(':');
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? "" : t.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--path " + text + ": no address");
        }
        int p;
        try {
            p = port.isEmpty() ? TransportId.DEFAULT_IO_PORT : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--path " + text + ": the port is not a number");
        }
        return new TransportId(transport, host, p, nqn);
    }
}
