package io.locus.target.config;

import java.nio.charset.StandardCharsets;

/** NVMe Qualified Name checks (NVMe base spec 4.5): "nqn.yyyy-mm.reverse-domain:..." or the UUID form, at most 223 bytes. */
public final class Nqn {
    private Nqn() {
    }

    /** Returns why {@code nqn} is not a valid NQN, or null when it is. */
    public static String problem(String nqn) {
        if (nqn == null || nqn.isEmpty()) {
            return "an NQN must not be empty";
        }
        if (nqn.getBytes(StandardCharsets.UTF_8).length > 223) {
            return "'" + nqn + "' is longer than 223 bytes";
        }
        if (!nqn.matches("nqn\\.\\d{4}-\\d{2}\\.[^:]+(:.+)?")) {
            return "'" + nqn + "' is not an NQN (expected nqn.yyyy-mm.reverse.domain:name)";
        }
        return null;
    }
}
