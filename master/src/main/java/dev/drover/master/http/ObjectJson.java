package dev.drover.master.http;

import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.client.manifest.JsonText;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestParser;
import dev.drover.client.manifest.ManifestProblem;
import dev.drover.client.manifest.ManifestWriter;
import dev.drover.client.manifest.ParsedManifests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's JSON: objects in the Kubernetes shape the CLI prints with {@code -o json} and reads
 * with {@code apply} (both through {@code client.manifest}, so HTTP and CLI agree on every key and
 * spelling), lists with their {@code metadata}, and request bodies read back into objects with a
 * 400 naming each bad field.
 */
final class ObjectJson {
  private static final ManifestParser PARSER = new ManifestParser();
  private static final ManifestParser STATUS_PARSER = new ManifestParser().keepStatus(true);

  private ObjectJson() {}

  /** One object as a JSON tree. */
  static Map<String, java.lang.Object> tree(Object object) {
    return ManifestWriter.toTree(object);
  }

  /** A Kubernetes list ({@code PodList}, ...) of one page. */
  static Map<String, java.lang.Object> list(
      Kind kind, List<Object> items, long resourceVersion, String continueToken, long remaining) {
    Kinds.Info info = Kinds.info(kind);
    Map<String, java.lang.Object> meta = new LinkedHashMap<>();
    // A string, as Kubernetes writes it and as objects' metadata.resourceVersion is written.
    meta.put("resourceVersion", String.valueOf(resourceVersion));
    if (!continueToken.isEmpty()) {
      meta.put("continue", continueToken);
    }
    if (remaining > 0) {
      meta.put("remainingItemCount", remaining);
    }
    List<java.lang.Object> out = new ArrayList<>();
    for (Object item : items) {
      out.add(tree(item));
    }
    Map<String, java.lang.Object> list = new LinkedHashMap<>();
    list.put("apiVersion", info.apiVersion());
    list.put("kind", info.kindName() + "List");
    list.put("metadata", meta);
    list.put("items", out);
    return list;
  }

  /** An object reference as {@code {kind, namespace, name}}. */
  static Map<String, java.lang.Object> reference(ObjectReference ref) {
    Map<String, java.lang.Object> out = new LinkedHashMap<>();
    out.put("kind", Kinds.info(ref.getKind()).kindName());
    if (!ref.getNamespace().isEmpty()) {
      out.put("namespace", ref.getNamespace());
    }
    out.put("name", ref.getName());
    return out;
  }

  /**
   * Reads a request body holding one object of the path's kind, in the path's namespace (filled in
   * when the body leaves it out) and, for a path naming an object, with that name.
   */
  static Object read(String body, ResourcePath path, boolean withStatus) {
    if (body.isBlank()) {
      throw new HttpErrors.HttpError(400, "the request needs a JSON body holding the object");
    }
    ParsedManifests parsed;
    try {
      parsed = (withStatus ? STATUS_PARSER : PARSER).parse("body", body);
    } catch (ManifestException e) {
      List<FieldViolation> causes = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      for (ManifestProblem problem : e.errors()) {
        String field = problem.path().isEmpty() ? "body" : problem.path();
        String why =
            problem.message() + (problem.line() > 0 ? " (line " + problem.line() + ")" : "");
        causes.add(FieldViolation.newBuilder().setField(field).setDescription(why).build());
        texts.add(field + ": " + why);
      }
      throw new HttpErrors.HttpError(400, "invalid body: " + String.join("; ", texts), causes);
    }
    if (parsed.objects().size() != 1) {
      throw new HttpErrors.HttpError(
          400, "the body must hold exactly one object, not " + parsed.objects().size());
    }
    Object object = parsed.objects().get(0).object();
    Kind kind = Kinds.kindOf(object);
    Kinds.Info expected = Kinds.info(path.kind());
    if (kind != path.kind()) {
      throw HttpErrors.badField(
          "kind",
          "this path takes "
              + expected.kindName()
              + " (apiVersion "
              + expected.apiVersion()
              + "), not "
              + Kinds.info(kind).kindName());
    }
    ObjectMeta meta = ApiObjects.meta(object);
    if (!path.namespace().isEmpty()) {
      if (meta.getNamespace().isEmpty()) {
        meta = meta.toBuilder().setNamespace(path.namespace()).build();
      } else if (!meta.getNamespace().equals(path.namespace())) {
        throw HttpErrors.badField(
            "metadata.namespace",
            "\""
                + meta.getNamespace()
                + "\" does not match the path's \""
                + path.namespace()
                + "\"");
      }
    }
    if (!path.name().isEmpty() && !meta.getName().equals(path.name())) {
      throw HttpErrors.badField(
          "metadata.name",
          "\"" + meta.getName() + "\" does not match the path's \"" + path.name() + "\"");
    }
    return ApiObjects.withMeta(object, meta);
  }

  /** Reads a body that is a plain JSON object (a Scale, action options); empty gives {}. */
  @SuppressWarnings("unchecked")
  static Map<String, java.lang.Object> readMap(String body) {
    if (body.isBlank()) {
      return Map.of();
    }
    java.lang.Object tree;
    try {
      tree = JsonText.parse(body);
    } catch (IllegalArgumentException e) {
      throw HttpErrors.badField("body", "malformed JSON: " + e.getMessage());
    }
    if (!(tree instanceof Map)) {
      throw HttpErrors.badField("body", "expected a JSON object");
    }
    return (Map<String, java.lang.Object>) tree;
  }

  /** The value at a dotted path of a tree, or null. */
  static java.lang.Object at(Map<String, java.lang.Object> tree, String dotted) {
    java.lang.Object node = tree;
    for (String part : dotted.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(part);
    }
    return node;
  }

  /** An integer at a dotted path of a body, or {@code fallback} when absent; 400 when not one. */
  static long longAt(Map<String, java.lang.Object> tree, String dotted, long fallback) {
    java.lang.Object value = at(tree, dotted);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number number && number.doubleValue() == number.longValue()) {
      return number.longValue();
    }
    if (value instanceof String text && text.matches("-?[0-9]+")) {
      return Long.parseLong(text);
    }
    throw HttpErrors.badField(dotted, "expected an integer, got " + JsonText.writeLine(value));
  }
}
