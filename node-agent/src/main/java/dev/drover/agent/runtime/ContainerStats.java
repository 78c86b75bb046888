package dev.drover.agent.runtime;

/**
 * One sample of a container's resource use: CPU over the runtime's last interval in thousandths of
 * a core, and the memory working set (usage less inactive file cache) in bytes.
 */
public record ContainerStats(long cpuMillicores, long memoryBytes) {}
