package io.locus.target.core;

import io.locus.runtime.Reactor;
import io.locus.target.model.Controller;
import io.locus.target.model.ControllerQueue;
import io.locus.target.model.IoCounters;
import io.locus.target.model.Port;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A submission/completion queue pair as the target's core sees it, whatever carries it (the Linux target's
 * {@code nvmet_sq}/{@code nvmet_cq}): its controller and queue id once Connect bound it, its SQ head, its request
 * slots, the flows it carries and its placement among the reactors. A transport extends it with how capsules arrive
 * and how responses and data leave ({@link #queueResponse}); everything else about a request — validation,
 * execution, accounting — is the {@link Dispatcher}'s.
 *
 * <p>Owned by one reactor: every method but {@link #close} runs there.
 */
public abstract class Queue implements ControllerQueue {
    /** Slots available before Connect tells the queue size. */
    private static final int INITIAL_SLOTS = 32;

    protected final Dispatcher dispatcher;
    private final Port port;
    private Reactor reactor;
    private PollGroup pollGroup;
    private final QueueFlows flows = new QueueFlows();
    private final QueuePlacement placement = new QueuePlacement();
    private final IoCounters ioCounters = new IoCounters();

    private Controller controller;
    private int qid = -1;
    private int sqSize;
    private int sqHead;
    private boolean sqFlowControlDisabled;
    private boolean closed;

    private final List<Request> slots = new ArrayList<>();
    private int[] freeSlots = new int[INITIAL_SLOTS];
    private int freeCount;
    private int slotLimit = INITIAL_SLOTS;

    protected Queue(Dispatcher dispatcher, PollGroup pollGroup, Port port) {
        this.dispatcher = dispatcher;
        this.pollGroup = pollGroup;
        this.reactor = pollGroup.reactor();
        this.port = port;
    }

    /** 0 for the admin queue; unknown (-1) until Connect. */
    public final int qid() {
        return qid;
    }

    public final Controller controller() {
        return controller;
    }

    @Override
    public final Reactor reactor() {
        return reactor;
    }

    public final PollGroup pollGroup() {
        return pollGroup;
    }

    public final Port port() {
        return port;
    }

    public final QueueFlows flows() {
        return flows;
    }

    public final QueuePlacement placement() {
        return placement;
    }

    @Override
    public final IoCounters ioCounters() {
        return ioCounters;
    }

    /** Peer address for logs. */
    public abstract String peer();

    /** The TLS PSK identity the connection authenticated with, or null on a clear-text connection. */
    public io.locus.protocol.tls.PskIdentity tlsIdentity() {
        return null;
    }

    /**
     * Binds the queue to its controller once Connect succeeded. Linux's nvmet-tcp allows twice the queue size in
     * commands (in flight plus awaiting data); so do we. The admin queue's reactor watches the controller's keep-alive.
     */
    public final void bind(Controller controller, int qid, int sqSize, boolean sqFlowControlDisabled) {
        this.controller = controller;
        this.qid = qid;
        this.sqSize = sqSize;
        this.sqFlowControlDisabled = sqFlowControlDisabled;
        this.slotLimit = 2 * (sqSize + 1);
        if (qid == 0) {
            pollGroup.watchKeepAlive(controller);
        }
        onBound();
    }

    /** Called once Connect bound the queue; a transport may place it on its home reactor then. */
    protected void onBound() {
    }

    /** The queue now lives on another reactor (a transport moved it while quiescent). */
    protected final void movedTo(PollGroup group) {
        this.pollGroup = group;
        this.reactor = group.reactor();
    }

    public final boolean sqFlowControlDisabled() {
        return sqFlowControlDisabled;
    }

    /** Advances the SQ head for a command taken off the queue. */
    public final void consumeSqEntry() {
        if (!sqFlowControlDisabled && sqSize > 0) {
            sqHead = sqHead == sqSize ? 0 : sqHead + 1;
        }
    }

    /** SQHD for a completion: 0xFFFF where Connect disabled SQ flow control. */
    public final int sqHeadForCompletion() {
        return sqFlowControlDisabled ? 0xFFFF : sqHead;
    }

    public final boolean isClosed() {
        return closed;
    }

    // ---- request slots ------------------------------------------------------------------------------------

    /** A free request slot, or null when the host exceeded the queue's command limit. */
    public final Request allocate() {
        if (freeCount > 0) {
            return slots.get(freeSlots[--freeCount]);
        }
        if (slots.size() >= slotLimit) {
            return null;
        }
        Request r = new Request(slots.size(), this);
        slots.add(r);
        if (freeSlots.length < slots.size()) {
            freeSlots = Arrays.copyOf(freeSlots, Math.max(slots.size(), freeSlots.length * 2));
        }
        return r;
    }

    public final void release(Request r) {
        freeSlots[freeCount++] = r.slot;
    }

    /** The slot with this index (a transport tag), or null. */
    public final Request slot(int index) {
        return index >= 0 && index < slots.size() ? slots.get(index) : null;
    }

    /** No command outstanding: executing, deferred or awaiting data. */
    public final boolean quiescent() {
        return freeCount == slots.size();
    }

    // ---- completion ---------------------------------------------------------------------------------------

    /** Sends the request's completion (and its data for reads) and recycles it; every path ends here. */
    public final void complete(Request r) {
        dispatcher.complete(r);
    }

    /**
     * Transport part of a completion: queue the CQE (and, for a successful read, the data) for sending. The request
     * is recycled when this returns.
     */
    protected abstract void queueResponse(Request r);

    /** Whether a response can still be sent (the connection is up). */
    protected abstract boolean connected();

    /** After a response was queued and its request recycled: flush policy, moves. */
    protected void afterResponse() {
    }

    /**
     * A latency-class command of this queue is about to run (reactor thread): a transport that can read the queue
     * outside its event loop registers it as its poll group's {@link PollGroup.LatencySource} here.
     */
    protected void onLatencyClass() {
    }

    /**
     * The connection went away: the controller loses the queue (the admin queue takes the controller with it), and
     * requests not with a handler or backend are recycled now; the rest when their completion comes back.
     */
    protected final void disconnected() {
        closed = true;
        if (controller != null) {
            if (qid == 0) {
                pollGroup.unwatchKeepAlive(controller);
                controller.abortAers();
            }
            controller.queueClosed(this, qid);
        }
        for (Request r : slots) {
            if (r.state == Request.State.RECEIVED || r.state == Request.State.AWAITING_DATA) {
                r.reset();
                release(r);
            }
        }
    }
}
