package io.locus.target.model;

/** Told when a subsystem's namespace set changes (for namespace-attribute-changed AENs). */
public interface NamespaceListener {
    void namespaceChanged(int nsid);
}
