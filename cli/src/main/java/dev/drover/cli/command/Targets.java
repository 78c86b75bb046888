package dev.drover.cli.command;

import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Parses the object a verb acts on, given as {@code KIND/NAME} or as {@code KIND NAME}. */
final class Targets {

  private Targets() {}

  static Subject one(CommandLine commandLine, String first, String second) {
    int slash = first.indexOf('/');
    if (slash >= 0) {
      if (second != null) {
        throw new ParameterException(
            commandLine, "give either KIND/NAME or KIND NAME, not both (extra \"" + second + "\")");
      }
      String name = first.substring(slash + 1);
      if (name.isEmpty()) {
        throw new ParameterException(commandLine, "missing NAME in \"" + first + "\"");
      }
      return new Subject(Resources.type(commandLine, first.substring(0, slash)), name);
    }
    if (second == null) {
      throw new ParameterException(commandLine, "missing NAME: give KIND/NAME or KIND NAME");
    }
    return new Subject(Resources.type(commandLine, first), second);
  }

  /** Like {@link #one} but the kind must be {@code expected}; a bare NAME means that kind. */
  static Subject of(CommandLine commandLine, ResourceType expected, String first, String second) {
    Subject subject;
    if (first.indexOf('/') < 0 && second == null) {
      subject = new Subject(expected, first);
    } else {
      subject = one(commandLine, first, second);
    }
    if (subject.type() != expected) {
      throw new ParameterException(
          commandLine, "expected a " + expected.singular() + ", got " + subject.type().plural());
    }
    return subject;
  }
}
