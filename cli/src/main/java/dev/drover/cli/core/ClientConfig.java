package dev.drover.cli.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The client configuration ({@code ~/.drover/config}): the known contexts and the name of the
 * current one. Immutable; the "with" methods return changed copies.
 */
public record ClientConfig(String currentContext, List<ContextEntry> contexts) {

  /** An empty configuration. */
  public static final ClientConfig EMPTY = new ClientConfig("", List.of());

  /** Copies the context list; a null current context becomes empty. */
  public ClientConfig {
    currentContext = currentContext == null ? "" : currentContext;
    contexts = List.copyOf(contexts);
  }

  /** The context with this name. */
  public Optional<ContextEntry> context(String name) {
    return contexts.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** A copy in which {@code entry} replaces the context of the same name, or is added. */
  public ClientConfig withContext(ContextEntry entry) {
    List<ContextEntry> updated = new ArrayList<>();
    boolean replaced = false;
    for (ContextEntry context : contexts) {
      if (context.name().equals(entry.name())) {
        updated.add(entry);
        replaced = true;
      } else {
        updated.add(context);
      }
    }
    if (!replaced) {
      updated.add(entry);
    }
    return new ClientConfig(currentContext, updated);
  }

  /** A copy whose current context is {@code name}. */
  public ClientConfig withCurrent(String name) {
    return new ClientConfig(name, contexts);
  }

  /** A copy without the context {@code name} (and without it as current context). */
  public ClientConfig withoutContext(String name) {
    List<ContextEntry> updated = new ArrayList<>(contexts);
    updated.removeIf(c -> c.name().equals(name));
    return new ClientConfig(currentContext.equals(name) ? "" : currentContext, updated);
  }
}
