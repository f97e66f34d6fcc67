package io.locus.target.bdev;

import io.locus.target.backend.Backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The target's bdevs by name, in creation order. Control plane only (management calls and startup); never read on
 * a reactor. Closing the registry closes every bdev's backend.
 */
public final class BdevRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BdevRegistry.class.getName());
    private final Map<String, Bdev> bdevs = new LinkedHashMap<>();

    /** Registers a bdev; IllegalStateException when the name is taken. */
    public synchronized void add(Bdev bdev) {
        if (bdevs.containsKey(bdev.name())) {
            throw new IllegalStateException("bdev " + bdev.name() + " already exists");
        }
        bdevs.put(bdev.name(), bdev);
    }

    /** The bdev with this name, or null. */
    public synchronized Bdev get(String name) {
        return bdevs.get(name);
    }

    /** Unregisters a bdev (the caller closes its backend once nothing uses it); returns it, or null. */
    public synchronized Bdev remove(String name) {
        return bdevs.remove(name);
    }

    public synchronized List<Bdev> list() {
        return new ArrayList<>(bdevs.values());
    }

    /** The bdev that owns this backend, or null (a namespace built on a bare backend). */
    public synchronized Bdev byBackend(Backend backend) {
        for (Bdev b : bdevs.values()) {
            if (b.backend() == backend) {
                return b;
            }
        }
        return null;
    }

    /** The first free name {@code prefix + n}, n = 0, 1, ... (SPDK names malloc bdevs Malloc0, Malloc1, ...). */
    public synchronized String nextName(String prefix) {
        for (int i = 0; ; i++) {
            if (!bdevs.containsKey(prefix + i)) {
                return prefix + i;
            }
        }
    }

    /** Closes every bdev's backend. */
    @Override
    public synchronized void close() {
        for (Bdev b : bdevs.values()) {
            try {
                b.backend().close();
            } catch (RuntimeException e) {
                LOG.warning("closing bdev " + b.name() + " (" + b.backend().describe() + "): " + e);
            }
        }
        bdevs.clear();
    }
}
