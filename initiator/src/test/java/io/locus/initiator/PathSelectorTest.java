package io.locus.initiator;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The I/O policies over paths in every ANA state, without controllers. */
class PathSelectorTest {
    static MultipathPath path(AnaState state) {
        MultipathPath p = new MultipathPath(null, null, 1, 1);
        p.live = true;
        p.ana = state;
        return p;
    }

    @Test
    void shouldTakeTheFirstOptimizedPathOnOneNodeAndNeverAnUnusableState() {
        MultipathPath[] paths = {path(AnaState.NON_OPTIMIZED), path(AnaState.INACCESSIBLE), path(AnaState.OPTIMIZED),
                path(AnaState.OPTIMIZED), path(AnaState.CHANGE), path(AnaState.PERSISTENT_LOSS)};
        assertEquals(2, PathSelector.numa(paths, 0, null));
        assertEquals(3, PathSelector.numa(paths, 0, paths[2]), "the avoided path is passed over");
        paths[2].ana = AnaState.INACCESSIBLE;
        paths[3].live = false;
        assertEquals(0, PathSelector.numa(paths, 0, null), "non-optimized only when no optimized path is usable");
        paths[0].anaPending = true;
        assertEquals(PathSelector.NONE, PathSelector.numa(paths, 0, null),
                "inaccessible, change, persistent loss, not live and ANA-pending paths are never chosen");
    }

    @Test
    void shouldTakeTheOptimizedPathNearestTheFlowsHomeNode() {
        MultipathPath[] paths = {path(AnaState.OPTIMIZED), path(AnaState.OPTIMIZED), path(AnaState.NON_OPTIMIZED)};
        paths[0].node = 0;
        paths[1].node = 1;
        paths[2].node = 1;
        assertEquals(1, PathSelector.numa(paths, 1, null));
        assertEquals(0, PathSelector.numa(paths, 0, null));
        assertEquals(0, PathSelector.numa(paths, -1, null), "a flow with no node takes the first");
        paths[1].ana = AnaState.INACCESSIBLE;
        assertEquals(0, PathSelector.numa(paths, 1, null), "a far optimized path beats a near non-optimized one");
    }

    @Test
    void shouldRotateOverOptimizedPathsOnly() {
        MultipathPath[] paths = {path(AnaState.OPTIMIZED), path(AnaState.NON_OPTIMIZED), path(AnaState.OPTIMIZED),
                path(AnaState.INACCESSIBLE)};
        int last = PathSelector.NONE;
        int[] got = new int[4];
        for (int i = 0; i < 4; i++) {
            last = PathSelector.roundRobin(paths, last, null);
            got[i] = last;
        }
        assertEquals("[0, 2, 0, 2]", java.util.Arrays.toString(got));
        paths[2].ana = AnaState.CHANGE;
        assertEquals(0, PathSelector.roundRobin(paths, 0, null), "the only optimized path, again");
        paths[0].live = false;
        assertEquals(1, PathSelector.roundRobin(paths, 0, null), "non-optimized when no optimized path is usable");
    }

    @Test
    void shouldTakeTheLeastBusyOptimizedPath() {
        MultipathPath[] paths = {path(AnaState.OPTIMIZED), path(AnaState.OPTIMIZED), path(AnaState.NON_OPTIMIZED)};
        paths[0].inflight.set(5);
        paths[1].inflight.set(7);
        assertEquals(0, PathSelector.queueDepth(paths, null));
        paths[0].inflight.set(9);
        assertEquals(1, PathSelector.queueDepth(paths, null), "a non-optimized idle path is not preferred");
        paths[0].ana = AnaState.PERSISTENT_LOSS;
        paths[1].ana = AnaState.INACCESSIBLE;
        assertEquals(2, PathSelector.queueDepth(paths, null));
    }
}
