package dev.drover.cli.patch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386): an object in the patch merges key by key into the target, a null
 * removes the key, anything else (lists included) replaces the target's value whole.
 */
public final class MergePatch {

  private MergePatch() {}

  /** The target with the patch merged in; neither argument is changed. */
  public static Object apply(Object target, Object patch) {
    if (!(patch instanceof Map<?, ?> changes)) {
      return JsonTrees.copy(patch);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    if (target instanceof Map<?, ?> map) {
      map.forEach((k, v) -> result.put(String.valueOf(k), JsonTrees.copy(v)));
    }
    for (Map.Entry<?, ?> change : changes.entrySet()) {
      String key = String.valueOf(change.getKey());
      if (change.getValue() == null) {
        result.remove(key);
      } else {
        result.put(key, apply(result.get(key), change.getValue()));
      }
    }
    return result;
  }
}
