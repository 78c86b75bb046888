package dev.drover.api;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A container image reference ({@code busybox}, {@code 127.0.0.1:5000/busybox:1}, {@code
 * registry:5000/a/b@sha256:<64 hex>}) parsed by the grammar of the distribution project's reference
 * package, which Docker uses: an optional registry host (with port), a lower-case repository path,
 * an optional tag and an optional digest.
 *
 * <p>As in Docker, the first path component is a registry host only when it contains a '.' or a ':'
 * or is {@code localhost}; otherwise the whole name is the repository on the default registry.
 */
public final class ImageReference {

  /** Longest repository name (host and path) Docker accepts. */
  public static final int NAME_MAX = 255;

  private static final Pattern DOMAIN_COMPONENT =
      Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
  private static final Pattern PORT = Pattern.compile("[0-9]+");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST_ALGORITHM =
      Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{32,}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private final String registry;
  private final String repository;
  private final String tag;
  private final String digest;

  private ImageReference(String registry, String repository, String tag, String digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses a reference.
   *
   * @throws IllegalArgumentException whose message says what is wrong with it
   */
  public static ImageReference parse(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.isEmpty()) {
      throw new IllegalArgumentException("an image reference must not be empty");
    }
    for (int i = 0; i < reference.length(); i++) {
      char c = reference.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            "an image reference must not contain whitespace or control characters (at " + i + ")");
      }
    }
    String rest = reference;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      checkDigest(digest);
    }
    String tag = null;
    int lastColon = rest.lastIndexOf(':');
    // A colon after the last slash separates the tag; one before it belongs to a registry port.
    if (lastColon > rest.lastIndexOf('/')) {
      tag = rest.substring(lastColon + 1);
      rest = rest.substring(0, lastColon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException(
            "invalid tag '"
                + tag
                + "': at most 128 letters, digits, '_', '.' or '-', not"
                + " starting with '.' or '-'");
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("an image reference needs a repository name");
    }
    if (rest.length() > NAME_MAX) {
      throw new IllegalArgumentException(
          "repository name must not be longer than " + NAME_MAX + " characters");
    }
    String registry = null;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first;
        path = rest.substring(slash + 1);
        checkRegistry(registry);
      }
    }
    if (path.isEmpty()) {
      throw new IllegalArgumentException("an image reference needs a repository name");
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        if (!component.equals(component.toLowerCase(java.util.Locale.ROOT))) {
          throw new IllegalArgumentException(
              "repository name must be lowercase ('" + component + "')");
        }
        throw new IllegalArgumentException(
            "invalid repository path component '"
                + component
                + "': lower-case letters and"
                + " digits separated by '.', '_', '__' or dashes");
      }
    }
    return new ImageReference(registry, path, tag, digest);
  }

  private static void checkRegistry(String registry) {
    String host = registry;
    int colon = registry.lastIndexOf(':');
    if (colon >= 0) {
      host = registry.substring(0, colon);
      String port = registry.substring(colon + 1);
      if (!PORT.matcher(port).matches()) {
        throw new IllegalArgumentException("invalid registry port '" + port + "'");
      }
    }
    for (String component : host.split("\\.", -1)) {
      if (!DOMAIN_COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException("invalid registry host '" + host + "'");
      }
    }
  }

  private static void checkDigest(String digest) {
    int colon = digest.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid digest '" + digest + "': expected <algorithm>:<hex>");
    }
    String algorithm = digest.substring(0, colon);
    String hex = digest.substring(colon + 1);
    if (!DIGEST_ALGORITHM.matcher(algorithm).matches() || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid digest '" + digest + "': expected <algorithm>:<at least 32 hex digits>");
    }
    if (algorithm.equals("sha256") && !SHA256_HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid digest '" + digest + "': sha256 needs exactly 64 lower-case hex digits");
    }
  }

  /** Parses {@code reference}, or returns empty when it is not valid. */
  public static Optional<ImageReference> tryParse(String reference) {
    try {
      return Optional.of(parse(reference));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The registry host (with port) when the reference names one. */
  public Optional<String> registry() {
    return Optional.ofNullable(registry);
  }

  /** The repository path without the registry, e.g. {@code library/busybox} or {@code a/b}. */
  public String repository() {
    return repository;
  }

  /** The tag, when one is written. */
  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  /** The digest ({@code sha256:...}), when one is written. */
  public Optional<String> digest() {
    return Optional.ofNullable(digest);
  }

  /**
   * The tag a pull uses: the written tag, else {@code latest} when there is no digest either, else
   * empty (a digest-only reference).
   */
  public Optional<String> effectiveTag() {
    if (tag != null) {
      return Optional.of(tag);
    }
    return digest == null ? Optional.of("latest") : Optional.empty();
  }

  /** The registry and repository, without tag and digest ({@code 127.0.0.1:5000/busybox}). */
  public String name() {
    return registry == null ? repository : registry + "/" + repository;
  }

  @Override
  public String toString() {
    return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }
}
