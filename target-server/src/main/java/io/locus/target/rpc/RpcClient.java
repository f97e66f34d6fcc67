package io.locus.target.rpc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A JSON-RPC 2.0 client as SPDK's rpc.py: one connection, one request object at a time (ids 1, 2, ...), the
 * response read as the next JSON value on the stream. Not thread-safe.
 */
public final class RpcClient implements AutoCloseable {
    private final ObjectMapper mapper = new ObjectMapper();
    private final SocketChannel channel;
    private final OutputStream out;
    private final JsonParser in;
    private int nextId = 1;

    private RpcClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
        // A Reader: a parser on an InputStream reads 4 bytes at creation to detect the encoding, which blocks
        // until the server has answered something. JSON-RPC is UTF-8.
        this.in = mapper.getFactory().createParser(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    public static RpcClient unix(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            c.close();
            throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
        }
        return new RpcClient(c);
    }

    public static RpcClient tcp(InetSocketAddress address) throws IOException {
        return new RpcClient(SocketChannel.open(address));
    }

    /** Sends raw bytes (tests of framing and bad input). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next JSON value the server sends; null when it closed the connection. */
    public JsonNode read() throws IOException {
        if (in.nextToken() == null) {
            return null;
        }
        return mapper.readTree(in);
    }

    /** The whole response object of {@code method} with {@code params} (null: none). */
    public JsonNode request(String method, JsonNode params) throws IOException {
        ObjectNode req = mapper.createObjectNode();
        req.put("jsonrpc", "2.0");
        req.put("method", method);
        req.put("id", nextId++);
        if (params != null) {
            req.set("params", params);
        }
        sendRaw(mapper.writeValueAsBytes(req));
        JsonNode response = read();
        if (response == null) {
            throw new IOException("the server closed the connection");
        }
        return response;
    }

    /** The result of {@code method}, or RpcException with the server's error code and message. */
    public JsonNode call(String method, JsonNode params) throws IOException, RpcException {
        JsonNode response = request(method, params);
        JsonNode error = response.get("error");
        if (error != null) {
            throw new RpcException(error.path("code").asInt(), error.path("message").asText());
        }
        return response.get("result");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
