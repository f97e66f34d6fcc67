package io.locus.initiator;

/**
 * The three I/O policies as pure functions over a path array (Linux's {@code __nvme_find_path},
 * {@code nvme_round_robin_path}, {@code nvme_queue_depth_path}): each prefers a usable optimized path and falls back
 * to a usable non-optimized one only when there is none; inaccessible, persistent-loss and change paths, paths of
 * controllers that are not live and paths with an ANA re-read pending are never chosen. Nothing is allocated.
 */
final class PathSelector {
    /** No path to choose. */
    static final int NONE = -1;

    private PathSelector() {
    }

    /**
     * {@code numa}: the optimized path nearest {@code node} (the first among equals), else the nearest non-optimized.
     *
     * @param avoid a path not to choose (the one a command just failed on), or null
     */
    static int numa(MultipathPath[] paths, int node, MultipathPath avoid) {
        int bestOpt = NONE;
        int bestOptDistance = Integer.MAX_VALUE;
        int bestNon = NONE;
        int bestNonDistance = Integer.MAX_VALUE;
        for (int i = 0; i < paths.length; i++) {
            MultipathPath p = paths[i];
            if (p == avoid || !p.usable()) {
                continue;
            }
            int d = distance(node, p.node);
            if (p.ana == AnaState.OPTIMIZED) {
                if (d < bestOptDistance) {
                    bestOpt = i;
                    bestOptDistance = d;
                }
            } else if (d < bestNonDistance) {
                bestNon = i;
                bestNonDistance = d;
            }
        }
        return bestOpt != NONE ? bestOpt : bestNon;
    }

    /**
     * {@code round-robin}: the first optimized path after {@code last} (wrapping, {@code last} itself last), else the
     * first non-optimized one after it.
     *
     * @param last the index chosen last time, or {@link #NONE}
     */
    static int roundRobin(MultipathPath[] paths, int last, MultipathPath avoid) {
        int n = paths.length;
        int start = last < 0 || last >= n ? n - 1 : last;
        int firstNon = NONE;
        for (int k = 1; k <= n; k++) {
            int i = (start + k) % n;
            MultipathPath p = paths[i];
            if (p == avoid || !p.usable()) {
                continue;
            }
            if (p.ana == AnaState.OPTIMIZED) {
                return i;
            }
            if (firstNon == NONE) {
                firstNon = i;
            }
        }
        return firstNon;
    }

    /** {@code queue-depth}: the optimized path with the fewest commands in flight, else such a non-optimized one. */
    static int queueDepth(MultipathPath[] paths, MultipathPath avoid) {
        int bestOpt = NONE;
        int minOpt = Integer.MAX_VALUE;
        int bestNon = NONE;
        int minNon = Integer.MAX_VALUE;
        for (int i = 0; i < paths.length; i++) {
            MultipathPath p = paths[i];
            if (p == avoid || !p.usable()) {
                continue;
            }
            int depth = p.inflight.get();
            if (p.ana == AnaState.OPTIMIZED) {
                if (depth < minOpt) {
                    bestOpt = i;
                    minOpt = depth;
                }
            } else if (depth < minNon) {
                bestNon = i;
                minNon = depth;
            }
        }
        return bestOpt != NONE ? bestOpt : bestNon;
    }

    /** Whether some path other than {@code avoid} is usable and optimized. */
    static boolean anyOptimized(MultipathPath[] paths, MultipathPath avoid) {
        for (MultipathPath p : paths) {
            if (p != avoid && p.optimized()) {
                return true;
            }
        }
        return false;
    }

    /** 0 on the same node or when either is unknown (no SLIT here: every other node counts as one step away). */
    static int distance(int node, int pathNode) {
        return node < 0 || pathNode < 0 || node == pathNode ? 0 : 1;
    }
}
