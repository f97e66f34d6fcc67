package io.locus.target.core;

/**
 * Where a queue's homed flows want it: counts homed completions per reactor (where their flows are homed) and asks
 * for a move when one reactor clearly dominates the queue's recent homed traffic — more than twice the completions
 * homed where the queue is. A queue carrying one flow sent on the "wrong" queue moves after its first remote
 * completion; a queue carrying flows of several homes does not ping-pong between them (moving back needs the mix to
 * turn around). Votes are halved every {@link #VOTE_WINDOW} homed completions, so placement follows the recent mix.
 *
 * <p>Pure policy: the transport moves the queue (only when quiescent) and says so with {@link #moved}. Owned by the
 * queue's reactor; no allocation after the first vote.
 */
public final class QueuePlacement {
    /** Homed completions between two halvings of the votes. */
    static final int VOTE_WINDOW = 1024;

    private int[] homeVotes;
    private int votes;
    /** Index of the reactor the homed flows want the queue on; -1: none. */
    private int wantedHome = -1;

    /** Counts a completion homed on {@code homeCpu}, for a queue now in {@code here}. */
    public void vote(int homeCpu, PollGroup here) {
        int n = here.reactorCount();
        if (n < 2) {
            return;
        }
        if (homeVotes == null) {
            homeVotes = new int[n];
        }
        int home = here.homeIndex(homeCpu);
        homeVotes[home]++;
        if (++votes >= VOTE_WINDOW) {
            votes = 0;
            for (int i = 0; i < n; i++) {
                homeVotes[i] >>= 1;
                votes += homeVotes[i];
            }
        }
        if (home != here.index() && homeVotes[home] > 2 * homeVotes[here.index()]) {
            wantedHome = home;
        }
    }

    /** Whether a move has been asked for (it may no longer be wanted by the time the queue is quiescent). */
    public boolean moveWanted() {
        return wantedHome >= 0;
    }

    /**
     * The reactor index to move to now, or -1 when the mix turned around before the queue was free to move (the
     * wish is then dropped).
     */
    public int target(PollGroup here) {
        int want = wantedHome;
        if (want < 0) {
            return -1;
        }
        int at = here.index();
        if (want == at || homeVotes[want] <= 2 * homeVotes[at]) {
            wantedHome = -1;
            return -1;
        }
        return want;
    }

    /** The move to the wanted reactor has started. */
    public void moved() {
        wantedHome = -1;
    }
}
