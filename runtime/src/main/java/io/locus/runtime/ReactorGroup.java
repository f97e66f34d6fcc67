package io.locus.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The reactors of one process, one per reserved core; hands out placements round-robin. */
public final class ReactorGroup implements AutoCloseable {
    private final List<Reactor> reactors;
    private int next;

    public ReactorGroup(String namePrefix, int[] cpus, IdleMode idleMode, ThreadPinning pinning) {
        this(namePrefix, cpus, idleMode, ReactorConfig.DEFAULT_WINDOW_NANOS, pinning);
    }

    /** @param windowNanos each stage's time per turn (see {@link ReactorConfig#windowNanos()}) */
    public ReactorGroup(String namePrefix, int[] cpus, IdleMode idleMode, long windowNanos, ThreadPinning pinning) {
        List<Reactor> list = new ArrayList<>();
        for (int i = 0; i < cpus.length; i++) {
            ReactorConfig config = ReactorConfig.defaults(namePrefix + "-" + i, cpus[i]).withIdleMode(idleMode)
                    .withWindowNanos(windowNanos);
            list.add(new Reactor(config, pinning).start());
        }
        this.reactors = Collections.unmodifiableList(list);
    }

    /**
     * A group over reactors the caller made and started (its own configs, or a manual clock as a test drives time);
     * closing the group closes them.
     */
    public ReactorGroup(List<Reactor> reactors) {
        if (reactors.isEmpty()) {
            throw new IllegalArgumentException("a reactor group needs at least one reactor");
        }
        this.reactors = List.copyOf(reactors);
    }

    /** A group of {@code count} unpinned reactors. */
    public static ReactorGroup unpinned(String namePrefix, int count, IdleMode idleMode) {
        int[] cpus = new int[count];
        java.util.Arrays.fill(cpus, -1);
        return new ReactorGroup(namePrefix, cpus, idleMode, ThreadPinning.NONE);
    }

    public List<Reactor> reactors() {
        return reactors;
    }

    public Reactor get(int index) {
        return reactors.get(index);
    }

    public int size() {
        return reactors.size();
    }

    /** Round-robin placement for queues that name no home. */
    public synchronized Reactor next() {
        Reactor r = reactors.get(next);
        next = (next + 1) % reactors.size();
        return r;
    }

    @Override
    public void close() {
        for (Reactor r : reactors) {
            r.close();
        }
    }
}
