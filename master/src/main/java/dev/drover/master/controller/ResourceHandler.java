package dev.drover.master.controller;

import com.google.protobuf.Message;

/**
 * Receives the changes an {@link ObjectCache} observes for one kind. Controllers' handlers only
 * enqueue keys: all decisions happen later in a level-triggered {@code sync(key)}.
 */
public interface ResourceHandler {
  /** An object appeared in the cache. */
  default void onAdd(Message object) {}

  /** An object changed; {@code oldObject} is the previous cached state. */
  default void onUpdate(Message oldObject, Message newObject) {}

  /** An object disappeared; {@code lastState} is its last cached state. */
  default void onDelete(Message lastState) {}
}
