package dev.drover.client.manifest;

/**
 * Where an object of a manifest came from: the file (or "-" for standard input), the index of the
 * YAML document in that file (0-based, counting every {@code ---} separated document) and the
 * 1-based line at which the object starts.
 */
public record ManifestSource(String file, int documentIndex, int line) {

  /** Returns {@code file:line}, the way editors and compilers point at a place in a file. */
  @Override
  public String toString() {
    return file + ":" + line;
  }
}
