package io.locus.target.core;

/**
 * The provenance flows one queue carries, for the target's {@code migrations_per_flow}: which flow ids the queue has
 * served, and which of them it served since it last moved (those move with it). Owned by the queue's reactor like
 * the rest of the queue: no locks, no shared writes, no allocation. A fixed open-addressing table; flows beyond
 * {@link #CAPACITY} are not tracked (a queue carrying that many flows is not a placement question).
 */
public final class QueueFlows {
    /** Flows tracked per queue. */
    static final int CAPACITY = 48;
    private static final int SLOTS = 64;
    private static final int MASK = SLOTS - 1;

    private final int[] ids = new int[SLOTS];
    /** Epoch in which the flow in the slot was last served; 0: empty slot. */
    private final int[] epochs = new int[SLOTS];
    private int used;
    /** Counts the queue's moves: epoch e runs from move e - 1 to move e. */
    private int epoch = 1;
    /** Distinct flows served in the current epoch. */
    private int carried;
    private int lastId;
    private int lastEpoch;

    /** Notes one request of flow {@code id}; true the first time this queue sees the flow. */
    public boolean note(int id) {
        if (id == lastId && lastEpoch == epoch) {
            return false; // the common case: the same flow as the previous request, already counted
        }
        lastId = id;
        lastEpoch = epoch;
        int i = mix(id) & MASK;
        for (int probes = 0; probes < SLOTS; probes++, i = (i + 1) & MASK) {
            int e = epochs[i];
            if (e == 0) {
                if (used >= CAPACITY) {
                    return false;
                }
                ids[i] = id;
                epochs[i] = epoch;
                used++;
                carried++;
                return true;
            }
            if (ids[i] == id) {
                if (e != epoch) {
                    epochs[i] = epoch;
                    carried++;
                }
                return false;
            }
        }
        return false;
    }

    /** The queue moves: returns the flows it served since its previous move (they move with it) and starts anew. */
    public int moved() {
        int c = carried;
        carried = 0;
        epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        lastEpoch = 0;
        return c;
    }

    /** Flows tracked. */
    int size() {
        return used;
    }

    private static int mix(int id) {
        int h = id * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
