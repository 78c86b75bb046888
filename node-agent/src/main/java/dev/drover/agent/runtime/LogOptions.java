package dev.drover.agent.runtime;

import java.time.Instant;

/**
 * What part of a container's output to stream.
 *
 * @param follow keep streaming new output
 * @param tailLines only the last N lines; negative means all
 * @param since only output after this time; null means from the start
 * @param timestamps prefix each line with its time
 */
public record LogOptions(boolean follow, long tailLines, Instant since, boolean timestamps) {}
