package io.locus.target.rpc;

import io.locus.target.Target;

/**
 * The JSON-RPC method set of a running target. Each area registers its methods in one place; a feature adds its own
 * class with a {@code register(RpcMethods, Target)} and one line here.
 */
public final class TargetRpc {
    private TargetRpc() {
    }

    /** Every method Locus serves, bound to {@code target}. */
    public static RpcMethods standard(Target target) {
        RpcMethods methods = new RpcMethods();
        FrameworkRpc.register(methods, target);
        NvmfRpc.register(methods, target);
        BdevRpc.register(methods, target);
        ConfigRpc.register(methods, target);
        return methods;
    }
}
