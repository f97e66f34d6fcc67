package io.locus.initiator;

/** Watches a controller: state changes and asynchronous events. Called on the controller's control thread. */
public interface ControllerListener {
    /** @param reason why the state changed (the error for RESETTING/FAILED), or null */
    default void onStateChange(Controller controller, ControllerState state, String reason) {
    }

    default void onEvent(Controller controller, ControllerEvent event) {
    }
}
