package dev.drover.cli.command;

/** The {@code -o} formats of {@code drover get}. */
enum OutputFormat {
  table,
  wide,
  yaml,
  json,
  name,
  /** {@code jsonpath=TEMPLATE}. */
  jsonpath,
  /** {@code custom-columns=SPEC}. */
  customColumns
}
