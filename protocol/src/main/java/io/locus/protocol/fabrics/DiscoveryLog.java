package io.locus.protocol.fabrics;

/**
 * Discovery log page (LID 0x70): a 1024-byte header, then 1024-byte entries.
 *
 * <pre>
 * header:  0 GENCTR (8) | 8 NUMREC (8) | 16 RECFMT (2) | reserved to 1024
 * entry:   0 TRTYPE | 1 ADRFAM | 2 SUBTYPE | 3 TREQ | 4 PORTID (2) | 6 CNTLID (2) | 8 ASQSZ (2) | 10 EFLAGS (2)
 *          32 TRSVCID (32) | 256 SUBNQN (256) | 512 TRADDR (256) | 768 TSAS (256)
 * </pre>
 */
public final class DiscoveryLog {
    public static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
    public static final int HEADER_LENGTH = 1024;
    public static final int ENTRY_LENGTH = 1024;
    public static final int GENCTR_OFFSET = 0;
    public static final int NUMREC_OFFSET = 8;
    public static final int RECFMT_OFFSET = 16;

    public static final int TRTYPE_OFFSET = 0;
    public static final int ADRFAM_OFFSET = 1;
    public static final int SUBTYPE_OFFSET = 2;
    public static final int TREQ_OFFSET = 3;
    public static final int PORTID_OFFSET = 4;
    public static final int CNTLID_OFFSET = 6;
    public static final int ASQSZ_OFFSET = 8;
    public static final int EFLAGS_OFFSET = 10;
    public static final int TRSVCID_OFFSET = 32;
    public static final int TRSVCID_LENGTH = 32;
    public static final int SUBNQN_OFFSET = 256;
    public static final int TRADDR_OFFSET = 512;
    public static final int TRADDR_LENGTH = 256;
    public static final int TSAS_OFFSET = 768;

    public static final int TRTYPE_RDMA = 1;
    /** RDMA TSAS (from {@link #TSAS_OFFSET}): 0 RDMA_QPTYPE, 1 RDMA_PRTYPE, 2 RDMA_CMS, 8-9 RDMA_PKEY. */
    public static final int TSAS_RDMA_QPTYPE_OFFSET = 0;
    public static final int TSAS_RDMA_PRTYPE_OFFSET = 1;
    public static final int TSAS_RDMA_CMS_OFFSET = 2;
    /** RDMA_QPTYPE reliable connected. */
    public static final int RDMA_QPTYPE_CONNECTED = 1;
    /** RDMA_PRTYPE no provider specified (what Linux nvmet reports). */
    public static final int RDMA_PRTYPE_NOT_SPECIFIED = 1;
    /** RDMA_CMS: the RDMA IP connection manager (rdma_cm). */
    public static final int RDMA_CMS_RDMA_CM = 1;
    public static final int TRTYPE_TCP = 3;
    public static final int TRTYPE_LOOP = 254;
    public static final int ADRFAM_IPV4 = 1;
    public static final int ADRFAM_IPV6 = 2;
    public static final int SUBTYPE_REFERRAL = 1;
    public static final int SUBTYPE_NVME = 2;
    public static final int SUBTYPE_CURRENT_DISCOVERY = 3;
    /** TREQ: secure channel not specified (b1:0 = 0). */
    public static final int TREQ_NOT_SPECIFIED = 0x0;
    /** TREQ: secure channel required (b1:0 = 1). */
    public static final int TREQ_REQUIRED = 0x1;
    /** TREQ: secure channel not required (b1:0 = 2). */
    public static final int TREQ_NOT_REQUIRED = 0x2;
    /** TREQ b2: SQ flow control disable supported. */
    public static final int TREQ_SQ_FLOW_CONTROL_DISABLE = 0x4;

    private DiscoveryLog() {
    }
}
