package dev.drover.cli.core;

/**
 * The object a call was about, so that errors can name it the way kubectl does ({@code pods "web"
 * not found}); {@code origin} is where it was read from ({@code web.yaml:12}), or empty.
 */
public record Subject(ResourceType type, String name, String origin) {

  public Subject(ResourceType type, String name) {
    this(type, name, "");
  }
}
