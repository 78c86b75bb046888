package dev.drover.cli.command;

import dev.drover.cli.core.Subject;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/**
 * The one object a verb acts on, given as {@code KIND/NAME} or {@code KIND NAME}: a picocli mixin
 * for verbs such as edit, patch and expose.
 */
final class ObjectArgument {

  @Parameters(
      index = "0",
      paramLabel = "KIND/NAME",
      description = "The object, as KIND/NAME or KIND NAME.")
  String target;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", hidden = true)
  String name;

  Subject subject(CommandLine commandLine) {
    return Targets.one(commandLine, target, name);
  }
}
