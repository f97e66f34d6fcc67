package io.locus.initiator.cli;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.IoPolicy;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A namespace opened over several paths for one command: a controller per address (all on the caller's reactors when
 * the options name them), joined into one {@link MultipathNamespace}. A path that cannot be connected is left out
 * and reported in {@link #unreachable}; with none connected, opening fails.
 */
final class OpenPaths implements AutoCloseable {
    final List<Controller> controllers = new ArrayList<>();
    final Map<TransportId, String> unreachable = new LinkedHashMap<>();
    MultipathNamespace ns;

    static OpenPaths open(List<TransportId> targets, HostIdentity host, ControllerOptions options, int nsid,
                          IoPolicy policy) {
        OpenPaths open = new OpenPaths();
        try {
            for (TransportId t : targets) {
                try {
                    open.controllers.add(Controller.connect(t, host, options));
                } catch (NvmeException e) {
                    open.unreachable.put(t, e.getMessage());
                }
            }
            if (open.controllers.isEmpty()) {
                throw new NvmeException("no path to " + targets.getFirst().subsystemNqn() + " could be connected: "
                        + String.join("; ", open.unreachable.values()));
            }
            for (Controller c : open.controllers) {
                if (open.ns == null) {
                    open.ns = MultipathNamespace.of(c.namespace(nsid), policy);
                } else {
                    open.ns.addPath(c.namespace(nsid));
                }
            }
            return open;
        } catch (RuntimeException e) {
            open.close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (ns != null) {
            ns.close();
        }
        for (Controller c : controllers) {
            c.close();
        }
    }
}
