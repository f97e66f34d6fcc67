package io.locus.target.model;

import io.locus.protocol.nvme.AnaLogPage;
import io.locus.protocol.nvme.Status;

/**
 * The Asymmetric Namespace Access state of an ANA group as seen through one port (NVMe base 2.0, 8.1.3; Linux
 * nvmet's {@code ports/N/ana_groups/G/ana_state}). The state decides what I/O to the group's namespaces through that
 * port answers: optimized and non-optimized serve it, the other three fail it with a path status (SCT 3) so the host
 * tries another path.
 */
public enum AnaState {
    OPTIMIZED(AnaLogPage.STATE_OPTIMIZED, "optimized", Status.SUCCESS),
    NON_OPTIMIZED(AnaLogPage.STATE_NON_OPTIMIZED, "non_optimized", Status.SUCCESS),
    INACCESSIBLE(AnaLogPage.STATE_INACCESSIBLE, "inaccessible", Status.ANA_INACCESSIBLE),
    PERSISTENT_LOSS(AnaLogPage.STATE_PERSISTENT_LOSS, "persistent_loss", Status.ANA_PERSISTENT_LOSS),
    CHANGE(AnaLogPage.STATE_CHANGE, "change", Status.ANA_TRANSITION);

    private final int code;
    private final String configName;
    private final int ioStatus;

    AnaState(int code, String configName, int ioStatus) {
        this.code = code;
        this.configName = configName;
        this.ioStatus = ioStatus;
    }

    /** The ANA State field of a group descriptor in the ANA log page (b3:0). */
    public int code() {
        return code;
    }

    /** The name in the JSON config and SPDK's RPCs: {@code optimized}, {@code non_optimized}, ... */
    public String configName() {
        return configName;
    }

    /** What an I/O command to a namespace of the group answers before it runs: 0 (serve it) or an SCT 3 status. */
    public int ioStatus() {
        return ioStatus;
    }

    /**
     * Parses a state by SPDK's name ({@code non_optimized}, {@code persistent_loss}) or Linux nvmet's configfs name
     * ({@code non-optimized}, {@code persistent-loss}); case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static AnaState parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        for (AnaState s : values()) {
            if (s.configName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not an ANA state (optimized, non_optimized, inaccessible, "
                + "persistent_loss, change)");
    }
}
