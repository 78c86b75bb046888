package dev.drover.master.controller;

import com.google.protobuf.Message;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import java.util.List;
import java.util.Optional;

/**
 * Write side used by controllers. Every update is a compare-and-swap on {@code
 * metadata.resource_version}, so a deposed master's stale writes fail instead of overwriting newer
 * state. Failures throw {@link WriteException}.
 */
public interface ObjectWriter {
  /** Creates an object (name or generate_name set) and returns it as stored. */
  <T extends Message> T create(T object);

  /** Replaces metadata and spec; the status sent is ignored. Returns the stored object. */
  <T extends Message> T update(T object);

  /** Replaces the status; spec and metadata sent are ignored. Returns the stored object. */
  <T extends Message> T updateStatus(T object);

  /**
   * Deletes an object. Objects with finalizers (including the {@code foregroundDeletion} and {@code
   * orphan} finalizers the store adds for those propagation policies) and pods bound to a node get
   * a deletion_time and stay until cleaned up.
   */
  void delete(Kind kind, String namespace, String name, DeleteOptions options);

  /**
   * Reads one object from the store itself rather than a cache (a linearizable read). The garbage
   * collector uses it to confirm that an owner is really gone before deleting dependents.
   */
  <T extends Message> Optional<T> fetch(Kind kind, String namespace, String name);

  /**
   * Up to {@code limit} objects of a namespaced kind in one namespace, read from the store itself
   * in name order, starting after the object named {@code after} (from the first when empty). The
   * namespace controller pages through a terminating namespace with it.
   */
  <T extends Message> List<T> listPage(Kind kind, String namespace, String after, int limit);

  /**
   * Deletes objects just read with {@link #listPage}, several to a store transaction, each in the
   * background at its own grace period: those with finalizers, and pods bound to a node, enter
   * graceful deletion and stay for now. Returns how many of them are still stored.
   */
  int deleteAll(List<? extends Message> objects);

  /**
   * Removes a terminating namespace if nothing is left in it and it has no finalizers; true when it
   * is gone.
   */
  boolean removeNamespaceIfEmpty(String name);

  /** Records an event; the server merges repeats. */
  void recordEvent(Event event);
}
