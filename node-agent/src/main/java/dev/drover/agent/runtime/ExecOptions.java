package dev.drover.agent.runtime;

import java.util.List;

/**
 * How {@link ContainerRuntime#attach} runs a command.
 *
 * @param command the command and its arguments
 * @param stdin attach its standard input
 * @param tty run it on a terminal (one output stream, resizable)
 * @param width the terminal's initial columns; 0 for the runtime's default
 * @param height the terminal's initial rows; 0 for the runtime's default
 */
public record ExecOptions(List<String> command, boolean stdin, boolean tty, int width, int height) {
  public ExecOptions {
    command = List.copyOf(command);
  }
}
