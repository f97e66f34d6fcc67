package io.locus.target.backend;

/** What a backend I/O does. */
public enum BackendOp {
    READ,
    WRITE,
    FLUSH,
    WRITE_ZEROES,
    DEALLOCATE
}
