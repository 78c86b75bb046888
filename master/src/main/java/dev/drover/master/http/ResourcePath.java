package dev.drover.master.http;

import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Kubernetes-shaped REST path taken apart: {@code /api/v1/namespaces/{ns}/pods/{name}/log} is
 * kind Pod, namespace {@code ns}, name and subresource {@code log}. Core kinds live under {@code
 * /api/v1}, the others under {@code /apis/{group}/{version}}; the apiVersion of the path must be
 * the kind's own. A namespaced kind listed without a namespace means every namespace.
 *
 * @param kind the kind the path names
 * @param namespace the namespace, or "" for cluster-scoped kinds and lists over all namespaces
 * @param name the object's name, or "" for the collection
 * @param subresource "status", "scale", "log", an action, or "" for the object itself
 */
record ResourcePath(Kind kind, String namespace, String name, String subresource) {

  /** True when the path names a collection rather than one object. */
  boolean isCollection() {
    return name.isEmpty();
  }

  /** "Pod default/web-1" for messages. */
  String describe() {
    String kindName = Kinds.info(kind).kindName();
    if (name.isEmpty()) {
      return kindName + " list";
    }
    return kindName + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
  }

  /** The path's parts, or empty when the path names no kind this API serves. */
  static Optional<ResourcePath> parse(String path) {
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    String apiVersion;
    int at;
    if (parts.size() >= 3 && parts.get(0).equals("api") && parts.get(1).equals("v1")) {
      apiVersion = "v1";
      at = 2;
    } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
      apiVersion = parts.get(1) + "/" + parts.get(2);
      at = 3;
    } else {
      return Optional.empty();
    }
    String namespace = "";
    // "namespaces/{ns}/{plural}..." scopes a namespaced kind; "namespaces/{name}[/status]" is the
    // Namespace object itself.
    if (parts.size() >= at + 3 && parts.get(at).equals("namespaces")) {
      namespace = parts.get(at + 1);
      at += 2;
    }
    Optional<Kind> kind = kindOfPlural(parts.get(at), apiVersion);
    if (kind.isEmpty()
        && !namespace.isEmpty()
        && parts.size() == at + 1
        && parts.get(at).equals("status")) {
      // "namespaces/{name}/status": the Namespace's own subresource, not a plural.
      kind = kindOfPlural("namespaces", apiVersion);
      at -= 2;
      namespace = "";
    }
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    boolean namespaced = Kinds.isNamespaced(kind.get());
    if (!namespaced && !namespace.isEmpty()) {
      return Optional.empty();
    }
    List<String> rest = parts.subList(at + 1, parts.size());
    if (rest.size() > 2) {
      return Optional.empty();
    }
    String name = rest.isEmpty() ? "" : rest.get(0);
    String subresource = rest.size() == 2 ? rest.get(1) : "";
    return Optional.of(new ResourcePath(kind.get(), namespace, name, subresource));
  }

  private static Optional<Kind> kindOfPlural(String plural, String apiVersion) {
    for (Kind kind : Kinds.all()) {
      Kinds.Info info = Kinds.info(kind);
      if (info.plural().equals(plural) && info.apiVersion().equals(apiVersion)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
