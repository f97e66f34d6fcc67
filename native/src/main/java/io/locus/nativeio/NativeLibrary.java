package io.locus.nativeio;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Loads {@code liblocus-native.so} once per JVM: copies it from the class path (where the build put it, inside the
 * jar) to a temporary file and {@link System#load}s it. Nothing escapes: a missing or unloadable library becomes an
 * {@link #unavailabilityCause() unavailability cause} and one log line, and callers fall back.
 *
 * <p>{@code -Dlocus.native.workdir=DIR} picks where the copy goes, for hosts whose temporary directory is
 * mounted {@code noexec}.
 */
public final class NativeLibrary {
    static final String WORKDIR_PROPERTY = "locus.native.workdir";

    private static final Logger LOG = Logger.getLogger(NativeLibrary.class.getName());

    private NativeLibrary() {
    }

    /** True when the library is loaded and its functions may be called. */
    public static boolean isAvailable() {
        return Holder.CAUSE.isEmpty();
    }

    /** Why the library is not available, in one line; empty when it is. */
    public static Optional<String> unavailabilityCause() {
        return Holder.CAUSE;
    }

    /** Throws {@link IllegalStateException} with the cause when the library is not available. */
    static void ensureAvailable() {
        Holder.CAUSE.ifPresent(cause -> {
            throw new IllegalStateException("locus-native unavailable: " + cause);
        });
    }

    /**
     * Loads a companion library built beside this one (such as {@code liblocus-rdma.so}, kept apart because it links
     * libraries a host may lack) for this platform; returns why it failed, or empty when it loaded.
     */
    public static Optional<String> loadCompanion(String fileName) {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        return resourceFor(os, arch, fileName)
                .map(NativeLibrary::load)
                .orElseGet(() -> Optional.of("no native library built for " + os + "/" + arch));
    }

    /** Class-path location of the library for this platform, or empty where none is built. */
    static Optional<String> resourceFor(String osName, String osArch) {
        return resourceFor(osName, osArch, "liblocus-native.so");
    }

    static Optional<String> resourceFor(String osName, String osArch, String fileName) {
        boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
        boolean x86_64 = osArch.equals("amd64") || osArch.equals("x86_64");
        return linux && x86_64
                ? Optional.of("/io/locus/nativeio/linux-x86_64/" + fileName)
                : Optional.empty();
    }

    /** Extracts and loads the library at class-path {@code resource}; returns why it failed, or empty when it loaded. */
    static Optional<String> load(String resource) {
        return load(resource, NativeLibrary.class.getResourceAsStream(resource));
    }

    /** Copies {@code library} (null when not found) to a file and loads it; returns why it failed, or empty. */
    static Optional<String> load(String name, InputStream library) {
        if (library == null) {
            return Optional.of(name + " is not on the class path (was locus-native built with gcc?)");
        }
        Path copy = null;
        try (library) {
            String workdir = System.getProperty(WORKDIR_PROPERTY, System.getProperty("java.io.tmpdir"));
            copy = Files.createTempFile(Path.of(workdir), "liblocus-native-", ".so");
            Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING);
            System.load(copy.toAbsolutePath().toString());
            return Optional.empty();
        } catch (Throwable t) { // UnsatisfiedLinkError, IOException, SecurityException...: all mean "not available"
            return Optional.of("cannot load " + name + ": " + t);
        } finally {
            deleteQuietly(copy); // once loaded, the mapping outlives the file
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (Throwable ignored) {
                // a stray file in the temporary directory is harmless
            }
        }
    }

    private static Optional<String> loadForThisPlatform() {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        Optional<String> cause = resourceFor(os, arch)
                .map(NativeLibrary::load)
                .orElseGet(() -> Optional.of("no native library built for " + os + "/" + arch));
        cause.ifPresent(c -> LOG.warning("locus-native unavailable, running without CPU pinning: " + c));
        return cause;
    }

    private static final class Holder {
        static final Optional<String> CAUSE = loadForThisPlatform();
    }
}
