package io.locus.initiator.auth;

/** Authentication Send and Receive on one queue, as the host's exchange needs them. */
public interface AuthChannel {
    /**
     * Authentication Send carrying {@code message}.
     *
     * @return the command's NVMe status (0 for success)
     */
    int send(byte[] message);

    /**
     * Authentication Receive into {@code allocationLength} bytes.
     *
     * @return the data, or null when the command failed (see {@link #lastStatus()})
     */
    byte[] receive(int allocationLength);

    /** Status of the last failed command. */
    int lastStatus();
}
