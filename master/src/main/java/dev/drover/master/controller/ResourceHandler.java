package dev.drover.master.controller;

import com.google.protobuf.Message;
import java.util.function.Consumer;

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

  /**
   * A handler that passes every object it hears about to the action: added objects, both the old
   * and the new state of updated ones, and the last state of deleted ones.
   */
  static ResourceHandler onAnyChange(Consumer<Message> action) {
    return new ResourceHandler() {
      @Override
      public void onAdd(Message object) {
        action.accept(object);
      }

      @Override
      public void onUpdate(Message oldObject, Message newObject) {
        action.accept(oldObject);
        action.accept(newObject);
      }

      @Override
      public void onDelete(Message lastState) {
        action.accept(lastState);
      }
    };
  }
}
