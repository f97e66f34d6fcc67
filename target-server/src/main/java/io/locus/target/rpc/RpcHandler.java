package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/** One JSON-RPC method: its parameters in, its result out (a JSON value), or an {@link RpcException}. */
@FunctionalInterface
public interface RpcHandler {
    JsonNode call(RpcParams params) throws RpcException;
}
