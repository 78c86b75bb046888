package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.UnifiedDiff;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.ManifestWriter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The unified diff between an object as it is in the cluster and as an apply would leave it (the
 * server's dry-run answer), both printed as manifests. The resource version, which every write
 * changes, is left out so that only real changes show.
 */
final class LiveDiff {
  private LiveDiff() {}

  /** The diff from the live object to {@code merged}; "" when they are the same. */
  static String of(DroverClient client, Object merged) {
    ResourceType type = ResourceType.of(merged);
    var meta = ApiObjects.meta(merged);
    Object live = null;
    try {
      live =
          client.call(
              Retry.READ,
              s ->
                  s.get(
                      GetRequest.newBuilder()
                          .setKind(type.kind())
                          .setNamespace(Resources.namespaceFor(type, meta.getNamespace()))
                          .setName(meta.getName())
                          .build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw new ServerCallException(e, new Subject(type, meta.getName()));
      }
    }
    String name = ResourceType.ref(merged);
    if (type.namespaced()) {
      name = meta.getNamespace() + "/" + name;
    }
    return UnifiedDiff.of(
        "live/" + name, live == null ? "" : text(live), "merged/" + name, text(merged));
  }

  private static String text(Object object) {
    return ManifestWriter.toYaml(
        ApiObjects.withMeta(
            object, ApiObjects.meta(object).toBuilder().clearResourceVersion().build()));
  }
}
