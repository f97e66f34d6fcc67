package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Set;

/**
 * A method's {@code params} object with typed accessors. Each accessor throws -32602 naming the parameter when it is
 * missing or of the wrong type, and {@link #allowOnly} rejects unknown parameters as SPDK's decoder
 * ({@code spdk_json_decode_object}) does, so a typo never falls back to a default.
 */
public final class RpcParams {
    private final ObjectNode params;
    private final String prefix;

    public RpcParams(ObjectNode params) {
        this(params, "");
    }

    private RpcParams(ObjectNode params, String prefix) {
        this.params = params == null ? JsonNodeFactory.instance.objectNode() : params;
        this.prefix = prefix;
    }

    public ObjectNode json() {
        return params;
    }

    public boolean has(String name) {
        return params.has(name) && !params.get(name).isNull();
    }

    /** Rejects any parameter not in {@code names}. */
    public RpcParams allowOnly(String... names) throws RpcException {
        Set<String> allowed = Set.of(names);
        Iterator<String> it = params.fieldNames();
        while (it.hasNext()) {
            String n = it.next();
            if (!allowed.contains(n)) {
                throw RpcException.invalidParams("unknown parameter '" + prefix + n + "' (known: " + String.join(", ", names) + ")");
            }
        }
        return this;
    }

    public String string(String name) throws RpcException {
        JsonNode n = required(name);
        if (!n.isTextual()) {
            throw RpcException.invalidParams("'" + prefix + name + "' must be a string");
        }
        return n.asText();
    }

    public String string(String name, String otherwise) throws RpcException {
        return has(name) ? string(name) : otherwise;
    }

    public long integer(String name) throws RpcException {
        JsonNode n = required(name);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw RpcException.invalidParams("'" + prefix + name + "' must be a whole number");
        }
        return n.asLong();
    }

    public long integer(String name, long otherwise) throws RpcException {
        return has(name) ? integer(name) : otherwise;
    }

    /** A whole number within {@code min..max}. */
    public long integer(String name, long min, long max) throws RpcException {
        long v = integer(name);
        if (v < min || v > max) {
            throw RpcException.invalidParams("'" + prefix + name + "' is " + v + ", out of range " + min + ".." + max);
        }
        return v;
    }

    public boolean bool(String name, boolean otherwise) throws RpcException {
        if (!has(name)) {
            return otherwise;
        }
        JsonNode n = params.get(name);
        if (!n.isBoolean()) {
            throw RpcException.invalidParams("'" + prefix + name + "' must be true or false");
        }
        return n.asBoolean();
    }

    /** A nested object parameter ({@code listen_address}, {@code namespace}). */
    public RpcParams object(String name) throws RpcException {
        JsonNode n = required(name);
        if (!n.isObject()) {
            throw RpcException.invalidParams("'" + prefix + name + "' must be an object");
        }
        return new RpcParams((ObjectNode) n, prefix + name + ".");
    }

    private JsonNode required(String name) throws RpcException {
        if (!has(name)) {
            throw RpcException.invalidParams("'" + prefix + name + "' is required");
        }
        return params.get(name);
    }
}
