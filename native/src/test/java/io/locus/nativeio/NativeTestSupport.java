package io.locus.nativeio;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** Helpers shared by the tests that call into the library. */
final class NativeTestSupport {
    private NativeTestSupport() {
    }

    /** Skips the calling test, with the one-line cause, when the library cannot load here. */
    static void assumeLibraryLoaded() {
        assumeTrue(NativeLibrary.isAvailable(), () -> "locus-native unavailable: "
                + NativeLibrary.unavailabilityCause().orElse("?"));
    }

    /** Runs {@code body} on a new platform thread, so pinning it leaves the test runner's threads alone. */
    static <T> T onFreshThread(Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(body);
        Thread thread = Thread.ofPlatform().name("native-test").start(task);
        thread.join();
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
