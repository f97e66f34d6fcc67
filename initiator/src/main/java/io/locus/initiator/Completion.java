package io.locus.initiator;

/** The outcome of a command run to completion by a blocking call: status and the two result dwords. */
public record Completion(int status, int dw0, int dw1) {
    public boolean ok() {
        return HostStatus.ok(status);
    }

    public String describe() {
        return HostStatus.describe(status);
    }
}
