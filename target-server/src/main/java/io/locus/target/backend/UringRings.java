package io.locus.target.backend;

import io.locus.runtime.Reactor;

import java.util.BitSet;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry of rings: one per reactor, created lazily on that reactor's first uring submission and retired when
 * its last namespace detaches. Also keeps the counters of retired rings, so statistics outlive them.
 */
final class UringRings {
    /** Ring ids index per-backend arrays; ids of retired rings are reused. */
    static final int MAX_RINGS = 256;

    private static final ConcurrentHashMap<Reactor, UringRing> RINGS = new ConcurrentHashMap<>();
    private static final BitSet IDS = new BitSet(MAX_RINGS);
    private static final AtomicLong RETIRED_REGISTERED = new AtomicLong();
    private static final AtomicLong RETIRED_UNREGISTERED = new AtomicLong();
    /** Per reactor: {registered, unregistered} data I/Os of its retired rings (weak keys: reactors of closed targets go). */
    private static final Map<Reactor, long[]> RETIRED_BY_REACTOR = Collections.synchronizedMap(new WeakHashMap<>());

    private UringRings() {
    }

    /**
     * The ring of {@code reactor}, created on first use; must be called on that reactor's thread.
     *
     * @throws IllegalStateException when no ring can be created (the reason is in the message)
     */
    static UringRing forReactor(Reactor reactor) {
        UringRing ring = RINGS.get(reactor);
        if (ring != null && !ring.closed()) {
            return ring;
        }
        int id = allocateId();
        try {
            ring = new UringRing(id, reactor);
        } catch (RuntimeException | Error e) {
            releaseId(id);
            throw e;
        }
        RINGS.put(reactor, ring);
        return ring;
    }

    static void retire(UringRing ring) {
        RINGS.remove(ring.reactor(), ring);
        RETIRED_REGISTERED.addAndGet(ring.registeredBufferIos());
        RETIRED_UNREGISTERED.addAndGet(ring.unregisteredBufferIos());
        synchronized (RETIRED_BY_REACTOR) {
            long[] r = RETIRED_BY_REACTOR.computeIfAbsent(ring.reactor(), k -> new long[2]);
            r[0] += ring.registeredBufferIos();
            r[1] += ring.unregisteredBufferIos();
        }
        releaseId(ring.id);
    }

    /** Rings alive now. */
    static int live() {
        return RINGS.size();
    }

    /**
     * {@code registration_reuse_hit_rate}: the share of data I/Os, over every ring this JVM has run, that went
     * through a buffer registered before them (a fixed buffer) rather than an unregistered one. 1.0 when nothing ran.
     */
    static double registrationReuseHitRate() {
        long hits = RETIRED_REGISTERED.get();
        long misses = RETIRED_UNREGISTERED.get();
        for (UringRing r : RINGS.values()) {
            hits += r.registeredBufferIos();
            misses += r.unregisteredBufferIos();
        }
        return hits + misses == 0 ? 1.0 : (double) hits / (hits + misses);
    }

    /**
     * {registered, unregistered} data I/Os of every ring {@code reactor} has run (live and retired), or null when it
     * has never had a ring (no io_uring I/O there: the numbers would be invented).
     */
    static long[] bufferIos(Reactor reactor) {
        long[] retired;
        synchronized (RETIRED_BY_REACTOR) {
            long[] r = RETIRED_BY_REACTOR.get(reactor);
            retired = r == null ? null : r.clone();
        }
        UringRing live = RINGS.get(reactor);
        if (live == null) {
            return retired;
        }
        long[] sum = retired == null ? new long[2] : retired;
        sum[0] += live.registeredBufferIos();
        sum[1] += live.unregisteredBufferIos();
        return sum;
    }

    private static int allocateId() {
        synchronized (IDS) {
            int id = IDS.nextClearBit(0);
            if (id >= MAX_RINGS) {
                throw new IllegalStateException("more than " + MAX_RINGS + " io_uring rings");
            }
            IDS.set(id);
            return id;
        }
    }

    private static void releaseId(int id) {
        synchronized (IDS) {
            IDS.clear(id);
        }
    }
}
