package io.locus.target.rpc;

/**
 * A JSON-RPC error response: {@code {"code": code, "message": message}}. Codes as SPDK's JSON-RPC server
 * (include/spdk/jsonrpc.h): the JSON-RPC 2.0 codes, and a negative errno where SPDK answers with one
 * ({@code bdev_malloc_delete} of an unknown bdev: -19, "No such device").
 */
public final class RpcException extends Exception {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** -ENODEV, "No such device" (SPDK: a bdev that does not exist). */
    public static final int ENODEV = -19;
    /** -EEXIST, "File exists" (SPDK: a bdev name already taken). */
    public static final int EEXIST = -17;
    /** -EINVAL, "Invalid argument". */
    public static final int EINVAL = -22;

    private final int code;

    public RpcException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** -32602 with SPDK's "Invalid parameters" plus what is wrong, naming the parameter. */
    public static RpcException invalidParams(String why) {
        return new RpcException(INVALID_PARAMS, "Invalid parameters: " + why);
    }

    public static RpcException noSuchDevice(String what) {
        return new RpcException(ENODEV, "No such device: " + what);
    }
}
