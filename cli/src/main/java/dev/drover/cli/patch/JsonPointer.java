package dev.drover.cli.patch;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON pointer (RFC 6901): {@code ""} is the whole document, {@code /a/0/b~1c} names key "b/c" of
 * the first item of "a" ({@code ~1} stands for "/", {@code ~0} for "~").
 */
record JsonPointer(String text, List<String> tokens) {

  /** Parses a pointer; {@code IllegalArgumentException} says what is wrong with it. */
  static JsonPointer parse(String text) {
    if (text.isEmpty()) {
      return new JsonPointer(text, List.of());
    }
    if (!text.startsWith("/")) {
      throw new IllegalArgumentException("a JSON pointer starts with \"/\" (or is empty)");
    }
    List<String> tokens = new ArrayList<>();
    for (String raw : text.substring(1).split("/", -1)) {
      if (raw.matches(".*~([^01]|$).*")) {
        throw new IllegalArgumentException("\"~\" must be followed by 0 or 1 in \"" + raw + "\"");
      }
      tokens.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return new JsonPointer(text, List.copyOf(tokens));
  }

  boolean isRoot() {
    return tokens.isEmpty();
  }

  /** The pointer to the container of what this one names. */
  List<String> parent() {
    return tokens.subList(0, tokens.size() - 1);
  }

  /** The last token: a key, an index or "-". */
  String last() {
    return tokens.get(tokens.size() - 1);
  }

  /** True when {@code other} names something inside what this pointer names. */
  boolean isProperPrefixOf(JsonPointer other) {
    return other.tokens.size() > tokens.size()
        && other.tokens.subList(0, tokens.size()).equals(tokens);
  }
}
