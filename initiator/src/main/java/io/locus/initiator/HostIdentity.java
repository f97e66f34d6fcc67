package io.locus.initiator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host NQN and host ID this machine presents to targets. Like nvme-cli's {@code /etc/nvme/hostnqn} and
 * {@code hostid}, they are generated once and kept in files so that they stay the same across runs, but in a
 * Locus-owned place: {@code $LOCUS_CONFIG_DIR}, else {@code $XDG_CONFIG_HOME/locus}, else {@code ~/.config/locus}.
 * {@code $LOCUS_HOSTNQN} / {@code $LOCUS_HOSTID} (or explicit values) override the files.
 */
public record HostIdentity(String hostNqn, UUID hostId) {
    public static final String UUID_NQN_PREFIX = "nqn.2014-08.org.nvmexpress:uuid:";
    private static final Pattern UUID_IN_NQN = Pattern.compile(
            ":uuid:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$");

    public HostIdentity {
        Objects.requireNonNull(hostNqn, "hostNqn");
        Objects.requireNonNull(hostId, "hostId");
        if (!hostNqn.startsWith("nqn.") || hostNqn.getBytes(StandardCharsets.UTF_8).length > 223) {
            throw new IllegalArgumentException("host NQN '" + hostNqn + "' must start with 'nqn.' and be at most 223 bytes");
        }
        if (hostId.getMostSignificantBits() == 0 && hostId.getLeastSignificantBits() == 0) {
            // An all-zero HOSTID is no host identifier; targets answer its Connect with Invalid Parameters (IPO 0).
            throw new IllegalArgumentException("host ID must not be all zeroes (00000000-0000-0000-0000-000000000000)");
        }
    }

    /** A fresh identity of the default form {@code nqn.2014-08.org.nvmexpress:uuid:<uuid>}. */
    public static HostIdentity generate() {
        UUID id = UUID.randomUUID();
        return new HostIdentity(UUID_NQN_PREFIX + id, id);
    }

    /** This machine's identity from the environment and the config directory, created there on first use. */
    public static HostIdentity load() {
        return load(null, null);
    }

    /**
     * This machine's identity with optional overrides (null: not given). Precedence: argument, environment
     * ({@code LOCUS_HOSTNQN}, {@code LOCUS_HOSTID}), stored file, generated (and stored).
     */
    public static HostIdentity load(String hostNqn, String hostId) {
        return load(hostNqn, hostId, System.getenv(), configDirectory(System.getenv()));
    }

    static HostIdentity load(String hostNqn, String hostId, Map<String, String> env, Path dir) {
        String nqn = firstNonBlank(hostNqn, env.get("LOCUS_HOSTNQN"));
        String id = firstNonBlank(hostId, env.get("LOCUS_HOSTID"));
        Path nqnFile = dir.resolve("hostnqn");
        Path idFile = dir.resolve("hostid");
        boolean storeNqn = false;
        boolean storeId = false;
        if (nqn == null) {
            nqn = readFirstLine(nqnFile);
            storeNqn = nqn == null;
        }
        if (id == null) {
            id = readFirstLine(idFile);
            storeId = id == null;
        }
        UUID uuid;
        if (id != null) {
            uuid = parseUuid(id);
        } else {
            uuid = nqn != null ? uuidFromNqn(nqn) : null;
            if (uuid == null) {
                uuid = UUID.randomUUID();
            }
        }
        if (nqn == null) {
            nqn = UUID_NQN_PREFIX + uuid;
        }
        HostIdentity identity = new HostIdentity(nqn, uuid); // validated before anything is stored
        if (storeNqn || storeId) {
            store(dir, storeNqn ? nqnFile : null, nqn, storeId ? idFile : null, uuid.toString());
        }
        return identity;
    }

    /** Where the identity files live for the given environment. */
    public static Path configDirectory(Map<String, String> env) {
        String locus = env.get("LOCUS_CONFIG_DIR");
        if (locus != null && !locus.isBlank()) {
            return Path.of(locus);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "locus");
        }
        return Path.of(System.getProperty("user.home"), ".config", "locus");
    }

    /** The 16 bytes of the host ID as Connect data carries them (the UUID's bytes in order). */
    public byte[] hostIdBytes() {
        byte[] out = new byte[16];
        long msb = hostId.getMostSignificantBits();
        long lsb = hostId.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (msb >>> (56 - 8 * i));
            out[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return out;
    }

    private static UUID parseUuid(String text) {
        try {
            return UUID.fromString(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("host ID '" + text + "' is not a UUID (like 0f8fad5b-d9cb-469f-a165-70867728950e)");
        }
    }

    private static UUID uuidFromNqn(String nqn) {
        Matcher m = UUID_IN_NQN.matcher(nqn);
        return m.find() ? UUID.fromString(m.group(1)) : null;
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.trim();
        }
        if (b != null && !b.isBlank()) {
            return b.trim();
        }
        return null;
    }

    private static String readFirstLine(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    return line.trim();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void store(Path dir, Path nqnFile, String nqn, Path idFile, String id) {
        // Best effort: an unwritable home still gets a working (if not stable) identity.
        try {
            Files.createDirectories(dir);
            if (nqnFile != null) {
                Files.writeString(nqnFile, nqn + "\n", StandardCharsets.UTF_8);
            }
            if (idFile != null) {
                Files.writeString(idFile, id + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException | SecurityException e) {
            System.getLogger(HostIdentity.class.getName()).log(System.Logger.Level.WARNING,
                    "could not store the host identity in " + dir + ": " + e.getMessage());
        }
    }
}
