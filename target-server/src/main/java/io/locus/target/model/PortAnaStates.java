package io.locus.target.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * The ANA state of every ANA group (1..{@link #ANAGRPMAX}) through one port, as Linux nvmet keeps
 * {@code port->ana_state[grpid]}: a controller reports and enforces the states of the port its host connected
 * through. Groups never set are {@link AnaState#OPTIMIZED}.
 *
 * <p>Also the port's ANA change count (the ANA log page's CHGCNT): 1 at start, incremented by every change, and
 * each group's change count (the value of the port's count when that group last changed). The Linux host only
 * compares them for a change; 0 would mean "not supported", so they start at 1.
 *
 * <p>Threading: I/O validation on any reactor reads {@link #state(int)} (one volatile read, no lock); changes come
 * from the control plane and replace the array (copy on write) under this object's monitor.
 */
public final class PortAnaStates {
    /**
     * ANAGRPMAX and NANAGRPID. 64, not nvmet's 128: the whole log (16 + 32 x NANAGRPID + 4 x MNAN bytes, what the
     * Linux host reads in {@code nvme_mpath_init_identify}) must fit the smallest MDTS (8 KiB) with MNAN 1024, or the
     * host disables ANA.
     */
    public static final int ANAGRPMAX = 64;

    private volatile AnaState[] states;
    private long changeCount = 1;
    private final long[] groupChangeCount = new long[ANAGRPMAX + 1];

    /** All groups optimized. */
    public PortAnaStates() {
        AnaState[] s = new AnaState[ANAGRPMAX + 1];
        java.util.Arrays.fill(s, AnaState.OPTIMIZED);
        this.states = s;
        java.util.Arrays.fill(groupChangeCount, 1);
    }

    /** The configured states ({@code "ana_states"}: group to state); others optimized. */
    public PortAnaStates(Map<Integer, AnaState> configured) {
        this();
        for (Map.Entry<Integer, AnaState> e : configured.entrySet()) {
            checkGroup(e.getKey());
            states[e.getKey()] = e.getValue();
        }
    }

    /** @throws IllegalArgumentException when {@code group} is not 1..ANAGRPMAX */
    public static void checkGroup(int group) {
        if (group < 1 || group > ANAGRPMAX) {
            throw new IllegalArgumentException("ANA group " + group + " is out of range 1.." + ANAGRPMAX);
        }
    }

    /** The state of {@code group} (1..ANAGRPMAX; the caller checked it). Hot path: no lock, no allocation. */
    public AnaState state(int group) {
        return states[group];
    }

    /**
     * Sets the state of a group; returns whether it changed (then the change counts moved on and the caller raises
     * the ANA-change event).
     */
    public synchronized boolean set(int group, AnaState state) {
        checkGroup(group);
        if (states[group] == state) {
            return false;
        }
        AnaState[] next = states.clone();
        next[group] = state;
        changeCount++;
        groupChangeCount[group] = changeCount;
        states = next;
        return true;
    }

    /** The port's ANA change count (log page header CHGCNT). */
    public synchronized long changeCount() {
        return changeCount;
    }

    /** The change count of one group's descriptor. */
    public synchronized long changeCount(int group) {
        checkGroup(group);
        return groupChangeCount[group];
    }

    /** The groups whose state is not optimized, ascending (for reporting; the rest are optimized). */
    public Map<Integer, AnaState> notOptimized() {
        AnaState[] s = states;
        Map<Integer, AnaState> out = new TreeMap<>();
        for (int g = 1; g <= ANAGRPMAX; g++) {
            if (s[g] != AnaState.OPTIMIZED) {
                out.put(g, s[g]);
            }
        }
        return out;
    }
}
