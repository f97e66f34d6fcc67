package io.locus.initiator;

/**
 * A command or a controller operation failed. The message is meant for a person (one line); {@link #status()} is
 * the NVMe status when a command completed with one, or -1 when the failure is not a command status
 * (cannot connect, refused, time-out).
 */
public class NvmeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public NvmeException(String message) {
        this(message, -1, null);
    }

    public NvmeException(String message, int status) {
        this(message, status, null);
    }

    public NvmeException(String message, Throwable cause) {
        this(message, -1, cause);
    }

    public NvmeException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
