package dev.drover.client.manifest;

import java.util.regex.Pattern;

/**
 * Builds field paths for messages in the style of kubectl: {@code
 * spec.template.spec.containers[0].image}, {@code metadata.labels[app.kubernetes.io/name]}.
 */
final class Paths {

  private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private Paths() {}

  /** The path of a field of the message at {@code parent}. */
  static String field(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** The path of an entry of the map at {@code parent}. */
  static String mapKey(String parent, String key) {
    return SIMPLE_KEY.matcher(key).matches() ? field(parent, key) : parent + "[" + key + "]";
  }

  /** The path of an item of the list at {@code parent}. */
  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }
}
