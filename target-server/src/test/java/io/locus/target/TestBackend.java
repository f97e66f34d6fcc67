package io.locus.target;

import io.locus.target.backend.Backend;

/**
 * A 1 MiB backend for tests that decide what {@link #submit} does: no write cache, nothing kept across restarts,
 * deallocated blocks read as zeroes, and a close with nothing to release unless a test overrides it.
 */
abstract class TestBackend implements Backend {
    private final String name;

    TestBackend(String name) {
        this.name = name;
    }

    @Override
    public long size() {
        return 1L << 20;
    }

    @Override
    public boolean volatileWriteCache() {
        return false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean deallocateReadsZeroes() {
        return true;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public void close() {
    }
}
