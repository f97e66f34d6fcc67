package io.locus.target.transport.tcp;

import java.util.Arrays;

/**
 * The completions of controller-to-host commands whose data already went into the current flush's batch, held back
 * so that their CapsuleResps go out together after all of that flush's data PDUs rather than one behind each. SPDK's
 * target does the same by construction (lib/nvmf/tcp.c, nvmf_tcp_pdu_c2h_data_complete: the CapsuleResp is queued
 * once the C2HData's send has completed, so it leaves in a later sendmsg). A host that submits from its completion
 * callbacks and sends once per poll (spdk_nvme_perf) then finds a flush's completions together and submits them in
 * one send, instead of one capsule per send while it reads the data as fast as it arrives.
 *
 * <p>Each completion keeps the SQ head it had when the command completed. One per queue, reactor thread only;
 * the array grows to the largest flush and nothing is allocated per completion after that.
 */
final class HeldCompletions {
    /** Ints per held completion: cid, status, DW0, DW1, SQ head. */
    private static final int STRIDE = 5;
    private int[] fields = new int[16 * STRIDE];
    private int count;

    void hold(int cid, int status, int dw0, int dw1, int sqHead) {
        int at = count * STRIDE;
        if (at == fields.length) {
            fields = Arrays.copyOf(fields, fields.length * 2);
        }
        fields[at] = cid;
        fields[at + 1] = status;
        fields[at + 2] = dw0;
        fields[at + 3] = dw1;
        fields[at + 4] = sqHead;
        count++;
    }

    int size() {
        return count;
    }

    int cid(int i) {
        return fields[i * STRIDE];
    }

    int status(int i) {
        return fields[i * STRIDE + 1];
    }

    int dw0(int i) {
        return fields[i * STRIDE + 2];
    }

    int dw1(int i) {
        return fields[i * STRIDE + 3];
    }

    int sqHead(int i) {
        return fields[i * STRIDE + 4];
    }

    void clear() {
        count = 0;
    }
}
