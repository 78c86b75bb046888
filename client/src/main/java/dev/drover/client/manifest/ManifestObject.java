package dev.drover.client.manifest;

import dev.drover.api.v1.Object;

/** One object read from a manifest, together with the place it was read from. */
public record ManifestObject(Object object, ManifestSource source) {}
