package io.locus.protocol.auth;

/** A DH-HMAC-CHAP message that cannot be read; {@link #explanation()} is the failure explanation for the peer. */
public final class DhchapFormatException extends Exception {
    private final int explanation;

    public DhchapFormatException(int explanation, String message) {
        super(message);
        this.explanation = explanation;
    }

    /** {@link Dhchap#INCORRECT_PAYLOAD} or {@link Dhchap#INCORRECT_MESSAGE}. */
    public int explanation() {
        return explanation;
    }
}
