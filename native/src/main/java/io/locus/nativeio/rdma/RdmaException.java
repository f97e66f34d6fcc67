package io.locus.nativeio.rdma;

import io.locus.nativeio.Errno;

import java.io.IOException;

/**
 * A verbs or connection-manager call failed: {@link #call()} names it (as rdma-core spells it) and {@link #errno()}
 * says why, e.g. {@code "rdma_resolve_addr failed: No such device (ENODEV (19))"}.
 */
public final class RdmaException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public RdmaException(String call, int errno) {
        super(call + " failed: " + describe(errno));
        this.call = call;
        this.errno = Math.abs(errno);
    }

    /** The rdma-core function that failed, e.g. {@code "ibv_reg_mr"}. */
    public String call() {
        return call;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** Throws for a negative result of {@code call}; returns a non-negative one. */
    static long check(String call, long result) throws RdmaException {
        if (result < 0) {
            throw new RdmaException(call, (int) -result);
        }
        return result;
    }

    /** "No such device (ENODEV (19))": the C library's text where the library is loaded, and the errno's name. */
    static String describe(int errno) {
        int e = Math.abs(errno);
        String text = null;
        if (Rdma.libraryCause().isEmpty()) {
            try {
                text = RdmaNative.strerror0(e);
            } catch (LinkageError ignored) {
                // the name alone will do
            }
        }
        return text == null ? Errno.describe(e) : text + " (" + Errno.describe(e) + ")";
    }
}
