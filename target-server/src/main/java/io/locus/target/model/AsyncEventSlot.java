package io.locus.target.model;

/** An outstanding Asynchronous Event Request, completed when an event is raised or the controller goes away. */
public interface AsyncEventSlot {
    /** Completes the AER with {@code status} and the event in {@code dw0} (admin reactor). */
    void complete(int status, int dw0);
}
