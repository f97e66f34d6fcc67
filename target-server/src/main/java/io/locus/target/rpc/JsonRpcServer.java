package io.locus.target.rpc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * JSON-RPC 2.0 server as SPDK's ({@code lib/jsonrpc}): on a Unix domain socket (default {@link #DEFAULT_SOCKET},
 * mode 0600) and, only when asked, a TCP address. A client sends request objects back to back on the stream, with or
 * without whitespace between them (SPDK's {@code rpc.py} sends one object and no newline), and gets one response
 * object per request that has an {@code id}, each followed by a newline. Requests run on this server's own threads,
 * one call at a time ({@link RpcMethods#call}), never on a reactor.
 *
 * <p>Errors: -32700 for bytes that are not JSON (the connection is then closed: the stream cannot be resynchronized),
 * -32600 for a request that is not a JSON-RPC 2.0 request object, -32601 for an unknown method, and whatever the
 * method answers (-32602 for invalid parameters, naming the parameter).
 */
public final class JsonRpcServer implements AutoCloseable {
    /** Where SPDK's {@code nvmf_tgt} listens is {@code /var/tmp/spdk.sock}; Locus listens here by default. */
    public static final Path DEFAULT_SOCKET = Path.of("/var/tmp/locus.sock");
    private static final Logger LOG = Logger.getLogger(JsonRpcServer.class.getName());
    /** S_IFMT and S_IFSOCK of st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** Clients served at once, each on its own thread; more are closed at once (SPDK_JSONRPC_MAX_CONNS is 64 too). */
    public static final int MAX_CLIENTS = 64;

    private final RpcMethods methods;
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<ServerSocketChannel> servers = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> clients = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Path socketPath;
    private volatile boolean closed;

    public JsonRpcServer(RpcMethods methods) {
        this.methods = methods;
    }

    /**
     * Listens on a Unix domain socket at {@code path}, owner read/write only. A socket file left by a target that is
     * gone is replaced; one another process still answers on is refused (IOException saying so).
     */
    public void listenUnix(Path path) throws IOException {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException(path + " exists and is not a socket; remove it or choose another --rpc-socket");
            }
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException(path + " is in use by another process (another target?); stop it or choose another --rpc-socket");
            } catch (ConnectException stale) {
                Files.delete(path); // nobody listens: left by a target that did not stop cleanly
            }
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            // the JDK's bind errors name no path ("No such file or directory", "Unix domain path too long")
            throw new IOException(path + ": cannot listen: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        socketPath = path;
        start(server, "unix:" + path);
    }

    /** Listens on TCP as well (only when asked; the caller picks loopback unless told otherwise). Returns the bound address. */
    public InetSocketAddress listenTcp(InetSocketAddress address) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException(address.getHostString() + ":" + address.getPort() + ": cannot resolve '" + address.getHostString() + "'");
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(address);
        } catch (IOException e) {
            server.close();
            throw new IOException(address.getHostString() + ":" + address.getPort() + ": cannot listen: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        start(server, "tcp:" + bound);
        return bound;
    }

    private void start(ServerSocketChannel server, String where) {
        servers.add(server);
        Thread.ofPlatform().daemon().name("locus-rpc-accept").start(() -> accept(server, where));
    }

    private void accept(ServerSocketChannel server, String where) {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warning("JSON-RPC " + where + ": accept failed: " + e);
                }
                return;
            }
            if (clients.size() >= MAX_CLIENTS) {
                LOG.warning("JSON-RPC " + where + ": " + MAX_CLIENTS + " clients connected already; closing a new one");
                try {
                    client.close();
                } catch (IOException ignored) {
                    // refusing it anyway
                }
                continue;
            }
            clients.add(client);
            Thread.ofPlatform().daemon().name("locus-rpc-" + connections.incrementAndGet()).start(() -> serve(client));
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            OutputStream out = Channels.newOutputStream(client);
            // A Reader, not the InputStream: on a stream Jackson wants 4 bytes to detect the encoding before parsing,
            // which would wait forever on a request shorter than that. JSON-RPC is UTF-8.
            JsonParser parser = mapper.getFactory().createParser(
                    new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            while (true) {
                JsonNode request;
                try {
                    JsonToken first = parser.nextToken();
                    if (first == null) {
                        return; // the client closed
                    }
                    request = mapper.readTree(parser);
                } catch (JsonProcessingException e) {
                    send(out, error(null, RpcException.PARSE_ERROR, "Parse error: " + e.getOriginalMessage()));
                    return;
                }
                ObjectNode response = handle(request);
                if (response != null) {
                    send(out, response);
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.fine(() -> "JSON-RPC client gone: " + e);
            }
        } finally {
            clients.remove(client);
        }
    }

    private void send(OutputStream out, ObjectNode response) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(response);
        out.write(bytes);
        out.write('\n');
        out.flush();
    }

    /** Answers one request (null for a notification, which has no id); public for in-process use and tests. */
    public ObjectNode handle(JsonNode request) {
        if (!request.isObject()) {
            return error(null, RpcException.INVALID_REQUEST, "Invalid request: not a JSON object");
        }
        JsonNode id = request.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return error(null, RpcException.INVALID_REQUEST, "Invalid request: 'id' must be a string, a number or null");
        }
        JsonNode version = request.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.asText().equals("2.0")) {
            return error(id, RpcException.INVALID_REQUEST, "Invalid request: 'jsonrpc' must be \"2.0\"");
        }
        JsonNode method = request.get("method");
        if (method == null || !method.isTextual()) {
            return error(id, RpcException.INVALID_REQUEST, "Invalid request: 'method' must be a string");
        }
        JsonNode params = request.get("params");
        JsonNode result;
        try {
            if (params != null && !params.isNull() && !params.isObject()) {
                throw RpcException.invalidParams("'params' must be an object");
            }
            result = methods.call(method.asText(), new RpcParams(params == null || params.isNull() ? null : (ObjectNode) params));
        } catch (RpcException e) {
            return id == null ? null : error(id, e.code(), e.getMessage());
        }
        if (id == null) {
            return null;
        }
        ObjectNode response = mapper.createObjectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    private ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode response = mapper.createObjectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id == null ? mapper.nullNode() : id);
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return response;
    }

    /** The Unix socket path, or null when not listening on one. */
    public Path socketPath() {
        return socketPath;
    }

    /** Stops listening, closes every client and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        Path p = socketPath;
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warning("removing " + p + ": " + e);
            }
        }
    }
}
