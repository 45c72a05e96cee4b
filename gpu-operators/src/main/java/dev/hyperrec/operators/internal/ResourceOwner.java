package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.OperatorException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ownership tree of one backend: resources register when created, are closed in reverse
 * creation order when the owner closes, and leave the tree when closed individually (so a
 * long-lived backend does not accumulate the operators of tasks that came and went).
 *
 * <p>Thread safety: all methods may be called from any thread; a backend is shared by task
 * threads while each operator stays confined to one.
 */
public final class ResourceOwner implements AutoCloseable {
    private final String name;
    private List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    public ResourceOwner(String name) {
        this.name = name;
    }

    /** Adds {@code resource} to the tree; throws {@link IllegalStateException} when the owner is closed. */
    public synchronized <T extends AutoCloseable> T register(T resource) {
        checkOpen();
        owned.add(resource);
        return resource;
    }

    /** Removes a resource that closed itself; a no-op while the owner is closing or closed. */
    public synchronized void release(AutoCloseable resource) {
        if (closed) {
            return;
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            if (owned.get(i) == resource) {
                owned.remove(i);
                return;
            }
        }
    }

    public synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Number of live resources in the tree. */
    public synchronized int ownedCount() {
        return owned.size();
    }

    /**
     * Closes every live resource, newest first; idempotent. Every resource is closed even when
     * one fails; the first failure is rethrown with the others suppressed.
     */
    @Override
    public void close() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = owned;
            owned = List.of();
        }
        OperatorException failure = null;
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new OperatorException("closing " + name + ": " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
