package dev.drover.master.registry;

import dev.drover.api.v1.Object;

/**
 * What one kind adds to the generic {@link Registry}, as Kubernetes' per-resource strategies do:
 * the registry runs every create, update and delete the same way and asks the kind's strategy at
 * the few points where kinds differ. A kind without a strategy of its own uses the defaults.
 */
public interface KindStrategy {
  /** The strategy of a kind with no rules of its own. */
  KindStrategy DEFAULT = new KindStrategy() {};

  /** Server-set state of a new object, after it was defaulted and validated. */
  default Object prepareForCreate(Object object) {
    return object;
  }

  /**
   * Rejects a change from {@code current} to {@code next} the kind does not allow (beyond what
   * validation checks), with an {@link InvalidObjectException}.
   */
  default void checkUpdate(Object current, Object next) {}

  /**
   * Server-set state of an updated object, after it was defaulted and validated; {@code current} is
   * the stored object it replaces.
   */
  default Object prepareForUpdate(Object current, Object next) {
    return next;
  }

  /** Seconds an object entering graceful deletion is given; {@code requested} may be null. */
  default long gracePeriodSeconds(Object current, Long requested) {
    return 0;
  }

  /**
   * True while a deleted object must stay even with no finalizers left, because something outside
   * the registry still has to clean up after it.
   */
  default boolean awaitsCleanup(Object object) {
    return false;
  }

  /**
   * Deletes {@code current} the kind's own way, or returns null for the registry's graceful
   * deletion.
   */
  default Registry.DeleteResult delete(Object current, Registry.DeleteOptions options) {
    return null;
  }
}
