package dev.drover.cli.command;

import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.Suggestions;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Reading helpers shared by the verbs: kind lookup, get by name, list across pages. */
final class Resources {

  private static final int PAGE = 500;

  private Resources() {}

  /** The type named on the command line, or a usage error listing the known names. */
  static ResourceType type(CommandLine commandLine, String name) {
    return ResourceType.find(name)
        .orElseThrow(
            () ->
                new ParameterException(
                    commandLine,
                    "unknown resource type \""
                        + name
                        + "\""
                        + Optional.ofNullable(Suggestions.closest(name, ResourceType.allNames()))
                            .map(m -> "; did you mean \"" + m + "\"?")
                            .orElseGet(
                                () ->
                                    "; known types: "
                                        + String.join(
                                            ", ",
                                            Arrays.stream(ResourceType.values())
                                                .map(ResourceType::plural)
                                                .toList()))));
  }

  /** The namespace for a request about {@code type}: empty for cluster-scoped kinds. */
  static String namespaceFor(ResourceType type, String namespace) {
    return type.namespaced() ? namespace : "";
  }

  /** Reads one object; NOT_FOUND becomes an error naming it. */
  static Object get(DroverClient client, ResourceType type, String namespace, String name) {
    try {
      return client.call(
          Retry.READ,
          s ->
              s.get(
                  GetRequest.newBuilder()
                      .setKind(type.kind())
                      .setNamespace(namespaceFor(type, namespace))
                      .setName(name)
                      .build()));
    } catch (StatusRuntimeException e) {
      throw new ServerCallException(e, new Subject(type, name));
    }
  }

  /** The result of listing every page. */
  record Listing(List<Object> items, long resourceVersion) {}

  /** Lists every object matching the request, following continue tokens. */
  static Listing list(DroverClient client, ListRequest request) {
    List<Object> items = new ArrayList<>();
    String token = "";
    long version = 0;
    do {
      ListRequest page = request.toBuilder().setLimit(PAGE).setContinueToken(token).build();
      ListResponse response = client.call(Retry.READ, s -> s.list(page));
      items.addAll(response.getItemsList());
      if (version == 0) {
        version = response.getResourceVersion();
      }
      token = response.getContinueToken();
    } while (!token.isEmpty());
    return new Listing(items, version);
  }

  /** Lists the objects of a type in a namespace ("" for all) with optional selectors. */
  static Listing list(
      DroverClient client, ResourceType type, String namespace, String labels, String fields) {
    return list(
        client,
        ListRequest.newBuilder()
            .setKind(type.kind())
            .setNamespace(namespaceFor(type, namespace))
            .setLabelSelector(labels == null ? "" : labels)
            .setFieldSelector(fields == null ? "" : fields)
            .build());
  }
}
