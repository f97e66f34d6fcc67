package io.locus.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {
    private static final String LIBRARY = "/io/locus/nativeio/linux-x86_64/liblocus-native.so";
    private static final int E_MACHINE_OFFSET = 18;
    private static final int EM_AARCH64 = 183;

    @Test
    void shouldLoadWhenBuiltForThisPlatform() {
        // the build fails without gcc, so on a platform we build for a missing library is a bug, not a skip
        assumeTrue(NativeLibrary.resourceFor(System.getProperty("os.name"), System.getProperty("os.arch")).isPresent(),
                "no native library is built for this platform");
        assertEquals(Optional.empty(), NativeLibrary.unavailabilityCause());
        assertTrue(NativeLibrary.isAvailable());
    }

    @Test
    void shouldReportCauseWhenLibraryIsNotOnClassPath() {
        Optional<String> cause = NativeLibrary.load("/io/locus/nativeio/absent/liblocus-native.so");

        assertTrue(cause.orElseThrow().contains("not on the class path"), cause.orElseThrow());
    }

    @Test
    void shouldReportCauseAndDeleteCopyWhenLibraryIsForAnotherMachine(@TempDir Path workdir) throws IOException {
        // our library relabelled as AArch64: a real ELF keeps HotSpot from warning about the stack guard, as a text
        // file would, and unlike a truncated file it does not make ld.so abort the JVM
        byte[] library;
        try (InputStream real = NativeLibrary.class.getResourceAsStream(LIBRARY)) {
            assumeTrue(real != null, "no native library is built for this platform");
            library = real.readAllBytes();
        }
        library[E_MACHINE_OFFSET] = (byte) EM_AARCH64;
        library[E_MACHINE_OFFSET + 1] = 0;
        System.setProperty(NativeLibrary.WORKDIR_PROPERTY, workdir.toString());
        try {
            Optional<String> cause = NativeLibrary.load("aarch64.so", new ByteArrayInputStream(library));

            assertTrue(cause.orElseThrow().startsWith("cannot load aarch64.so: java.lang.UnsatisfiedLinkError"),
                    cause.orElseThrow());
            try (Stream<Path> left = Files.list(workdir)) {
                assertEquals(0, left.count());
            }
        } finally {
            System.clearProperty(NativeLibrary.WORKDIR_PROPERTY);
        }
    }

    @Test
    void shouldReportCauseWhenWorkdirIsMissing(@TempDir Path workdir) {
        System.setProperty(NativeLibrary.WORKDIR_PROPERTY, workdir.resolve("absent").toString());
        try {
            Optional<String> cause = NativeLibrary.load("empty.so", new ByteArrayInputStream(new byte[0]));

            assertTrue(cause.orElseThrow().contains("absent"), cause.orElseThrow());
        } finally {
            System.clearProperty(NativeLibrary.WORKDIR_PROPERTY);
        }
    }

    @Test
    void shouldOfferNoLibraryWhenPlatformIsNotLinuxX86() {
        assertEquals(Optional.empty(), NativeLibrary.resourceFor("Mac OS X", "aarch64"));
        assertEquals(Optional.empty(), NativeLibrary.resourceFor("Linux", "aarch64"));
        assertTrue(NativeLibrary.resourceFor("Linux", "amd64").isPresent());
    }
}
