package io.locus.initiator;

import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.LogPage;

import java.util.List;

/**
 * An asynchronous event the controller reported (an AER completion), after the host read its log page.
 *
 * @param kind           what changed
 * @param dw0            the raw AER completion dword 0
 * @param changedNsids   for NAMESPACE_CHANGED: the Changed Namespace List (empty when not read)
 */
public record ControllerEvent(Kind kind, int dw0, List<Integer> changedNsids) {
    public enum Kind {
        /** Namespace attributes changed or namespaces were added/removed (notice 0x00, log 0x04). */
        NAMESPACE_CHANGED,
        /** ANA state of a group changed (notice 0x03, log 0x0C). */
        ANA_CHANGED,
        /** The discovery log page changed (notice 0xF0, log 0x70). */
        DISCOVERY_LOG_CHANGED,
        /** An error or health event (types 0 and 1). */
        ERROR_OR_HEALTH,
        /** Anything else. */
        OTHER
    }

    public static Kind classify(int dw0) {
        int type = AsyncEvent.type(dw0);
        if (type == AsyncEvent.TYPE_ERROR || type == AsyncEvent.TYPE_SMART) {
            return Kind.ERROR_OR_HEALTH;
        }
        if (type == AsyncEvent.TYPE_NOTICE) {
            return switch (AsyncEvent.info(dw0)) {
                case AsyncEvent.NOTICE_NS_ATTRIBUTE_CHANGED -> Kind.NAMESPACE_CHANGED;
                case AsyncEvent.NOTICE_ANA_CHANGE -> Kind.ANA_CHANGED;
                case AsyncEvent.NOTICE_DISCOVERY_LOG_CHANGE -> Kind.DISCOVERY_LOG_CHANGED;
                default -> Kind.OTHER;
            };
        }
        return Kind.OTHER;
    }

    public int logPage() {
        return AsyncEvent.logPage(dw0);
    }

    @Override
    public String toString() {
        return kind + String.format(" (dw0 0x%08x, log 0x%02x)", dw0, logPage())
                + (kind == Kind.NAMESPACE_CHANGED && logPage() == LogPage.CHANGED_NAMESPACES ? " nsids " + changedNsids : "");
    }
}
