package dev.drover.agent.runtime;

/**
 * Result of a command run inside a container.
 *
 * @param exitCode its exit code; -1 when it timed out
 * @param output what it printed (truncated)
 */
public record ExecResult(int exitCode, String output) {}
