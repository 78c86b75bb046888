package dev.drover.cli.command;

import dev.drover.api.v1.Object;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.patch.JsonTrees;
import dev.drover.cli.patch.TreeObjects;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Client-side patching for label, annotate and patch: read the object, change its JSON tree, and
 * write it back guarded by the resource version read. When someone else wrote in between, the
 * server answers Conflict and the change is made again on a fresh read (as kubectl retries its
 * patches), so no concurrent update is lost.
 */
final class ObjectUpdates {

  /** Attempts before a conflict is reported instead of retried. */
  static final int ATTEMPTS = 5;

  private ObjectUpdates() {}

  /** The object as written (or as read, when the change left it as it was). */
  record Outcome(Object object, boolean changed) {}

  /** Applies {@code change} to the object's tree and writes the result, retrying on conflict. */
  static Outcome update(
      DroverClient client,
      ResourceType type,
      String namespace,
      String name,
      UnaryOperator<Map<String, java.lang.Object>> change) {
    for (int attempt = 1; ; attempt++) {
      Object read = Resources.get(client, type, namespace, name);
      Map<String, java.lang.Object> before = TreeObjects.tree(read);
      Map<String, java.lang.Object> after = change.apply(TreeObjects.tree(read));
      if (JsonTrees.equal(before, after)) {
        return new Outcome(read, false);
      }
      Object changed = TreeObjects.object(after, read);
      try {
        Object written =
            client.call(
                Retry.CAS_WRITE,
                s -> s.update(UpdateRequest.newBuilder().setObject(changed).build()));
        return new Outcome(written, true);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt >= ATTEMPTS) {
          throw new ServerCallException(e, new Subject(type, name));
        }
        // Someone wrote since the read: apply the change again to what is there now.
      }
    }
  }
}
