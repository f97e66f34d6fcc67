package io.locus.initiator.bench;

import java.util.Arrays;

/**
 * Keeps the {@code capacity} slowest requests seen, each with its stage breakdown, so the tail can be explained
 * stage by stage. Single-writer, allocation-free after construction: a new request is compared with the fastest one
 * kept and replaces it when slower.
 */
final class TailSampler {
    /** Values kept per request: its stages (a negative value means unknown) and when it completed. */
    static final int STAGES = 6;

    private final int capacity;
    private final long[] keys;
    private final long[] stages;
    private int size;
    private int minIndex;

    TailSampler(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.keys = new long[capacity];
        this.stages = new long[capacity * STAGES];
    }

    /** Offers one request: its total, its stages and its completion time. */
    void offer(long total, long s0, long s1, long s2, long s3, long s4, long s5) {
        int at;
        if (size < capacity) {
            at = size++;
        } else if (total > keys[minIndex]) {
            at = minIndex;
        } else {
            return;
        }
        keys[at] = total;
        int b = at * STAGES;
        stages[b] = s0;
        stages[b + 1] = s1;
        stages[b + 2] = s2;
        stages[b + 3] = s3;
        stages[b + 4] = s4;
        stages[b + 5] = s5;
        if (size == capacity) {
            int m = 0;
            for (int i = 1; i < capacity; i++) {
                if (keys[i] < keys[m]) {
                    m = i;
                }
            }
            minIndex = m;
        }
    }

    int size() {
        return size;
    }

    long total(int i) {
        return keys[i];
    }

    long stage(int i, int stage) {
        return stages[i * STAGES + stage];
    }

    void reset() {
        size = 0;
        minIndex = 0;
        Arrays.fill(keys, 0);
    }
}
