package io.locus.initiator;

import io.locus.protocol.nvme.AnaLogPage;

/** The ANA state of a namespace through one controller (PROTOCOL.md 8), as the host reads it from the ANA log. */
public enum AnaState {
    /** Full speed: the path to prefer. */
    OPTIMIZED(AnaLogPage.STATE_OPTIMIZED, "optimized"),
    /** Works, slower: used only while no optimized path is usable. */
    NON_OPTIMIZED(AnaLogPage.STATE_NON_OPTIMIZED, "non-optimized"),
    /** I/O fails with Asymmetric Access Inaccessible; may come back. Never chosen. */
    INACCESSIBLE(AnaLogPage.STATE_INACCESSIBLE, "inaccessible"),
    /** I/O fails with Asymmetric Access Persistent Loss. Never chosen. */
    PERSISTENT_LOSS(AnaLogPage.STATE_PERSISTENT_LOSS, "persistent-loss"),
    /** In transition (I/O fails with Asymmetric Access Transition); never chosen until the next log says otherwise. */
    CHANGE(AnaLogPage.STATE_CHANGE, "change"),
    /** A reserved value in the log: treated like inaccessible. */
    UNKNOWN(0, "unknown");

    private final int code;
    private final String label;

    AnaState(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    /** The name nvme-cli and nvmet's configfs use ("optimized", "non-optimized", ...). */
    public String label() {
        return label;
    }

    /** Optimized or non-optimized: I/O may go down such a path (Linux's {@code nvme_state_is_live}). */
    public boolean usable() {
        return this == OPTIMIZED || this == NON_OPTIMIZED;
    }

    public static AnaState of(int code) {
        return switch (code & 0x0F) {
            case AnaLogPage.STATE_OPTIMIZED -> OPTIMIZED;
            case AnaLogPage.STATE_NON_OPTIMIZED -> NON_OPTIMIZED;
            case AnaLogPage.STATE_INACCESSIBLE -> INACCESSIBLE;
            case AnaLogPage.STATE_PERSISTENT_LOSS -> PERSISTENT_LOSS;
            case AnaLogPage.STATE_CHANGE -> CHANGE;
            default -> UNKNOWN;
        };
    }
}
