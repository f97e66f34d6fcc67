package io.locus.initiator.queue;

import io.locus.initiator.Flow;
import io.locus.initiator.IoCallback;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.provenance.ProvenanceWire;
import io.netty.buffer.ByteBuf;

/**
 * One preallocated command slot of a queue pair, indexed by its CID. The submitter fills the public fields of a slot
 * it got from {@link QueuePair#acquire()}, then calls {@link QueuePair#submit(Command)}; everything after that
 * happens on the queue's reactor, where the pair's {@link HostConnection} encodes it ({@link #writeSqe}) and the
 * transport's per-command state lives in the connection, indexed by {@link #index()}. Nothing here is allocated per
 * request.
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

    final QueuePair queue;
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
    /**
     * A connection loss (or a queue that is not live) fails this command at once with a Host Path Error (no DNR)
     * instead of keeping it for the reconnect: a multipath namespace sends it down another path (Linux's
     * REQ_FAILFAST_TRANSPORT).
     */
    public boolean failFast;
    /** A bring-up command: may be sent before the queue is live. */
    boolean control;
    /** Limit in ns from send to completion; 0 uses the queue's default. */
    public long timeoutNanos;

    // Queue state, reset on each send.
    long deadlineNanos;
    int retries;
    Command next;

    Command(QueuePair queue, int index) {
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
        failFast = false;
        control = false;
        timeoutNanos = 0;
        retries = 0;
        return this;
    }

    public QueuePair queue() {
        return queue;
    }

    /** The slot's index in its queue (the low bits of its CID): where a transport keeps its state for it. */
    public int index() {
        return index;
    }

    /** A bring-up command (Connect): may go out before the queue is live, always in-capsule where it fits. */
    public boolean isControl() {
        return control;
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

    /** Data flows host to controller (a write): the transport sends {@link #dataLength} bytes of {@link #data}. */
    public boolean hostToController() {
        return direction() == 1;
    }

    /** Data flows controller to host (a read): the transport lands the bytes in {@link #data}. */
    public boolean controllerToHost() {
        return direction() == 2;
    }

    /**
     * Writes the 64-byte SQE at {@code base} of {@code out} except SGL1, which is the transport's: opcode, SGL flag,
     * CID, NSID, CDW2..3 and MPTR (the flow's provenance when {@code provenance} and the command carries a flow, with
     * the latency class mirrored into the DSM hint of a read or write), CDW10..15. Little-endian, nothing allocated.
     */
    public void writeSqe(ByteBuf out, int base, boolean provenance) {
        Sqe.write(out, base, opcode, Sqe.FLAGS_SGL, cid, nsid);
        int dsm = cdw13;
        if (provenance && flow != null) {
            out.setIntLE(base + Sqe.CDW2_OFFSET, flow.id());
            out.setIntLE(base + Sqe.CDW3_OFFSET, flow.wireCdw3());
            out.setLongLE(base + Sqe.MPTR_OFFSET, flow.wireMptr());
            if (opcode == NvmOpcode.READ || opcode == NvmOpcode.WRITE) {
                dsm = ProvenanceWire.withDsmLatency(dsm, flow.latencyClass().wire());
            }
        } else {
            out.setIntLE(base + Sqe.CDW2_OFFSET, cdw2);
            out.setIntLE(base + Sqe.CDW3_OFFSET, cdw3);
            out.setLongLE(base + Sqe.MPTR_OFFSET, mptr);
        }
        Sqe.setCdw(out, base, 10, cdw10);
        Sqe.setCdw(out, base, 11, cdw11);
        Sqe.setCdw(out, base, 12, cdw12);
        Sqe.setCdw(out, base, 13, dsm);
        Sqe.setCdw(out, base, 14, cdw14);
        Sqe.setCdw(out, base, 15, cdw15);
    }

    /** Reactor hand-off: a submitter on another thread passes the slot itself through the reactor's queue. */
    @Override
    public void run() {
        queue.submitOnReactor(this);
    }
}
