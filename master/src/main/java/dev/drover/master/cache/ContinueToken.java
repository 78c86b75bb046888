package dev.drover.master.cache;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a paged listing stopped: the snapshot revision of its first page, which every later page is
 * read at, and the sort key of the last object returned. Clients get it as opaque URL-safe base64.
 */
record ContinueToken(long revision, String lastKey) {
  /** The error for a token this API did not issue (garbage, truncated or edited). */
  static final String NOT_ISSUED = "continue_token is not a token this API issued";

  /** The token as a client sees it. */
  String encode() {
    String raw = revision + "\n" + lastKey;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a token made by {@link #encode}.
   *
   * @throws IllegalArgumentException with {@link #NOT_ISSUED} when {@code token} is not one
   */
  static ContinueToken decode(String token) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int nl = raw.indexOf('\n');
      if (nl <= 0) {
        throw new IllegalArgumentException("no revision");
      }
      return new ContinueToken(Long.parseLong(raw.substring(0, nl)), raw.substring(nl + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NOT_ISSUED);
    }
  }
}
