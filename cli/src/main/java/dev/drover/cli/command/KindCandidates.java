package dev.drover.cli.command;

import dev.drover.cli.core.ResourceType;
import java.util.Iterator;

/** Completion candidates for a KIND argument: the plural name of every kind. */
final class KindCandidates implements Iterable<String> {

  @Override
  public Iterator<String> iterator() {
    return java.util.Arrays.stream(ResourceType.values()).map(ResourceType::plural).iterator();
  }
}
