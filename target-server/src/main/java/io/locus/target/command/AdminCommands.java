package io.locus.target.command;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AnaLogPage;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.Status;
import io.locus.target.core.CommandSet;
import io.locus.target.core.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.locus.target.model.Subsystem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Admin command set for I/O and discovery controllers: Identify, Get Log Page, Set/Get Features, Async Event
 * Request, Keep Alive and Abort. Each handler validates, fills the request's data and completes it.
 *
 * <p>Every command here moves a fixed amount of data (Identify 4096 bytes, Get Log Page (NUMD + 1) × 4, Features
 * none but the Host Identifier, the rest none), and SGL1 must describe exactly that: Data SGL Length Invalid otherwise,
 * as Linux nvmet answers (SGLS b18 is not advertised; see {@link Request#checkTransferLength}).
 */
public final class AdminCommands implements CommandSet {
    private static final int IDENTIFY_LENGTH = 4096;

    @Override
    public void execute(Request r) {
        Controller c = r.queue.controller();
        if (!c.isEnabled()) {
            r.complete(Status.COMMAND_SEQUENCE_ERROR);
            return;
        }
        boolean discovery = c.isDiscovery();
        switch (r.opcode) {
            case AdminOpcode.IDENTIFY -> identify(r, c);
            case AdminOpcode.GET_LOG_PAGE -> getLogPage(r, c);
            case AdminOpcode.SET_FEATURES -> setFeatures(r, c);
            case AdminOpcode.GET_FEATURES -> getFeatures(r, c);
            case AdminOpcode.ASYNC_EVENT_REQUEST -> {
                if (!r.checkTransferLength(0)) {
                    return;
                }
                if (!c.addAer(r)) {
                    r.complete(Status.AER_LIMIT_EXCEEDED);
                }
            }
            case AdminOpcode.KEEP_ALIVE -> {
                if (!r.checkTransferLength(0)) {
                    return;
                }
                if (c.katoMillis() == 0) {
                    r.complete(Status.KEEP_ALIVE_INVALID);
                } else {
                    c.keepAlive(r.queue.pollGroup().nanoTime());
                    r.complete(Status.SUCCESS);
                }
            }
            case AdminOpcode.ABORT -> {
                if (!r.checkTransferLength(0)) {
                    return;
                }
                if (discovery) {
                    r.complete(Status.INVALID_OPCODE | Status.DNR);
                } else {
                    // DW0 b0 = 1: command not aborted (the Linux target's answer; commands here finish quickly).
                    r.complete(Status.SUCCESS, 1);
                }
            }
            default -> r.complete(Status.INVALID_OPCODE | Status.DNR);
        }
    }

    private void identify(Request r, Controller c) {
        int cdw10 = r.cdw(10);
        int cns = cdw10 & 0xFF;
        if (!r.checkTransferLength(IDENTIFY_LENGTH)) {
            return;
        }
        Subsystem s = c.subsystem();
        if (c.isDiscovery() && cns != IdentifyNamespace.CNS_CONTROLLER) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        int nsid = r.nsid();
        switch (cns) {
            case IdentifyNamespace.CNS_NAMESPACE -> {
                if (nsid == 0 || nsid == 0xFFFFFFFF || Integer.compareUnsigned(nsid, s.maxNamespaces()) > 0) {
                    r.complete(Status.INVALID_NAMESPACE | Status.DNR);
                    return;
                }
                ByteBuf b = r.allocateZeroedReadData(IDENTIFY_LENGTH);
                Namespace ns = s.namespace(nsid);
                if (ns != null) {
                    IdentifyData.namespace(b, b.readerIndex(), ns);
                }
                r.complete(Status.SUCCESS);
            }
            case IdentifyNamespace.CNS_CONTROLLER -> {
                ByteBuf b = r.allocateZeroedReadData(IDENTIFY_LENGTH);
                IdentifyData.controller(b, b.readerIndex(), c);
                r.complete(Status.SUCCESS);
            }
            case IdentifyNamespace.CNS_ACTIVE_NSID_LIST -> {
                if (Integer.compareUnsigned(nsid, 0xFFFFFFFE) >= 0) {
                    r.complete(Status.INVALID_NAMESPACE | Status.DNR);
                    return;
                }
                ByteBuf b = r.allocateZeroedReadData(IDENTIFY_LENGTH);
                IdentifyData.activeNamespaces(b, b.readerIndex(), s, nsid);
                r.complete(Status.SUCCESS);
            }
            case IdentifyNamespace.CNS_NS_DESCRIPTOR_LIST -> {
                Namespace ns = s.namespace(nsid);
                if (ns == null) {
                    r.complete(Status.INVALID_NAMESPACE | Status.DNR);
                    return;
                }
                ByteBuf b = r.allocateZeroedReadData(IDENTIFY_LENGTH);
                IdentifyData.descriptors(b, b.readerIndex(), ns);
                r.complete(Status.SUCCESS);
            }
            case IdentifyNamespace.CNS_CSI_CONTROLLER, IdentifyNamespace.CNS_CSI_NAMESPACE -> {
                int csi = r.cdw(11) >>> 24;
                if (csi != 0) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                r.allocateZeroedReadData(IDENTIFY_LENGTH);
                r.complete(Status.SUCCESS);
            }
            default -> r.complete(Status.INVALID_FIELD | Status.DNR);
        }
    }

    private void getLogPage(Request r, Controller c) {
        int cdw10 = r.cdw(10);
        int lid = LogPage.lid(cdw10);
        boolean rae = LogPage.rae(cdw10);
        long length = LogPage.length(cdw10, r.cdw(11));
        long offset = LogPage.offset(r.cdw(12), r.cdw(13));
        if (!r.checkTransferLength(length)) {
            return;
        }
        if (length > c.limits().maxTransferBytes() || (offset & 0x3) != 0) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        ByteBuf page;
        boolean discovery = c.isDiscovery();
        if (discovery && lid != LogPage.DISCOVERY && lid != LogPage.ERROR) {
            r.complete(Status.INVALID_LOG_PAGE | Status.DNR);
            return;
        }
        switch (lid) {
            case LogPage.DISCOVERY -> {
                if (!discovery) {
                    r.complete(Status.INVALID_LOG_PAGE | Status.DNR);
                    return;
                }
                page = c.discoveryLog().build(c.hostNqn());
            }
            case LogPage.ERROR -> {
                page = zeroed(64 * 64);
                c.errorLog().write(page, 0, 64 * 64);
            }
            case LogPage.SMART -> page = LogPages.smart(c);
            case LogPage.FIRMWARE_SLOT -> {
                page = zeroed(LogPage.FIRMWARE_SLOT_LENGTH);
                page.setByte(0, 1);
                io.locus.protocol.fabrics.ConnectData.writeSpacePadded(page, 8, 8, IdentifyData.FIRMWARE_REVISION);
            }
            case LogPage.CHANGED_NAMESPACES -> {
                page = zeroed(LogPage.CHANGED_NAMESPACES_LENGTH);
                int[] changed = c.takeChangedNamespaces(rae);
                for (int i = 0; i < changed.length; i++) {
                    page.setIntLE(4 * i, changed[i]);
                }
            }
            case LogPage.COMMAND_EFFECTS -> page = LogPages.commandEffects();
            case LogPage.ANA -> page = LogPages.ana(c, (LogPage.lsp(cdw10) & AnaLogPage.LSP_RGO) != 0);
            default -> {
                r.complete(Status.INVALID_LOG_PAGE | Status.DNR);
                return;
            }
        }
        try {
            if (offset > page.writerIndex()) {
                r.complete(Status.INVALID_FIELD | Status.DNR);
                return;
            }
            ByteBuf out = r.allocateZeroedReadData((int) length);
            int available = (int) Math.min(length, page.writerIndex() - offset);
            out.setBytes(out.readerIndex(), page, (int) offset, available);
        } finally {
            page.release();
        }
        c.logPageRead(lid, rae);
        r.complete(Status.SUCCESS);
    }

    static ByteBuf zeroed(int length) {
        ByteBuf b = ByteBufAllocator.DEFAULT.heapBuffer(length, length);
        b.setZero(0, length);
        b.writerIndex(length);
        return b;
    }

    private void setFeatures(Request r, Controller c) {
        int cdw10 = r.cdw(10);
        int cdw11 = r.cdw(11);
        int fid = Feature.fid(cdw10);
        if (!r.checkTransferLength(featureDataLength(fid, cdw11))) {
            return;
        }
        if ((cdw10 & (1 << 31)) != 0) {
            r.complete(Status.FEATURE_NOT_SAVEABLE | Status.DNR);
            return;
        }
        boolean discovery = c.isDiscovery();
        switch (fid) {
            case Feature.KEEP_ALIVE_TIMER -> {
                c.setKatoMillis(cdw11 & 0xFFFFFFFFL, r.queue.pollGroup().nanoTime());
                r.complete(Status.SUCCESS);
            }
            case Feature.ASYNC_EVENT_CONFIG -> {
                int supported = discovery ? IdentifyController.OAES_DISCOVERY_LOG_CHANGE
                        : IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE | 0xFF;
                c.setAsyncEventConfig(cdw11 & supported);
                r.complete(Status.SUCCESS);
            }
            case Feature.NUMBER_OF_QUEUES -> {
                if (discovery) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                int nsqr = cdw11 & 0xFFFF;
                int ncqr = cdw11 >>> 16;
                if (nsqr == 0xFFFF || ncqr == 0xFFFF) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                int granted = c.requestIoQueues(Math.min(nsqr, ncqr) + 1);
                r.complete(Status.SUCCESS, granted | (granted << 16));
            }
            case Feature.VOLATILE_WRITE_CACHE -> {
                if (discovery || !IdentifyData.anyVolatileCache(c.subsystem())) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                c.setVolatileWriteCacheEnabled((cdw11 & 0x1) != 0);
                r.complete(Status.SUCCESS);
            }
            case Feature.LOCUS_PROVENANCE -> {
                if (discovery || !c.limits().provenance()) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                c.setProvenanceEnabled((cdw11 & 0x1) != 0);
                r.complete(Status.SUCCESS);
            }
            case Feature.HOST_IDENTIFIER -> r.complete(Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
            default -> r.complete(Status.INVALID_FIELD | Status.DNR);
        }
    }

    /**
     * Bytes of data a Set/Get Features of {@code fid} moves: the Host Identifier's 8 or 16 (CDW11 b0 EXHID), none
     * for every other feature here (their values travel in CDW11 and DW0), as Linux nvmet's
     * {@code nvmet_feat_data_len} counts them.
     */
    private static int featureDataLength(int fid, int cdw11) {
        if (fid == Feature.HOST_IDENTIFIER) {
            return (cdw11 & 0x1) != 0 ? 16 : 8;
        }
        return 0;
    }

    private void getFeatures(Request r, Controller c) {
        int cdw10 = r.cdw(10);
        int fid = Feature.fid(cdw10);
        int select = (cdw10 >>> 8) & 0x7;
        if (!r.checkTransferLength(featureDataLength(fid, r.cdw(11)))) {
            return;
        }
        boolean discovery = c.isDiscovery();
        if (select == Feature.SELECT_SUPPORTED_CAPABILITIES) {
            // Every feature here is changeable and not saveable: b2 set.
            r.complete(Status.SUCCESS, 0x4);
            return;
        }
        boolean defaults = select == Feature.SELECT_DEFAULT || select == Feature.SELECT_SAVED;
        switch (fid) {
            case Feature.KEEP_ALIVE_TIMER -> r.complete(Status.SUCCESS, defaults ? 0 : (int) c.katoMillis());
            case Feature.ASYNC_EVENT_CONFIG -> r.complete(Status.SUCCESS, defaults ? 0 : c.asyncEventConfig());
            case Feature.NUMBER_OF_QUEUES -> {
                if (discovery) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                int n = (defaults ? c.limits().maxIoQueues() : c.grantedIoQueues()) - 1;
                r.complete(Status.SUCCESS, n | (n << 16));
            }
            case Feature.VOLATILE_WRITE_CACHE -> {
                if (discovery) {
                    r.complete(Status.INVALID_FIELD | Status.DNR);
                    return;
                }
                boolean present = IdentifyData.anyVolatileCache(c.subsystem());
                r.complete(Status.SUCCESS, present && (defaults || c.volatileWriteCacheEnabled()) ? 1 : 0);
            }
            case Feature.ARBITRATION, Feature.POWER_MANAGEMENT, Feature.ERROR_RECOVERY, Feature.INTERRUPT_COALESCING,
                 Feature.WRITE_ATOMICITY -> r.complete(discovery ? Status.INVALID_FIELD | Status.DNR : Status.SUCCESS, 0);
            case Feature.TEMPERATURE_THRESHOLD -> r.complete(discovery ? Status.INVALID_FIELD | Status.DNR : Status.SUCCESS, 0x0157);
            case Feature.LOCUS_PROVENANCE -> r.complete(discovery ? Status.INVALID_FIELD | Status.DNR : Status.SUCCESS,
                    c.provenanceEnabled() && !defaults ? 1 : 0);
            default -> r.complete(Status.INVALID_FIELD | Status.DNR);
        }
    }
}
