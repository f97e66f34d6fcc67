package io.locus.nativeio.rdma;

/**
 * The JNI entry points of {@code liblocus-rdma.so} ({@code native/src/main/c/locus_rdma.c}): one per verbs or CM call,
 * primitives and handles only. Handles are the C pointers (positive); a negative {@code long} or {@code int} result is
 * a negative errno. The public classes of this package name the call and turn errors into {@link RdmaException}.
 */
final class RdmaNative {
    private RdmaNative() {
    }

    static native int devices0(long[] out);

    static native String deviceName0(long context);

    static native int queryDevice0(long context, long[] out);

    static native long allocPd0(long context);

    static native int deallocPd0(long pd);

    static native long regMr0(long pd, long address, long length, int access);

    static native long mrKeys0(long mr);

    static native int deregMr0(long mr);

    static native long createCompChannel0(long context);

    static native int compChannelFd0(long channel);

    static native int destroyCompChannel0(long channel);

    static native long getCqEvent0(long channel);

    static native long createCq0(long context, int entries, long channel, int vector);

    static native int cqCapacity0(long cq);

    static native int destroyCq0(long cq);

    static native int reqNotifyCq0(long cq, boolean solicitedOnly);

    static native void ackCqEvents0(long cq, int count);

    static native int pollCq0(long cq, long completions, int max);

    static native long createQp0(long id, long pd, long sendCq, long recvCq, int[] caps);

    static native int qpNum0(long qp);

    static native void destroyQp0(long id);

    static native int modifyQpState0(long qp, int state);

    static native int queryQpState0(long qp);

    static native long postSend0(long qp, long requests, int stride, int maxSge, int count);

    static native long postRecv0(long qp, long requests, int stride, int maxSge, int count);

    static native long createEventChannel0();

    static native int eventChannelFd0(long channel);

    static native void destroyEventChannel0(long channel);

    static native long createId0(long channel, long context);

    static native int destroyId0(long id);

    static native void setContext0(long id, long context);

    static native long idVerbs0(long id);

    static native int localPort0(long id);

    static native int bindAddr0(long id, byte[] address, int port);

    static native int resolveAddr0(long id, byte[] source, int sourcePort, byte[] destination, int destinationPort,
                                   int timeoutMs);

    static native int resolveRoute0(long id, int timeoutMs);

    static native int listen0(long id, int backlog);

    static native int connect0(long id, byte[] privateData, int responderResources, int initiatorDepth, int retryCount,
                               int rnrRetryCount);

    static native int accept0(long id, byte[] privateData, int responderResources, int initiatorDepth, int rnrRetryCount);

    static native int reject0(long id, byte[] privateData);

    static native int disconnect0(long id);

    static native int migrateId0(long id, long channel);

    static native int getCmEvent0(long channel, long event);

    static native String strerror0(int errno);
}
