package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.StatusRuntimeException;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code apply --prune -l SELECTOR}: deletes the objects that match the selector, were written by
 * this tool's apply (they carry its field-manager annotation, which objects made by controllers,
 * such as a deployment's pods, never do) and are not among the objects just applied. Looks in the
 * namespaces of the applied objects, in every kind a user applies.
 */
final class Pruner {
  /** Kinds that only the system writes: never pruned. */
  private static final Set<ResourceType> SYSTEM =
      EnumSet.of(ResourceType.NODE, ResourceType.EVENT, ResourceType.LEASE, ResourceType.ENDPOINTS);

  private Pruner() {}

  static void prune(
      Cli cli, DroverClient client, List<Object> applied, String selector, boolean dryRun) {
    Set<String> keep = new HashSet<>();
    Set<String> namespaces = new TreeSet<>();
    for (Object o : applied) {
      keep.add(key(o));
      ObjectMeta meta = ApiObjects.meta(o);
      if (ResourceType.of(o).namespaced()) {
        namespaces.add(meta.getNamespace());
      }
    }
    if (namespaces.isEmpty()) {
      namespaces.add(cli.namespace());
    }
    for (ResourceType type : ResourceType.values()) {
      if (SYSTEM.contains(type)) {
        continue;
      }
      for (String ns : type.namespaced() ? namespaces : Set.of("")) {
        for (Object o : Resources.list(client, type, ns, selector, "").items()) {
          ObjectMeta meta = ApiObjects.meta(o);
          boolean ours =
              ApplyCommand.FIELD_MANAGER.equals(
                  meta.getAnnotationsOrDefault(WellKnown.FIELD_MANAGER, ""));
          if (ours && !keep.contains(key(o)) && !meta.hasDeletionTime()) {
            if (!dryRun) {
              delete(client, type, meta);
            }
            cli.out().println(ResourceType.ref(o) + " pruned" + (dryRun ? " (dry run)" : ""));
          }
        }
      }
    }
  }

  private static void delete(DroverClient client, ResourceType type, ObjectMeta meta) {
    try {
      client.call(
          Retry.NEVER,
          s ->
              s.delete(
                  DeleteRequest.newBuilder()
                      .setKind(type.kind())
                      .setNamespace(meta.getNamespace())
                      .setName(meta.getName())
                      .build()));
    } catch (StatusRuntimeException e) {
      throw new ServerCallException(e, new Subject(type, meta.getName()));
    }
  }

  private static String key(Object o) {
    ObjectMeta meta = ApiObjects.meta(o);
    return ResourceType.of(o) + "/" + meta.getNamespace() + "/" + meta.getName();
  }
}
