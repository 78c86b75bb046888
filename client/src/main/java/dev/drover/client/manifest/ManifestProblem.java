package dev.drover.client.manifest;

/**
 * One error or warning found in a manifest: the file, the 1-based line (0 when the problem is about
 * the file as a whole), the field path in Kubernetes spelling (for example {@code
 * spec.template.spec.containers[0].image}; empty when no field applies) and what is wrong.
 */
public record ManifestProblem(String file, int line, String path, String message) {

  /**
   * Formats the problem as one line: {@code file:line: path: message}, leaving out the parts that
   * do not apply.
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(file);
    if (line > 0) {
      out.append(':').append(line);
    }
    out.append(": ");
    if (!path.isEmpty()) {
      out.append(path).append(": ");
    }
    return out.append(message).toString();
  }
}
