package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON-RPC methods by name. A method is one registration: {@code methods.register("nvmf_get_subsystems", false,
 * p -> ...)}. Calls run one at a time (SPDK runs every RPC on its one RPC thread), so a method sees the target as
 * no other call is changing it. After a call to a method registered as changing the configuration succeeds,
 * every {@link #afterChange} hook runs (the {@code --persist} file is rewritten there).
 */
public final class RpcMethods {
    private record Entry(RpcHandler handler, boolean changesConfig) {
    }

    private final Map<String, Entry> methods = new LinkedHashMap<>();
    private final List<ChangeHook> afterChange = new ArrayList<>();

    /** Runs after a configuration change; an error fails the call that made the change (-32603, saying so). */
    @FunctionalInterface
    public interface ChangeHook {
        void changed() throws RpcException;
    }

    /**
     * Registers a method.
     *
     * @param changesConfig whether a successful call changes what {@code save_config} writes
     */
    public synchronized RpcMethods register(String name, boolean changesConfig, RpcHandler handler) {
        if (methods.putIfAbsent(name, new Entry(handler, changesConfig)) != null) {
            throw new IllegalStateException("method " + name + " registered twice");
        }
        return this;
    }

    /** Runs {@code hook} after every successful configuration change (on the calling thread, calls serialized). */
    public synchronized void afterChange(ChangeHook hook) {
        afterChange.add(hook);
    }

    public synchronized List<String> names() {
        return new ArrayList<>(methods.keySet());
    }

    public synchronized boolean has(String name) {
        return methods.containsKey(name);
    }

    /** Calls a method; -32601 when there is none by that name. Serialized with every other call. */
    public synchronized JsonNode call(String name, RpcParams params) throws RpcException {
        Entry e = methods.get(name);
        if (e == null) {
            throw new RpcException(RpcException.METHOD_NOT_FOUND, "Method not found: " + name);
        }
        JsonNode result;
        try {
            result = e.handler.call(params);
        } catch (RpcException ex) {
            throw ex;
        } catch (IllegalArgumentException | IllegalStateException ex) {
            // The target's own checks (NSID taken, subsystem exists, ...): SPDK answers these with invalid params.
            throw RpcException.invalidParams(ex.getMessage());
        } catch (RuntimeException ex) {
            throw new RpcException(RpcException.INTERNAL_ERROR, name + " failed: " + ex);
        }
        if (e.changesConfig) {
            for (ChangeHook hook : afterChange) {
                try {
                    hook.changed();
                } catch (RpcException ex) {
                    throw new RpcException(RpcException.INTERNAL_ERROR, name + " was applied, but: " + ex.getMessage());
                }
            }
        }
        return result;
    }
}
