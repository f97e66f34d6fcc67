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
 * the arrays grow to the largest flush and nothing is allocated per completion after that.
 */
final class HeldCompletions {
    private int[] cids = new int[16];
    private int[] statuses = new int[16];
    private int[] dw0s = new int[16];
    private int[] dw1s = new int[16];
    private int[] sqHeads = new int[16];
    private int count;

    void hold(int cid, int status, int dw0, int dw1, int sqHead) {
        if (count == cids.length) {
            int n = count * 2;
            cids = Arrays.copyOf(cids, n);
            statuses = Arrays.copyOf(statuses, n);
            dw0s = Arrays.copyOf(dw0s, n);
            dw1s = Arrays.copyOf(dw1s, n);
            sqHeads = Arrays.copyOf(sqHeads, n);
        }
        cids[count] = cid;
        statuses[count] = status;
        dw0s[count] = dw0;
        dw1s[count] = dw1;
        sqHeads[count] = sqHead;
        count++;
    }

    int size() {
        return count;
    }

    int cid(int i) {
        return cids[i];
    }

    int status(int i) {
        return statuses[i];
    }

    int dw0(int i) {
        return dw0s[i];
    }

    int dw1(int i) {
        return dw1s[i];
    }

    int sqHead(int i) {
        return sqHeads[i];
    }

    void clear() {
        count = 0;
    }
}
