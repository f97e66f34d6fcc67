package io.locus.target.transport.rdma;

import io.locus.nativeio.rdma.verbs.SimVerbs;
import io.locus.target.core.ReactorStats;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdmaBufferPoolTest {
    @Test
    void shouldCarvePageAlignedSlabsOfAnyBufferSizeUpToTheLimitAndRegisterEachOncePerDevice() throws Exception {
        for (int size : new int[] {16, 64 + 8192, 4096, 131072, 100_000}) {
            ReactorStats stats = new ReactorStats("r");
            RdmaBufferPool pool = new RdmaBufferPool("p", stats, size, 70);
            SimVerbs.Fabric fabric = new SimVerbs.Fabric();
            var verbs = fabric.open();
            Set<Integer> taken = new HashSet<>();
            int b;
            while ((b = pool.take()) >= 0) {
                assertTrue(taken.add(b), "buffer " + b + " handed out twice");
                assertEquals(0, pool.address(b) % 64, "64-byte aligned");
                assertEquals(pool.bufferSize(), pool.view(b).capacity());
                pool.view(b).setByte(pool.bufferSize() - 1, 1); // the whole buffer is there
                pool.lkey(b, verbs);
            }
            assertEquals(70, taken.size(), "size " + size);
            assertEquals(0, pool.address(0) % 4096, "slabs start on a page");
            long slabs = pool.reuseMisses();
            assertEquals(fabric.registrations, slabs, "one registration per slab");
            assertEquals(70 - slabs, pool.reuseHits());
            for (int t : taken) {
                pool.give(t);
            }
            assertEquals(70, pool.available());
        }
    }
}
