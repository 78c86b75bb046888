package dev.drover.cli.patch;

import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.client.manifest.JsonText;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestParser;
import dev.drover.client.manifest.ManifestProblem;
import dev.drover.client.manifest.ManifestWriter;
import dev.drover.client.manifest.ParsedManifests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves an API object to its JSON tree (the form {@code get -o json} prints, which patches and
 * edits change) and back, checking that a changed tree is still the same object: same kind, name
 * and namespace, every field one the API has. The object read keeps its resource version, so the
 * write that follows is a compare-and-swap against what was read.
 */
public final class TreeObjects {

  private TreeObjects() {}

  /**
   * The object a tree describes (as a manifest would), or a {@link PatchException} listing every
   * problem with its field path.
   */
  public static Object parse(java.lang.Object tree) {
    if (!(tree instanceof Map<?, ?>)) {
      throw new PatchException("the result is not an object: " + JsonText.writeLine(tree));
    }
    ParsedManifests parsed;
    try {
      parsed = new ManifestParser().keepStatus(true).parse("object", JsonText.write(tree));
    } catch (ManifestException e) {
      List<String> problems = new ArrayList<>();
      for (ManifestProblem p : e.errors()) {
        problems.add(p.path().isEmpty() ? p.message() : p.path() + ": " + p.message());
      }
      throw new PatchException(String.join("; ", problems));
    }
    if (parsed.objects().size() != 1) {
      throw new PatchException("the result must be one object");
    }
    return parsed.objects().get(0).object();
  }

  /** The object as a mutable tree. */
  @SuppressWarnings("unchecked")
  public static Map<String, java.lang.Object> tree(Object object) {
    return (Map<String, java.lang.Object>) JsonTrees.copy(ManifestWriter.toTree(object));
  }

  /**
   * The object a changed tree describes, carrying {@code read}'s resource version. A tree that is
   * not a valid object of the same identity fails with the problems, each naming its field path.
   */
  public static Object object(java.lang.Object tree, Object read) {
    Object changed = parse(tree);
    ObjectMeta was = ApiObjects.meta(read);
    ObjectMeta now = ApiObjects.meta(changed);
    if (Kinds.kindOf(changed) != Kinds.kindOf(read)) {
      throw new PatchException("kind: cannot be changed");
    }
    if (!now.getName().equals(was.getName())) {
      throw new PatchException("metadata.name: cannot be changed (from \"" + was.getName() + "\")");
    }
    if (!now.getNamespace().isEmpty() && !now.getNamespace().equals(was.getNamespace())) {
      throw new PatchException(
          "metadata.namespace: cannot be changed (from \"" + was.getNamespace() + "\")");
    }
    return ApiObjects.withMeta(
        changed,
        now.toBuilder()
            .setNamespace(was.getNamespace())
            .setResourceVersion(was.getResourceVersion())
            .build());
  }
}
