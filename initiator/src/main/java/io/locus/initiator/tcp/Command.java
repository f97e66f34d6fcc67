package io.locus.initiator.tcp;

import io.locus.initiator.Flow;
import io.locus.initiator.IoCallback;
import io.netty.buffer.ByteBuf;

/**
 * One preallocated command slot of a queue, indexed by its CID. The submitter fills the public fields of a slot
 * it got from {@link TcpQueue#acquire()}, then calls {@link TcpQueue#submit(Command)}; everything after that
 * happens on the queue's reactor. Nothing here is allocated per request.
 */
public final class Command implements Runnable {
    /** Where a slot is in its life. */
    enum State {
        /** In the queue's free list. */
        FREE,
        /** Taken by a submitter that is filling it. */
        ACQUIRED,
        /** Waiting for the queue to become live (first connect or reconnect). */
        PENDING,
        /** Sent; its CID is live on the wire until the completion arrives. */
        IN_FLIGHT
    }

    final TcpQueue queue;
    final int index;
    State state = State.FREE;
    /** The CID on the wire: index | generation << indexBits, so a stale or invented CID is caught. */
    int cid;
    int generation;

    // The SQE, as the submitter describes it.
    public int opcode;
    /** NSID, or for a fabrics command (opcode 0x7F) the FCTYPE in its low byte. */
    public int nsid;
    public int cdw2;
    public int cdw3;
    public long mptr;
    public int cdw10;
    public int cdw11;
    public int cdw12;
    public int cdw13;
    public int cdw14;
    public int cdw15;

    // The data: [dataIndex, dataIndex + dataLength) of data, not owned (never released here).
    public ByteBuf data;
    public int dataIndex;
    public int dataLength;

    /** Provenance to put on the wire when the controller enabled it (I/O queues only); null for none. */
    public Flow flow;
    public IoCallback callback;
    public Object context;
    /**
     * The callback runs on this queue's reactor even when the command carries a flow: it is the library's own (the
     * chunks of a split transfer), not the flow's consumer, so neither anti-migration nor flow statistics apply.
     */
    public boolean direct;
    /** Whether a failure without DNR (and a connection loss) may resubmit this command. */
    public boolean retryable = true;
    /** A bring-up command: may be sent before the queue is live. */
    boolean control;
    /** Limit in ns from send to completion; 0 uses the queue's default. */
    public long timeoutNanos;

    // Transfer state, reset on each send.
    boolean inCapsule;
    int transferred;
    int hostStatus;
    long deadlineNanos;
    int retries;
    Command next;

    Command(TcpQueue queue, int index) {
        this.queue = queue;
        this.index = index;
    }

    /** Clears the SQE fields and the options for a new use (the submitter calls it first). */
    public Command reset() {
        opcode = 0;
        nsid = 0;
        cdw2 = 0;
        cdw3 = 0;
        mptr = 0;
        cdw10 = 0;
        cdw11 = 0;
        cdw12 = 0;
        cdw13 = 0;
        cdw14 = 0;
        cdw15 = 0;
        data = null;
        dataIndex = 0;
        dataLength = 0;
        flow = null;
        callback = null;
        context = null;
        direct = false;
        retryable = true;
        control = false;
        timeoutNanos = 0;
        retries = 0;
        return this;
    }

    public TcpQueue queue() {
        return queue;
    }

    /** The CID of the last send (for logs and tests). */
    public int cid() {
        return cid;
    }

    /** Data direction from opcode bits 1:0 (FCTYPE's for fabrics commands); none when there is no data. */
    int direction() {
        if (dataLength == 0) {
            return 0;
        }
        int code = opcode == 0x7F ? (nsid & 0xFF) : opcode;
        return code & 0x3;
    }

    boolean hostToController() {
        return direction() == 1;
    }

    boolean controllerToHost() {
        return direction() == 2;
    }

    /** Reactor hand-off: a submitter on another thread passes the slot itself through the reactor's queue. */
    @Override
    public void run() {
        queue.submitOnReactor(this);
    }
}
