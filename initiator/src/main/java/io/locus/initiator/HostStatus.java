package io.locus.initiator;

import io.locus.protocol.nvme.Status;

/**
 * Status values the host itself puts on commands it has to fail, in the NVMe status encoding so callers see
 * one kind of number: path-related status (SCT 3) as Linux uses it.
 */
public final class HostStatus {
    /** SCT 3 / 0x70 Host Pathing Error: the host lost the path (connection gone, controller failed). */
    public static final int HOST_PATH_ERROR = (Status.SCT_PATH << 8) | 0x70;
    /** SCT 3 / 0x71 Command Aborted By Host: the controller was closed under the command. */
    public static final int ABORTED_BY_HOST = (Status.SCT_PATH << 8) | 0x71;

    private HostStatus() {
    }

    /**
     * A path-related status (SCT 3): the path failed, not the command (Linux's {@code nvme_is_path_error}). A
     * multipath namespace sends such a command down another path.
     */
    public static boolean isPathError(int status) {
        return (status & 0x700) == (Status.SCT_PATH << 8);
    }

    /**
     * Whether a multipath namespace sends a command that failed with {@code status} down another path: a path-related
     * status ({@link #isPathError}), or Command Aborted due to SQ Deletion (generic 0x08), which a controller answers
     * while it tears the queue down (Locus does for commands that arrive after the controller's keep-alive expired):
     * the path is going away, not the command wrong. SPDK's bdev_nvme fails over on both
     * ({@code spdk_nvme_cpl_is_path_error || spdk_nvme_cpl_is_aborted_sq_deletion}).
     */
    public static boolean failsOver(int status) {
        return isPathError(status) || (status & 0x7FF) == (Status.ABORTED_SQ_DELETION & 0x7FF);
    }

    /**
     * Whether the host itself failed the command because it lost the path ({@link #HOST_PATH_ERROR},
     * {@link #ABORTED_BY_HOST}): the path is gone even when the path's own state has not caught up yet, so DNR (which
     * the host sets so the queue does not resend it) does not keep a multipath namespace from another path.
     */
    public static boolean hostLostPath(int status) {
        int code = status & 0x7FF;
        return code == HOST_PATH_ERROR || code == ABORTED_BY_HOST;
    }

    /** True when the command succeeded. */
    public static boolean ok(int status) {
        return Status.isSuccess(status);
    }

    public static String describe(int status) {
        int code = status & 0x7FF;
        String dnr = Status.dnr(status) ? " (DNR)" : "";
        if (code == HOST_PATH_ERROR) {
            return "Host Path Error: the connection to the controller is lost" + dnr;
        }
        if (code == ABORTED_BY_HOST) {
            return "Command Aborted By Host" + dnr;
        }
        if (code == ((Status.SCT_PATH << 8) | 0x00)) {
            return "Internal Path Error" + dnr;
        }
        if (code == ((Status.SCT_PATH << 8) | 0x01)) {
            return "Asymmetric Access Persistent Loss" + dnr;
        }
        if (code == ((Status.SCT_PATH << 8) | 0x02)) {
            return "Asymmetric Access Inaccessible" + dnr;
        }
        if (code == ((Status.SCT_PATH << 8) | 0x03)) {
            return "Asymmetric Access Transition" + dnr;
        }
        return Status.describe(status);
    }
}
