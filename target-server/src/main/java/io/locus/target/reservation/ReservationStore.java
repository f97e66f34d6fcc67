package io.locus.target.reservation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps a namespace's reservation state through power loss (PTPL, NVMe Base 8.19.3) in a JSON file beside its backing
 * file: {@code <backing file>.reservations.json}. Written atomically (a temporary file in the same directory, fsync,
 * rename over the old one, fsync of the directory), so a crash leaves the old state or the new, never a mix; read
 * once when the target starts. SPDK keeps the same facts in a JSON file per namespace ({@code ptpl_file}).
 *
 * <pre>
 * {"version":1,"ptpl":true,"generation":3,"type":1,"holder":"&lt;32 hex&gt;",
 *  "registrants":[{"hostId":"&lt;32 hex&gt;","key":"&lt;hex&gt;"}]}
 * </pre>
 */
public final class ReservationStore {
    static final int FORMAT_VERSION = 1;
    private static final String SUFFIX = ".reservations.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The saved state: PTPL (always true in a file), PRGEN (unsigned 32-bit), RTYPE, holder and registrants. */
    public record Saved(int version, boolean ptpl, long generation, int type, String holder, List<SavedRegistrant> registrants) {
    }

    /** One registrant: its host identifier (32 hex digits) and key (unsigned 64-bit, hex). */
    public record SavedRegistrant(String hostId, String key) {
    }

    private final Path file;
    /** Whether the file exists as far as this store knows (loaded or written, not deleted since). */
    private volatile boolean onDisk;

    /** A store beside {@code backingFile}. */
    public ReservationStore(Path backingFile) {
        Path absolute = backingFile.toAbsolutePath();
        this.file = absolute.resolveSibling(absolute.getFileName() + SUFFIX);
    }

    public Path file() {
        return file;
    }

    boolean onDisk() {
        return onDisk;
    }

    /** The saved state, or null when there is none; a file that cannot be used is an IOException naming it. */
    Saved load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        onDisk = true;
        Saved s;
        try {
            s = JSON.readValue(bytes, Saved.class);
        } catch (JacksonException e) {
            throw corrupt(e.getOriginalMessage());
        }
        if (s == null) {
            throw corrupt("empty");
        }
        check(s);
        return s;
    }

    private void check(Saved s) throws IOException {
        if (s.version() != FORMAT_VERSION) {
            throw corrupt("format version " + s.version() + ", expected " + FORMAT_VERSION);
        }
        if (s.generation() < 0 || s.generation() > 0xFFFFFFFFL) {
            throw corrupt("generation " + s.generation() + " is not a 32-bit unsigned value");
        }
        if (s.type() < 0 || s.type() > ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS) {
            throw corrupt("reservation type " + s.type() + " is not 0..6");
        }
        if (s.registrants() == null) {
            throw corrupt("no registrants list");
        }
        Set<HostId> hosts = new HashSet<>();
        for (SavedRegistrant r : s.registrants()) {
            try {
                if (r == null || !hosts.add(HostId.parse(r.hostId()))) {
                    throw corrupt("a registrant is missing or listed twice");
                }
                if (Long.parseUnsignedLong(r.key(), 16) == 0) {
                    throw corrupt("registrant " + r.hostId() + " has key 0");
                }
            } catch (IllegalArgumentException e) {
                throw corrupt(e.getMessage());
            }
        }
        if ((s.type() == 0) != (s.holder() == null)) {
            throw corrupt("a reservation type without a holder, or a holder without a type");
        }
        if (s.holder() != null) {
            try {
                if (!hosts.contains(HostId.parse(s.holder()))) {
                    throw corrupt("holder " + s.holder() + " is not a registrant");
                }
            } catch (IllegalArgumentException e) {
                throw corrupt(e.getMessage());
            }
        }
    }

    private IOException corrupt(String why) {
        return new IOException("reservation state file " + file + " is corrupt (" + why + "); fix or remove it to start "
                + "with no reservations");
    }

    /** Replaces the file with {@code s}: temporary file, fsync, atomic rename, fsync of the directory. */
    void write(Saved s) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(s);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        onDisk = true;
        syncDirectory();
    }

    /** Removes the file (PTPL turned off: the state no longer outlives the target). */
    void delete() throws IOException {
        if (Files.deleteIfExists(file)) {
            syncDirectory();
        }
        onDisk = false;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
