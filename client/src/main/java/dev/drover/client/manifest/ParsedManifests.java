package dev.drover.client.manifest;

import java.util.List;

/**
 * The outcome of a successful parse: every object of the manifests in file and document order, and
 * the warnings (ignored status sections, unknown fields dropped with {@code ignoreUnknown}).
 */
public record ParsedManifests(List<ManifestObject> objects, List<ManifestProblem> warnings) {

  /** Copies both lists so that the result cannot change afterwards. */
  public ParsedManifests {
    objects = List.copyOf(objects);
    warnings = List.copyOf(warnings);
  }
}
