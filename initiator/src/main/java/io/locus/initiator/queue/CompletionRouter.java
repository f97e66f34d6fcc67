package io.locus.initiator.queue;

/**
 * Where a queue hands the completions of commands that carry a {@link io.locus.initiator.Flow}: the controller's
 * policy for who consumes them (anti-migration) and what it records about them (per-flow stage timing). A queue made
 * without one runs every callback on its own reactor, as it always did.
 */
public interface CompletionRouter {
    /**
     * A carrier for one command slot of {@code queue}. Called for every slot when the queue is made, and again, rarely,
     * when a slot completes while its carrier is still on its way to another reactor.
     */
    RoutedCompletion newCarrier(QueuePair queue);
}
