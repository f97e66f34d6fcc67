package io.locus.target.backend;

/** Receives a finished backend I/O on the reactor that submitted it. */
public interface BackendCallback {
    void onBackendComplete(BackendIo io);
}
