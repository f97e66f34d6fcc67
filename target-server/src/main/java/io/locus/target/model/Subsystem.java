package io.locus.target.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An NVM subsystem: NQN, identity strings, namespaces, the hosts allowed in, and its live controllers.
 * Control-plane state, read from reactors (namespace lookups go through a concurrent map) and changed rarely.
 */
public final class Subsystem {
    /** Dynamic controller model: CNTLIDs 1..0xFFEF (the defaults of min_cntlid / max_cntlid). */
    public static final int MIN_CNTLID = 1;
    public static final int MAX_CNTLID = 0xFFEF;

    private final String nqn;
    private final String serial;
    private final String model;
    private final boolean discovery;
    private final boolean allowAnyHost;
    private final Set<String> allowedHosts;
    private final int maxNamespaces;
    private final NavigableMap<Integer, Namespace> namespaces = new ConcurrentSkipListMap<>();
    private final Map<Integer, Controller> controllers = new ConcurrentHashMap<>();
    private final List<NamespaceListener> listeners = new CopyOnWriteArrayList<>();
    private final int minCntlid;
    private final int maxCntlid;
    private int nextCntlid;
    /** DH-HMAC-CHAP settings by host NQN (io.locus.target.auth); hosts absent here do not authenticate. */
    private volatile Map<String, io.locus.target.auth.DhchapHostConfig> hostAuth = Map.of();

    public Subsystem(String nqn, String serial, String model, boolean allowAnyHost, Collection<String> allowedHosts,
                     int maxNamespaces, boolean discovery) {
        this(nqn, serial, model, allowAnyHost, allowedHosts, maxNamespaces, discovery, MIN_CNTLID, MAX_CNTLID);
    }

    /**
     * @param minCntlid first controller ID handed out (SPDK's {@code min_cntlid}), 1..0xFFEF
     * @param maxCntlid last one ({@code max_cntlid}), minCntlid..0xFFEF: two nodes serving one subsystem take disjoint
     *                  ranges so that every controller ID is unique across them, as the host requires
     * @throws IllegalArgumentException when the range is empty or outside 1..0xFFEF
     */
    public Subsystem(String nqn, String serial, String model, boolean allowAnyHost, Collection<String> allowedHosts,
                     int maxNamespaces, boolean discovery, int minCntlid, int maxCntlid) {
        if (minCntlid < MIN_CNTLID || maxCntlid > MAX_CNTLID || minCntlid > maxCntlid) {
            throw new IllegalArgumentException("controller ID range " + minCntlid + ".." + maxCntlid
                    + " is not within " + MIN_CNTLID + ".." + MAX_CNTLID + " or is empty");
        }
        this.minCntlid = minCntlid;
        this.maxCntlid = maxCntlid;
        this.nextCntlid = minCntlid;
        this.nqn = nqn;
        this.serial = serial;
        this.model = model;
        this.allowAnyHost = allowAnyHost;
        this.allowedHosts = Set.copyOf(allowedHosts);
        this.maxNamespaces = maxNamespaces;
        this.discovery = discovery;
    }

    public String nqn() {
        return nqn;
    }

    public String serial() {
        return serial;
    }

    public String model() {
        return model;
    }

    public boolean isDiscovery() {
        return discovery;
    }

    public int maxNamespaces() {
        return maxNamespaces;
    }

    public boolean hostAllowed(String hostNqn) {
        return allowAnyHost || allowedHosts.contains(hostNqn);
    }

    public void hostAuth(Map<String, io.locus.target.auth.DhchapHostConfig> byHostNqn) {
        this.hostAuth = Map.copyOf(byHostNqn);
    }

    /** The host's DH-HMAC-CHAP settings, or null when it has none. */
    public io.locus.target.auth.DhchapHostConfig hostAuth(String hostNqn) {
        return hostAuth.get(hostNqn);
    }

    public boolean allowAnyHost() {
        return allowAnyHost;
    }

    public Set<String> allowedHosts() {
        return allowedHosts;
    }

    public Namespace namespace(int nsid) {
        return namespaces.get(nsid);
    }

    public Collection<Namespace> namespaces() {
        return Collections.unmodifiableCollection(namespaces.values());
    }

    /** Adds a namespace and tells every controller (namespace-attribute-changed AEN). */
    public void addNamespace(Namespace ns) {
        if (ns.nsid() > maxNamespaces) {
            throw new IllegalArgumentException("NSID " + ns.nsid() + " is above the subsystem's maximum of " + maxNamespaces);
        }
        if (namespaces.putIfAbsent(ns.nsid(), ns) != null) {
            throw new IllegalArgumentException("NSID " + ns.nsid() + " already exists in " + nqn);
        }
        notifyChanged(ns.nsid());
    }

    /** Removes a namespace; returns it (the caller closes its backend once I/O has drained). */
    public Namespace removeNamespace(int nsid) {
        Namespace removed = namespaces.remove(nsid);
        if (removed != null) {
            notifyChanged(nsid);
        }
        return removed;
    }

    private void notifyChanged(int nsid) {
        for (NamespaceListener l : listeners) {
            l.namespaceChanged(nsid);
        }
    }

    public void addListener(NamespaceListener l) {
        listeners.add(l);
    }

    public void removeListener(NamespaceListener l) {
        listeners.remove(l);
    }

    public int minCntlid() {
        return minCntlid;
    }

    public int maxCntlid() {
        return maxCntlid;
    }

    /**
     * Allocates a CNTLID in min_cntlid..max_cntlid not in use (round robin, so a fresh controller does not reuse the
     * ID of one just gone) and registers the controller under it; -1 when all are taken.
     */
    public synchronized int register(Controller controller) {
        for (int tries = 0; tries <= maxCntlid - minCntlid; tries++) {
            int id = nextCntlid;
            nextCntlid = nextCntlid == maxCntlid ? minCntlid : nextCntlid + 1;
            if (!controllers.containsKey(id)) {
                controllers.put(id, controller);
                return id;
            }
        }
        return -1;
    }

    public void unregister(int cntlid, Controller controller) {
        controllers.remove(cntlid, controller);
    }

    public Controller controller(int cntlid) {
        return controllers.get(cntlid);
    }

    public List<Controller> controllers() {
        return new ArrayList<>(controllers.values());
    }
}
