package io.locus.target.core;

import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The poll groups of the target's reactors, one per reactor, and where a transport places a queue: a new
 * connection round-robin ({@link #next}), an I/O queue after Connect on reactor (qid - 1) mod n ({@link #home}).
 */
public final class PollGroups {
    private final ReactorGroup reactors;
    private final List<PollGroup> groups = new ArrayList<>();

    public PollGroups(ReactorGroup reactors) {
        this(reactors, PollGroup.SYSTEM_CLOCK);
    }

    /** @param clock the time keep-alive is measured in, nanoseconds ({@link System#nanoTime} but in tests) */
    public PollGroups(ReactorGroup reactors, LongSupplier clock) {
        this.reactors = reactors;
        for (int i = 0; i < reactors.size(); i++) {
            Reactor r = reactors.get(i);
            PollGroup g = new PollGroup(r, i, reactors.size(), clock);
            groups.add(g);
        }
    }

    public int size() {
        return groups.size();
    }

    public ReactorGroup reactors() {
        return reactors;
    }

    public PollGroup at(int index) {
        return groups.get(index);
    }

    /** The poll group of {@code reactor}, or null when it is not one of these reactors. */
    public PollGroup of(Reactor reactor) {
        for (PollGroup g : groups) {
            if (g.reactor() == reactor) {
                return g;
            }
        }
        return null;
    }

    /** Where the next accepted connection goes: round-robin. */
    public PollGroup next() {
        return of(reactors.next());
    }

    /**
     * Where an I/O queue belongs: qid q on reactor (q - 1) mod n. A host that homes flows on CPU c and sends them on
     * queue index c mod queues (what the Locus initiator does) meets the same reactor index on both sides.
     */
    public PollGroup home(int qid) {
        return groups.get((qid - 1) % groups.size());
    }
}
