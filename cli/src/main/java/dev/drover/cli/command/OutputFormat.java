package dev.drover.cli.command;

/** The {@code -o} formats of {@code drover get}. */
enum OutputFormat {
  table,
  wide,
  yaml,
  json,
  name
}
