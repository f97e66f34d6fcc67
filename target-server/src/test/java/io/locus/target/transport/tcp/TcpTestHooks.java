package io.locus.target.transport.tcp;

/** Lets tests in other packages reach the transport's test hooks. */
public final class TcpTestHooks {
    private TcpTestHooks() {
    }

    /** Runs {@code hook} on the old reactor while a moving queue belongs to no event loop (null: none). */
    public static void duringMove(TcpTransport transport, Runnable hook) {
        transport.duringMove = hook;
    }
}
