package io.locus.target.core;

import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.target.backend.BackendCallback;
import io.locus.target.backend.BackendIo;
import io.locus.target.model.AsyncEventSlot;
import io.locus.target.model.Namespace;
import io.locus.target.model.NamespaceChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * One command in flight on a queue: its SQE, its data, its completion and the stage timestamps. A queue keeps one
 * per slot and reuses it, so nothing is allocated per command except pooled data buffers.
 *
 * <p>Lifecycle: FREE, then (transport) RECEIVED, [AWAITING_DATA via R2T], EXECUTING (handler / backend), then
 * COMPLETING (response queued) and FREE again.
 */
public final class Request implements BackendCallback, AsyncEventSlot {
    /** Slot lifecycle; every path ends in {@link Queue#complete(Request)}. */
    public enum State {
        /** Unused slot. */
        FREE,
        /** Capsule parsed, handler not yet run. */
        RECEIVED,
        /** R2T sent, H2CData arriving. */
        AWAITING_DATA,
        /** Handler or backend working. */
        EXECUTING,
        /** Completion handed to the transport. */
        COMPLETING
    }

    public final int slot;
    /** A private copy of the SQE (64 bytes). */
    public final ByteBuf sqe = Unpooled.buffer(Sqe.LENGTH, Sqe.LENGTH);
    public final BackendIo io;
    public Queue queue;
    public State state = State.FREE;

    public int cid;
    public int opcode;
    /** Transfer length from SGL1. */
    public int transferLength;
    /**
     * Data: received (host to controller; the transport fills it from its reader index) or to send (controller to
     * host; its readable bytes). No room is reserved for transport headers: a transport sends them beside the data.
     * May be null.
     */
    public ByteBuf data;
    /** A buffer the transport offered for the data to the host ({@link #offerReadBuffer}), until it is taken. */
    private ByteBuf offeredReadBuffer;
    public Namespace namespace;
    /** The dispatcher checked the command against its namespace (before asking for its data). */
    public boolean validated;

    public int status;
    public int dw0;
    public int dw1;

    /** Provenance carried by the command (only when the controller enabled the extension). */
    public boolean hasProvenance;
    public int flowId;
    public int homeCpu;
    public int homeNode;
    public int latencyClass;
    public int provenanceFlags;
    public int budgetMicros;

    public long receivedNanos;
    public long backendSubmitNanos;
    public long backendDoneNanos;

    private CompletionHandler continuation;
    /** The namespace channel the backend I/O went through, until it completes. */
    private NamespaceChannel channel;

    /** Called when the backend finishes a request the handler submitted. */
    public interface CompletionHandler {
        void onBackendDone(Request request, BackendIo io);
    }

    public Request(int slot, Queue queue) {
        this.slot = slot;
        this.queue = queue;
        this.io = new BackendIo(this, queue.pollGroup());
    }

    public void reset() {
        sqe.clear();
        state = State.FREE;
        cid = 0;
        opcode = 0;
        transferLength = 0;
        releaseData();
        offeredReadBuffer = null;
        namespace = null;
        validated = false;
        status = Status.SUCCESS;
        backendSubmitNanos = 0;
        backendDoneNanos = 0;
        dw0 = 0;
        dw1 = 0;
        hasProvenance = false;
        continuation = null;
    }

    public int cdw(int n) {
        return Sqe.cdw(sqe, 0, n);
    }

    /** Reads the provenance fields of the SQE (extension v1: CDW2, CDW3, MPTR). */
    public void readProvenance() {
        long mptr = Sqe.mptr(sqe, 0);
        int cdw3 = Sqe.cdw3(sqe, 0);
        hasProvenance = true;
        flowId = Sqe.cdw2(sqe, 0);
        homeCpu = ProvenanceWire.homeCpu(cdw3);
        homeNode = ProvenanceWire.homeNode(cdw3);
        latencyClass = ProvenanceWire.latencyClass(mptr);
        provenanceFlags = ProvenanceWire.flags(mptr);
        budgetMicros = ProvenanceWire.budgetMicros(mptr);
    }

    /** CQE DW1 for provenance: backend time and target queue+processing time, in microseconds. */
    public int timingDw1(long nowNanos) {
        long backend = backendSubmitNanos == 0 ? 0 : backendDoneNanos - backendSubmitNanos;
        long total = nowNanos - receivedNanos;
        return ProvenanceWire.cqeTiming(backend / 1000, (total - backend) / 1000);
    }

    public int nsid() {
        return Sqe.nsid(sqe, 0);
    }

    /**
     * Whether SGL1 describes exactly the {@code length} bytes the command moves; if not, completes it with Data SGL
     * Length Invalid + DNR and returns false. Identify Controller leaves SGLS b18 ("SGL length larger than the data")
     * clear, so a longer SGL is as wrong as a shorter one (Linux nvmet: {@code nvmet_check_transfer_len}).
     */
    public boolean checkTransferLength(long length) {
        if (transferLength == length) {
            return true;
        }
        complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
        return false;
    }

    /**
     * The transport offers {@code buffer} (empty, its capacity the most it holds; the offer takes no reference) as
     * where this command's data to the host should be put: the next {@link #allocateReadData} that fits returns it
     * (with a reference of its own) instead of allocating, so a backend reads straight into memory the transport
     * sends from without a copy, e.g. an RDMA data buffer already registered with the device. Data the command takes
     * from elsewhere ({@link #readData}) drops the offer.
     */
    public void offerReadBuffer(ByteBuf buffer) {
        offeredReadBuffer = buffer;
    }

    /**
     * A buffer for {@code length} bytes of data to return to the host (empty, to be filled): the transport's offered
     * buffer when it holds {@code length} bytes, else one from the pooled allocator.
     */
    public ByteBuf allocateReadData(int length) {
        releaseData();
        ByteBuf offered = offeredReadBuffer;
        offeredReadBuffer = null;
        if (offered != null && offered.capacity() >= length) {
            data = offered.retain().clear();
            return data;
        }
        return allocatePooled(length);
    }

    /** Takes {@code data} (one reference, already filled) as the data to return to the host. */
    public ByteBuf readData(ByteBuf data) {
        releaseData();
        offeredReadBuffer = null;
        this.data = data;
        return data;
    }

    /** Allocates a buffer for {@code length} bytes of data to receive from the host (the transport fills it). */
    public ByteBuf allocateWriteData(int length) {
        releaseData();
        return allocatePooled(length);
    }

    /**
     * Takes {@code received} (one reference, its readable bytes the data) as the data received from the host: a view
     * of the transport's receive buffer, so in-capsule data that arrived whole is not copied again.
     */
    public void receivedData(ByteBuf received) {
        releaseData();
        data = received;
    }

    private ByteBuf allocatePooled(int length) {
        data = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        return data;
    }

    /** {@code length} zero bytes of data to return to the host, to be filled in place (admin structures). */
    public ByteBuf allocateZeroedReadData(int length) {
        ByteBuf buf = allocateReadData(length);
        buf.setZero(0, length);
        buf.writerIndex(length);
        return buf;
    }

    public void releaseData() {
        if (data != null) {
            data.release();
            data = null;
        }
    }

    /** A LATENCY or STEP_CRITICAL request: served ahead of throughput work and flushed at once. */
    public boolean urgent() {
        return hasProvenance && (latencyClass == ProvenanceWire.CLASS_LATENCY || latencyClass == ProvenanceWire.CLASS_STEP_CRITICAL);
    }

    /** Submits the I/O prepared in {@link #io} to the namespace's backend; {@code then} runs on completion. */
    public void submit(CompletionHandler then) {
        PollGroup group = queue.pollGroup();
        NamespaceChannel c = namespace.channel(group.index(), group);
        if (c == null) {
            // Removed between the command's validation and now: answered as if it had been gone then.
            complete(Status.INVALID_NAMESPACE | Status.DNR);
            return;
        }
        this.continuation = then;
        this.channel = c;
        io.urgent = urgent();
        io.sink(group);
        backendSubmitNanos = group.stampNanos();
        c.submit(io);
    }

    @Override
    public void onBackendComplete(BackendIo done) {
        NamespaceChannel through = channel;
        channel = null;
        through.completed();
        backendDoneNanos = done.completeNanos;
        CompletionHandler c = continuation;
        continuation = null;
        c.onBackendDone(this, done);
    }

    /** Completes with a status (data, if any, goes with a success). */
    public void complete(int status) {
        this.status = status;
        state = State.COMPLETING;
        queue.complete(this);
    }

    @Override
    public void complete(int status, int dw0) {
        this.dw0 = dw0;
        complete(status);
    }
}
